//! Why a server could not start. Each message says what to do about it.

use std::net::SocketAddr;

use crate::endpoint::Origin;

/// A configuration problem found when launching a [`WebhooksServer`](crate::WebhooksServer).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two handlers claim the same route.
    #[error(
        "Webhook {route} already exists.\n  first defined by {first}\n  and again by {second}\nhelp: give one of them another path, e.g. `#[webhook_endpoint(\"/another_path\")]`"
    )]
    DuplicatePath {
        /// The route, e.g. `/webhooks/trigger_training`.
        route: String,
        /// The first declaration, in source order.
        first: Origin,
        /// The second declaration.
        second: Origin,
    },
    /// A path that cannot be a route.
    #[error("{invalid} (given by {origin})")]
    InvalidPath {
        /// What is wrong with it, and what to write instead.
        invalid: webhooks_core::Invalid,
        /// Who gave it.
        origin: Origin,
    },
    /// No handler at all.
    #[error(
        "no webhook endpoints are registered, so there is nothing to serve.\nhelp: put `#[webhook_endpoint]` on an `async fn`, or call `WebhooksServer::add_webhook(path, handler)`"
    )]
    NoEndpoints,
    /// The port is taken.
    #[error(
        "cannot listen on {addr}: the address is already in use (is another copy of this server running?).\nhelp: stop the other process, or choose another port with the `PORT` environment variable (e.g. `PORT={next_port}`) or `WebhooksServer::bind(..)`",
        next_port = addr.port().wrapping_add(1)
    )]
    AddressInUse {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// Binding failed for another reason (permissions, an address not on this machine).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A bind address that does not resolve.
    #[error("invalid bind address {addr}: {reason}")]
    InvalidAddress {
        /// The address as given (quoted when it was a string).
        addr: String,
        /// Why it is invalid.
        reason: String,
    },
    /// An environment variable with a value that cannot be used.
    #[error("invalid environment variable {name}={value:?}: {reason}")]
    InvalidEnv {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What it should be.
        reason: &'static str,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}
