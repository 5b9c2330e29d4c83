use webhooks::{webhook_endpoint, WebhookPayload};

#[webhook_endpoint(repo_type = "datset")]
async fn hook(_payload: WebhookPayload) {}

fn main() {}
