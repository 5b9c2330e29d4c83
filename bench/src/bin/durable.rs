//! The durable server under test: the same endpoint as `ours`, queued
//! (`#[webhook_endpoint(queue)]`), so each delivery is committed to the inbox `WEBHOOKS_INBOX`
//! names before its `202`, and run by the server's workers afterwards.
//!
//! With `BENCH_DURABLE_HOLD` set the handler never finishes, so that deliveries stay queued (the
//! driver measures a restart with 10,000 of them waiting).

use webhooks::{WebhookPayload, webhook_endpoint};

/// `POST /webhooks/bench`: stored, answered `202 {"queued": true, ...}`, then run.
#[webhook_endpoint(queue)]
async fn bench(payload: WebhookPayload) -> &'static str {
    if std::env::var_os("BENCH_DURABLE_HOLD").is_some() {
        std::future::pending::<()>().await;
    }
    if payload.repo.name.is_empty() {
        "no repo"
    } else {
        "ok"
    }
}

webhooks::main!();
