//! The receiving server end to end, over real HTTP on 127.0.0.1: routing, methods, the secret,
//! payload validation, handler kinds, return values and failures: the reference's behaviour, and
//! the differences the README lists.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Connection, SECRET, fixture, launch, post, request};
use serde_json::{Value, json};
use webhooks::extract::{Bytes, Delivery, FromDelivery, HeaderMap};
use webhooks::handler::blocking;
use webhooks::{HttpError, Json, StatusCode, WebhookPayload, WebhookRequest, WebhooksServer};

async fn ok() -> Value {
    json!({"ok": true})
}

fn secured() -> WebhooksServer {
    WebhooksServer::new().webhook_secret(SECRET)
}

const DISCUSSION: &str = "discussion__create__hfhub-test.json";

#[tokio::test]
async fn paths_follow_the_reference_rules() {
    let server = launch(
        secured()
            .add_webhook("/test_webhook", || async { "test_webhook" })
            .add_webhook("nested", || async { "nested" })
            .add_webhook("/a/b/", || async { "a/b" }),
    )
    .await;
    let addr = server.local_addr();
    for (path, body) in [
        ("/webhooks/test_webhook", "test_webhook"),
        ("/webhooks/nested", "nested"),
        ("/webhooks/a/b", "a/b"),
        // A trailing slash, as often pasted into the Hub's settings, reaches the same endpoint.
        ("/webhooks/a/b/", "a/b"),
    ] {
        let reply = post(addr, path, b"{}").await;
        assert_eq!((reply.status, reply.body.as_str()), (200, body), "{path}");
        assert_eq!(
            reply.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
    }
    let reply = post(addr, "/test_webhook", b"{}").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (404, r#"{"detail":"Not Found"}"#)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_are_404_json() {
    let server = launch(secured().add_webhook("hook", ok)).await;
    for (method, path) in [
        ("POST", "/webhooks/other"),
        ("GET", "/nowhere"),
        ("POST", "/webhooks"),
        ("GET", "/webhooks/hook/x"),
    ] {
        let reply = request(server.local_addr(), method, path, &[], b"").await;
        assert_eq!(reply.status, 404, "{method} {path}");
        assert_eq!(reply.body, r#"{"detail":"Not Found"}"#);
        assert_eq!(reply.header("content-type"), Some("application/json"));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn only_post_is_allowed() {
    let server = launch(secured().add_webhook("hook", ok)).await;
    for method in ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let reply = request(
            server.local_addr(),
            method,
            "/webhooks/hook",
            &[("x-webhook-secret", SECRET)],
            b"",
        )
        .await;
        assert_eq!(reply.status, 405, "{method}");
        assert_eq!(reply.header("allow"), Some("POST"));
        assert_eq!(reply.body, r#"{"detail":"Method Not Allowed"}"#);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn the_secret_is_required_and_checked() {
    let server = launch(secured().add_webhook("hook", ok)).await;
    let addr = server.local_addr();
    let body = fixture(DISCUSSION);

    let missing = request(addr, "POST", "/webhooks/hook", &[], &body).await;
    assert_eq!(
        (missing.status, missing.body.as_str()),
        (401, r#"{"error":"x-webhook-secret header not set."}"#)
    );

    let wrong = request(
        addr,
        "POST",
        "/webhooks/hook",
        &[("x-webhook-secret", "nope")],
        &body,
    )
    .await;
    assert_eq!(
        (wrong.status, wrong.body.as_str()),
        (403, r#"{"error":"Invalid webhook secret."}"#)
    );

    // Same length, one byte off: still refused.
    let near = request(
        addr,
        "POST",
        "/webhooks/hook",
        &[("x-webhook-secret", "test-secreT")],
        &body,
    )
    .await;
    assert_eq!(near.status, 403);

    let right = post(addr, "/webhooks/hook", &body).await;
    assert_eq!((right.status, right.body.as_str()), (200, r#"{"ok":true}"#));

    // The Hub also allows the secret in the URL; the header wins when both are present.
    let query = request(
        addr,
        "POST",
        "/webhooks/hook?foo=1&secret=test-secret",
        &[],
        &body,
    )
    .await;
    assert_eq!(query.status, 200);
    let wrong_query = request(addr, "POST", "/webhooks/hook?secret=nope", &[], &body).await;
    assert_eq!(
        (wrong_query.status, wrong_query.body.as_str()),
        (403, r#"{"error":"Invalid webhook secret."}"#)
    );
    let header_wins = request(
        addr,
        "POST",
        "/webhooks/hook?secret=test-secret",
        &[("x-webhook-secret", "nope")],
        &body,
    )
    .await;
    assert_eq!(header_wins.status, 403);
    server.shutdown().await;
}

#[tokio::test]
async fn the_secret_is_checked_before_the_body() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let server = launch(secured().add_webhook("hook", move |_: WebhookPayload| {
        let counter = Arc::clone(&counter);
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    }))
    .await;
    // Not JSON and no secret: the reference says 422; the secret comes first here.
    let reply = request(
        server.local_addr(),
        "POST",
        "/webhooks/hook",
        &[],
        b"not json",
    )
    .await;
    assert_eq!(reply.status, 401);
    let reply = request(
        server.local_addr(),
        "POST",
        "/webhooks/hook",
        &[("x-webhook-secret", "x")],
        b"not json",
    )
    .await;
    assert_eq!(reply.status, 403);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn without_a_secret_every_request_reaches_the_handler() {
    let server = launch(WebhooksServer::new().add_webhook("hook", ok)).await;
    let reply = request(
        server.local_addr(),
        "POST",
        "/webhooks/hook",
        &[],
        &fixture(DISCUSSION),
    )
    .await;
    assert_eq!((reply.status, reply.body.as_str()), (200, r#"{"ok":true}"#));
    server.shutdown().await;
}

/// What the upstream tests check of a payload, answered back by the handler.
async fn summary(payload: WebhookPayload) -> Value {
    json!({
        "scope": payload.event.scope,
        "action": payload.event.action,
        "repo": payload.repo.name,
        "type": payload.repo.repo_type,
        "headSha": payload.repo.head_sha,
        "num": payload.discussion.as_ref().map(|d| d.num),
        "comment": payload.comment.as_ref().and_then(|c| c.content.clone()),
        "refs": payload.updated_refs.iter().flatten().map(|r| &r.reference).collect::<Vec<_>>(),
        "private": payload.updated_config.as_ref().and_then(|c| c.private),
    })
}

#[tokio::test]
async fn every_fixture_reaches_a_typed_handler() {
    let server = launch(secured().add_webhook("summary", summary)).await;
    let expected = [
        (
            "discussion.comment__create__hub-docs-composed.json",
            json!({"scope": "discussion.comment", "action": "create", "repo": "some-user/some-repo", "type": "model",
                   "headSha": null, "num": 3, "comment": "This adds an env key", "refs": [], "private": null}),
        ),
        (
            "discussion__create__hfhub-test.json",
            json!({"scope": "discussion", "action": "create", "repo": "gpt2", "type": "model", "headSha": null,
                   "num": 19, "comment": "Add co2 emissions information to the model card", "refs": [], "private": null}),
        ),
        (
            "discussion__create__hub-docs.json",
            json!({"scope": "discussion", "action": "create", "repo": "openai-community/gpt2", "type": "model",
                   "headSha": null, "num": 19, "comment": "Add co2 emissions information to the model card",
                   "refs": [], "private": null}),
        ),
        (
            "discussion__update__hfhub-test.json",
            json!({"scope": "discussion", "action": "update", "repo": "Wauplin/leaderboard", "type": "space",
                   "headSha": null, "num": 4, "comment": null, "refs": [], "private": null}),
        ),
        (
            "repo.config__update__hub-docs-composed.json",
            json!({"scope": "repo.config", "action": "update", "repo": "some-user/some-repo", "type": "model",
                   "headSha": "c379e821c9c95d613899e8c4343e4bfee2b0c600", "num": null, "comment": null, "refs": [],
                   "private": false}),
        ),
        (
            "repo.content__update__dataset-main-composed.json",
            json!({"scope": "repo.content", "action": "update", "repo": "some-user/some-dataset", "type": "dataset",
                   "headSha": "575db8b7a51b6f85eb06eee540738584589f131c", "num": null, "comment": null,
                   "refs": ["refs/heads/main"], "private": null}),
        ),
        (
            "repo.content__update__hfhub-test.json",
            json!({"scope": "repo.content", "action": "update", "repo": "Wauplin/gradio-user-history", "type": "space",
                   "headSha": "5e7f29fffcc579cb52539fddb14a1a4f85f39e44", "num": null, "comment": null,
                   "refs": ["refs/pr/5"], "private": null}),
        ),
        (
            "repo.content__update__hub-docs-composed.json",
            json!({"scope": "repo.content", "action": "update", "repo": "some-user/some-repo", "type": "model",
                   "headSha": "575db8b7a51b6f85eb06eee540738584589f131c", "num": null, "comment": null,
                   "refs": ["refs/heads/main", "refs/tags/test"], "private": null}),
        ),
        (
            "repo__create__composed.json",
            json!({"scope": "repo", "action": "create", "repo": "some-user/some-repo", "type": "model",
                   "headSha": "c379e821c9c95d613899e8c4343e4bfee2b0c600", "num": null, "comment": null, "refs": [],
                   "private": null}),
        ),
    ];
    assert_eq!(
        expected
            .iter()
            .map(|(name, _)| name.to_string())
            .collect::<Vec<_>>(),
        common::fixture_names(),
        "every fixture is covered"
    );
    for (name, summary) in expected {
        let reply = post(server.local_addr(), "/webhooks/summary", &fixture(name)).await;
        assert_eq!(reply.status, 200, "{name}: {}", reply.body);
        assert_eq!(reply.json(), summary, "{name}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn async_and_sync_handlers_with_and_without_the_request() {
    async fn async_payload(payload: WebhookPayload) -> Value {
        json!({"kind": "async", "repo": payload.repo.name})
    }
    async fn async_request(payload: WebhookPayload, request: WebhookRequest) -> Value {
        json!({"kind": "async+request", "repo": payload.repo.name, "bytes": request.body.len(),
               "path": request.uri.path(), "ua": request.headers["user-agent"].to_str().unwrap()})
    }
    fn sync_payload(payload: WebhookPayload) -> Value {
        // A plain fn may block: it runs on the blocking pool.
        std::thread::sleep(Duration::from_millis(5));
        json!({"kind": "sync", "repo": payload.repo.name})
    }
    fn sync_request(payload: WebhookPayload, request: WebhookRequest) -> Value {
        json!({"kind": "sync+request", "repo": payload.repo.name, "bytes": request.body.len(),
               "path": request.uri.path(), "ua": request.headers["user-agent"].to_str().unwrap()})
    }
    let server = launch(
        secured()
            .add_webhook("async_payload", async_payload)
            .add_webhook("async_request", async_request)
            .add_webhook("sync_payload", blocking(sync_payload))
            .add_webhook("sync_request", blocking(sync_request)),
    )
    .await;
    let addr = server.local_addr();
    let body = fixture(DISCUSSION);
    let n = body.len();
    for (path, expected) in [
        (
            "/webhooks/async_payload",
            json!({"kind": "async", "repo": "gpt2"}),
        ),
        (
            "/webhooks/async_request",
            json!({"kind": "async+request", "repo": "gpt2", "bytes": n, "path": "/webhooks/async_request", "ua": "HF"}),
        ),
        (
            "/webhooks/sync_payload",
            json!({"kind": "sync", "repo": "gpt2"}),
        ),
        (
            "/webhooks/sync_request",
            json!({"kind": "sync+request", "repo": "gpt2", "bytes": n, "path": "/webhooks/sync_request", "ua": "HF"}),
        ),
    ] {
        let reply = request(
            addr,
            "POST",
            path,
            &[("x-webhook-secret", SECRET), ("user-agent", "HF")],
            &body,
        )
        .await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert_eq!(reply.json(), expected, "{path}");
        assert_eq!(
            request(addr, "POST", path, &[], &body).await.status,
            401,
            "{path}"
        );
        assert_eq!(
            request(addr, "POST", path, &[("x-webhook-secret", "bad")], &body)
                .await
                .status,
            403,
            "{path}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn bad_bodies_are_422_naming_the_field() {
    let server = launch(secured().add_webhook("hook", summary)).await;
    let addr = server.local_addr();
    let cases: [(&[u8], Value); 5] = [
        (
            b"not json",
            json!({"error": "invalid webhook payload at `.`: expected ident at line 1 column 2", "path": "."}),
        ),
        (
            br#"{"event": {"action": "update", "scope": "repo"}, "repo": {"#,
            json!({"error": "invalid webhook payload at `repo`: EOF while parsing an object at line 1 column 58", "path": "repo"}),
        ),
        (
            br#"{"event":{"action":"update","scope":"repo"},"repo":{"type":"model","name":"a","id":"1","private":false,"url":{"web":"w"},"owner":{}},"webhook":{"id":"w","version":3}}"#,
            json!({"error": "invalid webhook payload at `repo.owner.id`: missing field `id` at line 1 column 131", "path": "repo.owner.id"}),
        ),
        (
            br#"{"event":{"action":"update","scope":"repo"},"repo":{"type":"model","name":"a","id":"1","private":"no","url":{"web":"w"},"owner":{"id":"o"}},"webhook":{"id":"w","version":3}}"#,
            json!({"error": "invalid webhook payload at `repo.private`: invalid type: string \"no\", expected a boolean at line 1 column 101", "path": "repo.private"}),
        ),
        (
            br#"{"event":{"action":"update","scope":"repo"},"repo":{"type":"model","name":"a","id":"1","private":false,"url":{"web":"w"},"owner":{"id":"o"}},"webhook":{"id":"w","version":3},"updatedRefs":[{"ref":7}]}"#,
            json!({"error": "invalid webhook payload at `updatedRefs[0].ref`: invalid type: integer `7`, expected a string at line 1 column 197", "path": "updatedRefs[0].ref"}),
        ),
    ];
    for (body, expected) in cases {
        let reply = post(addr, "/webhooks/hook", body).await;
        assert_eq!(reply.status, 422, "{}", String::from_utf8_lossy(body));
        assert_eq!(reply.json(), expected);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn other_payload_versions_are_422_saying_so() {
    let server = launch(secured().add_webhook("hook", summary)).await;
    let legacy = br#"{"event": "add", "scope": "repo", "repo": {"type": "model", "name": "gpt2"}}"#;
    let reply = post(server.local_addr(), "/webhooks/hook", legacy).await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.json(),
        json!({"error": "webhook payload version 2 is not supported: set the webhook to version 3 in your Hub settings", "path": "event"})
    );

    let mut v4: Value = serde_json::from_slice(&fixture(DISCUSSION)).unwrap();
    v4["webhook"]["version"] = json!(4);
    let reply = post(
        server.local_addr(),
        "/webhooks/hook",
        v4.to_string().as_bytes(),
    )
    .await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.json(),
        json!({"error": "webhook payload version 4 is not supported: this server understands version 3", "path": "webhook.version"})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn unknown_future_values_are_accepted() {
    let server = launch(secured().add_webhook("hook", summary)).await;
    let mut future: Value =
        serde_json::from_slice(&fixture("repo.config__update__hub-docs-composed.json")).unwrap();
    future["event"] = json!({"action": "archive", "scope": "repo.config.dois"});
    future["repo"]["type"] = json!("kernel");
    future["somethingNew"] = json!({"a": 1});
    let reply = post(
        server.local_addr(),
        "/webhooks/hook",
        future.to_string().as_bytes(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answer = reply.json();
    assert_eq!(
        (&answer["scope"], &answer["action"], &answer["type"]),
        (
            &json!("repo.config.dois"),
            &json!("archive"),
            &json!("kernel")
        )
    );
    server.shutdown().await;
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let server = launch(secured().body_limit(1024).add_webhook("hook", summary)).await;
    let body = vec![b' '; 1025];
    let reply = post(server.local_addr(), "/webhooks/hook", &body).await;
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.body,
        r#"{"error":"The request body is larger than the limit of 1024 bytes."}"#
    );
    // At the limit is fine (the fixture is below it).
    let reply = post(
        server.local_addr(),
        "/webhooks/hook",
        &fixture("repo.config__update__hub-docs-composed.json"),
    )
    .await;
    assert_eq!(reply.status, 200);
    server.shutdown().await;
}

#[tokio::test]
async fn json_arguments_are_typed_and_checked() {
    #[derive(serde::Deserialize)]
    struct Minimal {
        event: MinimalEvent,
    }
    #[derive(serde::Deserialize)]
    struct MinimalEvent {
        scope: String,
    }
    async fn minimal(Json(body): Json<Minimal>) -> String {
        body.event.scope
    }
    let server = launch(secured().add_webhook("minimal", minimal)).await;
    let reply = post(
        server.local_addr(),
        "/webhooks/minimal",
        &fixture(DISCUSSION),
    )
    .await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "discussion"));
    let reply = post(
        server.local_addr(),
        "/webhooks/minimal",
        br#"{"event": {"scope": 1}}"#,
    )
    .await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.json(),
        json!({"error": "invalid JSON body at `event.scope`: invalid type: integer `1`, expected a string at line 1 column 21", "path": "event.scope"})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn raw_bytes_and_headers_arguments() {
    async fn raw(body: Bytes, headers: HeaderMap) -> String {
        format!("{} {}", body.len(), headers["x-custom"].to_str().unwrap())
    }
    let server = launch(WebhooksServer::new().add_webhook("raw", raw)).await;
    let reply = request(
        server.local_addr(),
        "POST",
        "/webhooks/raw",
        &[("x-custom", "yes")],
        b"anything at all",
    )
    .await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "15 yes"));
    server.shutdown().await;
}

#[tokio::test]
async fn return_values_become_responses() {
    async fn unit() {}
    async fn status() -> (StatusCode, Value) {
        (StatusCode::ACCEPTED, json!({"queued": true}))
    }
    async fn failing() -> Result<Value, HttpError> {
        Err(HttpError::new(
            StatusCode::CONFLICT,
            "training already running",
        ))
    }
    async fn succeeding() -> Result<&'static str, HttpError> {
        Ok("done")
    }
    async fn typed() -> Json<Vec<u8>> {
        Json(vec![1, 2])
    }
    async fn bare_status() -> StatusCode {
        StatusCode::NO_CONTENT
    }
    let server = launch(
        WebhooksServer::new()
            .add_webhook("unit", unit)
            .add_webhook("status", status)
            .add_webhook("failing", failing)
            .add_webhook("succeeding", succeeding)
            .add_webhook("typed", typed)
            .add_webhook("bare_status", bare_status),
    )
    .await;
    let addr = server.local_addr();
    for (path, status, content_type, body) in [
        ("/webhooks/unit", 200, Some("application/json"), "null"),
        (
            "/webhooks/status",
            202,
            Some("application/json"),
            r#"{"queued":true}"#,
        ),
        (
            "/webhooks/failing",
            409,
            Some("application/json"),
            r#"{"error":"training already running"}"#,
        ),
        (
            "/webhooks/succeeding",
            200,
            Some("text/plain; charset=utf-8"),
            "done",
        ),
        ("/webhooks/typed", 200, Some("application/json"), "[1,2]"),
        ("/webhooks/bare_status", 204, None, ""),
    ] {
        let reply = request(addr, "POST", path, &[], b"{}").await;
        assert_eq!(
            (
                reply.status,
                reply.header("content-type"),
                reply.body.as_str()
            ),
            (status, content_type, body),
            "{path}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_panicking_handler_is_500_and_the_server_keeps_serving() {
    async fn explode(payload: WebhookPayload) -> Value {
        if payload.discussion.is_some() {
            panic!("boom");
        }
        json!({"ok": true})
    }
    fn explode_sync(_: WebhookPayload) {
        panic!("sync boom");
    }
    /// An argument whose extractor panics (the arguments are built before the handler's future
    /// is first polled: the panic is caught there too).
    struct Exploding;
    impl FromDelivery for Exploding {
        type Rejection = StatusCode;
        fn from_delivery(_: &Delivery) -> Result<Self, StatusCode> {
            panic!("extractor boom");
        }
    }
    async fn explode_extractor(_: WebhookPayload, _: Exploding) {}
    let server = launch(
        secured()
            .add_webhook("explode", explode)
            .add_webhook("explode_sync", blocking(explode_sync))
            .add_webhook("explode_extractor", explode_extractor),
    )
    .await;
    let addr = server.local_addr();
    let mut connection = Connection::open(addr).await;
    let headers = [("x-webhook-secret", SECRET)];
    for path in [
        "/webhooks/explode",
        "/webhooks/explode_sync",
        "/webhooks/explode_extractor",
    ] {
        let reply = connection
            .send("POST", path, &headers, &fixture(DISCUSSION))
            .await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (
                500,
                r#"{"error":"Internal Server Error: the handler panicked."}"#
            )
        );
    }
    // The same connection and a new one both still work.
    let calm = fixture("repo.config__update__hub-docs-composed.json");
    let reply = connection
        .send("POST", "/webhooks/explode", &headers, &calm)
        .await;
    assert_eq!((reply.status, reply.body.as_str()), (200, r#"{"ok":true}"#));
    let reply = post(addr, "/webhooks/explode", &calm).await;
    assert_eq!(reply.status, 200);
    server.shutdown().await;
}

#[tokio::test]
async fn keep_alive_serves_many_deliveries_on_one_connection() {
    let server = launch(secured().add_webhook("summary", summary)).await;
    let mut connection = Connection::open(server.local_addr()).await;
    let body = fixture(DISCUSSION);
    for _ in 0..50 {
        let reply = connection
            .send(
                "POST",
                "/webhooks/summary",
                &[("x-webhook-secret", SECRET)],
                &body,
            )
            .await;
        assert_eq!(reply.status, 200);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_lets_deliveries_in_flight_finish() {
    async fn slow() -> &'static str {
        tokio::time::sleep(Duration::from_millis(300)).await;
        "finished"
    }
    let server = launch(WebhooksServer::new().add_webhook("slow", slow)).await;
    let addr = server.local_addr();
    let in_flight =
        tokio::spawn(async move { request(addr, "POST", "/webhooks/slow", &[], b"").await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.shutdown().await;
    let reply = in_flight.await.unwrap();
    assert_eq!((reply.status, reply.body.as_str()), (200, "finished"));
    // Stopped: new connections are refused.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn shutdown_closes_idle_keep_alive_connections_at_once() {
    let server = launch(
        WebhooksServer::new()
            .add_webhook("hook", || async { "ok" })
            .shutdown_grace(Duration::from_secs(30)),
    )
    .await;
    let mut idle = Connection::open(server.local_addr()).await;
    let reply = idle.send("POST", "/webhooks/hook", &[], b"").await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "ok"));
    // The connection is kept alive and idle: shutdown closes it instead of waiting the grace out.
    tokio::time::timeout(Duration::from_secs(5), server.shutdown())
        .await
        .expect("shutdown does not wait for idle connections");
    assert!(idle.closed_within(Duration::from_secs(1)).await);
}

/// The message and its help, as `main!()` prints them.
fn printed(err: &webhooks::Error) -> String {
    match err.help() {
        Some(help) => format!("error: {err}\nhelp: {help}"),
        None => format!("error: {err}"),
    }
}

#[tokio::test]
async fn a_duplicate_path_refuses_to_start_naming_both() {
    let first_line = line!() + 2;
    let server = WebhooksServer::new()
        .add_webhook("/hook", ok)
        .add_webhook("hook/", ok);
    let err = server.bind("127.0.0.1:0").launch().await.unwrap_err();
    assert_eq!(
        printed(&err),
        format!(
            "error: Webhook /webhooks/hook already exists. It is defined by `add_webhook(\"/hook\")` at tests/server.rs:{first_line} and again by `add_webhook(\"hook/\")` at tests/server.rs:{}.\nhelp: give one of them another path, e.g. `#[webhook_endpoint(\"/another_path\")]`",
            first_line + 1
        )
    );
}

#[tokio::test]
async fn no_endpoints_refuses_to_start() {
    let err = WebhooksServer::new()
        .bind("127.0.0.1:0")
        .launch()
        .await
        .unwrap_err();
    assert_eq!(
        printed(&err),
        "error: no webhook endpoints are registered, so there is nothing to serve\nhelp: put `#[webhook_endpoint]` on an `async fn`, or call `WebhooksServer::add_webhook(path, handler)`; endpoints defined in a library crate are only linked in when the binary names that crate: add `use my_crate as _;` to `main.rs` (and to each integration test)"
    );
}

#[tokio::test]
async fn an_invalid_path_refuses_to_start() {
    let line = line!() + 1;
    let server = WebhooksServer::new().add_webhook("//", ok);
    let err = server.bind("127.0.0.1:0").launch().await.unwrap_err();
    assert_eq!(
        printed(&err),
        format!(
            "error: the webhook path \"//\" is empty once its outer `/` are removed (`add_webhook(\"//\")` at tests/server.rs:{line})\nhelp: write a path such as \"/trigger_training\" or \"ci/retrain\""
        )
    );
}

#[tokio::test]
async fn a_filter_the_hub_never_matches_refuses_to_start() {
    let line = line!() + 1;
    let server = WebhooksServer::new().add_webhook_with(
        "hook",
        webhooks::server::EndpointOptions::new().scope("repo.contnet"),
        ok,
    );
    let err = server.bind("127.0.0.1:0").launch().await.unwrap_err();
    assert_eq!(
        printed(&err),
        format!(
            "error: unknown scope `repo.contnet`; the Hub sends `repo`, `repo.content`, `repo.config`, `discussion`, `discussion.comment` (`add_webhook(\"hook\")` at tests/server.rs:{line})\nhelp: did you mean `repo.content`?"
        )
    );
}

#[tokio::test]
async fn a_taken_port_is_an_actionable_error() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = taken.local_addr().unwrap();
    let err = WebhooksServer::new()
        .add_webhook("hook", ok)
        .bind(addr)
        .launch()
        .await
        .unwrap_err();
    assert_eq!(
        printed(&err),
        format!(
            "error: cannot listen on {addr}: the address is already in use (is another copy of this server running?)\nhelp: stop the other process, or choose another port with the `PORT` environment variable (e.g. `PORT={}`) or `WebhooksServer::bind(..)`",
            addr.port() + 1
        )
    );
}

#[tokio::test]
async fn launch_reports_the_address_and_url() {
    let server = launch(WebhooksServer::new().add_webhook("hook", ok)).await;
    assert!(server.local_addr().ip().is_loopback());
    assert_ne!(server.local_addr().port(), 0);
    assert_eq!(server.url(), format!("http://{}", server.local_addr()));
    server.shutdown().await;

    let server = launch(
        WebhooksServer::new()
            .add_webhook("hook", ok)
            .public_url("https://tunnel.example/"),
    )
    .await;
    assert_eq!(server.url(), "https://tunnel.example");
    server.shutdown().await;
}

#[tokio::test]
async fn an_unresolvable_address_refuses_to_start() {
    let err = WebhooksServer::new()
        .add_webhook("hook", ok)
        .bind("localhost:http")
        .launch()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid bind address \"localhost:http\": invalid port value"
    );
}
