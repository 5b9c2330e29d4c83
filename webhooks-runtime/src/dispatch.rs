//! Running an endpoint on an authenticated, fully read delivery: its filter, then its handler (in
//! the delivery's span, with its panics caught), its deadline, and the work its answer hands over.
//!
//! Deliveries from the network (`server::delivery`) and replays from the deliveries API (`api`)
//! both come through here.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::StatusCode;
use tracing::Span;

use crate::extract::{Delivery, JsonRejection};
use crate::filter::Verdict;
use crate::handler::{BoxFuture, ErasedHandler};
use crate::payload::WebhookPayload;
use crate::response::{IntoResponse, Response, error, json_response, take_background};
use crate::router::Route;
use crate::service::Service;

/// What became of a delivery.
#[derive(Debug)]
pub(crate) enum Dispatched {
    /// The handler ran (or is still running past its deadline) and this is the answer.
    Handled(Response),
    /// The endpoint's filter skipped it, for this reason; the handler did not run.
    Skipped(String),
    /// The body is not a payload the filter can read: 422, the handler did not run.
    Invalid(Response),
}

impl Dispatched {
    /// The answer to send, and why the filter skipped the delivery when it did.
    pub(crate) fn into_parts(self) -> (Response, Option<Box<str>>) {
        match self {
            Self::Handled(response) | Self::Invalid(response) => (response, None),
            Self::Skipped(reason) => {
                let response = skipped(&reason);
                (response, Some(reason.into_boxed_str()))
            }
        }
    }
}

impl Service {
    /// Answers `delivery` with `route`'s handler, unless its filter skips it.
    pub(crate) async fn dispatch(
        &self,
        route: &Route,
        delivery: Delivery,
        span: &Span,
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
                    return Dispatched::Invalid(JsonRejection::Payload(err).into_response());
                }
            }
        }
        let response = self
            .run(
                &route.handler,
                delivery,
                route.respond_within,
                span,
                &route.name,
            )
            .await;
        Dispatched::Handled(response)
    }

    /// Runs `handler` on `delivery` in `span`. A panic is answered 500 and logged with `name`;
    /// past `deadline` the answer is 202 and the handler goes on in the background; work the
    /// answer hands over (`Accepted`) is spawned where shutdown waits for it.
    pub(crate) async fn run(
        &self,
        handler: &ErasedHandler,
        delivery: Delivery,
        deadline: Option<Duration>,
        span: &Span,
        name: &str,
    ) -> Response {
        let mut call = Call {
            future: handler.call(delivery),
            span,
        };
        let outcome = match deadline {
            None => (&mut call).await,
            Some(deadline) => tokio::select! {
                outcome = &mut call => outcome,
                () = tokio::time::sleep(deadline) => {
                    self.finish_in_background(call.future, span.clone(), name.to_owned());
                    return accepted_after(deadline);
                }
            },
        };
        match outcome {
            Ok(mut response) => {
                self.spawn_handed_over(&mut response, span);
                response
            }
            Err(panic) => {
                span.in_scope(|| log_panic(name, &*panic));
                error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal Server Error: the handler panicked.",
                )
            }
        }
    }

    /// Spawns the work an answer hands over, if any, tracked for shutdown.
    fn spawn_handed_over(&self, response: &mut Response, span: &Span) {
        if let Some(work) = take_background(response) {
            self.background
                .spawn(tracing::Instrument::instrument(work, span.clone()));
        }
    }

    /// Goes on with a handler past its deadline, tracked for shutdown.
    fn finish_in_background(&self, future: BoxFuture<Response>, span: Span, name: String) {
        let service_background = self.background.clone();
        self.background.spawn(async move {
            let call = Call {
                future,
                span: &span,
            };
            match call.await {
                Ok(mut response) => {
                    if let Some(work) = take_background(&mut response) {
                        service_background
                            .spawn(tracing::Instrument::instrument(work, span.clone()));
                    }
                    span.in_scope(|| {
                        tracing::info!(
                            status = response.status().as_u16(),
                            "finished after its deadline"
                        );
                    });
                }
                Err(panic) => span.in_scope(|| log_panic(&name, &*panic)),
            }
        });
    }
}

/// A handler's future as the server polls it: inside the delivery's span, with its panics caught
/// (tokio would otherwise abort the connection's task). It borrows the span, so wrapping the
/// (boxed) handler future moves two pointers.
struct Call<'a> {
    future: BoxFuture<Response>,
    span: &'a Span,
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

fn log_panic(endpoint: &str, panic: &(dyn std::any::Any + Send)) {
    let message = panic
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a panic without a message)");
    tracing::error!(endpoint, panic = message, "the handler panicked");
}
