//! A plain `fn` is an endpoint too (run on the blocking pool), and stays callable as is.

use webhooks::{WebhookPayload, webhook_endpoint};

#[webhook_endpoint]
fn sync_space(payload: WebhookPayload) -> String {
    format!("synced {}", payload.repo.name)
}

#[webhook_endpoint]
fn ping() -> &'static str {
    "pong"
}

fn main() {
    // Both remain ordinary functions with their signatures unchanged.
    let _: fn(WebhookPayload) -> String = sync_space;
    assert_eq!(ping(), "pong");
    let _ = webhooks::app();
}
