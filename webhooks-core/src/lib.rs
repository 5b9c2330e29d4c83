//! The rules that the [`webhooks`](https://docs.rs/hf-webhooks) attribute, its server and its Hub
//! client must agree on, in one place: the Hub's vocabulary ([`Scope`], [`Action`],
//! [`RepoType`]), how a webhook path becomes a route ([`route()`]), and what an endpoint's filter
//! may say ([`filter`]).
//!
//! `#[webhook_endpoint]` checks its arguments with these functions at compile time and the server
//! checks `add_webhook` with the same ones at start, so an attribute and the equivalent builder
//! call are accepted or refused alike, with the same words (Rocket's codegen does the same with
//! `rocket_http`). Depend on the `hf-webhooks` facade rather than on this crate.
//!
//! # Examples
//! ```
//! use webhooks_core::{Action, Scope, route};
//!
//! assert_eq!(route("/ci/retrain").unwrap(), "/webhooks/ci/retrain");
//! assert!(Scope::from("repo.config.dois").is_within("repo"));
//! assert_eq!(Action::from("update"), Action::Update);
//! assert_eq!(Action::from("archive"), Action::Other("archive".into()));
//! ```
#![warn(missing_docs)]

mod invalid;
mod route;
mod string_enum;
mod vocabulary;

pub mod filter;

pub use invalid::Invalid;
pub use route::{ROUTE_PREFIX, route};
pub use vocabulary::{Action, RepoType, Scope};

/// What `string_enum!` expands to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
}
