//! The return types an endpoint may have.

use webhooks::{HttpError, IntoResponse, Json, StatusCode, WebhookPayload, webhook_endpoint};

#[webhook_endpoint]
async fn unit(_payload: WebhookPayload) -> () {}

#[webhook_endpoint]
async fn string() -> String {
    String::from("ok")
}

#[webhook_endpoint]
async fn status() -> StatusCode {
    StatusCode::NO_CONTENT
}

#[webhook_endpoint]
async fn status_and_json() -> (StatusCode, serde_json::Value) {
    (StatusCode::ACCEPTED, serde_json::json!({ "queued": true }))
}

#[webhook_endpoint]
async fn result(payload: WebhookPayload) -> Result<serde_json::Value, HttpError> {
    if payload.repo.name.is_empty() {
        return Err(HttpError::new(StatusCode::BAD_REQUEST, "no repo name"));
    }
    Ok(serde_json::json!({ "repo": payload.repo.name }))
}

#[webhook_endpoint]
async fn opaque() -> impl IntoResponse {
    "opaque"
}

#[webhook_endpoint]
fn sync_opaque() -> impl IntoResponse {
    (StatusCode::CREATED, String::from("made"))
}

#[derive(serde::Serialize)]
struct Answer {
    ok: bool,
}

#[webhook_endpoint]
fn typed_json() -> Json<Answer> {
    Json(Answer { ok: true })
}

#[webhook_endpoint]
async fn response() -> webhooks::Response {
    StatusCode::OK.into_response()
}

fn main() {
    assert_eq!(typed_json().0.ok, true);
    assert_eq!(sync_opaque().into_response().status(), StatusCode::CREATED);
    let _ = webhooks::app();
}
