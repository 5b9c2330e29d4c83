use webhooks::{webhook_endpoint, WebhookPayload};

#[webhook_endpoint(respond_within = 5)]
async fn hook(_payload: WebhookPayload) {}

fn main() {}
