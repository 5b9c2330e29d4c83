//! Endpoints: what `#[webhook_endpoint]` registers, how a path becomes a route, and the checks
//! that every route is valid and claimed once.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use crate::error::Error;
use crate::filter::{EndpointOptions, Filter};
use crate::handler::ErasedHandler;

/// One `#[webhook_endpoint]` function, as the attribute registers it in the global collection.
///
/// You never build one by hand: the attribute does, through `inventory::submit!`.
#[doc(hidden)]
#[derive(Debug)]
pub struct Endpoint {
    name: &'static str,
    path: &'static str,
    file: &'static str,
    line: u32,
    handler: fn() -> ErasedHandler,
    respond_within: Option<Duration>,
    scope: Option<&'static str>,
    action: Option<&'static str>,
    repo_type: Option<&'static str>,
    repo: Option<&'static str>,
}

impl Endpoint {
    /// Describes the function `name`, served at `path` (before normalisation), defined at `file:line`.
    pub const fn new(
        name: &'static str,
        path: &'static str,
        file: &'static str,
        line: u32,
        handler: fn() -> ErasedHandler,
    ) -> Self {
        Self {
            name,
            path,
            file,
            line,
            handler,
            respond_within: None,
            scope: None,
            action: None,
            repo_type: None,
            repo: None,
        }
    }

    /// The same endpoint, answered `202 Accepted` when its handler runs longer than `millis`.
    pub const fn respond_within_millis(mut self, millis: u64) -> Self {
        self.respond_within = Some(Duration::from_millis(millis));
        self
    }

    /// Only deliveries whose scope is `scope` or narrower.
    pub const fn scope(mut self, scope: &'static str) -> Self {
        self.scope = Some(scope);
        self
    }

    /// Only deliveries with this action.
    pub const fn action(mut self, action: &'static str) -> Self {
        self.action = Some(action);
        self
    }

    /// Only deliveries about this kind of repo.
    pub const fn repo_type(mut self, repo_type: &'static str) -> Self {
        self.repo_type = Some(repo_type);
        self
    }

    /// Only deliveries about this repo.
    pub const fn repo(mut self, repo: &'static str) -> Self {
        self.repo = Some(repo);
        self
    }

    fn options(&self) -> EndpointOptions {
        let mut filter = Filter::new();
        if let Some(scope) = self.scope {
            filter = filter.scope(scope);
        }
        if let Some(action) = self.action {
            filter = filter.action(action);
        }
        if let Some(repo_type) = self.repo_type {
            filter = filter.repo_type(repo_type);
        }
        if let Some(repo) = self.repo {
            filter = filter.repo(repo);
        }
        let options = EndpointOptions::new().filter(filter);
        match self.respond_within {
            Some(deadline) => options.respond_within(deadline),
            None => options,
        }
    }
}

inventory::collect!(Endpoint);

/// Where a route was declared: the function's name and its `file:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The handler's name (the function name, or the path for `add_webhook`).
    pub name: Cow<'static, str>,
    /// The source file.
    pub file: &'static str,
    /// The line in `file`.
    pub line: u32,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` at {}:{}", self.name, self.file, self.line)
    }
}

/// A route waiting for launch: its normalised path, where it came from, and its handler.
#[derive(Debug, Clone)]
pub(crate) struct RouteSpec {
    pub(crate) route: String,
    pub(crate) origin: Origin,
    pub(crate) handler: ErasedHandler,
    /// The endpoint's filter and own deadline.
    pub(crate) options: EndpointOptions,
}

/// Every `#[webhook_endpoint]` of the program, as route specs (unchecked).
pub(crate) fn registered() -> impl Iterator<Item = Result<RouteSpec, Error>> {
    inventory::iter::<Endpoint>.into_iter().map(|endpoint| {
        let origin = Origin {
            name: Cow::Borrowed(endpoint.name),
            file: endpoint.file,
            line: endpoint.line,
        };
        spec(
            endpoint.path,
            origin,
            (endpoint.handler)(),
            endpoint.options(),
        )
    })
}

/// A route spec for `path`, or the reason `path` is not a valid webhook path.
pub(crate) fn spec(
    path: &str,
    origin: Origin,
    handler: ErasedHandler,
    options: EndpointOptions,
) -> Result<RouteSpec, Error> {
    match webhooks_core::route(path) {
        Ok(route) => Ok(RouteSpec {
            route,
            origin,
            handler,
            options,
        }),
        Err(invalid) => Err(Error::InvalidPath { invalid, origin }),
    }
}

/// Refuses a set of routes with a path claimed twice (naming both origins) or with no route.
pub(crate) fn check_unique(specs: &[RouteSpec]) -> Result<(), Error> {
    if specs.is_empty() {
        return Err(Error::NoEndpoints);
    }
    let mut seen: HashMap<&str, &Origin> = HashMap::with_capacity(specs.len());
    for spec in specs {
        if let Some(first) = seen.insert(&spec.route, &spec.origin) {
            // Report in source order so the message is the same whatever the link order was.
            let (first, second) = ordered(first.clone(), spec.origin.clone());
            return Err(Error::DuplicatePath {
                route: spec.route.clone(),
                first,
                second,
            });
        }
    }
    Ok(())
}

fn ordered(a: Origin, b: Origin) -> (Origin, Origin) {
    if (a.file, a.line) <= (b.file, b.line) {
        (a, b)
    } else {
        (b, a)
    }
}
