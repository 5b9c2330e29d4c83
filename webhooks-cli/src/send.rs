//! `webhooks send URL`: one delivery, as the Hub makes it, to a receiver you run.
//!
//! The Hub POSTs the payload as JSON (`content-type: application/json`) with the webhook's secret
//! in `X-Webhook-Secret`; so does this. The body is sent byte for byte as read (a file saved from
//! the webhook's activity tab replays exactly).

use std::io::Read;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, USER_AGENT};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use webhooks::{SECRET_HEADER, WebhookPayload};

use crate::cli::SendArgs;
use crate::{Failure, out};

/// Answers bigger than this are cut off as an error.
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// Sends the payload and prints the receiver's answer: status line, then body.
pub async fn run(args: SendArgs) -> Result<(), Failure> {
    let (body, source) = match (&args.payload, &args.sample) {
        (Some(path), _) => (read_payload(path)?, path.display().to_string()),
        (None, Some(scope)) => {
            let json = WebhookPayload::sample_json(scope).expect("clap checked the scope");
            (json.as_bytes().to_vec(), format!("the {scope} sample"))
        }
        (None, None) => unreachable!("clap requires --payload or --sample"),
    };
    if let Err(error) = serde_json::from_slice::<serde_json::Value>(&body) {
        return Err(Failure::new(format!("{source} is not JSON: {error}")));
    }
    if let Err(error) = WebhookPayload::from_slice(&body) {
        eprintln!("warning: {source} is not a valid webhook payload ({error}); sending it anyway");
    }

    let uri: Uri = args
        .url
        .parse()
        .ok()
        .filter(|uri: &Uri| matches!(uri.scheme_str(), Some("http" | "https")))
        .filter(|uri| uri.authority().is_some())
        .ok_or_else(|| {
            Failure::usage(format!("`{}` is not an http:// or https:// URL", args.url))
                .help("e.g. http://127.0.0.1:7860/webhooks/trigger_training")
        })?;
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(CONTENT_TYPE, "application/json")
        .header(
            USER_AGENT,
            concat!("webhooks-cli/", env!("CARGO_PKG_VERSION")),
        );
    if let Some(secret) = &args.secret {
        let mut value = http::HeaderValue::from_str(secret).map_err(|_| {
            Failure::usage("the secret has characters that cannot be sent in an HTTP header")
        })?;
        value.set_sensitive(true);
        request = request.header(SECRET_HEADER, value);
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .expect("method, URI and headers are valid");

    let timeout = Duration::from_secs(args.timeout);
    let exchange = async {
        let response = client().request(request).await.map_err(boxed)?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, MAX_ANSWER).collect().await?.to_bytes();
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((parts, body))
    };
    let (parts, answer) = match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(error)) => {
            return Err(Failure::new(format!(
                "cannot deliver to {}: {}",
                args.url,
                chain(error.as_ref())
            ))
            .help("is the receiver running at that address?"));
        }
        Err(_) => {
            return Err(Failure::new(format!(
                "{} did not answer within {}s",
                args.url, args.timeout
            ))
            .help("a slow handler can answer 202 at once: see `respond_within` in the README"));
        }
    };

    let mut text = format!("{}\n", status_line(parts.status));
    match serde_json::from_slice::<serde_json::Value>(&answer) {
        Ok(json) => text.push_str(&format!(
            "{}\n",
            serde_json::to_string_pretty(&json).expect("JSON serialises")
        )),
        Err(_) if answer.is_empty() => {}
        Err(_) => {
            text.push_str(&String::from_utf8_lossy(&answer));
            if !text.ends_with('\n') {
                text.push('\n');
            }
        }
    }
    out(&text);
    if parts.status.is_success() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "the receiver answered {}",
            status_line(parts.status)
        )))
    }
}

/// `200 OK`.
fn status_line(status: http::StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

fn read_payload(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut body).map(drop)
    } else {
        std::fs::read(path).map(|bytes| body = bytes)
    };
    read.map_err(|error| Failure::new(format!("cannot read {}: {error}", path.display())))?;
    Ok(body)
}

/// An HTTP/1.1 client for http:// and https:// receivers (a tunnel's URL), with rustls on `ring`
/// and Mozilla's roots, as the Hub client uses.
fn client() -> Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(Duration::from_secs(10)));
    let https = HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .expect("the ring provider supports TLS 1.2 and 1.3")
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new()).build(https)
}

fn boxed(
    error: impl std::error::Error + Send + Sync + 'static,
) -> Box<dyn std::error::Error + Send + Sync> {
    Box::new(error)
}

/// An error and its causes on one line.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
