//! The deliveries API behind the landing page, behind the webhook secret:
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /api/deliveries` | the recent deliveries, newest first |
//! | `POST /api/deliveries/{id}/replay` | runs a delivery through its handler again |

use std::time::Instant;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde::Serialize;
use serde_json::Value;

use crate::activity::{Kept, Now, Record, rfc3339};
use crate::extract::Delivery;
use crate::payload::summary::Summary;
use crate::response::{
    IntoResponse, Response, error, json_response, method_not_allowed, not_found,
};
use crate::service::Service;

const PREFIX: &str = "/api/deliveries";

/// Whether `path` is the API's.
pub(crate) fn owns(path: &str) -> bool {
    path.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Answers a request to the API; its body is never read.
pub(crate) async fn answer(service: &Service, head: &http::request::Parts) -> Response {
    // The same secret as the webhooks: without it nobody reads payloads or runs handlers.
    if let Err(rejection) = service.auth.check(head) {
        return rejection.into_response();
    }
    let rest = head.uri.path().trim_start_matches(PREFIX);
    match (rest, &head.method) {
        ("" | "/", &Method::GET) => list(service),
        ("" | "/", _) => method_not_allowed("GET"),
        (rest, method) => match rest
            .strip_prefix('/')
            .and_then(|rest| rest.strip_suffix("/replay"))
        {
            Some(id) if *method == Method::POST => match id.parse() {
                Ok(id) => replay(service, id).await,
                Err(_) => not_found(),
            },
            Some(_) => method_not_allowed("POST"),
            None => not_found(),
        },
    }
}

/// One delivery, as the API shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryView<'a> {
    id: u64,
    time: String,
    endpoint: &'a str,
    scope: Option<String>,
    action: Option<String>,
    repo: Option<String>,
    status: u16,
    latency_ms: f64,
    /// Refused before reaching the handler (401, 403, 408, 413, 422, ...).
    rejected: bool,
    /// The endpoint's filter skipped it: the handler did not run.
    skipped: bool,
    /// Why the filter skipped it.
    skip_reason: Option<&'a str>,
    replay_of: Option<u64>,
    /// The body as JSON (a string when it is not JSON), or `null` when it was never read.
    payload: Option<Value>,
}

impl<'a> DeliveryView<'a> {
    fn new(endpoint: &'a str, record: &'a Record, now: &Now) -> Self {
        let summary = record.body.as_deref().and_then(Summary::read);
        let payload = record.body.as_deref().map(|body| {
            serde_json::from_slice(body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
        });
        Self {
            id: record.id,
            time: rfc3339(now.wall_time(record.started)),
            endpoint,
            scope: summary.as_ref().map(|s| s.event.scope.to_string()),
            action: summary.as_ref().map(|s| s.event.action.to_string()),
            repo: summary.as_ref().map(|s| s.repo.name.to_string()),
            status: record.status,
            latency_ms: record.latency.as_secs_f64() * 1_000.0,
            rejected: matches!(record.status, 400..=499),
            skipped: record.skipped.is_some(),
            skip_reason: record.skipped.as_deref(),
            replay_of: record.replay_of,
            payload,
        }
    }
}

/// `GET /api/deliveries`: every endpoint's recent deliveries, newest first.
fn list(app: &Service) -> Response {
    let records: Vec<(&str, Record)> = app
        .router
        .routes()
        .flat_map(|(path, route)| {
            route
                .recent
                .snapshot()
                .into_iter()
                .map(move |record| (path, record))
        })
        .collect();
    let now = Now::read();
    let mut views: Vec<DeliveryView<'_>> = records
        .iter()
        .map(|(path, record)| DeliveryView::new(path, record, &now))
        .collect();
    views.sort_by_key(|view| std::cmp::Reverse(view.id));
    #[derive(Serialize)]
    struct List<'a> {
        deliveries: Vec<DeliveryView<'a>>,
    }
    json_response(StatusCode::OK, &List { deliveries: views })
}

/// `POST /api/deliveries/{id}/replay`: runs a kept delivery through its handler again, like the
/// Hub's Replay button, and keeps the new run in the log.
async fn replay(app: &Service, id: u64) -> Response {
    let found = app
        .router
        .routes()
        .find_map(|(path, route)| route.recent.find(id).map(|record| (path, route, record)));
    let Some((path, route, record)) = found else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("No delivery {id} is kept (the log keeps the last ones only)."),
        );
    };
    let Some(body) = record.body else {
        return error(
            StatusCode::CONFLICT,
            &format!(
                "Delivery {id} was refused before its body was read, so there is nothing to replay."
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

    let started = Instant::now();
    let span = tracing::info_span!("replay", endpoint = &*route.name, of = id);
    let (response, skipped) = app
        .dispatch(route, Delivery::new(head, body.clone()), &span)
        .await
        .into_parts();
    let kept = Kept {
        route,
        body: Some(body),
        skipped,
        replay_of: Some(id),
    };
    app.record(&kept, &response, started, Instant::now());

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
            replay_of: id,
            status,
            body: body_value(&answer),
        },
    )
}

/// A handler's answer as JSON when it is JSON, else as a string.
fn body_value(body: &Bytes) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}
