//! Work that goes on after the Hub has its answer: [`Accepted`].
//!
//! The server runs every handler with its background task tracker in a task-local, so a handler
//! returning `Accepted(future)` hands the future to the server: it is spawned on the runtime, the
//! Hub gets `202`, and a graceful shutdown waits for it (within the grace period).

use std::future::Future;

use bytes::Bytes;
use http::StatusCode;
use tokio_util::task::TaskTracker;

use crate::response::{IntoResponse, Response, json_bytes};

tokio::task_local! {
    static BACKGROUND: TaskTracker;
}

/// Answers the Hub `202 {"accepted": true}` at once and runs the future in the background, tracked
/// so that a graceful shutdown waits for it.
///
/// Use it when the work is long (training, syncing a Space) and the Hub should not wait for it.
/// Check the payload before returning it, so a bad delivery still gets an error.
///
/// # Examples
/// ```
/// use webhooks_runtime::{Accepted, WebhookPayload};
///
/// async fn retrain(payload: WebhookPayload) -> Accepted<impl Future<Output = ()>> {
///     Accepted(async move {
///         // long work here, e.g. start a training run on `payload.repo.name`
///         let _ = payload;
///     })
/// }
/// ```
#[derive(Debug)]
pub struct Accepted<F>(pub F);

impl<F> IntoResponse for Accepted<F>
where
    F: Future<Output = ()> + Send + 'static,
{
    fn into_response(self) -> Response {
        let work = tracing::Instrument::in_current_span(self.0);
        match BACKGROUND.try_with(TaskTracker::clone) {
            Ok(tracker) => {
                tracker.spawn(work);
            }
            // Outside a server (a unit test calling `into_response` by hand): still run it.
            Err(_) => match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    tracing::warn!(
                        "`Accepted` used outside a webhooks server: shutdown will not wait for it"
                    );
                    runtime.spawn(work);
                }
                Err(_) => {
                    return crate::response::error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "`Accepted` needs a tokio runtime to run its work.",
                    );
                }
            },
        }
        json_bytes(
            StatusCode::ACCEPTED,
            Bytes::from_static(br#"{"accepted":true}"#),
        )
    }
}

/// Runs `future` (a handler call) with `tracker` as the place `Accepted` work goes.
///
/// A plain `fn`: an `async fn` would hold `future` twice in its state (as its argument and inside
/// the scope), doubling what every delivery copies.
pub(crate) fn scope<F: Future>(tracker: TaskTracker, future: F) -> impl Future<Output = F::Output> {
    BACKGROUND.scope(tracker, future)
}
