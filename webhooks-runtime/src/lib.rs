//! The runtime of the [`webhooks`](https://docs.rs/webhooks) framework: the server, the payload
//! model, handler arguments and return values.
//!
//! Depend on the `webhooks` facade crate rather than on this one: it re-exports everything here
//! along with the `#[webhook_endpoint]` attribute and `main!()`.
#![warn(missing_docs)]

mod activity;
mod auth;
mod background;
mod endpoint;
mod error;
pub mod extract;
mod filter;
mod handler;
pub mod json;
pub mod payload;
pub mod response;
mod router;
mod server;
mod startup;
pub mod test;
mod ui;

pub use activity::DEFAULT_ACTIVITY_CAPACITY;
pub use auth::{AuthRejection, SECRET_HEADER, Secret};
pub use background::Accepted;
pub use bytes::Bytes;
pub use endpoint::Origin;
pub use error::Error;
pub use extract::{Delivery, FromDelivery, JsonRejection, WebhookRequest};
pub use filter::{EndpointOptions, Filter};
pub use handler::{Blocking, BoxFuture, Handler, blocking};
pub use http::{self, HeaderMap, StatusCode};
pub use json::Json;
pub use payload::WebhookPayload;
pub use response::{HttpError, IntoResponse, Response};
pub use server::{DEFAULT_BODY_LIMIT, DEFAULT_MAX_CONNECTIONS, RunningServer, WebhooksServer, app};
pub use webhooks_core::route;

/// What the `webhooks` macros expand to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::endpoint::Endpoint;
    pub use crate::handler::ErasedHandler;
    pub use crate::run::run_main_with;
    pub use inventory;
}

mod run;
