//! The server under test: a `webhooks` app as a user writes it — one `#[webhook_endpoint]` taking
//! a typed `WebhookPayload`, run by `webhooks::main!()` with its defaults (secret from
//! `WEBHOOK_SECRET`, address from `PORT`, logs filtered by `RUST_LOG`, metrics on).
//!
//! So that the driver can measure what each optional part costs, each of these variables, when
//! set, turns one off: `BENCH_METRICS_OFF` the metrics (`.metrics(false)`),
//! `BENCH_ACTIVITY_OFF` the activity log (`.recent_deliveries(0)`), `BENCH_DEDUP_OFF` the
//! deduplication of deliveries by id (`.dedup(false)`).

use webhooks::{Json, WebhookPayload, webhook_endpoint};
use webhooks_bench::Answer;

/// `POST /webhooks/bench`: answers `{"scope": ..., "repo": ...}`.
#[webhook_endpoint]
async fn bench(payload: WebhookPayload) -> Json<Answer> {
    Json(Answer::to(&payload))
}

webhooks::main!(|app| {
    let off = |var| std::env::var_os(var).is_some();
    let app = app
        .metrics(!off("BENCH_METRICS_OFF"))
        .dedup(!off("BENCH_DEDUP_OFF"));
    // Set only when asked: the default is whatever `webhooks` keeps by default.
    if off("BENCH_ACTIVITY_OFF") {
        app.recent_deliveries(0)
    } else {
        app
    }
});
