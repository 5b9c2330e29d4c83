//! The route table: built once at launch, shared read-only, looked up without allocating.

use std::collections::HashMap;
use std::time::Duration;

use crate::activity::Recent;
use crate::endpoint::RouteSpec;
use crate::filter::Filter;
use crate::handler::ErasedHandler;

/// A route the server answers: its name (for logs) and its handler.
#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) name: Box<str>,
    pub(crate) handler: ErasedHandler,
    /// Past this, the Hub is answered 202 and the handler goes on in the background.
    pub(crate) respond_within: Option<Duration>,
    /// Deliveries that do not match are skipped without calling the handler.
    pub(crate) filter: Filter,
    /// The last deliveries, for the landing page and the deliveries API.
    pub(crate) recent: Recent,
}

/// Path → route, built from checked, unique specs.
#[derive(Debug)]
pub(crate) struct Router {
    routes: HashMap<Box<str>, Route>,
    /// Every path, sorted, for the startup text.
    paths: Vec<Box<str>>,
}

impl Router {
    /// The table for `specs`; endpoints without their own deadline get `respond_within`.
    /// Each endpoint keeps its last `recent` deliveries.
    pub(crate) fn new(
        specs: Vec<RouteSpec>,
        respond_within: Option<Duration>,
        recent: usize,
    ) -> Self {
        let routes = specs
            .into_iter()
            .map(|spec| {
                let route = Route {
                    name: spec.origin.name.into(),
                    handler: spec.handler,
                    respond_within: spec.options.respond_within.or(respond_within),
                    filter: spec.options.filter,
                    recent: Recent::new(recent),
                };
                (spec.route.into_boxed_str(), route)
            })
            .collect::<HashMap<_, _>>();
        let mut paths: Vec<Box<str>> = routes.keys().cloned().collect();
        paths.sort();
        Self { routes, paths }
    }

    /// Every route with its path, in path order.
    pub(crate) fn routes(&self) -> impl Iterator<Item = (&str, &Route)> {
        self.paths.iter().map(|path| (&**path, &self.routes[path]))
    }

    /// Every path served, sorted.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(|path| &**path)
    }

    /// The route for a request path. One trailing slash is tolerated (`/webhooks/a/` is
    /// `/webhooks/a`), because a URL pasted into the Hub's settings often ends with one.
    pub(crate) fn find(&self, path: &str) -> Option<&Route> {
        self.routes.get(path).or_else(|| {
            let trimmed = path.strip_suffix('/')?;
            self.routes.get(trimmed)
        })
    }
}
