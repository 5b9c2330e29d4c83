//! Endpoints: what `#[webhook_endpoint]` registers, the options an endpoint can have, and the
//! checks that every route is valid and claimed once.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use crate::error::Error;
use crate::filter::Filter;
use crate::handler::ErasedHandler;

/// One `#[webhook_endpoint]` function, as the attribute registers it in the global collection.
///
/// You never build one by hand: the attribute does, through `inventory::submit!`.
#[doc(hidden)]
#[derive(Debug)]
pub struct Endpoint {
    name: &'static str,
    module: &'static str,
    path: &'static str,
    file: &'static str,
    line: u32,
    handler: fn() -> ErasedHandler,
    respond_within: Option<Duration>,
    scope: Option<&'static str>,
    action: Option<&'static str>,
    repo_type: Option<&'static str>,
    repo: Option<&'static str>,
    queue: Option<u32>,
}

impl Endpoint {
    /// Describes the function `module::name`, served at `path` (before normalisation), defined
    /// at `file:line`.
    pub const fn new(
        name: &'static str,
        module: &'static str,
        path: &'static str,
        file: &'static str,
        line: u32,
        handler: fn() -> ErasedHandler,
    ) -> Self {
        Self {
            name,
            module,
            path,
            file,
            line,
            handler,
            respond_within: None,
            scope: None,
            action: None,
            repo_type: None,
            repo: None,
            queue: None,
        }
    }

    /// A queued endpoint whose deliveries get `max_attempts` attempts.
    pub const fn queued(mut self, max_attempts: u32) -> Self {
        self.queue = Some(max_attempts);
        self
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
        let mut options = EndpointOptions::new();
        if let Some(scope) = self.scope {
            options = options.scope(scope);
        }
        if let Some(action) = self.action {
            options = options.action(action);
        }
        if let Some(repo_type) = self.repo_type {
            options = options.repo_type(repo_type);
        }
        if let Some(repo) = self.repo {
            options = options.repo(repo);
        }
        if let Some(deadline) = self.respond_within {
            options = options.respond_within(deadline);
        }
        if let Some(attempts) = self.queue {
            options = options.max_attempts(attempts);
        }
        options
    }
}

inventory::collect!(Endpoint);

/// Per-endpoint options for
/// [`WebhooksServer::add_webhook_with`](crate::server::WebhooksServer::add_webhook_with): what the
/// attribute's `scope`, `action`, `repo_type`, `repo` and `respond_within` say.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use webhooks_runtime::WebhookPayload;
/// use webhooks_runtime::server::{EndpointOptions, WebhooksServer};
///
/// async fn retrain(payload: WebhookPayload) {}
///
/// let server = WebhooksServer::new().add_webhook_with(
///     "/retrain",
///     EndpointOptions::new()
///         .scope("repo.content")
///         .repo_type("dataset")
///         .respond_within(Duration::from_secs(5)),
///     retrain,
/// );
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct EndpointOptions {
    pub(crate) filter: Filter,
    pub(crate) respond_within: Option<Duration>,
    /// For a queued endpoint, the attempts each delivery gets.
    pub(crate) queue: Option<u32>,
}

impl EndpointOptions {
    /// No filter, no deadline.
    pub fn new() -> Self {
        Self::default()
    }

    /// See [`Filter::scope`].
    pub fn scope(mut self, scope: impl Into<Cow<'static, str>>) -> Self {
        self.filter = self.filter.scope(scope);
        self
    }

    /// See [`Filter::action`].
    pub fn action(mut self, action: &str) -> Self {
        self.filter = self.filter.action(action);
        self
    }

    /// See [`Filter::repo_type`].
    pub fn repo_type(mut self, repo_type: &str) -> Self {
        self.filter = self.filter.repo_type(repo_type);
        self
    }

    /// See [`Filter::repo`].
    pub fn repo(mut self, repo: impl Into<Cow<'static, str>>) -> Self {
        self.filter = self.filter.repo(repo);
        self
    }

    /// A whole filter at once.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = filter;
        self
    }

    /// This endpoint's own deadline; see
    /// [`WebhooksServer::respond_within`](crate::server::WebhooksServer::respond_within).
    pub fn respond_within(mut self, deadline: Duration) -> Self {
        self.respond_within = Some(deadline);
        self
    }

    /// Makes the endpoint queued, like `#[webhook_endpoint(queue)]`: each delivery is committed
    /// to the inbox and answered `202 {"queued": true, "deliveryId": ...}`, then workers run the
    /// handler from the stored copy, retrying it with backoff when it fails (see the README's
    /// "Reliability" section).
    pub fn queue(mut self) -> Self {
        self.queue.get_or_insert(crate::inbox::DEFAULT_MAX_ATTEMPTS);
        self
    }

    /// A queued endpoint whose deliveries get `attempts` attempts (at least 1; default
    /// [`DEFAULT_MAX_ATTEMPTS`](crate::inbox::DEFAULT_MAX_ATTEMPTS)) before they are dead.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.queue = Some(attempts.max(1));
        self
    }
}

/// Where a route was declared: the function (with its module) or the `add_webhook` call, and its
/// `file:line`.
///
/// # Examples
/// A duplicate path names both declarations:
/// ```
/// use webhooks_runtime::Error;
/// use webhooks_runtime::server::WebhooksServer;
/// use webhooks_runtime::test::TestClient;
///
/// async fn hook() {}
///
/// let server = WebhooksServer::new().add_webhook("a", hook).add_webhook("/a/", hook);
/// let error = TestClient::new(server).unwrap_err();
/// let Error::DuplicatePath { first, second, .. } = &error else { unreachable!() };
/// assert_eq!(first.name, "add_webhook(\"a\")");
/// assert_eq!(second.name, "add_webhook(\"/a/\")");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Origin {
    /// The handler: `module::function` for an attribute, `add_webhook("path")` for the builder.
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
    /// The endpoint's name in logs and on the page: the function's name, or the path given to
    /// `add_webhook`.
    pub(crate) name: Box<str>,
    pub(crate) origin: Origin,
    pub(crate) handler: ErasedHandler,
    /// The endpoint's filter and own deadline.
    pub(crate) options: EndpointOptions,
}

/// Every `#[webhook_endpoint]` of the program, as route specs (unchecked).
pub(crate) fn registered() -> impl Iterator<Item = Result<RouteSpec, Error>> {
    inventory::iter::<Endpoint>.into_iter().map(|endpoint| {
        let origin = Origin {
            name: Cow::Owned(format!("{}::{}", endpoint.module, endpoint.name)),
            file: endpoint.file,
            line: endpoint.line,
        };
        spec(
            endpoint.name,
            endpoint.path,
            origin,
            (endpoint.handler)(),
            endpoint.options(),
        )
    })
}

/// A route spec for `path`, or why `path` or the options cannot be served.
pub(crate) fn spec(
    name: &str,
    path: &str,
    origin: Origin,
    handler: ErasedHandler,
    options: EndpointOptions,
) -> Result<RouteSpec, Error> {
    let route = match webhooks_core::route(path) {
        Ok(route) => route,
        Err(invalid) => return Err(Error::InvalidPath { invalid, origin }),
    };
    if let Err(invalid) = options.filter.validate() {
        return Err(Error::InvalidFilter { invalid, origin });
    }
    if options.queue.is_some() && options.respond_within.is_some() {
        let invalid = webhooks_core::Invalid::new(
            "`respond_within` has no effect on a queued endpoint: it answers `202` as soon as the delivery is stored",
            "remove `respond_within`",
        );
        return Err(Error::InvalidFilter { invalid, origin });
    }
    Ok(RouteSpec {
        route,
        name: name.into(),
        origin,
        handler,
        options,
    })
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
