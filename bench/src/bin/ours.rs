//! The server under test: a `webhooks` app as a user writes it — one `#[webhook_endpoint]` taking
//! a typed `WebhookPayload`, run by `webhooks::main!()` with its defaults (secret from
//! `WEBHOOK_SECRET`, address from `PORT`, logs filtered by `RUST_LOG`, metrics on).
//!
//! `BENCH_METRICS_OFF` set turns the metrics off (`.metrics(false)`), so that the driver can
//! measure what they cost.

use webhooks::{Json, WebhookPayload, webhook_endpoint};
use webhooks_bench::Answer;

/// `POST /webhooks/bench`: answers `{"scope": ..., "repo": ...}`.
#[webhook_endpoint]
async fn bench(payload: WebhookPayload) -> Json<Answer> {
    Json(Answer::to(&payload))
}

webhooks::main!(|app| app.metrics(std::env::var_os("BENCH_METRICS_OFF").is_none()));
