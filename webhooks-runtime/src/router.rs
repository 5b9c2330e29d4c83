//! The route table: built once at launch, shared read-only, looked up without allocating.
//!
//! The paths are kept sorted and looked up by binary search: an app has a handful of endpoints,
//! and a few byte comparisons cost less than hashing the path.

use std::time::Duration;

use crate::activity::{REFUSED_CAPACITY, Recent};
use crate::endpoint::RouteSpec;
use crate::filter::Filter;
use crate::handler::ErasedHandler;
use crate::metrics::{Metrics, RouteMetrics};

/// A route the server answers: its name (for logs) and its handler.
#[derive(Debug)]
pub(crate) struct Route {
    /// The route, e.g. `/webhooks/retrain`.
    pub(crate) path: Box<str>,
    pub(crate) name: Box<str>,
    pub(crate) handler: ErasedHandler,
    /// Past this, the Hub is answered 202 and the handler goes on in the background.
    pub(crate) respond_within: Option<Duration>,
    /// Deliveries that do not match are skipped without calling the handler.
    pub(crate) filter: Filter,
    /// The last deliveries, for the landing page and the deliveries API.
    pub(crate) recent: Recent,
    /// The last requests refused before they were authenticated, kept apart.
    pub(crate) refused: Recent,
    /// For a queued endpoint, the attempts each delivery gets.
    pub(crate) queue: Option<u32>,
    /// Its counters, unless metrics are off.
    pub(crate) metrics: Option<RouteMetrics>,
}

/// Path → route, built from checked, unique specs.
#[derive(Debug)]
pub(crate) struct Router {
    /// Sorted by path, paths unique.
    routes: Vec<Route>,
}

impl Router {
    /// The table for `specs`; endpoints without their own deadline get `respond_within`.
    /// Each endpoint keeps its last `recent` deliveries, their bodies within its share of
    /// `recent_bytes`, and has its counters in `metrics`.
    pub(crate) fn new(
        specs: Vec<RouteSpec>,
        respond_within: Option<Duration>,
        recent: usize,
        recent_bytes: usize,
        metrics: Option<&Metrics>,
    ) -> Self {
        let share = recent_bytes / specs.len().max(1);
        let mut routes = specs
            .into_iter()
            .map(|spec| Route {
                metrics: metrics.map(|metrics| metrics.route(&spec.route)),
                path: spec.route.into_boxed_str(),
                name: spec.name,
                handler: spec.handler,
                respond_within: spec.options.respond_within.or(respond_within),
                filter: spec.options.filter,
                recent: Recent::new(recent, share),
                refused: Recent::new(recent.min(REFUSED_CAPACITY), 0),
                queue: spec.options.queue,
            })
            .collect::<Vec<_>>();
        routes.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        Self { routes }
    }

    /// Every route with its path, in path order.
    pub(crate) fn routes(&self) -> impl Iterator<Item = (&str, &Route)> {
        self.routes.iter().map(|route| (&*route.path, route))
    }

    /// Every path served, sorted.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &str> {
        self.routes.iter().map(|route| &*route.path)
    }

    fn get(&self, path: &str) -> Option<usize> {
        self.routes
            .binary_search_by(|route| (*route.path).cmp(path))
            .ok()
    }

    /// The route for a request path. One trailing slash is tolerated (`/webhooks/a/` is
    /// `/webhooks/a`), because a URL pasted into the Hub's settings often ends with one.
    pub(crate) fn find(&self, path: &str) -> Option<&Route> {
        self.position(path).map(|index| self.at(index))
    }

    /// Where [`find`](Self::find)'s route is in the table: what a future that owns the service
    /// (and so cannot borrow from it before it starts) keeps instead of the route.
    pub(crate) fn position(&self, path: &str) -> Option<usize> {
        self.get(path).or_else(|| self.get(path.strip_suffix('/')?))
    }

    /// The route at `index`, from [`position`](Self::position).
    pub(crate) fn at(&self, index: usize) -> &Route {
        &self.routes[index]
    }
}
