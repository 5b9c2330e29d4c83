//! [`WebhooksServer`]: the server, configured step by step, and [`app()`].

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use http::Extensions;
use secrecy::ExposeSecret;
use tokio_util::task::TaskTracker;

use super::{DEFAULT_BODY_LIMIT, DEFAULT_MAX_BACKGROUND, DEFAULT_MAX_CONNECTIONS};
use crate::activity::{DEFAULT_ACTIVITY_BYTES, DEFAULT_ACTIVITY_CAPACITY, Ids};
use crate::auth::{Auth, Secret};
use crate::endpoint::{self, EndpointOptions, Origin, RouteSpec};
use crate::error::Error;
use crate::handler::{ErasedHandler, Handler};
use crate::inbox::worker::{Inbox, QueueSettings, replica_name};
use crate::inbox::{
    DEFAULT_LEASE, DEFAULT_RETENTION, DEFAULT_RETRY_BACKOFF, Durability, INBOX_VAR, Location,
    MemoryStore, SqliteStore, Store, StoreError,
};
use crate::metrics::Metrics;
use crate::router::Router;
use crate::service::{Pages, Service, Settings, Site};

const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A webhooks server, configured step by step, then started with [`launch`](Self::launch) or
/// [`run`](Self::run).
///
/// [`app()`](crate::app) starts from every `#[webhook_endpoint]` of the program;
/// [`WebhooksServer::new`] starts empty, for endpoints added with [`add_webhook`](Self::add_webhook).
///
/// # Examples
/// ```no_run
/// use webhooks_runtime::WebhookPayload;
/// use webhooks_runtime::server::WebhooksServer;
///
/// async fn hello(payload: WebhookPayload) -> serde_json::Value {
///     serde_json::json!({ "message": "hello", "repo": payload.repo.name })
/// }
///
/// # async fn run() -> Result<(), webhooks_runtime::Error> {
/// WebhooksServer::new()
///     .add_webhook("/say_hello", hello)
///     .webhook_secret("my_secret")
///     .run()
///     .await
/// # }
/// ```
#[derive(Debug)]
#[must_use = "a server does nothing until `.launch()` or `.run()` is awaited"]
pub struct WebhooksServer {
    routes: Vec<RouteSpec>,
    problems: Vec<Error>,
    secret: Option<Secret>,
    previous_secrets: Vec<Secret>,
    pub(super) addrs: Option<Vec<SocketAddr>>,
    pub(super) public_url: Option<String>,
    respond_within: Option<Duration>,
    settings: Settings,
    landing_page: bool,
    ui: Option<(ErasedHandler, Origin)>,
    app_name: Option<String>,
    state: Extensions,
    inbox: InboxChoice,
    queue: QueueSettings,
    durability: Durability,
    replica: Option<String>,
    metrics: bool,
}

/// Which inbox the builder was told to use.
#[derive(Debug, Default)]
enum InboxChoice {
    /// `WEBHOOKS_INBOX`, else the default file when an endpoint is queued, else memory.
    #[default]
    Default,
    /// A location given to [`WebhooksServer::inbox`].
    Location(Location),
    /// A store given to [`WebhooksServer::inbox_store`].
    Store(Arc<dyn Store>),
}

/// What the service is built for: a launched server reads `WEBHOOKS_INBOX` and opens the default
/// file; an in-process test client keeps its inbox in memory unless it was given one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Server,
    TestClient,
}

impl Default for WebhooksServer {
    fn default() -> Self {
        Self::new()
    }
}

/// A server holding every `#[webhook_endpoint]` function of the program.
///
/// # Examples
/// ```no_run
/// # async fn run() -> Result<(), webhooks_runtime::Error> {
/// webhooks_runtime::app().webhook_secret("my_secret").run().await
/// # }
/// ```
pub fn app() -> WebhooksServer {
    let mut server = WebhooksServer::new();
    for spec in endpoint::registered() {
        match spec {
            Ok(spec) => server.routes.push(spec),
            Err(problem) => server.problems.push(problem),
        }
    }
    server
}

impl WebhooksServer {
    /// A server with no endpoints, no secret, and the default settings.
    pub fn new() -> Self {
        Self {
            routes: Vec::new(),
            problems: Vec::new(),
            secret: None,
            previous_secrets: Vec::new(),
            addrs: None,
            public_url: None,
            respond_within: None,
            settings: Settings {
                body_limit: DEFAULT_BODY_LIMIT,
                header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
                body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
                shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
                max_connections: DEFAULT_MAX_CONNECTIONS,
                max_background: DEFAULT_MAX_BACKGROUND,
                recent_deliveries: DEFAULT_ACTIVITY_CAPACITY,
                recent_bytes: DEFAULT_ACTIVITY_BYTES,
            },
            landing_page: true,
            ui: None,
            app_name: None,
            state: Extensions::new(),
            inbox: InboxChoice::Default,
            queue: QueueSettings {
                workers: default_workers(),
                retry_backoff: DEFAULT_RETRY_BACKOFF,
                lease: DEFAULT_LEASE,
                retention: DEFAULT_RETENTION,
                dedup: true,
            },
            durability: Durability::default(),
            replica: None,
            metrics: true,
        }
    }

    /// Serves `handler` at `/webhooks/` + `path` (outer slashes stripped), like the reference's
    /// `add_webhook`. An `async fn` is a handler as is; wrap a plain `fn` in
    /// [`blocking`](crate::handler::blocking).
    ///
    /// An invalid or duplicate path is reported by [`launch`](Self::launch), with this call's
    /// `file:line`.
    #[track_caller]
    pub fn add_webhook<H: Handler<Args>, Args>(self, path: &str, handler: H) -> Self {
        self.add_webhook_with(path, EndpointOptions::new(), handler)
    }

    /// Like [`add_webhook`](Self::add_webhook), with a filter and a deadline of its own: what
    /// the attribute's `scope`, `action`, `repo_type`, `repo` and `respond_within` give.
    #[track_caller]
    pub fn add_webhook_with<H: Handler<Args>, Args>(
        mut self,
        path: &str,
        options: EndpointOptions,
        handler: H,
    ) -> Self {
        let caller = std::panic::Location::caller();
        let origin = Origin {
            name: format!("add_webhook({path:?})").into(),
            file: caller.file(),
            line: caller.line(),
        };
        let name = path.trim_matches('/');
        match endpoint::spec(name, path, origin, ErasedHandler::new(handler), options) {
            Ok(spec) => self.routes.push(spec),
            Err(problem) => self.problems.push(problem),
        }
        self
    }

    /// The secret every delivery must carry (in `X-Webhook-Secret` or `?secret=`). An empty one
    /// falls back to the `WEBHOOK_SECRET` environment variable, as in the reference; with neither,
    /// the endpoints are open to everyone and a warning is printed.
    ///
    /// The secret is compared in constant time and never appears in logs, `Debug` output or
    /// answers.
    pub fn webhook_secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(Secret::from(secret.into()));
        self
    }

    /// Also accepts `secret`, while you rotate secrets: set the new one with
    /// [`webhook_secret`](Self::webhook_secret) and keep the old one here until every webhook on
    /// the Hub sends the new one. Call it once per extra secret.
    ///
    /// # Examples
    /// ```
    /// # use webhooks_runtime::server::WebhooksServer;
    /// let server = WebhooksServer::new().webhook_secret("new-secret").also_accept_secret("old-secret");
    /// assert!(!format!("{server:?}").contains("-secret"));
    /// ```
    pub fn also_accept_secret(mut self, secret: impl Into<String>) -> Self {
        let secret: String = secret.into();
        if !secret.is_empty() {
            self.previous_secrets.push(Secret::from(secret));
        }
        self
    }

    /// The address to listen on. Default: `HOST` and `PORT` from the environment, else
    /// `127.0.0.1:7860` (`0.0.0.0:7860` on a Space, where `SPACE_ID` is set). Port 0 picks a free
    /// port; [`RunningServer::local_addr`](super::RunningServer::local_addr) tells which.
    pub fn bind(mut self, addr: impl ToSocketAddrs + std::fmt::Debug) -> Self {
        match addr.to_socket_addrs() {
            Ok(addrs) => self.addrs = Some(addrs.collect()),
            Err(err) => self.problems.push(Error::InvalidAddress {
                addr: format!("{addr:?}"),
                reason: err.to_string(),
            }),
        }
        self
    }

    /// The public base URL to print the endpoints under, e.g. the URL of a tunnel you run
    /// (`https://abc.trycloudflare.com`). Default: the `WEBHOOKS_PUBLIC_URL` environment variable;
    /// on a Space `https://$SPACE_HOST` always wins.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// The largest body accepted, in bytes (default [`DEFAULT_BODY_LIMIT`]); larger ones get 413.
    ///
    /// The limit is enforced while reading, so a larger body, with or without a `Content-Length`,
    /// never takes more than this much memory.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.settings.body_limit = bytes;
        self
    }

    /// How long a shutdown waits for deliveries in flight, and for handlers that went on past
    /// their deadline, before cutting them off (default 30 s).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.settings.shutdown_grace = grace;
        self
    }

    /// How long a connection may take to send a request's headers, counted from when it opened
    /// or its previous answer was ready, before it is closed (default 30 s): a client that
    /// never finishes its headers (slowloris) cannot hold a connection open, and neither can an
    /// idle keep-alive connection.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.settings.header_read_timeout = timeout;
        self
    }

    /// How long a client may take to send a request's body once its headers arrived (default
    /// 30 s); past it the answer is 408 and the connection is closed.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.settings.body_read_timeout = timeout;
        self
    }

    /// The most connections served at once (default [`DEFAULT_MAX_CONNECTIONS`]). Further ones
    /// wait in the operating system's accept queue until a connection closes, so load never turns
    /// into unbounded memory.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.settings.max_connections = connections.max(1);
        self
    }

    /// The most tasks that run after their answer was sent (default
    /// [`DEFAULT_MAX_BACKGROUND`](super::DEFAULT_MAX_BACKGROUND)): work handed over with
    /// `Accepted`, and handlers past their `respond_within` deadline. Past it, a delivery whose
    /// handler hands over more work is answered `503` with `Retry-After` (the Hub tries again
    /// later) instead of `202`, and a handler past its deadline keeps the Hub waiting.
    pub fn max_background(mut self, tasks: usize) -> Self {
        self.settings.max_background = tasks.max(1);
        self
    }

    /// Answers the Hub `202 Accepted` when a handler takes longer than `deadline`, and lets the
    /// handler finish in the background (graceful shutdown waits for it, within the grace
    /// period). Applies to every endpoint without its own `respond_within` in the attribute.
    ///
    /// The trade-off: the Hub then records success before the work is done, so a handler that
    /// fails after the deadline is only visible in the logs. Use it for work that is slow but
    /// reliable (starting a training run), and validate before the slow part so that bad
    /// deliveries still fail fast.
    pub fn respond_within(mut self, deadline: Duration) -> Self {
        self.respond_within = Some(deadline);
        self
    }

    /// Whether `GET /` shows the landing page and `/api/deliveries` answers (default: yes).
    /// `false` makes a bare API server: only the webhooks (and `GET /health`) answer, and no
    /// delivery is kept in memory.
    pub fn landing_page(mut self, enabled: bool) -> Self {
        self.landing_page = enabled;
        self
    }

    /// Replaces the landing page with your own handler, called for every request that is not a
    /// webhook, `/health` or the deliveries API (like the reference's `ui`). It takes the same
    /// arguments and returns the same values as a webhook handler.
    ///
    /// # Examples
    /// ```
    /// use webhooks_runtime::{WebhookPayload, WebhookRequest, response::Html, server::WebhooksServer};
    ///
    /// async fn hook(_: WebhookPayload) {}
    /// async fn page(request: WebhookRequest) -> Html<String> {
    ///     Html(format!("<h1>My bot</h1><p>You asked for {}</p>", request.uri.path()))
    /// }
    ///
    /// let server = WebhooksServer::new().add_webhook("hook", hook).ui(page);
    /// ```
    #[track_caller]
    pub fn ui<H: Handler<Args>, Args>(mut self, handler: H) -> Self {
        let caller = std::panic::Location::caller();
        let origin = Origin {
            name: "ui(..)".into(),
            file: caller.file(),
            line: caller.line(),
        };
        self.ui = Some((ErasedHandler::new(handler), origin));
        self
    }

    /// How many deliveries each endpoint keeps in memory for the landing page and the deliveries
    /// API (default [`DEFAULT_ACTIVITY_CAPACITY`]; 0 keeps none).
    pub fn recent_deliveries(mut self, per_endpoint: usize) -> Self {
        self.settings.recent_deliveries = per_endpoint;
        self
    }

    /// Gives handlers a value of type `T` through a [`State<T>`](crate::extract::State) argument:
    /// an HTTP client, a configuration, a pool. Call it once per type (a second value of the same
    /// type replaces the first).
    ///
    /// A handler asking for a `State<T>` the server was not given stops the server at start, with
    /// the type and the endpoint named.
    ///
    /// # Examples
    /// ```
    /// use webhooks_runtime::extract::State;
    /// use webhooks_runtime::WebhooksServer;
    ///
    /// #[derive(Clone)]
    /// struct Hub { token: String }
    ///
    /// async fn hook(State(hub): State<Hub>) -> String {
    ///     format!("token of {} characters", hub.token.len())
    /// }
    ///
    /// let server = WebhooksServer::new().state(Hub { token: "hf_xxx".into() }).add_webhook("hook", hook);
    /// ```
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.state.insert(value);
        self
    }

    /// Where the inbox is: a SQLite file (`data/inbox.sqlite3`, `sqlite://...`) or a PostgreSQL
    /// database shared by several replicas (`postgres://...`). Default: `WEBHOOKS_INBOX`, else,
    /// when an endpoint is queued, `webhooks-inbox.sqlite3` in the working directory (in `/data`
    /// on a Space with persistent storage); with nothing queued, the ids of handled deliveries
    /// are remembered in memory.
    ///
    /// The inbox is opened (and created) at launch; a place that cannot be written, or a file that
    /// is not an inbox, stops the server with the reason.
    pub fn inbox(mut self, location: impl AsRef<str>) -> Self {
        self.inbox = InboxChoice::Location(Location::parse(location.as_ref()));
        self
    }

    /// Uses `store` as the inbox: your own [`Store`] implementation, or one of this crate's built
    /// with options of your own (`MemoryStore::remembering(..)`).
    pub fn inbox_store(mut self, store: impl Store) -> Self {
        self.inbox = InboxChoice::Store(Arc::new(store));
        self
    }

    /// How many queued deliveries are handled at once (default: twice the number of CPU cores).
    pub fn workers(mut self, workers: usize) -> Self {
        self.queue.workers = workers.max(1);
        self
    }

    /// How long a failed queued delivery waits before its second attempt (default 10 s); the wait
    /// doubles for each further attempt, up to an hour, less up to half of it at random.
    pub fn retry_backoff(mut self, first: Duration) -> Self {
        self.queue.retry_backoff = first;
        self
    }

    /// How long a worker's claim on a queued delivery lasts without renewal (default 5 min; it is
    /// renewed every third of it while the handler runs). A replica that dies leaves its claims to
    /// expire, and another replica runs them then.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.queue.lease = lease.max(Duration::from_millis(30));
        self
    }

    /// Whether deliveries are recognised by their id, so that a delivery handled successfully, or
    /// being handled, is answered `200 {"duplicate": true}` without running its handler again
    /// (default: yes). With `false`, every request runs its handler, including the Hub's retries
    /// and replays (queued endpoints still store each delivery once).
    pub fn dedup(mut self, enabled: bool) -> Self {
        self.queue.dedup = enabled;
        self
    }

    /// How long the ids of handled deliveries are remembered (default 7 days).
    pub fn remember_for(mut self, retention: Duration) -> Self {
        self.queue.retention = retention;
        self
    }

    /// How hard the inbox works to keep a commit (default [`Durability::Process`]: survives the
    /// process being killed; [`Durability::PowerLoss`] also survives a power cut, slower).
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// This replica's name in the attempts' history (default: `WEBHOOKS_REPLICA`, else the host's
    /// name and the process id).
    pub fn replica(mut self, name: impl Into<String>) -> Self {
        self.replica = Some(name.into());
        self
    }

    /// The most bytes of delivery bodies the activity log keeps, every endpoint together (default
    /// 32 MiB): past it the oldest bodies are dropped (their records stay, without a payload to
    /// show or replay), so a flood of large deliveries cannot exhaust the server's memory.
    pub fn recent_bytes(mut self, bytes: usize) -> Self {
        self.settings.recent_bytes = bytes;
        self
    }

    /// Whether `GET /metrics` answers, in Prometheus' text format (default: on). It is behind the
    /// webhook secret when one is set, sent like the Hub sends it: the `X-Webhook-Secret` header,
    /// or `?secret=` (which a Prometheus scrape config's `params` can send). Off, the path answers
    /// 404 and deliveries do not count anything.
    pub fn metrics(mut self, enabled: bool) -> Self {
        self.metrics = enabled;
        self
    }

    /// The name the landing page shows (default: the program's file name).
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = Some(name.into());
        self
    }

    /// The checked, immutable form every request is served from: what
    /// [`launch`](Self::launch) serves and what [`TestClient`](crate::test::TestClient) drives
    /// without a socket.
    pub(crate) fn into_service(self, target: Target) -> Result<Service, Error> {
        if let Some(problem) = self.problems.into_iter().next() {
            return Err(problem);
        }
        endpoint::check_unique(&self.routes)?;
        for spec in &self.routes {
            if let Err(type_name) = spec.handler.check_state(&self.state) {
                return Err(Error::MissingState {
                    type_name,
                    origin: spec.origin.clone(),
                });
            }
        }
        if let Some((ui, origin)) = &self.ui
            && let Err(type_name) = ui.check_state(&self.state)
        {
            return Err(Error::MissingState {
                type_name,
                origin: origin.clone(),
            });
        }
        let secret = self
            .secret
            .filter(|secret| !secret.expose_secret().is_empty())
            .or_else(|| {
                std::env::var("WEBHOOK_SECRET")
                    .ok()
                    .filter(|secret| !secret.is_empty())
                    .map(Secret::from)
            });
        let queued = self.routes.iter().any(|spec| spec.options.queue.is_some());
        let (store, location) =
            open_inbox(self.inbox, target, queued, self.durability, &self.queue)?;
        let inbox = Inbox::new(
            store,
            location,
            self.queue,
            self.replica.unwrap_or_else(replica_name),
        );
        let mut settings = self.settings;
        let pages = match (self.ui, self.landing_page) {
            (Some((handler, _)), _) => Pages::Custom(handler),
            (None, true) => Pages::Landing,
            (None, false) => {
                settings.recent_deliveries = 0;
                Pages::Off
            }
        };
        let metrics = self.metrics.then(Metrics::new);
        Ok(Service {
            router: Router::new(
                self.routes,
                self.respond_within,
                settings.recent_deliveries,
                settings.recent_bytes,
                metrics.as_ref(),
            ),
            auth: Auth::new(
                secret
                    .into_iter()
                    .chain(self.previous_secrets)
                    .map(trimmed)
                    .collect(),
            ),
            settings,
            background: TaskTracker::new(),
            site: Site::new(pages, self.app_name),
            ids: Ids::default(),
            state: Arc::new(self.state),
            inbox,
            queued,
            stopping: Arc::default(),
            metrics,
        })
    }
}

/// The secret without surrounding whitespace, with a warning when there was some: a secret pasted
/// into a Space's settings often ends with a newline, which the Hub's header never carries.
fn trimmed(secret: Secret) -> Secret {
    let text = secret.expose_secret();
    if text.trim() == text {
        return secret;
    }
    tracing::warn!(
        "the webhook secret starts or ends with whitespace (a newline pasted with it?): it was trimmed, since the Hub sends it without"
    );
    Secret::from(text.trim().to_owned())
}

/// Twice the number of CPU cores: handlers mostly wait on the network.
fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(4, |cores| cores.get() * 2)
}

/// The store the server's inbox is, and where, when it has a place.
fn open_inbox(
    choice: InboxChoice,
    target: Target,
    queued: bool,
    durability: Durability,
    settings: &QueueSettings,
) -> Result<(Arc<dyn Store>, Option<Location>), Error> {
    let location = match choice {
        InboxChoice::Store(store) => return Ok((store, None)),
        InboxChoice::Location(location) => location,
        InboxChoice::Default => {
            let from_env = match target {
                Target::Server => std::env::var(INBOX_VAR)
                    .ok()
                    .filter(|value| !value.trim().is_empty()),
                Target::TestClient => None,
            };
            match from_env {
                Some(value) => Location::parse(&value),
                None if queued && target == Target::Server => Location::default_for_this_machine(),
                None => return Ok((Arc::new(MemoryStore::new()), None)),
            }
        }
    };
    let failed = |err: StoreError| Error::Inbox {
        location: Some(location.clone()),
        reason: err.to_string(),
    };
    let store: Arc<dyn Store> = match &location {
        Location::Sqlite(path) => Arc::new(SqliteStore::open(path, durability).map_err(failed)?),
        Location::Postgres(url) => postgres_store(url, settings).map_err(failed)?,
    };
    Ok((store, Some(location)))
}

/// The PostgreSQL inbox at `url`, its ids of deliveries being handled leased like the queue's
/// claims.
#[cfg(feature = "postgres")]
fn postgres_store(url: &str, settings: &QueueSettings) -> Result<Arc<dyn Store>, StoreError> {
    use crate::inbox::{PostgresOptions, PostgresStore};
    let options = PostgresOptions::default().lease(settings.lease);
    Ok(Arc::new(PostgresStore::new(url, options)?))
}

/// Without the `postgres` feature there is no PostgreSQL inbox.
#[cfg(not(feature = "postgres"))]
fn postgres_store(url: &str, _: &QueueSettings) -> Result<Arc<dyn Store>, StoreError> {
    Err(StoreError::new(format!(
        "the inbox {} is a PostgreSQL database, and this build has no PostgreSQL inbox: enable the `postgres` feature of `hf-webhooks` (on by default; it is off when `default-features = false`)",
        crate::inbox::Location::Postgres(url.to_owned())
    )))
}

#[cfg(all(test, not(feature = "postgres")))]
mod tests {
    use super::*;

    #[test]
    fn without_the_feature_a_postgres_inbox_names_the_feature() {
        let server = WebhooksServer::new().inbox("postgres://app:hunter2@db/webhooks");
        let Err(err) = open_inbox(
            server.inbox,
            Target::Server,
            true,
            server.durability,
            &server.queue,
        ) else {
            panic!("a PostgreSQL inbox opened without the feature");
        };
        assert_eq!(
            err.to_string(),
            "the inbox postgres://app:***@db/webhooks is a PostgreSQL database, and this build has no PostgreSQL inbox: enable the `postgres` feature of `hf-webhooks` (on by default; it is off when `default-features = false`)"
        );
    }
}
