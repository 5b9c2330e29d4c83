//! A webhooks app ready for a Hugging Face Space (Docker SDK): see `Dockerfile` beside this file
//! and the README's "Deploy to a Space" section.
//!
//! On a Space, `SPACE_ID` and `SPACE_HOST` are set: the server listens on `0.0.0.0:7860` and
//! prints its public `https://` URL, the one to paste in the Hub's webhook settings. Set
//! `WEBHOOK_SECRET` as a Space secret.
//!
//! ```sh
//! cargo run --example space
//! ```

use webhooks::{WebhookPayload, webhook_endpoint};

/// New commits on a watched repo: answer which revision to sync.
#[webhook_endpoint(scope = "repo.content", action = "update")]
async fn on_push(payload: WebhookPayload) -> serde_json::Value {
    tracing::info!(repo = %payload.repo.name, "new commits");
    serde_json::json!({ "sync": payload.repo.name, "revision": payload.repo.head_sha })
}

/// A new comment in a discussion or pull request.
#[webhook_endpoint(scope = "discussion.comment", action = "create")]
async fn on_comment(payload: WebhookPayload) -> serde_json::Value {
    let discussion = payload.discussion.as_ref().map(|d| d.num);
    serde_json::json!({ "repo": payload.repo.name, "discussion": discussion })
}

webhooks::main!();
