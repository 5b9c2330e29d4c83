//! The server: the [`WebhooksServer`] builder, the [`RunningServer`] it launches, and [`main`],
//! what `webhooks::main!()` runs.
//!
//! Inside: connections are accepted in `accept` (which one to close when all slots are taken in
//! `idle`); a request to a webhook travels through
//! `delivery` (its body read by `body`), any other path through `site`; `signal` stops a server
//! started with [`WebhooksServer::run`].

mod accept;
mod body;
pub(crate) mod builder;
mod delivery;
mod idle;
mod process;
mod running;
mod signal;
mod site;

pub use crate::auth::SECRET_HEADER;
pub use crate::endpoint::{EndpointOptions, Origin};
pub use crate::filter::Filter;
pub use accept::Stopped;
pub use builder::{WebhooksServer, app};
pub use process::main;
pub use running::RunningServer;

/// Default body limit: Hub payloads are a few KiB; 1 MiB leaves room for long comments.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// Default bound on open connections: the Hub sends deliveries one by one, so this is far above
/// real traffic and far below what would exhaust memory or file descriptors.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Default bound on work running after its answer (`Accepted`, handlers past their deadline).
pub const DEFAULT_MAX_BACKGROUND: usize = 1024;
pub use crate::activity::{DEFAULT_ACTIVITY_BYTES, DEFAULT_ACTIVITY_CAPACITY};
