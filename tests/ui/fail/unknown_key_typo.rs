use webhooks::{webhook_endpoint, WebhookPayload};

#[webhook_endpoint(scopes = "repo")]
async fn hook(_payload: WebhookPayload) {}

fn main() {}
