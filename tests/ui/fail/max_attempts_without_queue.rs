use webhooks::{webhook_endpoint, WebhookPayload};

#[webhook_endpoint(max_attempts = 5)]
async fn hook(_payload: WebhookPayload) {}

fn main() {}
