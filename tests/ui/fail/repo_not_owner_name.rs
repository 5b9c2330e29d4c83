use webhooks::{webhook_endpoint, WebhookPayload};

#[webhook_endpoint(repo = "gpt2")]
async fn hook(_payload: WebhookPayload) {}

fn main() {}
