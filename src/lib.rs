//! # webhooks
//!
//! Receive Hugging Face Hub webhooks in Rust: put `#[webhook_endpoint]` on a function, end the
//! program with `webhooks::main!()`, and you have one small binary serving
//! `POST /webhooks/<function name>`, with the secret checked, the payload parsed into typed
//! structs, and every bad request answered with a clear JSON error.
//!
//! ```no_run
//! use webhooks::{webhook_endpoint, WebhookPayload};
//!
//! #[webhook_endpoint] // POST /webhooks/trigger_training
//! async fn trigger_training(payload: WebhookPayload) -> serde_json::Value {
//!     serde_json::json!({ "scope": payload.event.scope })
//! }
//!
//! webhooks::main!();
//! ```
//!
//! The package is `hf-webhooks` on crates.io; its library is `webhooks`.
//!
//! ## What is where
//! At the root, what a handler author uses: the attribute [`webhook_endpoint`], [`main!`], the
//! payload [`WebhookPayload`], the common arguments ([`Json`], [`WebhookRequest`]) and answers
//! ([`IntoResponse`], [`HttpError`], [`Accepted`]), and [`app()`] / [`WebhooksServer`] to adjust the
//! server. The rest lives in modules named after what they hold:
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`extract`] | handler arguments: [`extract::FromDelivery`] and every built-in one |
//! | [`response`] | return values and their JSON error bodies |
//! | [`server`] | the server builder, its settings, [`server::RunningServer`], endpoint options |
//! | [`handler`] | functions as handlers; [`handler::blocking`] for a plain `fn` added by hand |
//! | [`inbox`] | where deliveries are remembered and queued: SQLite, PostgreSQL, the [`inbox::Store`] trait |
//! | [`payload`] | the payload's parts, sample payloads for tests, `from_env` for Hub Jobs |
//! | [`json`] | JSON decoding that names the failing field |
//! | [`test`](mod@test) | [`test::TestClient`]: the server in process, for tests |
//! | [`hub`] | the Hub's API: manage webhooks (the default `hub` feature) |
#![warn(missing_docs)]

pub use webhooks_runtime::{
    Accepted, Error, HttpError, IntoResponse, Json, Response, StatusCode, WebhookPayload,
    WebhookRequest, WebhooksServer, app, extract, handler, http, inbox, json, payload, response,
    server, test,
};

/// Manage your webhooks on the Hub: [`hub::HubClient`] lists, creates, updates, enables, disables
/// and deletes them (the `hf-webhooks-hub` crate; the default `hub` feature).
#[cfg(feature = "hub")]
#[doc(inline)]
pub use webhooks_hub as hub;

/// Registers a function as a webhook endpoint served at `POST /webhooks/<path>`.
///
/// The function may be `async` or plain (a plain `fn` runs on the blocking thread pool, so it may
/// block), lives in any module, and takes zero to eight arguments that implement
/// [`FromDelivery`](extract::FromDelivery); it returns anything that implements
/// [`IntoResponse`]. It stays an ordinary function you can call from unit tests.
///
/// # Arguments
///
/// | argument | meaning | example |
/// | --- | --- | --- |
/// | a string, or `path = "..."` | the path under `/webhooks/`, outer slashes removed (default: the function's name) | `#[webhook_endpoint("/ci/retrain")]` |
/// | `scope = "..."` | only deliveries of this scope or a narrower one (`repo` takes `repo.content`) | `scope = "repo.content"` |
/// | `action = "..."` | only this action: `create`, `update`, `delete`, `move` | `action = "create"` |
/// | `repo_type = "..."` | only this kind of repo: `model`, `dataset`, `space` | `repo_type = "dataset"` |
/// | `repo = "..."` | only this repo, `owner/name` (or a bare `name`, such as `gpt2`) | `repo = "my-org/my-data"` |
/// | `respond_within = "..."` | answer `202` past this and let the handler go on | `respond_within = "5s"` |
/// | `crate = "..."` | the path of this crate, when your `Cargo.toml` renames it | `crate = "hf"` |
///
/// A delivery that a filter does not want is answered `200 {"skipped": true, "reason": "..."}`
/// without calling the function. Every value is checked at compile time, with a `help:` line for
/// a near miss (`scope = "repo.contnet"`: did you mean `repo.content`?).
///
/// # Examples
/// ```no_run
/// use webhooks::{webhook_endpoint, Json, WebhookPayload, WebhookRequest};
///
/// #[webhook_endpoint]
/// async fn trigger_training(payload: WebhookPayload) -> serde_json::Value {
///     serde_json::json!({ "repo": payload.repo.name })
/// }
///
/// #[webhook_endpoint("/ci/sync")]
/// fn sync_space(request: WebhookRequest) -> String {
///     format!("{} bytes", request.body.len())
/// }
///
/// #[webhook_endpoint(scope = "repo.content", repo_type = "dataset", repo = "me/my-dataset")]
/// async fn retrain(payload: WebhookPayload) {
///     let _ = payload.repo.head_sha;
/// }
///
/// #[webhook_endpoint(scope = "discussion", action = "create", respond_within = "5s")]
/// async fn triage(payload: WebhookPayload) {
///     let _ = payload.discussion;
/// }
///
/// webhooks::main!();
/// ```
///
/// # Equivalent code without the macro
/// ```no_run
/// use webhooks::server::EndpointOptions;
/// use webhooks::{WebhookPayload, WebhooksServer};
///
/// async fn trigger_training(payload: WebhookPayload) -> serde_json::Value {
///     serde_json::json!({ "repo": payload.repo.name })
/// }
///
/// async fn retrain(payload: WebhookPayload) {}
///
/// #[tokio::main]
/// async fn main() -> Result<(), webhooks::Error> {
///     WebhooksServer::new()
///         .add_webhook("trigger_training", trigger_training)
///         .add_webhook_with(
///             "retrain",
///             EndpointOptions::new().scope("repo.content").repo_type("dataset"),
///             retrain,
///         )
///         .run()
///         .await
/// }
/// ```
///
/// # Endpoints in a library crate
/// The attribute registers the function at link time. A binary only links the parts of a library
/// it names, so endpoints defined in `src/lib.rs` (or in another crate) need the binary, and
/// each integration test that calls `webhooks::app()`, to name the library once:
///
/// ```ignore
/// use my_crate as _; // keeps my_crate's #[webhook_endpoint]s
///
/// webhooks::main!();
/// ```
pub use webhooks_macros::webhook_endpoint;

/// Expands to a `fn main` that serves every `#[webhook_endpoint]` of the program.
///
/// It sets up logging (filtered by `RUST_LOG`, default `info`), starts a multi-threaded tokio
/// runtime, prints the startup text and serves until Ctrl-C or SIGTERM, then lets deliveries in
/// flight finish. A configuration problem (duplicate path, no endpoints, port taken) is printed
/// with what to do about it, and the program exits with a failure code.
///
/// Pass a closure to adjust the server first:
///
/// ```no_run
/// # use webhooks::{webhook_endpoint, WebhookPayload};
/// # #[webhook_endpoint] async fn hook(_: WebhookPayload) {}
/// webhooks::main!(|app| app.body_limit(64 * 1024).public_url("https://my-tunnel.example"));
/// ```
///
/// The equivalent code:
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     webhooks::server::main(|app| app)
/// }
/// ```
///
/// Without `main!()` (or a `fn main`), rustc stops with `error[E0601]: main function not
/// found`: end the file that holds your endpoints, or `src/main.rs`, with `webhooks::main!();`.
#[macro_export]
macro_rules! main {
    () => {
        fn main() -> ::std::process::ExitCode {
            $crate::server::main(|app| app)
        }
    };
    ($configure:expr $(,)?) => {
        fn main() -> ::std::process::ExitCode {
            $crate::server::main($configure)
        }
    };
}

/// What the macros expand to. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use webhooks_runtime::__private::*;
}

/// Every Rust snippet of the README, compiled and run as a doctest so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
