//! What the hand-written servers (`baseline`, `baseline-logged`) share: the shape of their
//! answers and their accept loop, hyper 1 and tokio as their documentation shows them.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// `status` with `body` as `application/json`.
pub fn answer(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Serves every request of every connection on `127.0.0.1:$PORT` (default 7861) with `handle`,
/// given the secret (`WEBHOOK_SECRET`), one hyper HTTP/1 connection task per accepted socket,
/// until Ctrl-C or SIGTERM (which end the process normally, so that profilers such as callgrind
/// write their data; checked per connection, never per request).
///
/// # Errors
/// When the port cannot be bound or a connection cannot be accepted.
pub async fn serve<F, Fut>(handle: F) -> std::io::Result<()>
where
    F: Fn(Arc<[u8]>, Request<Incoming>) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let secret: Arc<[u8]> = std::env::var("WEBHOOK_SECRET")
        .unwrap_or_default()
        .into_bytes()
        .into();
    let port = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(7861);
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
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
                async move { Ok::<_, Infallible>(handle(secret, request).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
