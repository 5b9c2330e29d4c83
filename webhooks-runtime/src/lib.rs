//! The runtime of the [`webhooks`](https://docs.rs/hf-webhooks) framework: the server, the
//! payload model, handler arguments and return values.
//!
//! Depend on the `hf-webhooks` facade rather than on this crate: it re-exports everything here
//! along with the `#[webhook_endpoint]` attribute and `main!()`.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`server`] | the [`WebhooksServer`] builder, [`server::RunningServer`], [`server::main`] |
//! | [`extract`] | handler arguments: [`extract::FromDelivery`] and the built-in ones |
//! | [`response`] | return values: [`IntoResponse`], [`HttpError`], [`Accepted`] |
//! | [`handler`] | functions as handlers, [`handler::blocking`] for plain `fn`s |
//! | [`inbox`] | where deliveries are remembered and queued: the [`inbox::Store`] trait, SQLite |
//! | [`payload`] | [`WebhookPayload`] and its parts, sample payloads |
//! | [`json`] | [`Json`], JSON decoding that names the failing field |
//! | [`test`](mod@test) | [`test::TestClient`]: the server in process |
#![warn(missing_docs)]

mod activity;
mod api;
mod auth;
mod dispatch;
mod endpoint;
mod error;
pub mod extract;
mod filter;
pub mod handler;
pub mod inbox;
pub mod json;
mod log;
mod metrics;
mod page;
pub mod payload;
pub mod response;
mod router;
mod same_site;
pub mod server;
mod service;
mod startup;
pub mod test;

pub use error::Error;
pub use extract::WebhookRequest;
pub use http::{self, StatusCode};
pub use json::Json;
pub use payload::WebhookPayload;
pub use response::{Accepted, HttpError, IntoResponse, Response};
pub use server::{WebhooksServer, app};

/// What the `webhooks` macros expand to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::endpoint::Endpoint;
    pub use crate::extract::FromDelivery;
    pub use crate::handler::{Blocking, ErasedHandler};
    pub use crate::inbox::DEFAULT_MAX_ATTEMPTS;
    pub use crate::response::IntoResponse;
    pub use crate::server::main;
    pub use inventory;
}
