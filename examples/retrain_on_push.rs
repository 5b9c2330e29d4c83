//! Retrain when a dataset's `main` branch changes, on Hub hardware: each push starts a Hub Job
//! that gets the payload, and the Hub gets its answer at once (the Hub docs' "CI/CD for your
//! models, datasets, and Spaces", in Rust).
//!
//! ```sh
//! HF_TOKEN=hf_... WEBHOOK_SECRET=my_secret cargo run --example retrain_on_push
//! ```
//!
//! Point a webhook watching your dataset (domain `repo`) at the printed URL. For a push to
//! `main`, the endpoint answers `202 {"accepted": true}` at once and then starts the Job with
//! [`HubClient::run_job_for`]: the Job finds the payload in `WEBHOOK_PAYLOAD` (read it with
//! `WebhookPayload::from_env()`, see `examples/hub_job.rs`), the repo in `WEBHOOK_REPO_ID` and
//! `WEBHOOK_REPO_TYPE`, and the delivery's id in `WEBHOOK_ID`, the same on each retry of a
//! delivery. Pushes to other branches and tags are answered `200` and start nothing.
//!
//! The Job runs in the token's namespace; the token must be allowed to run Jobs. Change
//! [`IMAGE`] and [`COMMAND`] to your training image and script.

use std::process::ExitCode;
use std::sync::OnceLock;

use serde_json::json;
use webhooks::extract::HeaderMap;
use webhooks::hub::{HubClient, JobSpec};
use webhooks::{Accepted, IntoResponse, Response, WebhookPayload, webhook_endpoint};

/// The image the Job runs.
const IMAGE: &str = "python:3.12";
/// What it runs: here it only shows what it was given.
const COMMAND: [&str; 3] = [
    "python",
    "-c",
    "import json, os; p = json.loads(os.environ['WEBHOOK_PAYLOAD']); \
     print('retrain on', p['repo']['name'], 'at', p['repo'].get('headSha'))",
];
/// The header in which the Hub sends the delivery's id.
const DELIVERY_ID_HEADER: &str = "webhook-id";

/// The client, built by `main` before the server starts.
static HUB: OnceLock<HubClient> = OnceLock::new();

/// Pushes to datasets; the filter skips every other event with a 200.
#[webhook_endpoint(scope = "repo.content", repo_type = "dataset")]
async fn retrain_on_push(payload: WebhookPayload, headers: HeaderMap) -> Response {
    // Without `updatedRefs` (older deliveries), `repo.content` means `main` changed.
    let main_changed = payload.updated_refs.as_ref().is_none_or(|refs| {
        refs.iter()
            .any(|updated| updated.branch() == Some("main") && !updated.is_deleted())
    });
    if !main_changed {
        return json!({ "skipped": true, "reason": "main did not change" }).into_response();
    }
    let mut job = JobSpec::image(IMAGE).command(COMMAND);
    if let Some(id) = headers
        .get(DELIVERY_ID_HEADER)
        .and_then(|id| id.to_str().ok())
    {
        job = job.delivery_id(id);
    }
    let hub = HUB.get().expect("main builds the client first").clone();
    // 202 now; the server keeps track of the rest (a graceful shutdown waits for it).
    Accepted(async move {
        match hub.run_job_for(&payload, job).await {
            Ok(job) => tracing::info!(
                dataset = %payload.repo.name,
                job = %job.id,
                url = %hub.job_url(&job),
                "retraining started"
            ),
            Err(error) => tracing::error!(
                dataset = %payload.repo.name,
                %error,
                "cannot start the retraining Job"
            ),
        }
    })
    .into_response()
}

/// `webhooks::main!()`, after the client is built: a missing token stops the program at once.
fn main() -> ExitCode {
    match HubClient::new() {
        Ok(hub) => {
            HUB.set(hub).expect("set once");
            webhooks::server::main(|app| app)
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
