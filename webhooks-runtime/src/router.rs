//! The route table: built once at launch, shared read-only, looked up without allocating.

use std::collections::HashMap;

use crate::endpoint::{Origin, RouteSpec};
use crate::handler::ErasedHandler;

/// A route the server answers: its name (for logs) and its handler.
#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) name: Box<str>,
    pub(crate) handler: ErasedHandler,
}

/// Path → route, built from checked, unique specs.
#[derive(Debug)]
pub(crate) struct Router {
    routes: HashMap<Box<str>, Route>,
}

impl Router {
    pub(crate) fn new(specs: Vec<RouteSpec>) -> Self {
        let routes = specs
            .into_iter()
            .map(
                |RouteSpec {
                     route,
                     origin: Origin { name, .. },
                     handler,
                 }| {
                    (
                        route.into_boxed_str(),
                        Route {
                            name: name.into(),
                            handler,
                        },
                    )
                },
            )
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
