//! Retrain a model when a dataset is updated: the seed guide's `trigger_training`, in Rust.
//!
//! ```sh
//! WEBHOOK_SECRET=my_secret cargo run --example trigger_training
//! ```
//!
//! Then point a Hub webhook watching your dataset at the printed URL (through a tunnel or on a
//! Space), or send it a payload yourself:
//!
//! ```sh
//! curl -X POST http://127.0.0.1:7860/webhooks/trigger_training \
//!   -H 'x-webhook-secret: my_secret' -H 'content-type: application/json' \
//!   --data @webhooks-runtime/payloads/repo.content__update__dataset-main-composed.json
//! ```

use webhooks::payload::{Action, RepoType};
use webhooks::{WebhookPayload, webhook_endpoint};

/// Starts a (pretend) training run for every update of a dataset; answers what it did.
#[webhook_endpoint]
async fn trigger_training(payload: WebhookPayload) -> serde_json::Value {
    if payload.repo.repo_type != RepoType::Dataset || payload.event.action != Action::Update {
        return serde_json::json!({
            "training": "skipped",
            "reason": format!("{} {} on a {}", payload.event.scope, payload.event.action, payload.repo.repo_type),
        });
    }
    let revision = payload.repo.head_sha.as_deref().unwrap_or("main");
    // A real app would start a Hub Job or a training run here, without waiting for it.
    tracing::info!(dataset = %payload.repo.name, revision, "would train on the updated dataset");
    serde_json::json!({
        "training": "started",
        "dataset": payload.repo.name,
        "revision": revision,
    })
}

webhooks::main!();

#[cfg(test)]
mod tests {
    use webhooks::WebhookPayload;
    use webhooks::test::TestClient;

    #[tokio::test]
    async fn trains_on_dataset_updates_only() {
        let client = TestClient::new(webhooks::app().webhook_secret("test")).unwrap();

        let mut dataset_push = serde_json::to_value(WebhookPayload::sample_repo_content()).unwrap();
        dataset_push["repo"]["type"] = "dataset".into();
        let response = client
            .post("/webhooks/trigger_training")
            .secret("test")
            .json(&dataset_push)
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.json::<serde_json::Value>(),
            serde_json::json!({
                "training": "started",
                "dataset": "Wauplin/gradio-user-history",
                "revision": "5e7f29fffcc579cb52539fddb14a1a4f85f39e44",
            })
        );

        let received = client.receive(&WebhookPayload::sample_discussion()).await;
        assert_eq!(
            received[0].response.json::<serde_json::Value>(),
            serde_json::json!({"training": "skipped", "reason": "discussion create on a model"})
        );
    }
}
