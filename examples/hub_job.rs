//! One handler, two ways to run it: as a webhook endpoint, and inside a Hub Job that a webhook
//! starts (the Job gets the payload in `WEBHOOK_PAYLOAD`).
//!
//! ```sh
//! # as a server
//! cargo run --example hub_job
//! # as a Job would run it
//! WEBHOOK_PAYLOAD="$(cat webhooks-runtime/payloads/repo.content__update__hfhub-test.json)" \
//!   WEBHOOK_REPO_ID=Wauplin/gradio-user-history WEBHOOK_REPO_TYPE=space \
//!   cargo run --example hub_job
//! ```

use std::process::ExitCode;

use webhooks::payload::PAYLOAD_VAR;
use webhooks::{WebhookPayload, webhook_endpoint};

/// What to do about an event, shared by the endpoint and the Job.
fn plan(payload: &WebhookPayload) -> serde_json::Value {
    let refs: Vec<&str> = payload
        .updated_refs
        .iter()
        .flatten()
        .map(|r| r.reference.as_str())
        .collect();
    serde_json::json!({
        "repo": payload.repo.name,
        "event": format!("{} {}", payload.event.scope, payload.event.action),
        "revision": payload.repo.head_sha,
        "refs": refs,
    })
}

/// As a webhook endpoint: answer the plan.
#[webhook_endpoint(scope = "repo.content")]
async fn sync(payload: WebhookPayload) -> serde_json::Value {
    plan(&payload)
}

fn main() -> ExitCode {
    if std::env::var_os(PAYLOAD_VAR).is_none() {
        return webhooks::server::main(|app| app);
    }
    // Inside a Job: same code, payload from the environment, result on stdout.
    match WebhookPayload::from_env() {
        Ok(payload) => {
            println!("{}", plan(&payload));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
