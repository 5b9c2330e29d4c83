//! The baseline: the leanest hand-written hyper 1 server doing the same work as `ours` — check the
//! secret header, read the body, parse it with serde_json into the same `WebhookPayload`, answer
//! the same JSON (same status, same headers, same bytes). No timeouts, limits, logs or filters:
//! what is left is the floor a framework on hyper cannot go under.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Method, Request, Response, StatusCode};
use webhooks::WebhookPayload;
use webhooks_bench::hand_written::{answer, serve};
use webhooks_bench::{Answer, ROUTE, SECRET_HEADER};

async fn handle(secret: Arc<[u8]>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    if request.uri().path() != ROUTE || request.method() != Method::POST {
        return answer(StatusCode::NOT_FOUND, r#"{"detail":"Not Found"}"#);
    }
    if request
        .headers()
        .get(SECRET_HEADER)
        .map(HeaderValue::as_bytes)
        != Some(&*secret)
    {
        return answer(
            StatusCode::FORBIDDEN,
            r#"{"error":"Invalid webhook secret."}"#,
        );
    }
    let Ok(body) = request.into_body().collect().await else {
        return answer(StatusCode::BAD_REQUEST, r#"{"error":"bad body"}"#);
    };
    match serde_json::from_slice::<WebhookPayload>(&body.to_bytes()) {
        Ok(payload) => match serde_json::to_vec(&Answer::to(&payload)) {
            Ok(json) => answer(StatusCode::OK, json),
            Err(_) => answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"error":"serialise"}"#,
            ),
        },
        Err(_) => answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"error":"bad payload"}"#,
        ),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    serve(handle).await
}
