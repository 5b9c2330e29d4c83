//! The route table: built once at launch, shared read-only, looked up without allocating.

use std::collections::HashMap;
use std::time::Duration;

use crate::endpoint::RouteSpec;
use crate::handler::ErasedHandler;

/// A route the server answers: its name (for logs) and its handler.
#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) name: Box<str>,
    pub(crate) handler: ErasedHandler,
    /// Past this, the Hub is answered 202 and the handler goes on in the background.
    pub(crate) respond_within: Option<Duration>,
}

/// Path → route, built from checked, unique specs.
#[derive(Debug)]
pub(crate) struct Router {
    routes: HashMap<Box<str>, Route>,
}

impl Router {
    /// The table for `specs`; endpoints without their own deadline get `respond_within`.
    pub(crate) fn new(specs: Vec<RouteSpec>, respond_within: Option<Duration>) -> Self {
        let routes = specs
            .into_iter()
            .map(|spec| {
                let route = Route {
                    name: spec.origin.name.into(),
                    handler: spec.handler,
                    respond_within: spec.respond_within.or(respond_within),
                };
                (spec.route.into_boxed_str(), route)
            })
            .collect();
        Self { routes }
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
