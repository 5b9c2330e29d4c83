//! One request's path through the server, top to bottom:
//!
//! 1. route: a webhook path, or any other path (`site`: health, page, API, 404);
//! 2. method: only `POST` (405);
//! 3. secret, before any body byte is read (401 / 403), then the delivery's id (`Webhook-Id`, or
//!    a new one; 400 for one that cannot be an id);
//! 4. body, within the size limit and the read timeout (413 / 408);
//! 5. the endpoint (`dispatch`): its filter (200 skipped), its inbox (200 duplicate; 202 queued,
//!    once committed; 503 when the inbox is down), its handler;
//! 6. every answer gets `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`; the
//!    activity log keeps the delivery, and one access line is written.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderValue, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use http::request::Parts;
use http::{Method, Request, StatusCode, Uri};
use http_body::Body;
use tracing::Span;

use super::body::{BoxError, read_body};
use super::idle::Idle;
use crate::activity::{Disposition, Kept};
use crate::dispatch::Source;
use crate::extract::{Delivery, DeliveryId};
use crate::log::{self, DeliverySpan};
use crate::metrics::{Metrics, Reason};
use crate::response::{IntoResponse, Rejected, Response, error, method_not_allowed};
use crate::router::Route;
use crate::same_site;
use crate::service::Service;

/// On every answer: no content-type sniffing, and no `Referer` to whatever a page links to.
const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
const NO_REFERRER: HeaderValue = HeaderValue::from_static("no-referrer");

impl Service {
    /// Answers one request and writes its access line.
    ///
    /// What can be decided without waiting (the route, the method, the cross-site and secret
    /// checks, the delivery's id) is decided before the future is built, into a [`Step`] that
    /// borrows nothing: the future owns the service (hyper keeps it in the connection's slot), so
    /// it keeps the route's index, and it holds the request's head once, inside the delivery,
    /// which the endpoint borrows from there.
    pub(crate) fn serve<B>(
        self: Arc<Self>,
        request: Request<B>,
        idle: Option<Arc<Idle>>,
    ) -> impl Future<Output = Result<Response, Infallible>> + Send + 'static
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let started = Instant::now();
        let log_on = log::access_enabled();
        let (head, body) = request.into_parts();
        let mut step = match self.router.position(head.uri.path()) {
            Some(index) => self.admit(index, head, body, log_on),
            None => Step::Site {
                access: Access::site(log_on, &head),
                head,
                body,
            },
        };
        async move {
            let (mut answered, access, route) = match step {
                Step::Site { head, body, access } => {
                    // Boxed: the site's future (the landing page, a custom UI) is large, and
                    // only those paths should carry it.
                    let response = Box::pin(self.answer_site(head, body)).await;
                    (Answered::site(response), access, None)
                }
                Step::Refused {
                    route,
                    refusal,
                    access,
                } => {
                    let route = self.router.at(route);
                    (refusal.answered(route), access, Some(route))
                }
                Step::Deliver {
                    route,
                    // Borrowed where it is: moved out, it would take a second place in the future.
                    ref mut delivery,
                    body,
                    span,
                    access,
                } => {
                    let route = self.router.at(route);
                    let _in_flight = self.metrics.as_ref().map(InFlight::new);
                    let answered = self.deliver(route, delivery, body, span).await;
                    (answered, access, Some(route))
                }
            };
            let headers = answered.response.headers_mut();
            headers.insert(X_CONTENT_TYPE_OPTIONS, NOSNIFF);
            headers.insert(REFERRER_POLICY, NO_REFERRER);
            // One clock reading for the latency, the activity log and the connection's idle time.
            let finished = Instant::now();
            let latency = finished - started;
            if let Some(metrics) = &self.metrics {
                answered.count(metrics, latency);
            }
            if let Some(kept) = &answered.kept {
                self.record(kept, &answered.response, started, latency);
            }
            let skipped = answered.skipped();
            access.write(route, &answered.span, &answered.response, latency, skipped);
            if let Some(idle) = idle {
                idle.since(finished);
            }
            Ok(answered.response)
        }
    }

    /// A request to the webhook route at `index`, as far as it goes without waiting.
    fn admit<B>(&self, index: usize, head: Parts, body: B, log_on: bool) -> Step<B> {
        let route = self.router.at(index);
        let access = Access::route(log_on, &head, route);
        match self.check(route, &head) {
            Ok((id, span)) => Step::Deliver {
                route: index,
                // Its body is given to it once read.
                delivery: Delivery::new(head, Bytes::new(), id, 1, Arc::clone(&self.state)),
                body,
                span,
                access,
            },
            Err(refusal) => Step::Refused {
                route: index,
                refusal,
                access,
            },
        }
    }

    /// The method, the cross-site and secret checks, then the delivery's id: the id, and the
    /// delivery's span, or why the request is refused (boxed: the rare case).
    fn check(
        &self,
        route: &Route,
        head: &Parts,
    ) -> Result<(DeliveryId, DeliverySpan), Box<Refusal>> {
        if head.method != Method::POST {
            // Not a delivery: the activity log does not keep it.
            return Err(Box::new(Refusal {
                response: method_not_allowed("POST"),
                span: DeliverySpan::Off,
                reason: Reason::Method,
                keep: Keep::No,
            }));
        }
        // The id is read now so that the span has it from the start (recording it later costs
        // more); a bad one is refused once the request is authenticated.
        let id = match DeliveryId::from_header(&head.headers) {
            Ok(Some(id)) => Ok(id),
            Ok(None) => Ok(DeliveryId::generate()),
            Err(reason) => Err(reason),
        };
        let span = DeliverySpan::delivery(&route.name, id.as_ref().ok().map(DeliveryId::as_str));
        let (response, reason, keep) =
            if let Some(refusal) = same_site::refusal(head, self.site.url()) {
                (refusal, Reason::CrossSite, Keep::Apart)
            } else if let Err(rejection) = self.auth.check(head) {
                (rejection.into_response(), Reason::Secret, Keep::Apart)
            } else {
                match id {
                    Ok(id) => return Ok((id, span)),
                    Err(reason) => (
                        error(StatusCode::BAD_REQUEST, reason),
                        Reason::DeliveryId,
                        Keep::Deliveries,
                    ),
                }
            };
        Err(Box::new(Refusal {
            response,
            span,
            reason,
            keep,
        }))
    }

    /// An authenticated delivery: its body, within the size limit and the read timeout, then the
    /// endpoint.
    async fn deliver<'a, B>(
        &'a self,
        route: &'a Route,
        delivery: &mut Delivery,
        body: B,
        span: DeliverySpan,
    ) -> Answered<'a>
    where
        B: Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        match read_body(body, &self.settings).await {
            Ok(body) => delivery.set_body(body),
            Err(response) => {
                let reason = Reason::of_body(response.status().as_u16());
                return Refusal {
                    response,
                    span,
                    reason,
                    keep: Keep::Deliveries,
                }
                .answered(route);
            }
        }
        let (response, disposition) = self
            .dispatch(route, delivery, &span, Source::Network)
            .await
            .into_parts();
        // An argument the handler takes could not be built from the delivery.
        let rejected = Rejected::is(&response).then_some(Reason::Parse);
        Answered {
            response,
            span,
            rejected,
            kept: Some(Kept {
                route,
                unauthenticated: false,
                body: Some(delivery.body().clone()),
                delivery_id: Some(delivery.id().clone()),
                disposition,
                replay_of: None,
            }),
        }
    }
}

/// A request as far as it goes before its future starts: any other path, or a webhook route's
/// request refused or admitted by [`Service::admit`].
enum Step<B> {
    /// Any other path.
    Site {
        head: Parts,
        body: B,
        access: Access,
    },
    /// Refused before its body is read.
    Refused {
        route: usize,
        refusal: Box<Refusal>,
        access: Access,
    },
    /// Authenticated: its body is read next, then the endpoint runs.
    Deliver {
        route: usize,
        /// Without its body until it is read.
        delivery: Delivery,
        body: B,
        span: DeliverySpan,
        access: Access,
    },
}

/// A request to a webhook route refused before its handler could run.
struct Refusal {
    response: Response,
    span: DeliverySpan,
    reason: Reason,
    keep: Keep,
}

/// Where the activity log keeps a refused request.
enum Keep {
    /// Not at all: not a delivery (a wrong method).
    No,
    /// With the deliveries, without a body: authenticated, but refused.
    Deliveries,
    /// Apart from the deliveries: refused before it was authenticated.
    Apart,
}

impl Refusal {
    /// The answer, kept by the activity log as `keep` says.
    fn answered(self, route: &Route) -> Answered<'_> {
        let unauthenticated = match self.keep {
            Keep::No => None,
            Keep::Deliveries => Some(false),
            Keep::Apart => Some(true),
        };
        Answered {
            response: self.response,
            span: self.span,
            rejected: Some(self.reason),
            kept: unauthenticated.map(|unauthenticated| Kept {
                route,
                unauthenticated,
                body: None,
                delivery_id: None,
                disposition: Disposition::Handled,
                replay_of: None,
            }),
        }
    }
}

/// A request's answer, with what the activity log and the access line need.
struct Answered<'a> {
    response: Response,
    /// The delivery's span (the access line is written in it), or none for other paths.
    span: DeliverySpan,
    /// What the activity log keeps, for a delivery (not for other paths or a wrong method).
    kept: Option<Kept<'a>>,
    /// Why it was refused before its handler ran, if it was.
    rejected: Option<Reason>,
}

impl<'a> Answered<'a> {
    fn skipped(&self) -> bool {
        self.kept
            .as_ref()
            .is_some_and(|kept| matches!(kept.disposition, Disposition::Skipped(_)))
    }

    fn site(response: Response) -> Self {
        Self {
            response,
            span: DeliverySpan::Off,
            kept: None,
            rejected: None,
        }
    }
}

impl Answered<'_> {
    /// Counts the answer: the endpoint's deliveries by status and its latency, why it was refused,
    /// whether its filter skipped it or its id was seen before.
    fn count(&self, metrics: &Metrics, latency: Duration) {
        if let Some(reason) = self.rejected {
            metrics.rejected(reason);
        }
        let Some(kept) = &self.kept else {
            return;
        };
        let Some(route_metrics) = &kept.route.metrics else {
            return;
        };
        let status = self.response.status().as_u16();
        metrics.answered(route_metrics, status, latency.as_secs_f64());
        match kept.disposition {
            Disposition::Skipped(_) => route_metrics.skipped.inc(),
            Disposition::Duplicate => route_metrics.duplicates.inc(),
            _ => 0,
        };
    }
}

/// Counts a delivery in flight from its creation to its drop (answered, or its connection gone).
struct InFlight<'a>(&'a Metrics);

impl<'a> InFlight<'a> {
    fn new(metrics: &'a Metrics) -> Self {
        metrics.in_flight.inc();
        Self(metrics)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.dec();
    }
}

/// What the access line needs from a request (its method and path), kept only when that log is
/// on. A webhook route's path is the route's own, so a delivery copies nothing of its URI; the
/// other paths keep theirs, boxed so that it takes one word of the request's state.
enum Access {
    Off,
    /// A webhook route: its path is the route's, with the one trailing slash the router
    /// tolerates if the request had it.
    Route {
        method: Method,
        slash: bool,
    },
    /// Any other path.
    Site(Box<(Method, Uri)>),
}

impl Access {
    fn route(on: bool, head: &Parts, route: &Route) -> Self {
        if !on {
            return Self::Off;
        }
        Self::Route {
            method: head.method.clone(),
            slash: head.uri.path().len() != route.path.len(),
        }
    }

    fn site(on: bool, head: &Parts) -> Self {
        if !on {
            return Self::Off;
        }
        Self::Site(Box::new((head.method.clone(), head.uri.clone())))
    }

    /// One line per request, in the delivery's span: method, path, status and time taken in
    /// microseconds, and `skipped=true` for a delivery the endpoint's filter skipped (answered 200
    /// without running the handler). The server's logger takes it directly; another subscriber
    /// gets a `tracing` event (target `webhooks::access`). `route` is the request's route, if it
    /// has one.
    fn write(
        &self,
        route: Option<&Route>,
        span: &DeliverySpan,
        response: &Response,
        latency: Duration,
        skipped: bool,
    ) {
        let with_slash;
        let (method, path) = match (self, route) {
            (Self::Off, _) => return,
            (Self::Route { method, slash }, Some(route)) => {
                if *slash {
                    with_slash = format!("{}/", route.path);
                    (method, with_slash.as_str())
                } else {
                    (method, &*route.path)
                }
            }
            // Not made: `serve` gives the route of every request it made a route's access for.
            (Self::Route { .. }, None) => return,
            (Self::Site(line), _) => (&line.0, line.1.path()),
        };
        let method = method.as_str();
        let status = response.status().as_u16();
        let latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        if let Some(logger) = log::logger() {
            logger.access(span.as_own(), method, path, status, latency_us, skipped);
            return;
        }
        let none = Span::none();
        let parent = span.as_tracing().unwrap_or(&none);
        let skipped = skipped.then_some(true);
        tracing::info!(target: "webhooks::access", parent: parent, method, path, status, latency_us, skipped, "answered");
    }
}
