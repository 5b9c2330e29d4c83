use webhooks::{webhook_endpoint, WebhookPayload};

#[webhook_endpoint(queue, respond_within = "5s")]
async fn hook(_payload: WebhookPayload) {}

fn main() {}
