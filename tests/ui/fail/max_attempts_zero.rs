use webhooks::{webhook_endpoint, WebhookPayload};

#[webhook_endpoint(queue, max_attempts = 0)]
async fn hook(_payload: WebhookPayload) {}

fn main() {}
