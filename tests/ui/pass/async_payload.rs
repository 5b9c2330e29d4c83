//! The canonical endpoint: an `async fn` taking the Hub's payload.

use webhooks::{WebhookPayload, webhook_endpoint};

#[webhook_endpoint]
async fn trigger_training(payload: WebhookPayload) -> serde_json::Value {
    serde_json::json!({ "repo": payload.repo.name })
}

fn main() {
    let _ = webhooks::app();
}
