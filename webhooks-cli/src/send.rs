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
use webhooks::WebhookPayload;
use webhooks::hub::transport::{HttpClient, TransportError};
use webhooks::payload::RepoType;
use webhooks::server::SECRET_HEADER;

use crate::cli::SendArgs;
use crate::terminal::redact_secret;
use crate::{Failure, out, warn};

/// Sends the payload and prints the receiver's answer: status line, then body.
pub async fn run(args: SendArgs) -> Result<(), Failure> {
    let (body, source) = match (&args.payload, &args.sample) {
        (Some(path), _) => (read_payload(path)?, path.display().to_string()),
        (None, Some(scope)) => {
            let json = WebhookPayload::sample_json(scope).expect("clap checked the scope");
            let json = if args.repo_type.is_none() && args.repo.is_none() {
                // As the Hub wrote it, byte for byte.
                json.as_bytes().to_vec()
            } else {
                let mut sample = WebhookPayload::sample(scope).expect("clap checked the scope");
                if let Some(repo_type) = &args.repo_type {
                    sample = sample.with_repo_type(RepoType::from(repo_type.as_str()));
                }
                if let Some(repo) = &args.repo {
                    if let Err(invalid) = webhooks_core::filter::check_repo(repo) {
                        return Err(Failure::usage(invalid.message()).help(invalid.help()));
                    }
                    sample = sample.with_repo(repo.as_str());
                }
                serde_json::to_vec_pretty(&sample).expect("a payload serialises")
            };
            (json, format!("the {scope} sample"))
        }
        (None, None) => unreachable!("clap requires --payload or --sample"),
    };
    if let Err(error) = serde_json::from_slice::<serde_json::Value>(&body) {
        return Err(Failure::new(format!("{source} is not JSON: {error}")));
    }
    if let Err(error) = WebhookPayload::from_slice(&body) {
        warn(&format!(
            "{source} is not a valid webhook payload ({error}); sending it anyway"
        ));
    }

    // The URL as messages show it: a `?secret=` in it stays out of terminals and logs.
    let shown_url = redact_secret(&args.url);
    let uri: Uri = args
        .url
        .parse()
        .ok()
        .filter(|uri: &Uri| matches!(uri.scheme_str(), Some("http" | "https")))
        .filter(|uri| uri.authority().is_some())
        .ok_or_else(|| {
            Failure::usage(format!("`{shown_url}` is not an http:// or https:// URL"))
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
        .body(Bytes::from(body))
        .expect("method, URI and headers are valid");

    // The Hub client's own stack: HTTP/1.1, rustls on `ring` with Mozilla's roots, answers cut
    // off past 16 MiB, one timeout for the whole exchange.
    let client = HttpClient::new(Duration::from_secs(args.timeout));
    let (parts, answer) = match client.send(request).await {
        Ok(answer) => answer.into_parts(),
        Err(TransportError::Timeout(_)) => {
            return Err(Failure::new(format!(
                "{shown_url} did not answer within {}s",
                args.timeout
            ))
            .help("a slow handler can answer 202 at once: see `respond_within` in the README"));
        }
        Err(error) => {
            return Err(
                Failure::new(format!("cannot deliver to {shown_url}: {error}"))
                    .help("is the receiver running at that address?"),
            );
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
