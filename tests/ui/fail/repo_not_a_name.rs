use webhooks::{webhook_endpoint, WebhookPayload};

#[webhook_endpoint(repo = "my org/my-model")]
async fn hook(_payload: WebhookPayload) {}

fn main() {}
