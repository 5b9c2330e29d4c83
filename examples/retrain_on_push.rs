//! Retrain when a dataset's `main` branch changes, on Hub hardware: each push starts a Hub Job
//! that gets the payload (the Hub docs' "CI/CD for your models, datasets, and Spaces", in Rust).
//!
//! ```sh
//! HF_TOKEN=hf_... WEBHOOK_SECRET=my_secret cargo run --example retrain_on_push
//! ```
//!
//! Point a webhook watching your dataset (domain `repo`) at the printed URL. The endpoint is
//! queued: each push is stored in the inbox (`webhooks-inbox.sqlite3`, or `WEBHOOKS_INBOX`) and
//! answered `202 {"queued": true, ...}` at once; a worker then starts the Job with
//! [`HubClient::run_job_for`]. The Job finds the payload in `WEBHOOK_PAYLOAD` (read it with
//! `WebhookPayload::from_env()`, see `examples/hub_job.rs`), the repo in `WEBHOOK_REPO_ID` and
//! `WEBHOOK_REPO_TYPE`, and the delivery's id in `WEBHOOK_ID`. When the Hub refuses or cannot
//! be reached, the start is tried again with backoff (5 attempts), and survives a restart of the
//! server; if the server dies after the Job started but before it recorded that, the Job may be
//! started twice: `WEBHOOK_ID` is the same in both, so the Job can tell. Pushes that leave
//! `main` unchanged start nothing.
//!
//! The Job runs in the token's namespace; the token must be allowed to run Jobs. Change
//! [`IMAGE`] and [`COMMAND`] to your training image and script.

use std::process::ExitCode;

use serde_json::{Value, json};
use webhooks::extract::{DeliveryId, State};
use webhooks::hub::{HubClient, JobSpec};
use webhooks::response::HandlerError;
use webhooks::{Json, WebhookPayload, webhook_endpoint};

/// The image the Job runs.
const IMAGE: &str = "python:3.12";
/// What it runs: here it only shows what it was given.
const COMMAND: [&str; 3] = [
    "python",
    "-c",
    "import json, os; p = json.loads(os.environ['WEBHOOK_PAYLOAD']); \
     print('retrain on', p['repo']['name'], 'at', p['repo'].get('headSha'))",
];

/// Pushes to datasets, queued; the filter skips every other event with a 200.
#[webhook_endpoint(queue, max_attempts = 5, scope = "repo.content", repo_type = "dataset")]
async fn retrain_on_push(
    State(hub): State<HubClient>,
    id: DeliveryId,
    payload: WebhookPayload,
) -> Result<Json<Value>, HandlerError> {
    // Without `updatedRefs` (older deliveries), `repo.content` means `main` changed.
    let main_changed = payload.updated_refs.as_ref().is_none_or(|refs| {
        refs.iter()
            .any(|updated| updated.branch() == Some("main") && !updated.is_deleted())
    });
    if !main_changed {
        tracing::info!(dataset = %payload.repo.name, "main did not change: nothing to retrain");
        return Ok(Json(
            json!({ "skipped": true, "reason": "main did not change" }),
        ));
    }
    // An error here (the Hub refused, or did not answer) fails the attempt: it is tried again.
    let job = hub
        .run_job_for(
            &payload,
            JobSpec::image(IMAGE)
                .command(COMMAND)
                .delivery_id(id.as_str()),
        )
        .await?;
    tracing::info!(
        dataset = %payload.repo.name,
        job = %job.id,
        url = %hub.job_url(&job),
        "retraining started"
    );
    Ok(Json(json!({ "job": job.id })))
}

/// `webhooks::main!()`, after the client is built: a missing token stops the program at once.
fn main() -> ExitCode {
    match HubClient::new() {
        Ok(hub) => webhooks::server::main(|app| app.state(hub)),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
