//! Durable deliveries: the `Webhook-Id` of every delivery, deduplication on every endpoint, queued
//! endpoints with retries, backoff, dead deliveries and Retry, a store that fails, and an inbox
//! that cannot be opened.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use common::{SECRET, fixture, get, launch, request};
use serde_json::{Value, json};
use webhooks::extract::{Attempt, DeliveryId, State};
use webhooks::http::{HeaderName, HeaderValue, Method, StatusCode};
use webhooks::inbox::{
    Begin, ClaimId, Claimed, Counts, DeliveryKey, Enqueued, Entry, NewDelivery, Outcome, Store,
    StoreError, StoreFuture,
};
use webhooks::server::EndpointOptions;
use webhooks::test::TestClient;
use webhooks::{WebhookPayload, WebhooksServer};

/// How many times each handler ran, by delivery id.
#[derive(Clone, Default)]
struct Runs(Arc<Mutex<Vec<String>>>);

impl Runs {
    fn push(&self, id: &DeliveryId) {
        self.0.lock().unwrap().push(id.to_string());
    }

    fn of(&self, id: &str) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|run| *run == id)
            .count()
    }

    fn total(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// Succeeds, unless the payload's repo is `fail/...`; slow for `slow/...`.
async fn handle(State(runs): State<Runs>, id: DeliveryId, payload: WebhookPayload) -> StatusCode {
    runs.push(&id);
    if payload.repo.name.starts_with("slow/") {
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    if payload.repo.name.starts_with("fail/") {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    }
}

fn id_header(id: &str) -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static("webhook-id"),
        HeaderValue::from_str(id).unwrap(),
    )
}

fn payload_about(repo: &str) -> WebhookPayload {
    WebhookPayload::sample_push_to_main().with_repo(repo)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_webhook_id_sent_50_times_at_once_runs_once() {
    let runs = Runs::default();
    let server = launch(
        WebhooksServer::new()
            .webhook_secret(SECRET)
            .state(runs.clone())
            .add_webhook("hook", handle),
    )
    .await;
    let addr = server.local_addr();
    let body = serde_json::to_vec(&payload_about("slow/model")).unwrap();
    let sends = (0..50).map(|_| {
        let body = body.clone();
        tokio::spawn(async move {
            request(
                addr,
                "POST",
                "/webhooks/hook",
                &[("x-webhook-secret", SECRET), ("webhook-id", "same-id")],
                &body,
            )
            .await
        })
    });
    let mut answers = Vec::new();
    for send in sends {
        let reply = send.await.unwrap();
        answers.push((reply.status, reply.body));
    }
    let ran = answers.iter().filter(|(_, body)| body.is_empty()).count();
    let duplicates = answers
        .iter()
        .filter(|answer| **answer == (200, r#"{"duplicate":true}"#.to_owned()))
        .count();
    assert_eq!((ran, duplicates), (1, 49), "{answers:?}");
    assert_eq!(runs.of("same-id"), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn a_handled_delivery_is_a_duplicate_and_a_failed_one_runs_again() {
    let runs = Runs::default();
    let client = TestClient::new(
        WebhooksServer::new()
            .state(runs.clone())
            .add_webhook("hook", handle),
    )
    .unwrap();
    let send = |id: &'static str, repo: &'static str| {
        let (name, value) = id_header(id);
        client
            .post("/webhooks/hook")
            .header(name, value)
            .json(&payload_about(repo))
    };
    assert_eq!(send("ok-1", "me/model").await.status(), 200);
    let again = send("ok-1", "me/model").await;
    assert_eq!(
        (again.status(), again.text()),
        (StatusCode::OK, r#"{"duplicate":true}"#.to_owned())
    );
    assert_eq!(runs.of("ok-1"), 1, "a handled delivery does not run again");

    assert_eq!(send("failed-1", "fail/model").await.status(), 503);
    assert_eq!(send("failed-1", "fail/model").await.status(), 503);
    assert_eq!(runs.of("failed-1"), 2, "a failed delivery runs again");

    // A sender's id that looks like the ones the server makes up is still recognised.
    assert_eq!(send("local-from-a-sender", "me/model").await.status(), 200);
    let again = send("local-from-a-sender", "me/model").await;
    assert_eq!(again.text(), r#"{"duplicate":true}"#);
    assert_eq!(runs.of("local-from-a-sender"), 1);

    // Without a Webhook-Id, every request is a new delivery.
    for _ in 0..2 {
        let reply = client
            .post("/webhooks/hook")
            .json(&payload_about("me/model"))
            .await;
        assert_eq!(reply.status(), 200);
    }
    assert_eq!(runs.total(), 6);
}

#[tokio::test]
async fn dedup_off_runs_every_request() {
    let runs = Runs::default();
    let client = TestClient::new(
        WebhooksServer::new()
            .state(runs.clone())
            .dedup(false)
            .add_webhook("hook", handle),
    )
    .unwrap();
    for _ in 0..3 {
        let (name, value) = id_header("again");
        let reply = client
            .post("/webhooks/hook")
            .header(name, value)
            .json(&payload_about("me/model"))
            .await;
        assert_eq!(reply.status(), 200);
    }
    assert_eq!(runs.of("again"), 3);
}

#[tokio::test]
async fn a_webhook_id_that_cannot_be_an_id_is_refused() {
    let client = TestClient::new(
        WebhooksServer::new()
            .state(Runs::default())
            .add_webhook("hook", handle),
    )
    .unwrap();
    let reply = client
        .post("/webhooks/hook")
        .header(
            HeaderName::from_static("webhook-id"),
            HeaderValue::from_str(&"x".repeat(201)).unwrap(),
        )
        .json(&payload_about("me/model"))
        .await;
    assert_eq!(
        (reply.status(), reply.text()),
        (
            StatusCode::BAD_REQUEST,
            r#"{"error":"the Webhook-Id header is longer than 200 characters"}"#.to_owned()
        )
    );
}

/// Fails its first two attempts, then succeeds; counts its calls by attempt number.
async fn flaky(
    State(attempts): State<Arc<Mutex<Vec<u32>>>>,
    Attempt(attempt): Attempt,
    payload: WebhookPayload,
) -> Result<&'static str, webhooks::response::HandlerError> {
    attempts.lock().unwrap().push(attempt);
    if payload.repo.name.starts_with("always-fails/") || attempt < 3 {
        return Err(std::io::Error::other("the training cluster is busy").into());
    }
    Ok("trained")
}

fn queued_client(attempts: &Arc<Mutex<Vec<u32>>>, max_attempts: u32) -> TestClient {
    TestClient::new(
        WebhooksServer::new()
            .state(Arc::clone(attempts))
            .retry_backoff(Duration::from_secs(10))
            .add_webhook_with(
                "train",
                EndpointOptions::new().max_attempts(max_attempts),
                flaky,
            ),
    )
    .unwrap()
}

async fn inbox(client: &TestClient) -> Vec<Value> {
    let reply = client.request(Method::GET, "/api/deliveries").await;
    assert_eq!(reply.status(), 200);
    reply.json::<Value>()["inbox"].as_array().unwrap().clone()
}

#[tokio::test(start_paused = true)]
async fn a_queued_delivery_is_retried_with_backoff_until_it_succeeds() {
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let client = queued_client(&attempts, 10);
    let (name, value) = id_header("delivery-7");
    let reply = client
        .post("/webhooks/train")
        .header(name, value)
        .json(&payload_about("me/data"))
        .await;
    assert_eq!(
        (reply.status(), reply.json::<Value>()),
        (
            StatusCode::ACCEPTED,
            json!({"queued": true, "deliveryId": "delivery-7"})
        )
    );
    assert!(attempts.lock().unwrap().is_empty(), "queued, not run yet");

    assert_eq!(client.run_queue().await, 1);
    let entry = &inbox(&client).await[0];
    assert_eq!(entry["status"], "retrying");
    assert_eq!(entry["lastError"], "the training cluster is busy");
    let received: SystemTime = parse_time(&entry["history"][0]["finishedAt"]);
    let next: SystemTime = parse_time(&entry["nextAttemptAt"]);
    let wait = next.duration_since(received).unwrap();
    assert!(
        (Duration::from_secs(5)..=Duration::from_secs(10)).contains(&wait),
        "the first retry waits the backoff, less up to half of it: {wait:?}"
    );

    // Before the backoff has passed, nothing is due.
    tokio::time::advance(Duration::from_secs(4)).await;
    assert_eq!(client.run_queue().await, 0);
    tokio::time::advance(Duration::from_secs(6)).await;
    assert_eq!(client.run_queue().await, 1, "second attempt");
    let entry = &inbox(&client).await[0];
    let failed: SystemTime = parse_time(&entry["history"][1]["finishedAt"]);
    let wait = parse_time(&entry["nextAttemptAt"])
        .duration_since(failed)
        .unwrap();
    assert!(
        (Duration::from_secs(10)..=Duration::from_secs(20)).contains(&wait),
        "the backoff doubles: {wait:?}"
    );
    tokio::time::advance(Duration::from_secs(20)).await;
    assert_eq!(client.run_queue().await, 1, "third attempt");
    assert_eq!(*attempts.lock().unwrap(), [1, 2, 3]);
    let entry = &inbox(&client).await[0];
    assert_eq!(
        (
            &entry["status"],
            &entry["attempts"],
            &entry["lastError"],
            &entry["nextAttemptAt"]
        ),
        (&json!("done"), &json!(3), &Value::Null, &Value::Null)
    );
    let statuses: Vec<&Value> = entry["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|attempt| &attempt["status"])
        .collect();
    assert_eq!(statuses, [&json!(500), &json!(500), &json!(200)]);

    // The Hub sends it again: already done.
    let (name, value) = id_header("delivery-7");
    let again = client
        .post("/webhooks/train")
        .header(name, value)
        .json(&payload_about("me/data"))
        .await;
    assert_eq!(again.text(), r#"{"duplicate":true}"#);
    assert_eq!(client.run_queue().await, 0);
}

#[tokio::test(start_paused = true)]
async fn a_delivery_that_always_fails_ends_dead_and_retry_revives_it() {
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let client = queued_client(&attempts, 3);
    let (name, value) = id_header("doomed");
    let reply = client
        .post("/webhooks/train")
        .header(name, value)
        .json(&payload_about("always-fails/data"))
        .await;
    assert_eq!(reply.status(), 202);
    for _ in 0..3 {
        client.run_queue().await;
        tokio::time::advance(Duration::from_secs(3600)).await;
    }
    assert_eq!(client.run_queue().await, 0, "dead: no more attempts");
    assert_eq!(*attempts.lock().unwrap(), [1, 2, 3]);
    let entry = &inbox(&client).await[0];
    assert_eq!(
        (&entry["status"], &entry["attempts"], &entry["maxAttempts"]),
        (&json!("dead"), &json!(3), &json!(3))
    );

    let missing = client
        .request(Method::POST, "/api/deliveries/nope/retry")
        .await;
    assert_eq!(
        (missing.status(), missing.text()),
        (
            StatusCode::NOT_FOUND,
            r#"{"error":"No dead delivery has the id \"nope\"."}"#.to_owned()
        )
    );
    let retried = client
        .request(Method::POST, "/api/deliveries/doomed/retry")
        .await;
    assert_eq!(
        (retried.status(), retried.json::<Value>()),
        (
            StatusCode::OK,
            json!({"deliveryId": "doomed", "retried": 1})
        )
    );
    assert_eq!(client.run_queue().await, 1);
    assert_eq!(*attempts.lock().unwrap(), [1, 2, 3, 1], "fresh attempts");
    assert_eq!(inbox(&client).await[0]["status"], "retrying");
}

#[tokio::test]
async fn a_queued_endpoint_checks_the_payload_before_storing_it() {
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let client = queued_client(&attempts, 3);
    let reply = client
        .post("/webhooks/train")
        .body(r#"{"event": {"action": "update", "scope": "repo.content"}}"#)
        .await;
    assert_eq!(reply.status(), 422);
    assert_eq!(reply.json::<Value>()["path"], "repo");
    assert!(inbox(&client).await.is_empty(), "nothing stored");
    assert_eq!(client.run_queue().await, 0);
}

fn parse_time(value: &Value) -> SystemTime {
    humantime::parse_rfc3339(value.as_str().unwrap()).unwrap()
}

/// A store whose every write fails, as a database that is down does.
#[derive(Debug)]
struct Down;

fn down<'a, T: Send + 'a>() -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(Err(StoreError::new(
        "the database is down",
    ))))
}

impl Store for Down {
    fn begin(&self, _: &DeliveryKey, _: SystemTime) -> StoreFuture<'_, Begin> {
        down()
    }
    fn finish(&self, _: &DeliveryKey, _: bool, _: SystemTime) -> StoreFuture<'_, ()> {
        down()
    }
    fn enqueue(&self, _: NewDelivery, _: SystemTime) -> StoreFuture<'_, Enqueued> {
        down()
    }
    fn claim(
        &self,
        _: &str,
        _: usize,
        _: Duration,
        _: SystemTime,
    ) -> StoreFuture<'_, Vec<Claimed>> {
        down()
    }
    fn renew(&self, _: &[ClaimId], _: Duration, _: SystemTime) -> StoreFuture<'_, ()> {
        down()
    }
    fn settle(&self, _: ClaimId, _: Outcome, _: SystemTime) -> StoreFuture<'_, ()> {
        down()
    }
    fn release(&self, _: &[ClaimId], _: SystemTime) -> StoreFuture<'_, ()> {
        down()
    }
    fn retry(&self, _: &str, _: SystemTime) -> StoreFuture<'_, u64> {
        down()
    }
    fn list(&self, _: usize) -> StoreFuture<'_, Vec<Entry>> {
        down()
    }
    fn next_due(&self) -> StoreFuture<'_, Option<SystemTime>> {
        down()
    }
    fn counts(&self) -> StoreFuture<'_, Counts> {
        down()
    }
    fn purge(&self, _: SystemTime) -> StoreFuture<'_, u64> {
        down()
    }
}

#[tokio::test]
async fn nothing_is_answered_2xx_that_the_inbox_did_not_keep() {
    let runs = Runs::default();
    let client = TestClient::new(
        WebhooksServer::new()
            .inbox_store(Down)
            .state(runs.clone())
            .add_webhook("hook", handle)
            .add_webhook_with("queued", EndpointOptions::new().queue(), handle),
    )
    .unwrap();
    for path in ["/webhooks/queued", "/webhooks/hook"] {
        let (name, value) = id_header("while-down");
        let reply = client
            .post(path)
            .header(name, value)
            .json(&payload_about("me/model"))
            .await;
        assert_eq!(
            (reply.status(), reply.header("retry-after"), reply.text()),
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Some("5"),
                r#"{"error":"The delivery could not be stored; try again later (the database is down)."}"#.to_owned()
            ),
            "{path}"
        );
    }
    assert_eq!(
        runs.total(),
        0,
        "no handler ran for a delivery it could not remember"
    );
}

#[tokio::test]
async fn an_inbox_that_cannot_be_opened_stops_the_server_saying_why() {
    let dir = std::env::temp_dir().join(format!("webhooks-bad-inbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let not_a_database = dir.join("notes.txt");
    std::fs::write(&not_a_database, vec![b'x'; 8192]).unwrap();
    let cases = [
        (
            dir.join("missing-dir").join("inbox.sqlite3"),
            "cannot create the inbox",
        ),
        (not_a_database.clone(), "is not a SQLite database"),
    ];
    for (path, expected) in cases {
        let err = WebhooksServer::new()
            .inbox(path.to_str().unwrap())
            .state(Runs::default())
            .add_webhook_with("queued", EndpointOptions::new().queue(), handle)
            .bind("127.0.0.1:0")
            .launch()
            .await
            .unwrap_err();
        assert!(
            matches!(err, webhooks::Error::Inbox { .. }),
            "{path:?}: {err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains(expected) && message.contains(path.to_str().unwrap()),
            "{message}"
        );
        assert!(
            err.help().unwrap().contains("WEBHOOKS_INBOX"),
            "{:?}",
            err.help()
        );
    }

    // One process per inbox file: a second server on the same file is refused.
    let shared = dir.join("shared.sqlite3");
    let first = WebhooksServer::new()
        .inbox(shared.to_str().unwrap())
        .state(Runs::default())
        .add_webhook_with("queued", EndpointOptions::new().queue(), handle)
        .bind("127.0.0.1:0")
        .launch()
        .await
        .unwrap();
    let err = WebhooksServer::new()
        .inbox(shared.to_str().unwrap())
        .state(Runs::default())
        .add_webhook_with("queued", EndpointOptions::new().queue(), handle)
        .bind("127.0.0.1:0")
        .launch()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "the inbox {} is in use by another process",
            shared.display()
        )
    );
    first.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Without any queued endpoint, the ids an inbox file remembers are still forgotten once they are
/// older than `remember_for` (at start, then every hour).
#[tokio::test]
async fn remembered_ids_are_forgotten_after_their_time_without_queued_endpoints() {
    let dir = std::env::temp_dir().join(format!("webhooks-forget-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("inbox.sqlite3");
    let runs = Runs::default();
    let start = || {
        launch(
            WebhooksServer::new()
                .webhook_secret(SECRET)
                .inbox(path.to_str().unwrap())
                .remember_for(Duration::from_millis(1))
                .state(runs.clone())
                .add_webhook("hook", handle),
        )
    };
    let body = fixture("discussion__create__hub-docs.json");
    let deliver = |addr| {
        let body = body.clone();
        async move {
            request(
                addr,
                "POST",
                "/webhooks/hook",
                &[("x-webhook-secret", SECRET), ("webhook-id", "old-1")],
                &body,
            )
            .await
            .body
        }
    };

    let first = start().await;
    assert_eq!(deliver(first.local_addr()).await, "");
    assert_eq!(deliver(first.local_addr()).await, r#"{"duplicate":true}"#);
    first.shutdown().await;
    // The second server purges once as it starts (then hourly): "old-1" must by then be older
    // than `remember_for` in the store's milliseconds, which a restart within 2 ms is not.
    tokio::time::sleep(Duration::from_millis(20)).await;

    // Started again on the same file: "old-1" was handled longer ago than it is kept, so it is
    // forgotten and a delivery with that id runs again.
    let second = start().await;
    let mut answers = Vec::new();
    for _ in 0..100 {
        let answer = deliver(second.local_addr()).await;
        let ran = answer != r#"{"duplicate":true}"#;
        answers.push(answer);
        if ran {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(answers.last().unwrap(), "", "{answers:?}");
    assert_eq!(runs.of("old-1"), 2);
    second.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_missing_state_stops_the_server_naming_the_type_and_the_endpoint() {
    let line = line!() + 1;
    let err = TestClient::new(WebhooksServer::new().add_webhook("hook", handle)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "`add_webhook(\"hook\")` at tests/inbox.rs:{line} takes a `State<inbox::Runs>`, but the server has no state of that type"
        )
    );
    assert_eq!(
        err.help().unwrap(),
        "give the server one with `.state(value)`, where `value: inbox::Runs` (in `main!(|app| app.state(value))`, or on the `WebhooksServer`)"
    );
}

#[tokio::test]
async fn the_activity_log_and_the_handler_see_the_delivery_id() {
    async fn echo(id: DeliveryId, request: webhooks::WebhookRequest) -> String {
        format!("{id} {}", request.delivery_id)
    }
    let server = launch(
        WebhooksServer::new()
            .webhook_secret(SECRET)
            .add_webhook("echo", echo),
    )
    .await;
    let addr = server.local_addr();
    let body = fixture("discussion__create__hub-docs.json");
    let reply = request(
        addr,
        "POST",
        "/webhooks/echo",
        &[("x-webhook-secret", SECRET), ("webhook-id", "abc-123")],
        &body,
    )
    .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, "abc-123 abc-123")
    );
    let list = get(addr, "/api/deliveries").await;
    assert_eq!(list.json()["deliveries"][0]["deliveryId"], "abc-123");
    server.shutdown().await;
}
