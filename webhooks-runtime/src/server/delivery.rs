//! One request's path through the server: route (404), method (405), secret (401 / 403) before
//! any body byte is read, body within the size limit and the read timeout (413 / 408), the
//! handler with its panics caught (500) and its optional deadline (202), and one access line.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::request::Parts;
use http::{Method, Request, StatusCode, Uri};
use http_body::Body;
use tokio_util::task::TaskTracker;
use tracing::Span;
use tracing::field::Empty;

use super::body::read_body;
use super::watchdog::Watchdog;
use crate::activity::{Ids, Record};
use crate::auth::Auth;
use crate::extract::Delivery;
use crate::handler::HandlerCall;
use crate::response::{IntoResponse, Response, error, method_not_allowed};
use crate::router::{Route, Router};
use crate::ui::Ui;

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The limits and timeouts every connection and delivery obeys.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(super) body_limit: usize,
    pub(super) header_read_timeout: Duration,
    pub(super) body_read_timeout: Duration,
    pub(super) shutdown_grace: Duration,
    pub(super) max_connections: usize,
    /// Deliveries kept per endpoint for the landing page and the deliveries API (0: none).
    pub(crate) recent_deliveries: usize,
    /// Whether `/` shows the landing page and `/api/deliveries` answers.
    pub(crate) landing_page: bool,
}

/// What every request needs, built once at launch and shared read-only.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) router: Router,
    pub(crate) auth: Auth,
    pub(crate) settings: Settings,
    /// Work that goes on after the answer (past a deadline, or `Accepted`); shutdown waits for it.
    pub(crate) background: TaskTracker,
    /// What answers the paths that are not webhooks: the landing page, a custom UI, or nothing.
    pub(crate) ui: Ui,
    /// Ids of the activity log's records.
    pub(crate) ids: Ids,
}

impl App {
    /// Answers one request and writes its access line.
    ///
    /// One flat future for the whole delivery (method, secret, body, handler), owning the app so
    /// that hyper can keep it: every layer of futures nested in another holds its own copy of
    /// the request and is moved into its parent, which is what a delivery costs over bare hyper
    /// (bench/README.md, fixes 6 and 8). The request is taken apart before the future is built,
    /// so that its head is held once.
    pub(crate) fn serve<B>(
        self: Arc<Self>,
        request: Request<B>,
        watchdog: Option<Arc<Watchdog>>,
    ) -> impl Future<Output = Result<Response, Infallible>> + Send + 'static
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let started = Instant::now();
        let access = Access::of(&request);
        let (head, body) = request.into_parts();
        // The `Result` hyper wants is made here: wrapping this future in another to add it would
        // hold it twice (as the wrapper's capture and as what it awaits).
        async move {
            let (response, finished) = 'serve: {
                let Some(route) = self.router.find(head.uri.path()) else {
                    // Boxed: the landing page's future is several KiB, and every request would
                    // otherwise carry (and copy) that much state though only other paths use it.
                    let request = Request::from_parts(head, body);
                    let response = Box::pin(self.answer_other(request)).await;
                    let finished = Instant::now();
                    access.write(&response, finished - started);
                    break 'serve (response, finished);
                };
                let span = tracing::info_span!(
                    "delivery",
                    endpoint = &*route.name,
                    scope = Empty,
                    action = Empty,
                    repo = Empty,
                );
                let (response, body) = 'delivery: {
                    if head.method != Method::POST {
                        let response = method_not_allowed("POST");
                        let finished = Instant::now();
                        span.in_scope(|| access.write(&response, finished - started));
                        // Not a delivery: the activity log does not keep it.
                        break 'serve (response, finished);
                    }
                    if let Err(rejection) = self.auth.check(&head) {
                        break 'delivery (rejection.into_response(), None);
                    }
                    let body = match read_body(body, &self.settings).await {
                        Ok(body) => body,
                        Err(response) => break 'delivery (response, None),
                    };
                    let response = match self.prepare(route, head, body.clone(), &span) {
                        Ok(call) => self.finish(route, call, &span).await,
                        Err(response) => response,
                    };
                    (response, Some(body))
                };
                // One clock reading for the latency, the access line and the connection's
                // header-read timeout.
                let finished = Instant::now();
                self.record(route, &response, body.as_deref(), started, finished, None);
                span.in_scope(|| access.write(&response, finished - started));
                (response, finished)
            };
            if let Some(watchdog) = watchdog {
                watchdog.arm(finished);
            }
            Ok(response)
        }
    }

    /// Keeps a delivery in its endpoint's activity log, with a copy of its body: the body as read
    /// shares the connection's whole read buffer, which kept in the log would make hyper allocate
    /// a new one for every request (bench/README.md). The copy goes into the buffer of the
    /// record it evicts when it can.
    pub(crate) fn record(
        &self,
        route: &Route,
        response: &Response,
        body: Option<&[u8]>,
        started: Instant,
        finished: Instant,
        replay_of: Option<u64>,
    ) {
        if self.settings.recent_deliveries == 0 {
            return;
        }
        let record = Record {
            id: self.ids.next(),
            started,
            status: response.status().as_u16(),
            latency: finished - started,
            body: None,
            replay_of,
        };
        route.recent.push(record, body);
    }

    /// An authenticated, fully read delivery: filters, then the handler (in `span`, with its
    /// panics caught) and its deadline. Replays from the activity log start here.
    pub(crate) async fn run(
        &self,
        route: &Route,
        head: Parts,
        body: Bytes,
        span: &Span,
    ) -> Response {
        match self.prepare(route, head, body, span) {
            Ok(call) => self.finish(route, call, span).await,
            Err(response) => response,
        }
    }

    /// The endpoint's filters, then the handler's call, not polled yet; or the answer when a
    /// filter skips the delivery. Not `async`: the request's head goes straight into the call.
    #[allow(
        clippy::result_large_err,
        reason = "matched at once, never kept in a future's state or passed along"
    )]
    fn prepare<'a>(
        &'a self,
        route: &Route,
        head: Parts,
        body: Bytes,
        span: &'a Span,
    ) -> Result<HandlerCall<'a>, Response> {
        if !route.filter.is_empty() {
            match route.filter.check_body(&body) {
                Ok(None) => {}
                Ok(Some(reason)) => return Err(span.in_scope(|| skipped(&reason))),
                // Not even an event: the full parser says precisely what is wrong.
                Err(()) => {
                    if let Err(err) = crate::payload::WebhookPayload::from_slice(&body) {
                        return Err(crate::extract::JsonRejection::Payload(err).into_response());
                    }
                }
            }
        }
        Ok(HandlerCall::new(
            &route.handler,
            Delivery::new(head, body),
            &self.background,
            span,
        ))
    }

    /// Runs the handler's call to its answer, or past the endpoint's deadline answers 202 and
    /// lets it go on in the background; a panic becomes a 500.
    async fn finish(&self, route: &Route, mut call: HandlerCall<'_>, span: &Span) -> Response {
        let outcome = match route.respond_within {
            None => call.await,
            Some(deadline) => tokio::select! {
                outcome = &mut call => outcome,
                () = tokio::time::sleep(deadline) => {
                    // Answer the Hub now; the handler goes on, tracked so shutdown waits for it.
                    let future = call.detach();
                    let name = route.name.clone();
                    let tracker = self.background.clone();
                    let span = span.clone();
                    self.background.spawn(async move {
                        match HandlerCall::resume(future, &tracker, &span).await {
                            Ok(response) => span.in_scope(|| tracing::info!(status = response.status().as_u16(), "finished after its deadline")),
                            Err(panic) => span.in_scope(|| log_panic(&name, &*panic)),
                        }
                    });
                    return accepted_after(deadline);
                }
            },
        };
        outcome.unwrap_or_else(|panic| {
            log_panic(&route.name, &*panic);
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error: the handler panicked.",
            )
        })
    }
}

/// `200 {"skipped": true, "reason": ...}`: the endpoint does not want this event.
fn skipped(reason: &str) -> Response {
    #[derive(serde::Serialize)]
    struct Skipped<'a> {
        skipped: bool,
        reason: &'a str,
    }
    tracing::debug!(reason, "skipped by the endpoint's filter");
    crate::response::json_response(
        StatusCode::OK,
        &Skipped {
            skipped: true,
            reason,
        },
    )
}

fn accepted_after(deadline: Duration) -> Response {
    #[derive(serde::Serialize)]
    struct Accepted {
        accepted: bool,
        detail: String,
    }
    crate::response::json_response(
        StatusCode::ACCEPTED,
        &Accepted {
            accepted: true,
            detail: format!(
                "The handler is still running after {deadline:?}; it goes on in the background."
            ),
        },
    )
}

/// What the access line needs from a request, kept only when the access log is on (cloning the
/// URI costs reference-count updates on every request otherwise), and boxed so that it takes
/// one word of the request's state.
struct Access(Option<Box<(Method, Uri)>>);

impl Access {
    fn of<B>(request: &Request<B>) -> Self {
        let on = tracing::enabled!(target: "webhooks::access", tracing::Level::INFO);
        Self(on.then(|| Box::new((request.method().clone(), request.uri().clone()))))
    }

    /// One line per request: method, path, status and time taken.
    fn write(&self, response: &Response, latency: Duration) {
        if let Some(line) = &self.0 {
            let (method, uri) = &**line;
            tracing::info!(
                target: "webhooks::access",
                %method,
                path = uri.path(),
                status = response.status().as_u16(),
                micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
            );
        }
    }
}

fn log_panic(endpoint: &str, panic: &(dyn std::any::Any + Send)) {
    let message = panic
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a panic without a message)");
    tracing::error!(endpoint, panic = message, "the handler panicked");
}
