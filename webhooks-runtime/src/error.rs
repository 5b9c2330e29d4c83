//! Why a server could not start: [`Error`], each with what to do about it in [`Error::help`].

use std::net::SocketAddr;

use webhooks_core::Invalid;

use crate::endpoint::Origin;

/// A configuration problem found when a [`WebhooksServer`](crate::server::WebhooksServer) is
/// checked (by `launch`, `run` or `TestClient::new`): nothing is served.
///
/// Its `Display` is one line saying what is wrong; [`help`](Self::help) says what to do about it.
/// `webhooks::main!()` prints both and exits with a failure code.
///
/// # Examples
/// ```
/// use webhooks_runtime::Error;
/// use webhooks_runtime::test::TestClient;
/// use webhooks_runtime::server::WebhooksServer;
///
/// let error = TestClient::new(WebhooksServer::new()).unwrap_err();
/// assert!(matches!(error, Error::NoEndpoints));
/// assert_eq!(error.to_string(), "no webhook endpoints are registered, so there is nothing to serve");
/// assert!(error.help().unwrap().contains("#[webhook_endpoint]"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two handlers claim the same route.
    #[error("Webhook {route} already exists. It is defined by {first} and again by {second}.")]
    DuplicatePath {
        /// The route, e.g. `/webhooks/trigger_training`.
        route: String,
        /// The first declaration, in source order.
        first: Origin,
        /// The second declaration.
        second: Origin,
    },
    /// A path that cannot be a route.
    #[error("{invalid} ({origin})")]
    InvalidPath {
        /// What is wrong with it, and what to write instead.
        invalid: Invalid,
        /// Who gave it.
        origin: Origin,
    },
    /// A filter value the Hub never sends (a filter built in code; the attribute refuses these at
    /// compile time).
    #[error("{invalid} ({origin})")]
    InvalidFilter {
        /// What is wrong with it, and what to write instead.
        invalid: Invalid,
        /// The endpoint.
        origin: Origin,
    },
    /// A handler asks for a [`State<T>`](crate::extract::State) the server was not given.
    #[error("{origin} takes a `State<{type_name}>`, but the server has no state of that type")]
    MissingState {
        /// The type.
        type_name: &'static str,
        /// The endpoint.
        origin: Origin,
    },
    /// No handler at all.
    #[error("no webhook endpoints are registered, so there is nothing to serve")]
    NoEndpoints,
    /// The port is taken.
    #[error(
        "cannot listen on {addr}: the address is already in use (is another copy of this server running?)"
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
    /// The inbox cannot be opened: a place that cannot be written, a file that is not an inbox,
    /// an inbox another process uses, a database that cannot be reached.
    #[error("{reason}")]
    Inbox {
        /// Where the inbox is (`None` for one the application built).
        location: Option<crate::inbox::Location>,
        /// Why it cannot be opened.
        reason: String,
    },
    /// A shutdown's grace period ran out before what was in flight finished.
    #[error("the shutdown grace period ({grace:?}) ran out and cut off {what}")]
    CutOff {
        /// The grace period.
        grace: std::time::Duration,
        /// What was cut off.
        what: String,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

impl Error {
    /// What to do about it, in one line, when there is something to say.
    pub fn help(&self) -> Option<String> {
        match self {
            Self::DuplicatePath { .. } => Some(
                "give one of them another path, e.g. `#[webhook_endpoint(\"/another_path\")]`"
                    .to_owned(),
            ),
            Self::InvalidPath { invalid, .. } | Self::InvalidFilter { invalid, .. } => {
                Some(invalid.help().to_owned())
            }
            Self::MissingState { type_name, .. } => Some(format!(
                "give the server one with `.state(value)`, where `value: {type_name}` (in `main!(|app| app.state(value))`, or on the `WebhooksServer`)"
            )),
            Self::NoEndpoints => Some(
                "put `#[webhook_endpoint]` on an `async fn`, or call `WebhooksServer::add_webhook(path, handler)`; \
                 endpoints defined in a library crate are only linked in when the binary names that crate: \
                 add `use my_crate as _;` to `main.rs` (and to each integration test)"
                    .to_owned(),
            ),
            Self::AddressInUse { addr } => Some(format!(
                "stop the other process, or choose another port with the `PORT` environment variable (e.g. `PORT={}`) or `WebhooksServer::bind(..)`",
                addr.port().wrapping_add(1)
            )),
            Self::InvalidAddress { .. } => Some(
                "give an address such as `127.0.0.1:7860` or `0.0.0.0:7860` (or set `HOST` and `PORT`)"
                    .to_owned(),
            ),
            Self::Inbox { location, .. } => match location {
                Some(location @ crate::inbox::Location::Sqlite(_)) => Some(format!(
                    "point `WEBHOOKS_INBOX` (or `WebhooksServer::inbox`) at a file this program can create and write, \
                     or move `{location}` away; a second copy of the server needs its own file (replicas share an inbox through PostgreSQL)"
                )),
                Some(location @ crate::inbox::Location::Postgres(_)) => {
                    Some(if cfg!(feature = "postgres") {
                        format!(
                            "check that the database at `{location}` is up and that its user may create tables"
                        )
                    } else {
                        "build with the `postgres` feature of `hf-webhooks` (remove `default-features = false`, or add `features = [\"postgres\"]`)".to_owned()
                    })
                }
                None => None,
            },
            Self::CutOff { .. } => Some(
                "give handlers more time with `WebhooksServer::shutdown_grace(..)`, or make long work a queued endpoint, which picks up cut deliveries at the next start"
                    .to_owned(),
            ),
            Self::Bind { .. } | Self::InvalidEnv { .. } | Self::Runtime(_) => None,
        }
    }
}
