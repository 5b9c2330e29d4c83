//! The in-process test client, the sample payloads, and background work with `Accepted`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{SECRET, fixture, launch, post};
use serde_json::{Value, json};
use webhooks::handler::blocking;
use webhooks::http::Method;
use webhooks::test::TestClient;
use webhooks::{Accepted, WebhookPayload, WebhooksServer};

async fn echo(payload: WebhookPayload) -> Value {
    json!({"scope": payload.event.scope, "repo": payload.repo.name})
}

fn client() -> TestClient {
    TestClient::new(
        WebhooksServer::new()
            .webhook_secret(SECRET)
            .add_webhook("echo", echo),
    )
    .unwrap()
}

#[tokio::test]
async fn the_test_client_takes_the_same_path_as_a_delivery() {
    let client = client();
    let payload = WebhookPayload::sample_discussion_comment();

    let response = client
        .post("/webhooks/echo")
        .secret(SECRET)
        .json(&payload)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(
        response.json::<Value>(),
        json!({"scope": "discussion.comment", "repo": "some-user/some-repo"})
    );

    let response = client.post("/webhooks/echo").json(&payload).await;
    assert_eq!(
        (response.status().as_u16(), response.text()),
        (
            401,
            r#"{"error":"x-webhook-secret header not set."}"#.into()
        )
    );
    let response = client
        .post("/webhooks/echo")
        .secret("nope")
        .json(&payload)
        .await;
    assert_eq!(response.status(), 403);
    let response = client
        .post("/webhooks/echo?secret=test-secret")
        .json(&payload)
        .await;
    assert_eq!(response.status(), 200);
    let response = client
        .post("/webhooks/other")
        .secret(SECRET)
        .json(&payload)
        .await;
    assert_eq!(
        (response.status().as_u16(), response.text()),
        (404, r#"{"detail":"Not Found"}"#.into())
    );
    let response = client.request(Method::GET, "/webhooks/echo").await;
    assert_eq!(
        (response.status().as_u16(), response.header("allow")),
        (405, Some("POST"))
    );
    let response = client.post("/webhooks/echo").secret(SECRET).body("{").await;
    assert_eq!(response.status(), 422);
    assert_eq!(response.json::<Value>()["path"], ".");
}

#[test]
fn the_test_client_refuses_a_bad_configuration() {
    let err = TestClient::new(WebhooksServer::new()).unwrap_err();
    assert!(matches!(err, webhooks::Error::NoEndpoints));
}

#[tokio::test]
async fn receive_sends_the_secret_like_the_hub() {
    let client = client();
    let received = client.receive(&WebhookPayload::sample_repo()).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path, "/webhooks/echo");
    assert_eq!(
        received[0].response.json::<Value>(),
        json!({"scope": "repo", "repo": "some-user/some-repo"})
    );
}

#[test]
fn samples_exist_for_every_scope_and_match_the_fixtures() {
    assert_eq!(
        webhooks::payload::Scope::KNOWN,
        [
            "repo",
            "repo.content",
            "repo.config",
            "discussion",
            "discussion.comment"
        ]
    );
    for scope in webhooks::payload::Scope::KNOWN {
        let sample = WebhookPayload::sample(scope).unwrap();
        assert_eq!(sample.event.scope, *scope);
        assert_eq!(sample.webhook.version, 3);
    }
    let from_fixture = |name| WebhookPayload::from_slice(&fixture(name)).unwrap();
    assert_eq!(
        WebhookPayload::sample_repo_content(),
        from_fixture("repo.content__update__hfhub-test.json")
    );
    assert_eq!(
        WebhookPayload::sample_repo_config(),
        from_fixture("repo.config__update__hub-docs-composed.json")
    );
    assert_eq!(
        WebhookPayload::sample_discussion(),
        from_fixture("discussion__create__hub-docs.json")
    );
    assert_eq!(
        WebhookPayload::sample_discussion_comment(),
        from_fixture("discussion.comment__create__hub-docs-composed.json")
    );
    assert_eq!(
        WebhookPayload::sample_repo().event.action,
        webhooks::payload::Action::Create
    );
    assert!(WebhookPayload::sample("repo.content.lfs").is_none());
}

/// A handler that answers at once and trains in the background.
fn training_server(done: &Arc<AtomicUsize>) -> WebhooksServer {
    let async_done = Arc::clone(done);
    let retrain = move |payload: WebhookPayload| {
        let done = Arc::clone(&async_done);
        async move {
            Accepted(async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                assert_eq!(payload.repo.name, "openai-community/gpt2");
                done.fetch_add(1, Ordering::SeqCst);
            })
        }
    };
    let blocking_done = Arc::clone(done);
    let retrain_sync = move |_: WebhookPayload| {
        let done = Arc::clone(&blocking_done);
        Accepted(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            done.fetch_add(1, Ordering::SeqCst);
        })
    };
    WebhooksServer::new()
        .webhook_secret(SECRET)
        .add_webhook("retrain", retrain)
        .add_webhook("retrain_sync", blocking(retrain_sync))
}

#[tokio::test]
async fn accepted_work_runs_after_the_answer_and_shutdown_waits_for_it() {
    let done = Arc::new(AtomicUsize::new(0));
    let server = launch(training_server(&done)).await;
    let body = fixture("discussion__create__hub-docs.json");
    for path in ["/webhooks/retrain", "/webhooks/retrain_sync"] {
        let reply = post(server.local_addr(), path, &body).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (202, r#"{"accepted":true}"#),
            "{path}"
        );
    }
    assert_eq!(
        done.load(Ordering::SeqCst),
        0,
        "the Hub is answered before the work is done"
    );
    server.shutdown().await;
    assert_eq!(done.load(Ordering::SeqCst), 2, "shutdown waited for both");
}

#[tokio::test]
async fn the_test_client_can_wait_for_background_work() {
    let done = Arc::new(AtomicUsize::new(0));
    let client = TestClient::new(training_server(&done)).unwrap();
    let response = client
        .post("/webhooks/retrain")
        .secret(SECRET)
        .json(&WebhookPayload::sample_discussion())
        .await;
    assert_eq!(response.status(), 202);
    client.finish_background_work().await;
    assert_eq!(done.load(Ordering::SeqCst), 1);
}
