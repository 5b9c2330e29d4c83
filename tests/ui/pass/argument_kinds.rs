//! Every built-in argument kind, alone and together.

use webhooks::extract::{Bytes, HeaderMap};
use webhooks::{Json, WebhookPayload, WebhookRequest, webhook_endpoint};

#[derive(serde::Deserialize)]
struct Minimal {
    #[allow(dead_code)]
    event: serde_json::Value,
}

#[webhook_endpoint]
async fn json(Json(body): Json<Minimal>) {
    let _ = body;
}

#[webhook_endpoint]
async fn json_value(_body: Json<serde_json::Value>) {}

/// Lifetimes in argument types are inferred as they are for any handler (here `'static`).
#[webhook_endpoint]
async fn borrowed_looking(Json(text): Json<std::borrow::Cow<'_, str>>) -> String {
    text.into_owned()
}

#[webhook_endpoint]
fn explicit_static(_text: Json<std::borrow::Cow<'static, str>>) {}

#[webhook_endpoint]
async fn bytes(body: Bytes) -> String {
    format!("{} bytes", body.len())
}

#[webhook_endpoint]
fn headers(headers: HeaderMap) -> String {
    format!("{} headers", headers.len())
}

#[webhook_endpoint]
async fn request(request: WebhookRequest) -> String {
    format!("{} {}", request.method, request.uri)
}

#[webhook_endpoint]
async fn qualified(_payload: webhooks::WebhookPayload, _headers: webhooks::http::HeaderMap) {}

/// The most arguments an endpoint may take: eight.
#[webhook_endpoint]
#[allow(clippy::too_many_arguments)]
async fn all_of_them(
    _payload: WebhookPayload,
    _json: Json<Minimal>,
    _bytes: Bytes,
    _headers: HeaderMap,
    _request: WebhookRequest,
    _again: WebhookPayload,
    _value: Json<serde_json::Value>,
    _raw: Bytes,
) {
}

/// A user-defined argument type.
struct UserAgent(String);

impl webhooks::extract::FromDelivery for UserAgent {
    type Rejection = webhooks::HttpError;

    fn from_delivery(delivery: &webhooks::extract::Delivery) -> Result<Self, Self::Rejection> {
        delivery
            .headers()
            .get("user-agent")
            .and_then(|value| value.to_str().ok())
            .map(|value| UserAgent(value.to_owned()))
            .ok_or_else(|| {
                webhooks::HttpError::new(webhooks::StatusCode::BAD_REQUEST, "no user-agent")
            })
    }
}

#[webhook_endpoint]
fn custom(UserAgent(agent): UserAgent) -> String {
    agent
}

fn main() {
    let _ = webhooks::app();
}
