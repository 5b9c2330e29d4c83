//! `crate = "..."` names the facade when a `Cargo.toml` renames it (here with `extern crate`,
//! which puts `hf` in the extern prelude as a renamed dependency does).

extern crate webhooks as hf;

use hf::{WebhookPayload, webhook_endpoint};

#[webhook_endpoint(crate = "hf")]
async fn renamed(_payload: WebhookPayload) {}

fn main() {
    let _ = hf::app();
}
