//! The baseline with the leanest access log: the same hand-written hyper server (`respond` is the
//! baseline's `handle`, also giving back the payload for the line), writing the same access line
//! as `ours` for every request (time, level, the delivery's endpoint, id, scope, action and repo,
//! method, path, status, latency) with no framework at all: the date formatted once a second,
//! numbers by `itoa`, the line appended to a buffer that the worker thread itself writes to stderr
//! once 64 KiB have gathered (no writer thread, no lock). What it costs over the baseline is about
//! the least an access line of these bytes can cost: it does not escape the values (the bench's
//! need none), and a stuck stderr would stall its worker, which `ours` must not let happen.

use std::cell::RefCell;
use std::io::Write;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Method, Request, Response, StatusCode};
use webhooks::WebhookPayload;
use webhooks_bench::hand_written::{answer, serve};
use webhooks_bench::{Answer, ROUTE, SECRET_HEADER};

/// The delivery's id, which the line carries.
const WEBHOOK_ID: HeaderName = HeaderName::from_static("webhook-id");

/// Written to stderr once this many bytes have gathered.
const FLUSH_AT: usize = 64 * 1024;

thread_local! {
    static LOG: RefCell<Log> = RefCell::new(Log::default());
}

#[derive(Default)]
struct Log {
    out: Vec<u8>,
    /// The second the cached date is of, and `YYYY-MM-DDTHH:MM:SS`.
    date: Option<(u64, String)>,
}

impl Drop for Log {
    fn drop(&mut self) {
        let _ = std::io::stderr().write_all(&self.out);
    }
}

/// What the access line says of a request.
struct Line<'a> {
    delivery: &'a str,
    payload: Option<&'a WebhookPayload>,
    method: &'a str,
    path: &'a str,
    status: u16,
    latency_us: u64,
}

impl Log {
    fn write(&mut self, line: &Line<'_>) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let seconds = now.as_secs();
        if self
            .date
            .as_ref()
            .is_none_or(|(cached, _)| *cached != seconds)
        {
            let text = humantime::format_rfc3339_seconds(UNIX_EPOCH + now).to_string();
            self.date = Some((seconds, text[..19].to_owned()));
        }
        let out = &mut self.out;
        if let Some((_, date)) = &self.date {
            out.extend_from_slice(date.as_bytes());
        }
        let mut digits = itoa::Buffer::new();
        out.push(b'.');
        out.extend_from_slice(&digits.format(1_000_000 + now.subsec_micros()).as_bytes()[1..]);
        out.extend_from_slice(b"Z  INFO delivery{endpoint=\"bench\" delivery=\"");
        out.extend_from_slice(line.delivery.as_bytes());
        out.push(b'"');
        if let Some(payload) = line.payload {
            out.extend_from_slice(b" scope=\"");
            out.extend_from_slice(payload.event.scope.as_str().as_bytes());
            out.extend_from_slice(b"\" action=\"");
            out.extend_from_slice(payload.event.action.as_str().as_bytes());
            out.extend_from_slice(b"\" repo=\"");
            out.extend_from_slice(payload.repo.name.as_bytes());
            out.push(b'"');
        }
        out.extend_from_slice(b"}: webhooks::access: answered method=\"");
        out.extend_from_slice(line.method.as_bytes());
        out.extend_from_slice(b"\" path=\"");
        out.extend_from_slice(line.path.as_bytes());
        out.extend_from_slice(b"\" status=");
        out.extend_from_slice(digits.format(line.status).as_bytes());
        out.extend_from_slice(b" latency_us=");
        out.extend_from_slice(digits.format(line.latency_us).as_bytes());
        out.push(b'\n');
        if out.len() >= FLUSH_AT {
            let _ = std::io::stderr().write_all(out);
            out.clear();
        }
    }
}

async fn handle(secret: Arc<[u8]>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let started = Instant::now();
    // The head is kept for the line, borrowed by the answer: nothing copied.
    let (head, body) = request.into_parts();
    let (response, payload) = respond(&secret, &head, body).await;
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let delivery = head
        .headers
        .get(WEBHOOK_ID)
        .and_then(|id| id.to_str().ok())
        .unwrap_or_default();
    LOG.with_borrow_mut(|log| {
        log.write(&Line {
            delivery,
            payload: payload.as_ref(),
            method: head.method.as_str(),
            path: head.uri.path(),
            status: response.status().as_u16(),
            latency_us,
        });
    });
    response
}

async fn respond(
    secret: &[u8],
    head: &Parts,
    body: Incoming,
) -> (Response<Full<Bytes>>, Option<WebhookPayload>) {
    if head.uri.path() != ROUTE || head.method != Method::POST {
        return (
            answer(StatusCode::NOT_FOUND, r#"{"detail":"Not Found"}"#),
            None,
        );
    }
    if head.headers.get(SECRET_HEADER).map(HeaderValue::as_bytes) != Some(secret) {
        let body = r#"{"error":"Invalid webhook secret."}"#;
        return (answer(StatusCode::FORBIDDEN, body), None);
    }
    let Ok(body) = body.collect().await else {
        return (
            answer(StatusCode::BAD_REQUEST, r#"{"error":"bad body"}"#),
            None,
        );
    };
    match serde_json::from_slice::<WebhookPayload>(&body.to_bytes()) {
        Ok(payload) => match serde_json::to_vec(&Answer::to(&payload)) {
            Ok(json) => (answer(StatusCode::OK, json), Some(payload)),
            Err(_) => (
                answer(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    r#"{"error":"serialise"}"#,
                ),
                None,
            ),
        },
        Err(_) => (
            answer(
                StatusCode::UNPROCESSABLE_ENTITY,
                r#"{"error":"bad payload"}"#,
            ),
            None,
        ),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    serve(handle).await
}
