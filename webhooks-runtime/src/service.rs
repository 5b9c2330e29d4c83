//! The service: everything a request is answered from, built once when a server launches and
//! shared read-only by every connection (and by the in-process test client).

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http::Extensions;
use tokio_util::task::TaskTracker;

use crate::activity::Ids;
use crate::auth::Auth;
use crate::handler::ErasedHandler;
use crate::inbox::worker::Inbox;
use crate::metrics::Metrics;
use crate::router::Router;

/// The limits and timeouts every connection and delivery obeys.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) body_limit: usize,
    pub(crate) header_read_timeout: Duration,
    pub(crate) body_read_timeout: Duration,
    pub(crate) shutdown_grace: Duration,
    pub(crate) max_connections: usize,
    /// The most tasks running after their answer (`Accepted` work, handlers past their deadline,
    /// queued deliveries).
    pub(crate) max_background: usize,
    /// Deliveries kept per endpoint for the landing page and the deliveries API (0: none).
    pub(crate) recent_deliveries: usize,
    /// The most bytes of bodies the activity log keeps, every endpoint together.
    pub(crate) recent_bytes: usize,
}

/// A built server: its routes, secret policy, settings, and the work it tracks.
#[derive(Debug)]
pub(crate) struct Service {
    pub(crate) router: Router,
    pub(crate) auth: Auth,
    pub(crate) settings: Settings,
    /// Work that goes on after the answer (`Accepted`, or a handler past its deadline); shutdown
    /// waits for it.
    pub(crate) background: TaskTracker,
    /// What answers the paths that are not webhooks.
    pub(crate) site: Site,
    /// Ids of the activity log's records.
    pub(crate) ids: Ids,
    /// What [`State`](crate::extract::State) arguments are made of.
    pub(crate) state: Arc<Extensions>,
    /// Where deliveries are remembered, and queued ones wait.
    pub(crate) inbox: Inbox,
    /// Whether an endpoint is queued (then workers run).
    pub(crate) queued: bool,
    /// Set once a shutdown began.
    pub(crate) stopping: Arc<AtomicBool>,
    /// What `GET /metrics` reads, unless metrics are off.
    pub(crate) metrics: Option<Metrics>,
}

/// What answers the paths that are not webhooks (besides `/health`).
#[derive(Debug)]
pub(crate) struct Site {
    pub(crate) pages: Pages,
    /// The name the landing page shows.
    pub(crate) name: String,
    /// The base URL endpoints are announced under, known once the server is bound.
    pub(crate) url: OnceLock<String>,
    /// Whether the server listens on a loopback address, known once it is bound.
    pub(crate) loopback: OnceLock<bool>,
}

/// The pages a server shows besides its webhooks.
#[derive(Debug)]
pub(crate) enum Pages {
    /// The landing page at `/` and the deliveries API.
    Landing,
    /// The user's own handler for every other path; the deliveries API stays.
    Custom(ErasedHandler),
    /// Neither: a bare API server.
    Off,
}

impl Site {
    pub(crate) fn new(pages: Pages, name: Option<String>) -> Self {
        let name = name.unwrap_or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| {
                    exe.file_stem()
                        .map(|stem| stem.to_string_lossy().into_owned())
                })
                .unwrap_or_else(|| "webhooks".to_owned())
        });
        Self {
            pages,
            name,
            url: OnceLock::new(),
            loopback: OnceLock::new(),
        }
    }

    /// Whether the deliveries API answers (not on a bare API server).
    pub(crate) fn has_api(&self) -> bool {
        !matches!(self.pages, Pages::Off)
    }

    /// Whether the server listens on a loopback address (`false` until it is bound).
    pub(crate) fn loopback(&self) -> bool {
        self.loopback.get().copied().unwrap_or(false)
    }

    /// The base URL endpoints are announced under (empty until the server is bound).
    pub(crate) fn url(&self) -> &str {
        self.url.get().map_or("", String::as_str)
    }
}
