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
//! ## Pieces
//! - [`webhook_endpoint`]: registers a function; the path defaults to its name.
//! - [`main!`]: a `fn main` serving every registered endpoint until Ctrl-C / SIGTERM.
//! - [`app()`] and [`WebhooksServer`]: the same server as a builder, for tests
//!   ([`WebhooksServer::launch`] returns a [`RunningServer`] with its address) or for endpoints
//!   added without the macro ([`WebhooksServer::add_webhook`]).
//! - [`WebhookPayload`]: the Hub's payload (version 3) as typed structs, in [`payload`].
//! - Handler arguments implement [`FromDelivery`]; return values implement [`IntoResponse`].
#![warn(missing_docs)]

pub use webhooks_runtime::{
    Accepted, AuthRejection, Blocking, BoxFuture, Bytes, DEFAULT_ACTIVITY_CAPACITY,
    DEFAULT_BODY_LIMIT, DEFAULT_MAX_CONNECTIONS, Delivery, EndpointOptions, Error, Filter,
    FromDelivery, Handler, HeaderMap, HttpError, IntoResponse, Json, JsonRejection, Origin,
    Response, RunningServer, SECRET_HEADER, Secret, StatusCode, WebhookPayload, WebhookRequest,
    WebhooksServer, app, blocking, extract, http, json, payload, response, route, test,
};

/// Manage your webhooks on the Hub: [`hub::HubClient`] lists, creates, updates, enables, disables
/// and deletes them (the `webhooks-hub` crate; the default `hub` feature).
#[cfg(feature = "hub")]
#[doc(inline)]
pub use webhooks_hub as hub;

/// Registers a function as a webhook endpoint served at `POST /webhooks/<path>`.
///
/// - `#[webhook_endpoint]`: the path is the function's name.
/// - `#[webhook_endpoint("/custom/path")]` or `#[webhook_endpoint(path = "custom/path")]`: the
///   path, outer slashes stripped (both give `/webhooks/custom/path`).
///
/// The function may be `async` or plain (a plain `fn` runs on the blocking thread pool, so it may
/// block), lives in any module, and takes zero to eight arguments that implement
/// [`FromDelivery`]; it returns anything that implements [`IntoResponse`]. It stays an ordinary
/// function you can call from unit tests.
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
/// webhooks::main!();
/// ```
///
/// # Equivalent code without the macro
/// ```no_run
/// use webhooks::{WebhookPayload, WebhooksServer};
///
/// async fn trigger_training(payload: WebhookPayload) -> serde_json::Value {
///     serde_json::json!({ "repo": payload.repo.name })
/// }
///
/// #[tokio::main]
/// async fn main() -> Result<(), webhooks::Error> {
///     WebhooksServer::new().add_webhook("trigger_training", trigger_training).run().await
/// }
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
///     webhooks::run(|app| app)
/// }
/// ```
#[macro_export]
macro_rules! main {
    () => {
        fn main() -> ::std::process::ExitCode {
            $crate::run(|app| app)
        }
    };
    ($configure:expr $(,)?) => {
        fn main() -> ::std::process::ExitCode {
            $crate::run($configure)
        }
    };
}

/// Serves every `#[webhook_endpoint]` of the program, adjusted by `configure`, until Ctrl-C or
/// SIGTERM; what [`main!`] calls. Prints startup errors to stderr and returns a failure code.
pub fn run(configure: impl FnOnce(WebhooksServer) -> WebhooksServer) -> std::process::ExitCode {
    webhooks_runtime::__private::run_main_with(configure)
}

/// What the macros expand to. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use webhooks_runtime::__private::*;
    pub use webhooks_runtime::Blocking;
}

/// Every Rust snippet of the README, compiled and run as a doctest so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
