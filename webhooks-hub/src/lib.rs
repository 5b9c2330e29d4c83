//! A typed client for the Hugging Face Hub's webhook management API: list, inspect, create,
//! update, enable, disable and delete the webhooks of your account, as `huggingface_hub`'s
//! `HfApi` does in Python. The `webhooks` crate re-exports it as `webhooks::hub` (its default
//! `hub` feature), and the `webhooks` command line (`webhooks hub ...`) is built on it.
//!
//! ```no_run
//! use webhooks_hub::{Domain, HubClient, NewWebhook, WatchedItem};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), webhooks_hub::Error> {
//!     let hub = HubClient::new()?; // token: HF_TOKEN, else `hf auth login`'s file
//!     let webhook = hub
//!         .create_webhook(
//!             NewWebhook::new()
//!                 .url("https://my-space.hf.space/webhooks/trigger_training")
//!                 .watch("dataset:me/my-dataset".parse().unwrap())
//!                 .watch(WatchedItem::org("my-org"))
//!                 .domain(Domain::Repo)
//!                 .secret("my-secret"),
//!         )
//!         .await?;
//!     println!("created {}", webhook.id);
//!     Ok(())
//! }
//! ```
//!
//! ## Configuration
//! - The Hub: `HF_ENDPOINT`, default `https://huggingface.co` ([`HubClientBuilder::endpoint`]).
//! - The token: given to the builder, else `HF_TOKEN`, else the file `hf auth login` writes
//!   (`$HF_HOME/token`, default `~/.cache/huggingface/token`); see [`Token`]. It is sent only in
//!   the `Authorization` header, marked sensitive, and never logged or shown by `Debug`.
//! - HTTPS: rustls with the `ring` provider and Mozilla's roots built in (no OpenSSL, no system
//!   certificate store). Proxies are not used. The same client is public as
//!   [`transport::HttpClient`], for requests of your own.
//!
//! ## Errors
//! [`Error::Api`] carries the Hub's status and message ([`ApiError`]). Arguments the Hub would
//! refuse anyway are refused before any request, with the reference's wording:
//! "Set `url` or `job_id` but not both." and "Missing argument for webhook: `url` or `job_id`.".
//!
//! ## Difference from `huggingface_hub`
//! `update_webhook` sends only the fields you set; the reference always sends `"watched": []`
//! when no watch list is given, which can empty the webhook's watch list.
#![warn(missing_docs)]

mod client;
mod error;
mod model;
mod token;
pub mod transport;

pub use client::{DEFAULT_ENDPOINT, DEFAULT_TIMEOUT, ENDPOINT_VAR, HubClient, HubClientBuilder};
pub use error::{ApiError, ApiErrorKind, Error};
pub use model::{
    Domain, JobSpec, NewWebhook, ParseWatchedItemError, WatchedItem, WatchedType, WebhookInfo,
    WebhookUpdate,
};
pub use token::{TOKEN_VAR, Token, token_path, token_path_with};
