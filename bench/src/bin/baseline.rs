//! The baseline: the leanest hand-written hyper 1 server doing the same work as `ours` — check the
//! secret header, read the body, parse it with serde_json into the same `WebhookPayload`, answer
//! the same JSON (same status, same headers, same bytes). No timeouts, limits, logs or filters:
//! what is left is the floor a framework on hyper cannot go under.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use webhooks::WebhookPayload;
use webhooks_bench::{Answer, ROUTE, SECRET_HEADER};

fn answer(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn handle(secret: &[u8], request: Request<Incoming>) -> Response<Full<Bytes>> {
    if request.uri().path() != ROUTE || request.method() != Method::POST {
        return answer(StatusCode::NOT_FOUND, r#"{"detail":"Not Found"}"#);
    }
    if request
        .headers()
        .get(SECRET_HEADER)
        .map(HeaderValue::as_bytes)
        != Some(secret)
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
    let secret: Arc<[u8]> = std::env::var("WEBHOOK_SECRET")
        .unwrap_or_default()
        .into_bytes()
        .into();
    let port = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(7861);
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    // Ctrl-C or SIGTERM ends the process normally (profilers such as callgrind write their data
    // then); checked per connection, never per request.
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => accepted?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = terminate.recv() => return Ok(()),
        };
        let _ = stream.set_nodelay(true);
        let secret = Arc::clone(&secret);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let secret = Arc::clone(&secret);
                async move { Ok::<_, Infallible>(handle(&secret, request).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
