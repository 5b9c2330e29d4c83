//! One request's path through the server: route (404), method (405), secret (401 / 403) before
//! any body byte is read, body within the size limit and the read timeout (413 / 408), the
//! handler with its panics caught (500) and its optional deadline (202), and one access line.

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::header::{ALLOW, HeaderValue};
use http::request::Parts;
use http::{Method, Request, StatusCode};
use http_body::Body;
use tokio_util::task::TaskTracker;
use tracing::Instrument;
use tracing::field::Empty;

use super::body::read_body;
use crate::activity::{Ids, Record};
use crate::auth::Auth;
use crate::background;
use crate::extract::Delivery;
use crate::handler::call_catching_panics;
use crate::response::{IntoResponse, Response, error, json_bytes};
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
    pub(crate) async fn handle<B>(&self, request: Request<B>) -> Response
    where
        B: Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        let started = Instant::now();
        let method = request.method().clone();
        let uri = request.uri().clone();
        let Some(route) = self.router.find(uri.path()) else {
            // Boxed: the landing page's future is several KiB, and every request would otherwise
            // carry (and copy) that much state even though only non-webhook paths use it.
            let response = Box::pin(self.answer_other(request)).await;
            access_line(&method, uri.path(), &response, started);
            return response;
        };
        let span = tracing::info_span!(
            "delivery",
            endpoint = &*route.name,
            scope = Empty,
            action = Empty,
            repo = Empty,
        );
        // `Accepted` work started by the handler is tracked by this server's background tracker.
        let delivery = background::scope(self.background.clone(), self.deliver(route, request));
        let (response, body) = delivery.instrument(span.clone()).await;
        if response.status() != StatusCode::METHOD_NOT_ALLOWED {
            self.record(route, &response, body.as_deref(), started, None);
        }
        span.in_scope(|| access_line(&method, uri.path(), &response, started));
        response
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
        replay_of: Option<u64>,
    ) {
        if self.settings.recent_deliveries == 0 {
            return;
        }
        let record = Record {
            id: self.ids.next(),
            at: SystemTime::now(),
            status: response.status().as_u16(),
            latency: started.elapsed(),
            body: None,
            replay_of,
        };
        route.recent.push(record, body);
    }

    /// Method, secret, body, then [`run`](Self::run); also hands back the body it read.
    async fn deliver<B>(&self, route: &Route, request: Request<B>) -> (Response, Option<Bytes>)
    where
        B: Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        if request.method() != Method::POST {
            let mut response = json_bytes(
                StatusCode::METHOD_NOT_ALLOWED,
                Bytes::from_static(br#"{"detail":"Method Not Allowed"}"#),
            );
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("POST"));
            return (response, None);
        }
        let (head, body) = request.into_parts();
        if let Err(rejection) = self.auth.check(&head) {
            return (rejection.into_response(), None);
        }
        let body = match read_body(&head, body, &self.settings).await {
            Ok(body) => body,
            Err(response) => return (response, None),
        };
        (self.run(route, head, body.clone()).await, Some(body))
    }

    /// An authenticated, fully read delivery: filters, then the handler with its panics caught
    /// and its deadline. Replays from the activity log start here too.
    pub(crate) async fn run(&self, route: &Route, head: Parts, body: Bytes) -> Response {
        if !route.filter.is_empty() {
            match route.filter.check_body(&body) {
                Ok(None) => {}
                Ok(Some(reason)) => return skipped(&reason),
                // Not even an event: the full parser says precisely what is wrong.
                Err(()) => {
                    if let Err(err) = crate::payload::WebhookPayload::from_slice(&body) {
                        return crate::extract::JsonRejection::Payload(err).into_response();
                    }
                }
            }
        }
        let mut call = call_catching_panics(&route.handler, Delivery::new(head, body));
        let outcome = match route.respond_within {
            None => call.await,
            Some(deadline) => tokio::select! {
                outcome = &mut call => outcome,
                () = tokio::time::sleep(deadline) => {
                    // Answer the Hub now; the handler goes on, tracked so shutdown waits for it.
                    let name = route.name.clone();
                    let tracker = self.background.clone();
                    self.background.spawn(async move {
                        match background::scope(tracker, call).await {
                            Ok(response) => tracing::info!(status = response.status().as_u16(), "finished after its deadline"),
                            Err(panic) => log_panic(&name, &*panic),
                        }
                    }.in_current_span());
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

fn access_line(method: &Method, path: &str, response: &Response, started: Instant) {
    tracing::info!(
        target: "webhooks::access",
        %method,
        path,
        status = response.status().as_u16(),
        micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
    );
}

fn log_panic(endpoint: &str, panic: &(dyn std::any::Any + Send)) {
    let message = panic
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a panic without a message)");
    tracing::error!(endpoint, panic = message, "the handler panicked");
}
