//! [`State`]: values the application shares with its handlers.

use std::any::type_name;

use http::Extensions;

use super::{Delivery, FromDelivery};
use crate::response::HttpError;

/// A value the application gave the server with
/// [`WebhooksServer::state`](crate::server::WebhooksServer::state), as a handler argument: an HTTP
/// client, a configuration, a database pool.
///
/// `T` must be `Clone` (each delivery gets a clone: wrap big or shared things in an `Arc`, or use
/// types that are handles already, such as a connection pool). A handler that asks for a state the
/// server was not given stops the server at start, naming the type and the endpoint.
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use webhooks_runtime::extract::State;
/// use webhooks_runtime::{WebhookPayload, WebhooksServer};
///
/// #[derive(Clone)]
/// struct Config {
///     model: Arc<str>,
/// }
///
/// async fn retrain(State(config): State<Config>, payload: WebhookPayload) -> String {
///     format!("retraining {} on {}", config.model, payload.repo.name)
/// }
///
/// let server = WebhooksServer::new()
///     .state(Config { model: "me/my-model".into() })
///     .add_webhook("retrain", retrain);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct State<T>(pub T);

impl<T: Clone + Send + Sync + 'static> FromDelivery for State<T> {
    type Rejection = HttpError;

    fn from_delivery(delivery: &Delivery) -> Result<Self, Self::Rejection> {
        delivery.state::<T>().cloned().map(State).ok_or_else(|| {
            HttpError::internal(format!(
                "the server has no state of type `{}`",
                type_name::<T>()
            ))
        })
    }

    fn check(state: &Extensions) -> Result<(), &'static str> {
        match state.get::<T>() {
            Some(_) => Ok(()),
            None => Err(type_name::<T>()),
        }
    }
}
