use webhooks::{webhook_endpoint, WebhookPayload};

#[webhook_endpoint(action = "publish")]
async fn hook(_payload: WebhookPayload) {}

fn main() {}
