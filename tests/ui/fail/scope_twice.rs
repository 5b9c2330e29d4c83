use webhooks::{webhook_endpoint, WebhookPayload};

#[webhook_endpoint(scope = "repo", scope = "discussion")]
async fn hook(_payload: WebhookPayload) {}

fn main() {}
