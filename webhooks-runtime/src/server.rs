//! The server: the [`WebhooksServer`] builder, [`RunningServer`], the accept loop and one
//! delivery's path from the socket to the handler and back.

use std::convert::Infallible;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_LENGTH, HeaderValue};
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::{Auth, Secret};
use crate::endpoint::{self, Origin, RouteSpec};
use crate::error::Error;
use crate::extract::Delivery;
use crate::handler::{ErasedHandler, Handler, call_catching_panics};
use crate::response::{IntoResponse, Response, error, json_bytes};
use crate::router::Router;
use crate::startup;

/// Default body limit: Hub payloads are a few KiB; 1 MiB leaves room for long comments.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
const DEFAULT_PORT: u16 = 7860;
const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A webhooks server, configured step by step, then started with [`launch`](Self::launch) or
/// [`run`](Self::run).
///
/// [`app()`](crate::app) starts from every `#[webhook_endpoint]` of the program;
/// [`WebhooksServer::new`] starts empty, for endpoints added with [`add_webhook`](Self::add_webhook).
///
/// # Examples
/// ```no_run
/// use webhooks_runtime::{WebhookPayload, WebhooksServer};
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
    secret: Option<String>,
    addrs: Option<Vec<SocketAddr>>,
    public_url: Option<String>,
    body_limit: usize,
    shutdown_grace: Duration,
    header_read_timeout: Duration,
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
            addrs: None,
            public_url: None,
            body_limit: DEFAULT_BODY_LIMIT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
        }
    }

    /// Serves `handler` at `/webhooks/` + `path` (outer slashes stripped), like the reference's
    /// `add_webhook`. An `async fn` is a handler as is; wrap a plain `fn` in
    /// [`blocking`](crate::blocking).
    ///
    /// An invalid or duplicate path is reported by [`launch`](Self::launch), with this call's
    /// `file:line`.
    #[track_caller]
    pub fn add_webhook<H: Handler<Args>, Args>(mut self, path: &str, handler: H) -> Self {
        let caller = std::panic::Location::caller();
        let origin = Origin {
            name: path.to_owned().into(),
            file: caller.file(),
            line: caller.line(),
        };
        match endpoint::spec(path, origin, ErasedHandler::new(handler)) {
            Ok(spec) => self.routes.push(spec),
            Err(problem) => self.problems.push(problem),
        }
        self
    }

    /// The secret every delivery must carry (in `X-Webhook-Secret` or `?secret=`). An empty one
    /// falls back to the `WEBHOOK_SECRET` environment variable, as in the reference; with neither,
    /// the endpoints are open to everyone and a warning is printed.
    pub fn webhook_secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// The address to listen on. Default: `HOST` and `PORT` from the environment, else
    /// `127.0.0.1:7860` (`0.0.0.0:7860` on a Space, where `SPACE_ID` is set). Port 0 picks a free
    /// port; [`RunningServer::local_addr`] tells which.
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
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How long a shutdown waits for deliveries in flight before closing them (default 30 s).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// How long a client may take to send a request's headers before the connection is closed
    /// (default 30 s).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Checks the configuration, binds, prints the startup text and serves in the background.
    ///
    /// Fails, serving nothing, on a duplicate or invalid path, on no endpoints, or when the address
    /// cannot be bound.
    pub async fn launch(self) -> Result<RunningServer, Error> {
        if let Some(problem) = self.problems.into_iter().next() {
            return Err(problem);
        }
        let mut routes = self.routes;
        endpoint::check_unique(&routes)?;
        routes.sort_by(|a, b| a.route.cmp(&b.route));

        let secret = self.secret.filter(|secret| !secret.is_empty()).or_else(|| {
            std::env::var("WEBHOOK_SECRET")
                .ok()
                .filter(|secret| !secret.is_empty())
        });
        let auth = Auth::new(secret.map(Secret::new));
        let addrs = match self.addrs {
            Some(addrs) => addrs,
            None => addrs_from_env()?,
        };
        let listener = bind(&addrs).await?;
        let local_addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: addrs[0],
            source,
        })?;
        let url = startup::public_url(
            std::env::var("SPACE_HOST").ok().as_deref(),
            self.public_url
                .or_else(|| std::env::var("WEBHOOKS_PUBLIC_URL").ok())
                .as_deref(),
            local_addr,
        );

        print!(
            "{}",
            startup::banner(
                !auth.is_open(),
                &url,
                routes.iter().map(|spec| spec.route.as_str())
            )
        );
        let app = Arc::new(App {
            router: Router::new(routes),
            auth,
            body_limit: self.body_limit,
        });
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let settings = ConnectionSettings {
            header_read_timeout: self.header_read_timeout,
            shutdown_grace: self.shutdown_grace,
        };
        let task = tokio::spawn(serve(listener, app, settings, shutdown_rx));
        Ok(RunningServer {
            local_addr,
            url,
            shutdown: shutdown_tx,
            task,
        })
    }

    /// Launches, then serves until Ctrl-C or SIGTERM, then shuts down gracefully.
    pub async fn run(self) -> Result<(), Error> {
        let signal = shutdown_signal();
        let server = self.launch().await?;
        signal.await;
        tracing::info!("shutting down: finishing the deliveries in flight");
        server.shutdown().await;
        Ok(())
    }
}

fn addrs_from_env() -> Result<Vec<SocketAddr>, Error> {
    let host = std::env::var("HOST").ok().filter(|host| !host.is_empty());
    let host = host
        .as_deref()
        .unwrap_or(if std::env::var_os("SPACE_ID").is_some() {
            "0.0.0.0"
        } else {
            "127.0.0.1"
        });
    let port = match std::env::var("PORT") {
        Ok(value) if !value.is_empty() => value.parse::<u16>().map_err(|_| Error::InvalidEnv {
            name: "PORT",
            value,
            reason: "expected a port number from 0 to 65535",
        })?,
        _ => DEFAULT_PORT,
    };
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|err| Error::InvalidAddress {
            addr: format!("\"{host}:{port}\""),
            reason: err.to_string(),
        })?
        .collect();
    Ok(addrs)
}

async fn bind(addrs: &[SocketAddr]) -> Result<TcpListener, Error> {
    let Some(&first) = addrs.first() else {
        return Err(Error::InvalidAddress {
            addr: "(none)".to_owned(),
            reason: "it resolves to no address".into(),
        });
    };
    let mut last = None;
    for &addr in addrs {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => {
                return Err(Error::AddressInUse { addr });
            }
            Err(err) => last = Some(Error::Bind { addr, source: err }),
        }
    }
    Err(last.unwrap_or(Error::AddressInUse { addr: first }))
}

/// Resolves on the first Ctrl-C or SIGTERM. Listening starts when this is called, not when the
/// future is first polled, so a signal sent right after the startup text is never missed.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                _ => {
                    tracing::warn!(
                        "cannot listen for Ctrl-C / SIGTERM: stop the server with `RunningServer::shutdown`"
                    );
                    std::future::pending::<()>().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// A launched server: where it listens, and the way to stop it.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    url: String,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// The address the server listens on (with the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The base URL endpoints were announced under (see [`WebhooksServer::public_url`]).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops accepting connections, lets the deliveries in flight finish (within the grace
    /// period), and returns once the server is stopped.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(());
        if let Err(err) = self.task.await {
            tracing::error!(error = %err, "the server task failed while shutting down");
        }
    }
}

/// Settings of every connection.
#[derive(Debug, Clone, Copy)]
struct ConnectionSettings {
    header_read_timeout: Duration,
    shutdown_grace: Duration,
}

/// What every request needs, built once at launch and shared read-only.
#[derive(Debug)]
struct App {
    router: Router,
    auth: Auth,
    body_limit: usize,
}

async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    settings: ConnectionSettings,
    mut stop: oneshot::Receiver<()>,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            biased;
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(err) => {
                        // Out of file descriptors and the like: wait a little instead of spinning.
                        tracing::warn!(error = %err, "could not accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let app = Arc::clone(&app);
                let service = hyper::service::service_fn(move |request| {
                    let app = Arc::clone(&app);
                    async move { Ok::<_, Infallible>(app.handle(request).await) }
                });
                let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    if let Err(err) = connection.await {
                        tracing::debug!(error = %err, "connection closed with an error");
                    }
                });
            }
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(settings.shutdown_grace) => {
            tracing::warn!(grace = ?settings.shutdown_grace, "deliveries still in flight after the grace period were cut off");
        }
    }
}

impl App {
    /// One request: route, method, secret (before any body byte), body within the limit, handler.
    async fn handle(&self, request: Request<Incoming>) -> Response {
        let Some(route) = self.router.find(request.uri().path()) else {
            return json_bytes(
                StatusCode::NOT_FOUND,
                Bytes::from_static(br#"{"detail":"Not Found"}"#),
            );
        };
        if request.method() != Method::POST {
            let mut response = json_bytes(
                StatusCode::METHOD_NOT_ALLOWED,
                Bytes::from_static(br#"{"detail":"Method Not Allowed"}"#),
            );
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
        let (head, body) = request.into_parts();
        if let Err(rejection) = self.auth.check(&head) {
            return rejection.into_response();
        }
        let body = match read_body(&head, body, self.body_limit).await {
            Ok(body) => body,
            Err(response) => return response,
        };
        match call_catching_panics(&route.handler, Delivery::new(head, body)).await {
            Ok(response) => response,
            Err(panic) => {
                tracing::error!(
                    endpoint = &*route.name,
                    panic = panic_message(&*panic),
                    "the handler panicked"
                );
                error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal Server Error: the handler panicked.",
                )
            }
        }
    }
}

/// Reads the whole body, refusing (413) as soon as it exceeds `limit`, before reading it when the
/// declared length already does.
async fn read_body(
    head: &http::request::Parts,
    body: Incoming,
    limit: usize,
) -> Result<Bytes, Response> {
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("The request body is larger than the limit of {limit} bytes."),
        )
    };
    let declared = head
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(err) => Err(error(
            StatusCode::BAD_REQUEST,
            &format!("Could not read the request body: {err}"),
        )),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a panic without a message)")
}
