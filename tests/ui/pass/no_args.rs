//! An endpoint needs no arguments at all; async or not, with or without a return type.

use webhooks::webhook_endpoint;

#[webhook_endpoint]
async fn heartbeat() {}

#[webhook_endpoint]
fn sync_heartbeat() {}

#[webhook_endpoint]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    sync_heartbeat();
    let _ = heartbeat();
    let _ = hello();
    let _ = webhooks::app();
}
