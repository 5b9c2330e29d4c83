//! Payload parsing per fixture, in µs: `WebhookPayload::from_slice` (what the server runs for a
//! `WebhookPayload` argument) against plain serde_json into the same structs (what the baseline
//! runs), into `serde_json::Value`, and with the field path tracked throughout (what
//! `from_slice` cost on every delivery before it kept tracking for failed documents).
//!
//! `cargo bench -p webhooks-bench --bench parse` (bench/run.sh runs it and keeps the table).

use webhooks::WebhookPayload;

fn main() {
    divan::main();
}

macro_rules! fixtures {
    ($($name:literal),* $(,)?) => {
        /// The fixtures' names, the benchmarks' arguments.
        const NAMES: &[&str] = &[$($name),*];
        /// The fixtures' bytes, by name.
        fn fixture(name: &str) -> &'static [u8] {
            match name {
                $($name => include_bytes!(concat!("../../webhooks-runtime/payloads/", $name, ".json")),)*
                _ => unreachable!("no fixture {name}"),
            }
        }
    };
}

fixtures!(
    "discussion.comment__create__hub-docs-composed",
    "discussion__create__hfhub-test",
    "discussion__create__hub-docs",
    "discussion__update__hfhub-test",
    "repo.config__update__hub-docs-composed",
    "repo.content__update__hfhub-test",
    "repo.content__update__hub-docs-composed",
);

/// `WebhookPayload::from_slice`: the server's parser (field paths on error, version check).
#[divan::bench(args = NAMES)]
fn payload(name: &str) -> WebhookPayload {
    WebhookPayload::from_slice(divan::black_box(fixture(name))).unwrap()
}

/// `serde_json::from_slice::<WebhookPayload>`: the same structs, plain serde_json.
#[divan::bench(args = NAMES)]
fn serde(name: &str) -> WebhookPayload {
    serde_json::from_slice(divan::black_box(fixture(name))).unwrap()
}

/// `serde_json::from_slice::<serde_json::Value>`: untyped, for comparison.
#[divan::bench(args = NAMES)]
fn value(name: &str) -> serde_json::Value {
    serde_json::from_slice(divan::black_box(fixture(name))).unwrap()
}

/// The same structs through `serde_path_to_error`, as every delivery was parsed before.
#[divan::bench(args = NAMES)]
fn tracked(name: &str) -> WebhookPayload {
    let mut de = serde_json::Deserializer::from_slice(divan::black_box(fixture(name)));
    serde_path_to_error::deserialize(&mut de).unwrap()
}
