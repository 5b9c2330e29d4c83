//! What the servers under test share, so that they do exactly the same work: the route, the
//! secret header, the payload the load generator sends, and the answer.
//!
//! - `ours` (`src/bin/ours.rs`): a `#[webhook_endpoint]` app run by `webhooks::main!()`.
//! - `baseline` (`src/bin/baseline.rs`): the leanest hand-written hyper 1 server doing the same.
//! - `baseline-logged` (`src/bin/baseline_logged.rs`): the baseline writing the same access line
//!   as `ours`, by the cheapest means: what an access line costs at the least.
//! - [`hand_written`]: the answers and accept loop the two hand-written servers share.
//! - `bench` (`src/bin/bench/`): the driver that runs wrk against them and prints the tables.

use serde::Serialize;
use webhooks::WebhookPayload;

pub mod hand_written;

/// The path both servers answer.
pub const ROUTE: &str = "/webhooks/bench";

/// The secret header both servers check (the Hub's).
pub const SECRET_HEADER: &str = "x-webhook-secret";

/// The secret the driver gives both servers (in `WEBHOOK_SECRET`) and sends with every delivery.
pub const SECRET: &str = "bench-secret";

/// The payload sent by the load generator: the Hub docs' discussion example, 1,280 bytes.
pub const PAYLOAD: &[u8] =
    include_bytes!("../../webhooks-runtime/payloads/discussion__create__hub-docs.json");

/// Its file, relative to the workspace root (for wrk's Lua script).
pub const PAYLOAD_FILE: &str = "webhooks-runtime/payloads/discussion__create__hub-docs.json";

/// What both servers answer: `{"scope":"discussion","repo":"<owner>/<name>"}`.
#[derive(Debug, Serialize)]
pub struct Answer {
    /// The event's scope.
    pub scope: String,
    /// The repo's full name.
    pub repo: String,
}

impl Answer {
    /// The answer to `payload`.
    pub fn to(payload: &WebhookPayload) -> Self {
        Self {
            scope: payload.event.scope.as_str().to_owned(),
            repo: payload.repo.name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_is_the_1280_byte_hub_docs_example() {
        assert_eq!(PAYLOAD.len(), 1280);
        let payload = WebhookPayload::from_slice(PAYLOAD).unwrap();
        let answer = serde_json::to_string(&Answer::to(&payload)).unwrap();
        assert!(
            answer.starts_with(r#"{"scope":"discussion","repo":""#),
            "{answer}"
        );
    }
}
