//! Work that goes on after the Hub has its answer: [`Accepted`].
//!
//! While the server polls a handler's future, its background task tracker is set in a scoped
//! thread-local, so a handler returning `Accepted(future)` hands the future to the server: it is
//! spawned on the runtime, the Hub gets `202`, and a graceful shutdown waits for it (within the
//! grace period). A scoped thread-local set for each poll costs two pointer writes; tokio's
//! task-local would move the whole request future into its wrapper (bench/README.md, fix 6).

use std::future::Future;

use bytes::Bytes;
use http::StatusCode;
use tokio_util::task::TaskTracker;

use crate::response::{IntoResponse, Response, json_bytes};

scoped_tls::scoped_thread_local!(static BACKGROUND: TaskTracker);

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
        match BACKGROUND
            .is_set()
            .then(|| BACKGROUND.with(TaskTracker::clone))
        {
            Some(tracker) => {
                tracker.spawn(work);
            }
            // Outside a server (a unit test calling `into_response` by hand): still run it.
            None => match tokio::runtime::Handle::try_current() {
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

/// Runs `poll` (one poll of a handler's future) with `tracker` as the place `Accepted` work goes.
pub(crate) fn with_tracker<R>(tracker: &TaskTracker, poll: impl FnOnce() -> R) -> R {
    BACKGROUND.set(tracker, poll)
}
