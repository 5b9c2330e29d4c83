//! [`Accepted`]: answer the Hub now, and hand the server work to do afterwards.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http::StatusCode;

use super::{IntoResponse, Response, json_bytes};
use crate::handler::BoxFuture;

/// Answers the Hub `202 {"accepted": true}` at once and has the server run the future afterwards,
/// tracked so that a graceful shutdown waits for it (within the grace period).
///
/// Use it when the work is long (training, syncing a Space) and the Hub should not wait for it.
/// Check the payload before returning it, so a bad delivery still gets an error. The work lives
/// in memory: a crash loses it. For work that must survive a crash and be retried, use a queued
/// endpoint (`#[webhook_endpoint(queue)]`) instead.
///
/// Converting it into a [`Response`] does not start anything: the answer carries the future, and
/// the server that sends the answer spawns it.
///
/// # Examples
/// ```
/// use webhooks_runtime::response::Accepted;
/// use webhooks_runtime::WebhookPayload;
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

/// The work an [`Accepted`] answer carries to the server, in the answer's extensions (which only
/// hold values that are `Clone + Sync`, hence the shared slot).
#[derive(Clone)]
struct Background(Arc<Mutex<Option<BoxFuture<()>>>>);

impl<F> IntoResponse for Accepted<F>
where
    F: Future<Output = ()> + Send + 'static,
{
    fn into_response(self) -> Response {
        let mut response = json_bytes(
            StatusCode::ACCEPTED,
            Bytes::from_static(br#"{"accepted":true}"#),
        );
        let work: BoxFuture<()> = Box::pin(self.0);
        response
            .extensions_mut()
            .insert(Background(Arc::new(Mutex::new(Some(work)))));
        response
    }
}

/// The work `response` hands over (from an [`Accepted`]), taken out of it.
pub(crate) fn take_background(response: &mut Response) -> Option<BoxFuture<()>> {
    let Background(slot) = response.extensions_mut().remove::<Background>()?;
    slot.lock().unwrap_or_else(PoisonError::into_inner).take()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_carries_the_work_without_starting_it() {
        let started = Arc::new(Mutex::new(false));
        let flag = Arc::clone(&started);
        let mut response = Accepted(async move {
            *flag.lock().unwrap() = true;
        })
        .into_response();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let work = take_background(&mut response).expect("the work travels with the answer");
        assert!(
            !*started.lock().unwrap(),
            "nothing runs before the server spawns it"
        );
        assert!(take_background(&mut response).is_none(), "taken once");
        drop(work);
    }
}
