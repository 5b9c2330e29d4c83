//! The examples' own unit tests (their `#[cfg(test)] mod tests`, which use the in-process
//! `TestClient`), run here so that `cargo test` still builds the example binaries as programs for
//! `tests/examples.rs`.

#[path = "../examples/trigger_training.rs"]
#[allow(dead_code)]
mod trigger_training;

#[path = "../examples/custom_server.rs"]
#[allow(dead_code)]
mod custom_server;
