//! `GET /metrics` over real HTTP: behind the secret (header or `?secret=`), in Prometheus' text
//! format, counting a known mix of deliveries exactly; off with `.metrics(false)`.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::{Connection, SECRET, STEP, fixture, get, launch, post, request};
use tokio::sync::Notify;
use webhooks::extract::Attempt;
use webhooks::inbox::MemoryStore;
use webhooks::server::EndpointOptions;
use webhooks::{Accepted, HttpError, StatusCode, WebhookPayload, WebhooksServer};

async fn ok(_: WebhookPayload) -> &'static str {
    "ok"
}

/// Fails its first attempt, so that the delivery is retried once.
async fn flaky(_: WebhookPayload, Attempt(attempt): Attempt) -> Result<&'static str, HttpError> {
    if attempt == 1 {
        Err(HttpError::new(StatusCode::BAD_GATEWAY, "not yet"))
    } else {
        Ok("done")
    }
}

/// The metric lines of a scrape (no comments), e.g. `webhooks_in_flight 0`.
fn samples(text: &str) -> Vec<&str> {
    text.lines().filter(|line| !line.starts_with('#')).collect()
}

/// The value of the sample named exactly `name` (with its labels), or a panic showing the scrape.
fn value(text: &str, name: &str) -> f64 {
    samples(text)
        .iter()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no sample `{name}` in:\n{text}"))
        .parse()
        .unwrap()
}

async fn scrape(addr: SocketAddr) -> String {
    let reply = request(addr, "GET", &format!("/metrics?secret={SECRET}"), &[], b"").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

/// Scrapes until `done` holds of the text, for at most [`STEP`].
async fn scrape_until(addr: SocketAddr, done: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        let text = scrape(addr).await;
        if done(&text) || tokio::time::Instant::now() > deadline {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_known_mix_of_deliveries_is_counted_exactly() {
    let release = Arc::new(Notify::new());
    let held = Arc::clone(&release);
    let server = launch(
        WebhooksServer::new()
            .webhook_secret(SECRET)
            .body_limit(64 * 1024)
            .inbox_store(MemoryStore::new())
            .retry_backoff(Duration::from_millis(10))
            .add_webhook("hook", ok)
            .add_webhook_with("datasets", EndpointOptions::new().repo_type("dataset"), ok)
            .add_webhook_with("queued", EndpointOptions::new().max_attempts(3), flaky)
            .add_webhook("later", move |_: WebhookPayload| {
                let held = Arc::clone(&held);
                async move { Accepted(async move { held.notified().await }) }
            }),
    )
    .await;
    let addr = server.local_addr();
    let event = fixture("discussion__create__hfhub-test.json");
    // Before anything: the usual statuses, refusals included, are series at 0 already.
    let before = scrape(addr).await;
    for status in [200, 401, 403, 413, 422, 503] {
        let name =
            format!(r#"webhooks_deliveries_total{{endpoint="/webhooks/hook",status="{status}"}}"#);
        assert_eq!(value(&before, &name), 0.0, "{status}");
    }

    // 200 ×3, one of them sent twice with the same id (a duplicate, answered 200 too).
    for _ in 0..2 {
        assert_eq!(post(addr, "/webhooks/hook", &event).await.status, 200);
    }
    let with_id = [("x-webhook-secret", SECRET), ("webhook-id", "delivery-1")];
    for _ in 0..2 {
        let reply = request(addr, "POST", "/webhooks/hook", &with_id, &event).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    // 401, 403 (wrong secret), 403 (another site), 413, 422, 400 (a bad id), 405.
    let missing = request(addr, "POST", "/webhooks/hook", &[], &event).await;
    assert_eq!(missing.status, 401);
    let wrong = request(
        addr,
        "POST",
        "/webhooks/hook",
        &[("x-webhook-secret", "no")],
        &event,
    );
    assert_eq!(wrong.await.status, 403);
    let cross_site = [
        ("x-webhook-secret", SECRET),
        ("origin", "https://evil.example"),
    ];
    let reply = request(addr, "POST", "/webhooks/hook", &cross_site, &event).await;
    assert_eq!(reply.status, 403);
    let too_big = vec![b' '; 64 * 1024 + 1];
    assert_eq!(post(addr, "/webhooks/hook", &too_big).await.status, 413);
    assert_eq!(post(addr, "/webhooks/hook", b"{}").await.status, 422);
    let long_id = "a".repeat(201);
    let bad_id = [
        ("x-webhook-secret", SECRET),
        ("webhook-id", long_id.as_str()),
    ];
    let reply = request(addr, "POST", "/webhooks/hook", &bad_id, &event).await;
    assert_eq!(reply.status, 400);
    let wrong_method = get(addr, "/webhooks/hook").await;
    assert_eq!(wrong_method.status, 405);
    // Skipped twice by the filter (a model repository), answered 200.
    for _ in 0..2 {
        let reply = post(addr, "/webhooks/datasets", &event).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.json()["skipped"], true);
    }
    // Queued, failing once, then done.
    assert_eq!(post(addr, "/webhooks/queued", &event).await.status, 202);
    // Accepted: its work waits until released, so it is a background task at the scrape.
    assert_eq!(post(addr, "/webhooks/later", &event).await.status, 202);

    // Every connection above is closed: only the scraper's remains, once the server noticed.
    let text = scrape_until(addr, |text| {
        samples(text).contains(&r#"webhooks_inbox_deliveries{state="done"} 1"#)
            && samples(text).contains(&"webhooks_connections 1")
    })
    .await;
    let expected = [
        (
            r#"webhooks_deliveries_total{endpoint="/webhooks/hook",status="200"}"#,
            4.0,
        ),
        (
            r#"webhooks_deliveries_total{endpoint="/webhooks/hook",status="401"}"#,
            1.0,
        ),
        (
            r#"webhooks_deliveries_total{endpoint="/webhooks/hook",status="403"}"#,
            2.0,
        ),
        (
            r#"webhooks_deliveries_total{endpoint="/webhooks/hook",status="413"}"#,
            1.0,
        ),
        (
            r#"webhooks_deliveries_total{endpoint="/webhooks/hook",status="422"}"#,
            1.0,
        ),
        (
            r#"webhooks_deliveries_total{endpoint="/webhooks/hook",status="400"}"#,
            1.0,
        ),
        (
            r#"webhooks_deliveries_total{endpoint="/webhooks/hook",status="500"}"#,
            0.0,
        ),
        (
            r#"webhooks_deliveries_total{endpoint="/webhooks/datasets",status="200"}"#,
            2.0,
        ),
        (
            r#"webhooks_deliveries_total{endpoint="/webhooks/queued",status="202"}"#,
            1.0,
        ),
        (
            r#"webhooks_deliveries_total{endpoint="/webhooks/later",status="202"}"#,
            1.0,
        ),
        (
            r#"webhooks_delivery_duration_seconds_count{endpoint="/webhooks/hook"}"#,
            10.0,
        ),
        (
            r#"webhooks_delivery_duration_seconds_count{endpoint="/webhooks/datasets"}"#,
            2.0,
        ),
        (r#"webhooks_rejected_total{reason="secret"}"#, 2.0),
        (r#"webhooks_rejected_total{reason="cross_site"}"#, 1.0),
        (r#"webhooks_rejected_total{reason="size"}"#, 1.0),
        (r#"webhooks_rejected_total{reason="parse"}"#, 1.0),
        (r#"webhooks_rejected_total{reason="delivery_id"}"#, 1.0),
        (r#"webhooks_rejected_total{reason="method"}"#, 1.0),
        (r#"webhooks_rejected_total{reason="timeout"}"#, 0.0),
        (
            r#"webhooks_skipped_total{endpoint="/webhooks/datasets"}"#,
            2.0,
        ),
        (r#"webhooks_skipped_total{endpoint="/webhooks/hook"}"#, 0.0),
        (
            r#"webhooks_duplicates_total{endpoint="/webhooks/hook"}"#,
            1.0,
        ),
        (
            r#"webhooks_retries_total{endpoint="/webhooks/queued"}"#,
            1.0,
        ),
        (r#"webhooks_inbox_deliveries{state="done"}"#, 1.0),
        (r#"webhooks_inbox_deliveries{state="queued"}"#, 0.0),
        (r#"webhooks_inbox_deliveries{state="dead"}"#, 0.0),
        ("webhooks_in_flight", 0.0),
        ("webhooks_background_tasks", 1.0),
        ("webhooks_connections", 1.0),
    ];
    for (name, expected) in expected {
        assert_eq!(value(&text, name), expected, "{name} in:\n{text}");
    }
    // The histogram's buckets add up: every delivery to /webhooks/hook took less than 33 s.
    assert_eq!(
        value(
            &text,
            r#"webhooks_delivery_duration_seconds_bucket{le="+Inf",endpoint="/webhooks/hook"}"#
        ),
        10.0
    );

    release.notify_one();
    let text = scrape_until(addr, |text| {
        samples(text).contains(&"webhooks_background_tasks 0")
    })
    .await;
    assert_eq!(value(&text, "webhooks_background_tasks"), 0.0);
    server.shutdown().await;
}

#[tokio::test]
async fn the_metrics_are_behind_the_secret_in_prometheus_text_format() {
    let server = launch(
        WebhooksServer::new()
            .webhook_secret(SECRET)
            .add_webhook("hook", ok),
    )
    .await;
    let addr = server.local_addr();
    let reply = request(addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.body,
        r#"{"error":"x-webhook-secret header not set."}"#
    );
    let reply = request(addr, "GET", "/metrics?secret=nope", &[], b"").await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.body, r#"{"error":"Invalid webhook secret."}"#);
    let reply = request(
        addr,
        "POST",
        "/metrics",
        &[("x-webhook-secret", SECRET)],
        b"",
    )
    .await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, HEAD"));

    let mut connection = Connection::open(addr).await;
    let reply = connection
        .send("GET", "/metrics", &[("x-webhook-secret", SECRET)], b"")
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert!(
        reply.body.contains(
            "# HELP webhooks_deliveries Deliveries answered, by endpoint and status.\n\
             # TYPE webhooks_deliveries counter\n"
        ),
        "{}",
        reply.body
    );
    assert!(reply.body.ends_with("# EOF\n"), "{}", reply.body);
    // Every endpoint has its series from the start, at zero, so that rates are defined at once.
    assert_eq!(
        value(
            &reply.body,
            r#"webhooks_deliveries_total{endpoint="/webhooks/hook",status="200"}"#
        ),
        0.0
    );
    // No queued endpoint, no inbox series.
    assert!(
        !reply.body.contains("webhooks_inbox_deliveries{"),
        "{}",
        reply.body
    );
    server.shutdown().await;
}

#[tokio::test]
async fn without_a_secret_the_metrics_are_open_and_they_can_be_turned_off() {
    let server = launch(WebhooksServer::new().add_webhook("hook", ok)).await;
    let reply = request(server.local_addr(), "GET", "/metrics", &[], b"").await;
    assert_eq!(reply.status, 200);
    server.shutdown().await;

    let server = launch(WebhooksServer::new().metrics(false).add_webhook("hook", ok)).await;
    let reply = request(server.local_addr(), "GET", "/metrics", &[], b"").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body, r#"{"detail":"Not Found"}"#);
    server.shutdown().await;
}

#[tokio::test]
async fn a_delivery_being_handled_is_in_flight() {
    let release = Arc::new(Notify::new());
    let held = Arc::clone(&release);
    let server = launch(WebhooksServer::new().webhook_secret(SECRET).add_webhook(
        "slow",
        move |_: WebhookPayload| {
            let held = Arc::clone(&held);
            async move {
                held.notified().await;
                "done"
            }
        },
    ))
    .await;
    let addr = server.local_addr();
    let event = fixture("discussion__create__hfhub-test.json");
    let delivery = tokio::spawn(async move { post(addr, "/webhooks/slow", &event).await });
    let text = scrape_until(addr, |text| samples(text).contains(&"webhooks_in_flight 1")).await;
    assert_eq!(value(&text, "webhooks_in_flight"), 1.0);
    assert_eq!(value(&text, "webhooks_connections"), 2.0);
    release.notify_one();
    let reply = tokio::time::timeout(STEP, delivery).await.unwrap().unwrap();
    assert_eq!(reply.status, 200);
    let text = scrape(addr).await;
    assert_eq!(value(&text, "webhooks_in_flight"), 0.0);
    assert_eq!(
        value(
            &text,
            r#"webhooks_deliveries_total{endpoint="/webhooks/slow",status="200"}"#
        ),
        1.0
    );
    server.shutdown().await;
}
