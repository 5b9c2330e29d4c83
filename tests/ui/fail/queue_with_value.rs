use webhooks::{webhook_endpoint, WebhookPayload};

#[webhook_endpoint(queue = true)]
async fn hook(_payload: WebhookPayload) {}

fn main() {}
