use webhooks::{webhook_endpoint, WebhookPayload};

#[webhook_endpoint(scope = "repo.contnet")]
async fn hook(_payload: WebhookPayload) {}

fn main() {}
