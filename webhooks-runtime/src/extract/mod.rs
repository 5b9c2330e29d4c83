//! Handler arguments: the [`FromDelivery`] trait and its implementations.
//!
//! By the time a handler runs, the server has routed the request, checked the secret and read the
//! whole body (within the size limit) into a [`Delivery`]. Each handler argument is then built from
//! that delivery through [`FromDelivery`]; an argument that cannot be built answers the Hub with its
//! rejection (a 422 naming the failing field, for a body of the wrong shape) and the handler is not
//! called.

mod delivery_id;
pub mod rejection;
mod state;

use std::convert::Infallible;
use std::sync::Arc;

use http::{Extensions, Method, Uri};
use serde::de::DeserializeOwned;

pub use delivery_id::{DeliveryId, WEBHOOK_ID_HEADER, WEBHOOK_ID_VAR};
pub use state::State;

pub use crate::json::Json;
pub use bytes::Bytes;
pub use http::HeaderMap;
pub use rejection::JsonRejection;

use crate::json;
use crate::payload::WebhookPayload;
use crate::response::IntoResponse;

/// One authenticated, fully read webhook request, as handler arguments see it.
#[derive(Debug)]
pub struct Delivery {
    head: http::request::Parts,
    body: Bytes,
    id: DeliveryId,
    attempt: u32,
    state: Arc<Extensions>,
}

impl Delivery {
    /// A delivery from a request head and its complete body, its id and its attempt number, with
    /// the server's state.
    pub(crate) fn new(
        head: http::request::Parts,
        body: Bytes,
        id: DeliveryId,
        attempt: u32,
        state: Arc<Extensions>,
    ) -> Self {
        Self {
            head,
            body,
            id,
            attempt,
            state,
        }
    }

    /// Gives the delivery its body, once read: a delivery from the network is made before its
    /// body is read, so that its head is moved once, into the delivery.
    pub(crate) fn set_body(&mut self, body: Bytes) {
        self.body = body;
    }

    /// The request method (always `POST` for a routed delivery).
    pub fn method(&self) -> &Method {
        &self.head.method
    }

    /// The request URI, path and query.
    pub fn uri(&self) -> &Uri {
        &self.head.uri
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.head.headers
    }

    /// The complete body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The delivery's id (the Hub's `Webhook-Id`, or one the server made up).
    pub fn id(&self) -> &DeliveryId {
        &self.id
    }

    /// Which attempt at handling the delivery this is: 1, or more for a queued endpoint's retries.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// A value the application gave the server with
    /// [`WebhooksServer::state`](crate::server::WebhooksServer::state).
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.state.get::<T>()
    }
}

/// Builds a handler argument from a [`Delivery`].
///
/// Implement it to use your own types as handler arguments.
///
/// # Examples
/// ```
/// use webhooks_runtime::extract::{Delivery, FromDelivery};
/// use webhooks_runtime::{HttpError, http::StatusCode};
///
/// /// The `User-Agent` the Hub sent, as a handler argument.
/// struct UserAgent(String);
///
/// impl FromDelivery for UserAgent {
///     type Rejection = HttpError;
///     fn from_delivery(delivery: &Delivery) -> Result<Self, Self::Rejection> {
///         delivery
///             .headers()
///             .get("user-agent")
///             .and_then(|v| v.to_str().ok())
///             .map(|v| UserAgent(v.to_owned()))
///             .ok_or_else(|| HttpError::new(StatusCode::BAD_REQUEST, "no user-agent"))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a webhook handler argument",
    label = "this type does not implement `FromDelivery`",
    note = "use `WebhookPayload`, `Json<T>` (T: serde::Deserialize), `State<T>`, `DeliveryId`, `Attempt`, `Bytes`, `HeaderMap` or `WebhookRequest`, or implement `webhooks::extract::FromDelivery` for it"
)]
pub trait FromDelivery: Sized {
    /// What the Hub is answered when the argument cannot be built.
    type Rejection: IntoResponse;

    /// Builds the argument.
    fn from_delivery(delivery: &Delivery) -> Result<Self, Self::Rejection>;

    /// Checks, when the server starts, that it has what this argument needs; `Err` names the
    /// missing [`State`] type. Only arguments that read the server's state override it.
    #[doc(hidden)]
    fn check(state: &Extensions) -> Result<(), &'static str> {
        let _ = state;
        Ok(())
    }
}

impl FromDelivery for WebhookPayload {
    type Rejection = JsonRejection;

    #[inline]
    fn from_delivery(delivery: &Delivery) -> Result<Self, Self::Rejection> {
        let payload = WebhookPayload::from_slice(&delivery.body).map_err(JsonRejection::Payload)?;
        // The delivery's span has these fields empty until the payload is known.
        crate::log::record_payload(
            payload.event.scope.as_str(),
            payload.event.action.as_str(),
            payload.repo.name.as_str(),
        );
        Ok(payload)
    }
}

impl<T: DeserializeOwned> FromDelivery for Json<T> {
    type Rejection = JsonRejection;

    fn from_delivery(delivery: &Delivery) -> Result<Self, Self::Rejection> {
        json::from_slice(&delivery.body)
            .map(Json)
            .map_err(JsonRejection::Json)
    }
}

/// The raw body, without parsing (a cheap reference-counted handle, not a copy).
impl FromDelivery for Bytes {
    type Rejection = Infallible;

    fn from_delivery(delivery: &Delivery) -> Result<Self, Self::Rejection> {
        Ok(delivery.body.clone())
    }
}

/// The request headers.
impl FromDelivery for HeaderMap {
    type Rejection = Infallible;

    fn from_delivery(delivery: &Delivery) -> Result<Self, Self::Rejection> {
        Ok(delivery.head.headers.clone())
    }
}

/// The delivery's id: see [`DeliveryId`].
impl FromDelivery for DeliveryId {
    type Rejection = Infallible;

    fn from_delivery(delivery: &Delivery) -> Result<Self, Self::Rejection> {
        Ok(delivery.id.clone())
    }
}

/// Which attempt at handling a delivery this is: 1 for the first, more when a queued endpoint
/// runs a delivery again (after a failure, or after a crash cut an attempt short).
///
/// # Examples
/// ```
/// use webhooks_runtime::extract::{Attempt, DeliveryId};
///
/// async fn handler(Attempt(attempt): Attempt, id: DeliveryId) {
///     if attempt > 1 {
///         println!("delivery {id}: attempt {attempt}, clean up what the last one left");
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Attempt(pub u32);

impl FromDelivery for Attempt {
    type Rejection = Infallible;

    fn from_delivery(delivery: &Delivery) -> Result<Self, Self::Rejection> {
        Ok(Attempt(delivery.attempt))
    }
}

/// The whole request: method, URI, headers and raw body (the reference's `request: Request`).
///
/// # Examples
/// ```
/// use webhooks_runtime::{WebhookPayload, WebhookRequest};
///
/// async fn handler(payload: WebhookPayload, request: WebhookRequest) -> String {
///     format!("{} bytes about {}", request.body.len(), payload.repo.name)
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WebhookRequest {
    /// The method (`POST`).
    pub method: Method,
    /// The URI the Hub called, with its query.
    pub uri: Uri,
    /// The headers.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
    /// The delivery's id (the `Webhook-Id` header, or one the server made up).
    pub delivery_id: DeliveryId,
}

impl FromDelivery for WebhookRequest {
    type Rejection = Infallible;

    fn from_delivery(delivery: &Delivery) -> Result<Self, Self::Rejection> {
        Ok(Self {
            method: delivery.head.method.clone(),
            uri: delivery.head.uri.clone(),
            headers: delivery.head.headers.clone(),
            body: delivery.body.clone(),
            delivery_id: delivery.id.clone(),
        })
    }
}
