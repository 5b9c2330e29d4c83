//! The deliveries API behind the landing page, behind the webhook secret:
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /api/deliveries` | the recent requests to each endpoint, newest first (no bodies), and the queued deliveries in the inbox |
//! | `GET /api/deliveries/{n}` | request `n` with its payload |
//! | `POST /api/deliveries/{n}/replay` | runs request `n`'s delivery through its handler again |
//! | `POST /api/deliveries/{deliveryId}/retry` | queues a dead delivery again, with fresh attempts |

use std::time::Instant;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::request::Parts;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde::Serialize;
use serde_json::Value;

use crate::activity::{Disposition, Kept, Now, Record, rfc3339};
use crate::dispatch::Source;
use crate::extract::{Delivery, DeliveryId};
use crate::inbox::{AttemptRecord, Entry};
use crate::log::DeliverySpan;
use crate::payload::summary::Summary;
use crate::response::{
    IntoResponse, Response, error, json_response, method_not_allowed, not_found,
};
use crate::router::Route;
use crate::same_site;
use crate::service::Service;

const PREFIX: &str = "/api/deliveries";

/// How many queued deliveries the list shows.
const INBOX_LIST: usize = 100;

/// Whether `path` is the API's.
pub(crate) fn owns(path: &str) -> bool {
    path.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Answers a request to the API; its body is never read.
pub(crate) async fn answer(service: &Service, head: &Parts) -> Response {
    if service.site.loopback() && !same_site::host_allowed(head, service.site.url()) {
        return same_site::unknown_host();
    }
    if let Some(refusal) = same_site::refusal(head, service.site.url()) {
        return refusal;
    }
    // The same secret as the webhooks: without it nobody reads payloads or runs handlers.
    if let Err(rejection) = service.auth.check(head) {
        return rejection.into_response();
    }
    let rest = head.uri.path().trim_start_matches(PREFIX);
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match (segments.as_slice(), &head.method) {
        ([], &Method::GET) => list(service).await,
        ([], _) => method_not_allowed("GET"),
        ([n], &Method::GET) => match n.parse() {
            Ok(n) => show(service, n),
            Err(_) => not_found(),
        },
        ([_], _) => method_not_allowed("GET"),
        ([n, "replay"], &Method::POST) => match n.parse() {
            Ok(n) => replay(service, n).await,
            Err(_) => not_found(),
        },
        ([id, "retry"], &Method::POST) => retry(service, id).await,
        ([_, "replay" | "retry"], _) => method_not_allowed("POST"),
        _ => not_found(),
    }
}

/// One request to an endpoint, as the list shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordView<'a> {
    id: u64,
    delivery_id: Option<&'a str>,
    time: String,
    endpoint: &'a str,
    scope: Option<String>,
    action: Option<String>,
    repo: Option<String>,
    status: u16,
    latency_ms: f64,
    /// What the endpoint did with it: `handled`, `skipped`, `queued` or `duplicate`.
    outcome: &'static str,
    /// Refused before reaching the handler (401, 403, 408, 413, 422, ...).
    rejected: bool,
    /// The endpoint's filter skipped it: the handler did not run.
    skipped: bool,
    /// Why the filter skipped it.
    skip_reason: Option<&'a str>,
    replay_of: Option<u64>,
    /// Whether its payload was kept (`GET /api/deliveries/{id}`).
    has_payload: bool,
}

impl<'a> RecordView<'a> {
    fn new(endpoint: &'a str, record: &'a Record, now: &Now) -> Self {
        let summary = record.body.as_deref().and_then(Summary::read_leading);
        let (outcome, skip_reason) = match &record.disposition {
            Disposition::Handled => ("handled", None),
            Disposition::Skipped(reason) => ("skipped", Some(&**reason)),
            Disposition::Queued => ("queued", None),
            Disposition::Duplicate => ("duplicate", None),
        };
        Self {
            id: record.id,
            delivery_id: record.delivery_id.as_ref().map(DeliveryId::as_str),
            time: rfc3339(now.wall_time(record.started)),
            endpoint,
            scope: summary.as_ref().map(|s| s.event.scope.to_string()),
            action: summary.as_ref().map(|s| s.event.action.to_string()),
            repo: summary.as_ref().map(|s| s.repo.name.to_string()),
            status: record.status,
            latency_ms: record.latency.as_secs_f64() * 1_000.0,
            outcome,
            rejected: matches!(record.status, 400..=499),
            skipped: skip_reason.is_some(),
            skip_reason,
            replay_of: record.replay_of,
            has_payload: record.body.is_some(),
        }
    }
}

/// A queued delivery in the inbox, as the list shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntryView<'a> {
    delivery_id: &'a str,
    endpoint: &'a str,
    /// `queued`, `running`, `retrying`, `done` or `dead`.
    status: &'static str,
    attempts: u32,
    max_attempts: u32,
    received_at: String,
    next_attempt_at: Option<String>,
    /// What went wrong last, if it did.
    last_error: Option<&'a str>,
    history: Vec<AttemptView<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AttemptView<'a> {
    attempt: u32,
    replica: &'a str,
    started_at: String,
    finished_at: Option<String>,
    status: Option<u16>,
    error: Option<&'a str>,
}

impl<'a> EntryView<'a> {
    fn new(entry: &'a Entry) -> Self {
        let history: Vec<AttemptView<'a>> = entry.history.iter().map(AttemptView::new).collect();
        Self {
            delivery_id: &entry.key.id,
            endpoint: &entry.key.endpoint,
            status: entry.status.as_str(),
            attempts: entry.attempts,
            max_attempts: entry.max_attempts,
            received_at: rfc3339(entry.received_at),
            next_attempt_at: entry.next_attempt_at.map(rfc3339),
            last_error: match entry.status {
                crate::inbox::Status::Done => None,
                _ => entry.history.last().and_then(|a| a.error.as_deref()),
            },
            history,
        }
    }
}

impl<'a> AttemptView<'a> {
    fn new(attempt: &'a AttemptRecord) -> Self {
        Self {
            attempt: attempt.number,
            replica: &attempt.replica,
            started_at: rfc3339(attempt.started_at),
            finished_at: attempt.finished_at.map(rfc3339),
            status: attempt.status,
            error: attempt.error.as_deref(),
        }
    }
}

/// `GET /api/deliveries`.
async fn list(service: &Service) -> Response {
    let records: Vec<(&str, Record)> = service
        .router
        .routes()
        .flat_map(|(path, route)| {
            let refused = route.refused.snapshot().into_iter();
            route
                .recent
                .snapshot()
                .into_iter()
                .chain(refused)
                .map(move |record| (path, record))
        })
        .collect();
    let now = Now::read();
    let mut views: Vec<RecordView<'_>> = records
        .iter()
        .map(|(path, record)| RecordView::new(path, record, &now))
        .collect();
    views.sort_by_key(|view| std::cmp::Reverse(view.id));
    let entries = match service.queue() {
        Some(inbox) => match inbox.store.list(INBOX_LIST).await {
            Ok(entries) => entries,
            Err(err) => {
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &format!("The inbox cannot be read: {err}"),
                );
            }
        },
        None => Vec::new(),
    };
    #[derive(Serialize)]
    struct List<'a> {
        deliveries: Vec<RecordView<'a>>,
        inbox: Vec<EntryView<'a>>,
    }
    json_response(
        StatusCode::OK,
        &List {
            deliveries: views,
            inbox: entries.iter().map(EntryView::new).collect(),
        },
    )
}

/// The kept request `n`, with the route it came to.
fn find(service: &Service, n: u64) -> Option<(&str, &Route, Record)> {
    service.router.routes().find_map(|(path, route)| {
        route
            .recent
            .find(n)
            .or_else(|| route.refused.find(n))
            .map(|record| (path, route, record))
    })
}

/// `GET /api/deliveries/{n}`: one request, with its payload (JSON, or a string when it is not).
fn show(service: &Service, n: u64) -> Response {
    let Some((path, _, record)) = find(service, n) else {
        return gone(n);
    };
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Shown<'a> {
        #[serde(flatten)]
        record: RecordView<'a>,
        payload: Option<Value>,
    }
    let payload = record.body.as_ref().map(body_value);
    json_response(
        StatusCode::OK,
        &Shown {
            record: RecordView::new(path, &record, &Now::read()),
            payload,
        },
    )
}

fn gone(n: u64) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("No delivery {n} is kept (the log keeps the last ones only)."),
    )
}

/// `POST /api/deliveries/{n}/replay`: runs a kept delivery through its handler again, like the
/// Hub's Replay button, whatever ran before (a replay is deliberate), and keeps the new run.
async fn replay(service: &Service, n: u64) -> Response {
    let Some((path, route, record)) = find(service, n) else {
        return gone(n);
    };
    let Some(body) = record.body else {
        return error(
            StatusCode::CONFLICT,
            &format!(
                "Delivery {n} was refused before its body was read, so there is nothing to replay."
            ),
        );
    };
    let mut request = Request::new(());
    *request.method_mut() = Method::POST;
    *request.uri_mut() = path.parse().expect("a route is a valid URI");
    request
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let (head, ()) = request.into_parts();
    let id = record.delivery_id.unwrap_or_else(DeliveryId::generate);

    let started = Instant::now();
    let span = DeliverySpan::replay(&route.name, id.as_str(), n);
    let delivery = Delivery::new(head, body.clone(), id.clone(), 1, service.state.clone());
    let (response, disposition) = service
        .dispatch(route, &delivery, &span, Source::Replay)
        .await
        .into_parts();
    let kept = Kept {
        route,
        unauthenticated: false,
        body: Some(body),
        delivery_id: Some(id),
        disposition,
        replay_of: Some(n),
    };
    service.record(&kept, &response, started, started.elapsed());

    let status = response.status().as_u16();
    let answer = match response.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Replayed {
        replay_of: u64,
        status: u16,
        body: Value,
    }
    json_response(
        StatusCode::OK,
        &Replayed {
            replay_of: n,
            status,
            body: body_value(&answer),
        },
    )
}

/// `POST /api/deliveries/{deliveryId}/retry`: a dead queued delivery gets fresh attempts.
async fn retry(service: &Service, id: &str) -> Response {
    let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
    let Some(inbox) = service.queue() else {
        return error(StatusCode::NOT_FOUND, "This server queues no deliveries.");
    };
    match inbox.store.retry(&id, inbox.clock.now()).await {
        Ok(0) => error(
            StatusCode::NOT_FOUND,
            &format!("No dead delivery has the id {id:?}."),
        ),
        Ok(retried) => {
            inbox.wake.notify_one();
            #[derive(Serialize)]
            #[serde(rename_all = "camelCase")]
            struct Retried<'a> {
                delivery_id: &'a str,
                retried: u64,
            }
            json_response(
                StatusCode::OK,
                &Retried {
                    delivery_id: &id,
                    retried,
                },
            )
        }
        Err(err) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("The inbox cannot be written: {err}"),
        ),
    }
}

/// A body as JSON when it is JSON, else as a string.
fn body_value(body: &Bytes) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}
