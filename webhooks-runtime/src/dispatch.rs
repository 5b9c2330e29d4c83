//! Running an endpoint on an authenticated, fully read delivery: its filter, then its handler (in
//! the delivery's span, with its panics caught), its deadline, and the work its answer hands over.
//!
//! Deliveries from the network (`server::delivery`) and replays from the deliveries API (`api`)
//! both come through here.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http::header::{HeaderValue, RETRY_AFTER};

use crate::activity::Disposition;
use crate::extract::{Delivery, DeliveryId, JsonRejection};
use crate::filter::Verdict;
use crate::handler::{BoxFuture, ErasedHandler};
use crate::inbox::{
    Begin, DeliveryKey, Enqueued, MemoryStore, NewDelivery, Remembered, StoreError,
    storable_headers, storable_uri,
};
use crate::log::DeliverySpan;
use crate::payload::WebhookPayload;
use crate::response::{
    Failure, IntoResponse, Rejected, Response, error, json_bytes, json_response, take_background,
};
use crate::router::Route;
use crate::service::Service;

/// What became of a delivery.
#[derive(Debug)]
pub(crate) enum Dispatched {
    /// The handler ran (or is still running past its deadline) and this is the answer.
    Handled(Response),
    /// The endpoint's filter skipped it, for this reason; the handler did not run.
    Skipped(String),
    /// Committed to the inbox; a worker will run it.
    Queued(DeliveryId),
    /// Handled before, or being handled now: not run again.
    Duplicate,
    /// The inbox could not remember or store it: 503, so the Hub tries again later.
    Unavailable(StoreError),
}

/// How a delivery from the network is remembered by its id while it runs, so that a retry of it
/// meanwhile or after its success is not run again.
enum Remembering<'a> {
    /// In the default inbox, in memory, asked directly: no future, no key to allocate.
    Memory(&'a MemoryStore, Remembered),
    /// In a durable store.
    Store(DeliveryKey),
}

/// Where a delivery comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The network: recognised by its id, queued when the endpoint is.
    Network,
    /// A replay from the deliveries API: run now, whatever ran before.
    Replay,
}

impl Dispatched {
    /// The answer to send, and what the activity log says of it.
    pub(crate) fn into_parts(self) -> (Response, Disposition) {
        match self {
            Self::Handled(response) => (response, Disposition::Handled),
            Self::Skipped(reason) => (skipped(&reason), Disposition::Skipped(reason.into())),
            Self::Queued(id) => (queued(&id), Disposition::Queued),
            Self::Duplicate => (
                json_bytes(StatusCode::OK, Bytes::from_static(br#"{"duplicate":true}"#)),
                Disposition::Duplicate,
            ),
            Self::Unavailable(err) => {
                tracing::error!(error = %err, "the inbox is unavailable: answered 503");
                let response = try_again_later(&format!(
                    "The delivery could not be stored; try again later ({err})."
                ));
                (response, Disposition::Handled)
            }
        }
    }
}

impl Service {
    /// Answers `delivery` with `route`'s endpoint: its filter, then (from the network) its inbox,
    /// then its handler.
    ///
    /// The delivery is borrowed: the caller keeps it where it already is, and this future holds a
    /// pointer rather than a copy of its 296 bytes.
    pub(crate) async fn dispatch(
        &self,
        route: &Route,
        delivery: &Delivery,
        span: &DeliverySpan,
        source: Source,
    ) -> Dispatched {
        let verdict = if route.filter.is_empty() {
            Verdict::Pass
        } else {
            route.filter.verdict(delivery.body())
        };
        match verdict {
            Verdict::Pass => {}
            Verdict::Skip(reason) => {
                span.in_scope(|| tracing::debug!(reason, "skipped by the endpoint's filter"));
                return Dispatched::Skipped(reason);
            }
            Verdict::NotAnEvent => {
                // The full parser says precisely what is wrong.
                if let Err(err) = WebhookPayload::from_slice(delivery.body()) {
                    return Dispatched::Handled(Rejected::mark(
                        JsonRejection::Payload(err).into_response(),
                    ));
                }
            }
        }
        // A replay runs whatever ran before; a delivery from the network is queued, or
        // recognised by its id.
        let remember = match source {
            Source::Replay => false,
            Source::Network => {
                if let Some(max_attempts) = route.queue {
                    // Boxed: the store's work is far larger than an allocation, and the other
                    // paths should not carry its state.
                    return Box::pin(self.enqueue(route, delivery, max_attempts)).await;
                }
                self.inbox.settings.dedup && !delivery.id().is_generated()
            }
        };
        let store = &self.inbox.store;
        let remembering = match (remember, store.as_memory()) {
            (false, _) => None,
            (true, Some(memory)) => match memory.begin_now(&route.path, delivery.id().as_str()) {
                Some(remembered) => Some(Remembering::Memory(memory, remembered)),
                None => return Dispatched::Duplicate,
            },
            (true, None) => {
                let key = DeliveryKey::new(route.path.as_ref(), delivery.id().as_str());
                match store.begin(&key, self.inbox.clock.now()).await {
                    Ok(Begin::Run) => Some(Remembering::Store(key)),
                    Ok(Begin::Duplicate) => return Dispatched::Duplicate,
                    Err(err) => return Dispatched::Unavailable(err),
                }
            }
        };
        let response = self
            .run(
                &route.handler,
                delivery,
                route.respond_within,
                span,
                &route.name,
            )
            .await;
        let succeeded = response.status().is_success();
        match remembering {
            None => {}
            Some(Remembering::Memory(memory, remembered)) => {
                memory.finish_now(remembered, succeeded, self.inbox.clock.now());
            }
            Some(Remembering::Store(key)) => {
                if let Err(err) = store.finish(&key, succeeded, self.inbox.clock.now()).await {
                    // Handled; only its id is not remembered, so a retry would run it again.
                    span.in_scope(
                        || tracing::warn!(error = %err, "could not remember a handled delivery"),
                    );
                }
            }
        }
        Dispatched::Handled(response)
    }

    /// A delivery for a queued endpoint: its arguments checked, then committed to the inbox.
    async fn enqueue(&self, route: &Route, delivery: &Delivery, max_attempts: u32) -> Dispatched {
        if let Err(rejection) = route.handler.check(delivery) {
            return Dispatched::Handled(*rejection);
        }
        let stored = NewDelivery {
            key: DeliveryKey::new(route.path.as_ref(), delivery.id().as_str()),
            uri: storable_uri(delivery.uri()),
            headers: storable_headers(delivery.headers()),
            body: delivery.body().clone(),
            max_attempts,
        };
        match self
            .inbox
            .store
            .enqueue(stored, self.inbox.clock.now())
            .await
        {
            Ok(Enqueued::Queued | Enqueued::Revived) => {
                self.inbox.wake.notify_one();
                Dispatched::Queued(delivery.id().clone())
            }
            Ok(Enqueued::Duplicate(_)) => Dispatched::Duplicate,
            Err(err) => Dispatched::Unavailable(err),
        }
    }

    /// Runs `handler` on `delivery` in `span`. A panic is answered 500 and logged with `name`;
    /// past `deadline` the answer is 202 and the handler goes on in the background; work the
    /// answer hands over (`Accepted`) is spawned where shutdown waits for it.
    ///
    /// The handler's future is made before the returned one, which therefore does not borrow
    /// the delivery.
    pub(crate) fn run<'a>(
        &'a self,
        handler: &ErasedHandler,
        delivery: &Delivery,
        deadline: Option<Duration>,
        span: &'a DeliverySpan,
        name: &'a str,
    ) -> impl Future<Output = Response> + Send + 'a {
        // The handler builds its arguments now (the payload's fields go into the span), so in
        // the span, and a panic there is caught like one while it is polled: its future raises
        // it again where `Call` catches it.
        let future = span.in_scope(|| {
            std::panic::catch_unwind(AssertUnwindSafe(|| handler.call(delivery)))
                .unwrap_or_else(|panic| Box::pin(panicked(panic)))
        });
        let call = Call { future, span };
        self.finish_run(call, deadline, span, name)
    }

    async fn finish_run(
        &self,
        mut call: Call<'_>,
        deadline: Option<Duration>,
        span: &DeliverySpan,
        name: &str,
    ) -> Response {
        let mut cut = CutOff::watch(&self.stopping, span);
        let outcome = match deadline {
            None => (&mut call).await,
            // `biased`: the handler is polled first, so the timer (whose clock starts here) is
            // only registered with tokio's timer wheel once the handler waits (a handler that
            // answers on its first poll never pays for registering and removing it), and a
            // handler that is done when the deadline passes is answered with its own answer.
            Some(deadline) => tokio::select! {
                biased;
                outcome = &mut call => outcome,
                () = tokio::time::sleep(deadline) => {
                    if self.background_full() {
                        // No room to go on in the background: the Hub waits for the handler.
                        (&mut call).await
                    } else {
                        cut.finished();
                        self.finish_in_background(call.future, span.clone(), name.to_owned());
                        return accepted_after(deadline);
                    }
                }
            },
        };
        cut.finished();
        match outcome {
            Ok(mut response) => {
                self.spawn_handed_over(&mut response, span);
                if let Some(Failure(error)) = response.extensions().get::<Failure>() {
                    // The endpoint is the span's, unless there is no span.
                    let endpoint = span.is_off().then_some(name);
                    span.in_scope(|| tracing::error!(endpoint, %error, "the handler failed"));
                }
                response
            }
            Err(panic) => {
                log_panic(span, name, &*panic);
                error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal Server Error: the handler panicked.",
                )
            }
        }
    }

    /// Spawns the work an answer hands over, if any, tracked for shutdown; with the background
    /// already full, the work is dropped and the answer becomes `503` (the Hub tries again later).
    fn spawn_handed_over(&self, response: &mut Response, span: &DeliverySpan) {
        let Some(work) = take_background(response) else {
            return;
        };
        if self.background_full() {
            span.in_scope(|| {
                tracing::warn!(
                    max = self.settings.max_background,
                    "too much background work: the delivery is answered 503"
                );
            });
            *response = busy(self.settings.max_background);
            return;
        }
        self.background.spawn(span.instrument(work));
    }

    /// Whether the background work has reached its bound.
    fn background_full(&self) -> bool {
        self.background.len() >= self.settings.max_background
    }

    /// Goes on with a handler past its deadline, tracked for shutdown.
    fn finish_in_background(&self, future: BoxFuture<Response>, span: DeliverySpan, name: String) {
        let service_background = self.background.clone();
        let max_background = self.settings.max_background;
        let stopping = Arc::clone(&self.stopping);
        self.background.spawn(async move {
            let call = Call {
                future,
                span: &span,
            };
            let mut cut = CutOff::watch(&stopping, &span);
            let outcome = call.await;
            cut.finished();
            match outcome {
                Ok(mut response) => {
                    if let Some(work) = take_background(&mut response) {
                        if service_background.len() < max_background {
                            service_background
                                .spawn(span.instrument(work));
                        } else {
                            span.in_scope(|| {
                                tracing::warn!("too much background work: the work this late handler handed over is dropped");
                            });
                        }
                    }
                    span.in_scope(|| {
                        tracing::info!(
                            status = response.status().as_u16(),
                            "finished after its deadline"
                        );
                    });
                }
                Err(panic) => log_panic(&span, &name, &*panic),
            }
        });
    }
}

/// A future that raises `panic` again when polled.
async fn panicked(panic: Box<dyn std::any::Any + Send>) -> Response {
    std::panic::resume_unwind(panic)
}

/// Logs, when dropped before [`finished`](Self::finished) while the server is stopping, that the
/// shutdown's grace period cut the delivery of `span` off.
struct CutOff<'a> {
    stopping: &'a AtomicBool,
    span: &'a DeliverySpan,
    running: bool,
}

impl<'a> CutOff<'a> {
    fn watch(stopping: &'a AtomicBool, span: &'a DeliverySpan) -> Self {
        Self {
            stopping,
            span,
            running: true,
        }
    }

    fn finished(&mut self) {
        self.running = false;
    }
}

impl Drop for CutOff<'_> {
    fn drop(&mut self) {
        // Dropped while running: the connection closed, or the shutdown's grace period ran out.
        if self.running && self.stopping.load(Ordering::Relaxed) {
            self.span.in_scope(|| {
                tracing::error!("the shutdown grace period ran out while this delivery was handled: it was cut off");
            });
        }
    }
}

/// A handler's future as the server polls it: inside the delivery's span, with its panics caught
/// (tokio would otherwise abort the connection's task). It borrows the span, so wrapping the
/// (boxed) handler future moves two pointers.
struct Call<'a> {
    future: BoxFuture<Response>,
    span: &'a DeliverySpan,
}

impl Future for Call<'_> {
    type Output = Result<Response, Box<dyn std::any::Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let _entered = this.span.enter();
        let future = &mut this.future;
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// `200 {"skipped": true, "reason": ...}`: the endpoint does not want this event.
fn skipped(reason: &str) -> Response {
    #[derive(serde::Serialize)]
    struct Skipped<'a> {
        skipped: bool,
        reason: &'a str,
    }
    json_response(
        StatusCode::OK,
        &Skipped {
            skipped: true,
            reason,
        },
    )
}

/// `202 {"queued": true, "deliveryId": ...}`: committed to the inbox.
fn queued(id: &DeliveryId) -> Response {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Queued<'a> {
        queued: bool,
        delivery_id: &'a str,
    }
    json_response(
        StatusCode::ACCEPTED,
        &Queued {
            queued: true,
            delivery_id: id.as_str(),
        },
    )
}

/// `503` with `Retry-After`: background work is at its bound.
fn busy(max: usize) -> Response {
    try_again_later(&format!(
        "The server already runs {max} background tasks; try again later."
    ))
}

/// `503 {"error": message}` with `Retry-After: 5`, which the Hub's retries wait for.
fn try_again_later(message: &str) -> Response {
    let mut response = error(StatusCode::SERVICE_UNAVAILABLE, message);
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

fn accepted_after(deadline: Duration) -> Response {
    #[derive(serde::Serialize)]
    struct Accepted {
        accepted: bool,
        detail: String,
    }
    json_response(
        StatusCode::ACCEPTED,
        &Accepted {
            accepted: true,
            detail: format!(
                "The handler is still running after {deadline:?}; it goes on in the background."
            ),
        },
    )
}

/// Logs a handler's panic in `span`, with the endpoint's `name` when there is no span.
fn log_panic(span: &DeliverySpan, name: &str, panic: &(dyn std::any::Any + Send)) {
    let message = crate::log::panic_message(panic);
    let endpoint = span.is_off().then_some(name);
    span.in_scope(|| tracing::error!(endpoint, panic = message, "the handler panicked"));
}
