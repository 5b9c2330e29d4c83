//! A typed client for the Hugging Face Hub, for what webhooks are for: manage the webhooks of
//! your account (list, inspect, create, update, enable, disable, delete), and act on the Hub
//! from a webhook handler (answer a discussion, open a pull request, start a Job), as
//! `huggingface_hub`'s `HfApi` does in Python, with the same requests. The `webhooks` crate
//! re-exports it as `webhooks::hub` (its default `hub` feature), and the `webhooks` command line
//! (`webhooks hub ...`) is built on it.
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
//! ## Acting on the Hub from a handler
//! ```no_run
//! use webhooks_hub::{HubClient, JobSpec};
//!
//! # async fn handle(payload: serde_json::Value) -> Result<(), webhooks_hub::Error> {
//! let hub = HubClient::new()?;
//! // A `discussion.comment` delivery: answer in the same discussion.
//! hub.reply(&payload, "On it!").await?;
//! // A push: hand the work to a Job, which gets the payload in WEBHOOK_PAYLOAD.
//! let job = hub
//!     .run_job_for(&payload, JobSpec::image("python:3.12").command(["python", "train.py"]))
//!     .await?;
//! println!("{}", hub.job_url(&job));
//! # Ok(())
//! # }
//! ```
//! - Discussions and pull requests: [`HubClient::comment_discussion`],
//!   [`create_discussion`](HubClient::create_discussion),
//!   [`create_pull_request`](HubClient::create_pull_request),
//!   [`change_discussion_status`](HubClient::change_discussion_status),
//!   [`edit_discussion_comment`](HubClient::edit_discussion_comment),
//!   [`get_discussion_details`](HubClient::get_discussion_details); repos are [`RepoRef`]s.
//! - Jobs: [`HubClient::run_job`] with a [`JobSpec`], [`inspect_job`](HubClient::inspect_job),
//!   [`cancel_job`](HubClient::cancel_job), [`list_jobs`](HubClient::list_jobs), in the token's
//!   namespace or [another](HubClient::in_namespace).
//! - [`HubClient::whoami`]: whose token it is.
//! - From a delivery's payload: [`HubClient::reply`], [`HubClient::run_job_for`].
//!
//! ## Errors
//! [`Error::Api`] carries the Hub's status and message ([`ApiError`]);
//! [`Error::is_not_found`], [`is_unauthorized`](Error::is_unauthorized),
//! [`is_forbidden`](Error::is_forbidden) and [`ApiError::kind`] tell the usual cases apart.
//! Arguments the Hub would refuse anyway are refused before any request, with the reference's
//! wording: "Set `url` or `job_id` but not both.", "Missing argument for webhook: `url` or
//! `job_id`.", "Invalid discussion_num, must be a positive integer".
//!
//! ## Differences from `huggingface_hub`
//! - `update_webhook` sends only the fields you set; the reference always sends
//!   `"watched": []` when no watch list is given, which can empty the webhook's watch list.
//! - `run_job` sends the Job to the configured endpoint (`HF_ENDPOINT`); the reference's
//!   `run_job` always posts to `https://huggingface.co`.
//! - The namespace of Job calls is asked with `whoami` once per client, not once per call.
#![warn(missing_docs)]

mod client;
mod delivery;
mod discussions;
mod error;
mod jobs;
mod model;
mod repo;
mod token;
pub mod transport;
mod whoami;

pub use client::{DEFAULT_ENDPOINT, DEFAULT_TIMEOUT, ENDPOINT_VAR, HubClient, HubClientBuilder};
pub use delivery::{PAYLOAD_VAR, REPO_ID_VAR, REPO_TYPE_VAR};
pub use discussions::{
    DiscussionComment, DiscussionCommit, DiscussionDetails, DiscussionEvent, DiscussionStatus,
    DiscussionStatusChange, DiscussionTitleChange, NewDiscussion, OtherDiscussionEvent,
};
pub use error::{ApiError, ApiErrorKind, Error};
pub use jobs::{DEFAULT_FLAVOR, DELIVERY_ID_VAR, JobInfo, JobOwner, JobSpec, JobStage, JobStatus};
pub use model::{
    Domain, NewWebhook, ParseWatchedItemError, WatchedItem, WatchedType, WebhookInfo, WebhookUpdate,
};
pub use repo::RepoRef;
pub use token::{TOKEN_VAR, Token, token_path, token_path_with};
pub use webhooks_core::RepoType;
pub use whoami::{Org, WhoAmI};
