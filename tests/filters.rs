//! Event filters in the attribute, over real HTTP: matching deliveries reach the handler, others
//! are answered 200 "skipped" without calling it; narrower scopes match broader filters.

mod common;

use common::{SECRET, fixture, launch, post};
use serde_json::json;
use webhooks::payload::RepoType;
use webhooks::test::TestClient;
use webhooks::{WebhookPayload, webhook_endpoint};

#[webhook_endpoint(scope = "repo.content", repo_type = "space")]
async fn on_space_push(payload: WebhookPayload) -> String {
    // A skipped delivery must never get here: this would answer 500.
    assert!(
        payload.event.scope.is_within("repo.content") && payload.repo.repo_type == RepoType::Space
    );
    format!("pushed {}", payload.repo.name)
}

#[webhook_endpoint(scope = "repo")]
async fn on_any_repo_event(payload: WebhookPayload) -> String {
    format!("repo event {}", payload.event.scope)
}

#[webhook_endpoint(action = "create", repo = "openai-community/gpt2")]
fn on_gpt2_creations(payload: WebhookPayload) -> String {
    format!("created in {}", payload.repo.name)
}

#[webhook_endpoint(path = "/raw", scope = "discussion")]
async fn raw_discussions(body: webhooks::extract::Bytes) -> String {
    format!("{} bytes", body.len())
}

#[tokio::test]
async fn filters_decide_who_is_called() {
    let server = launch(webhooks::app().webhook_secret(SECRET)).await;
    let addr = server.local_addr();
    let space_push = fixture("repo.content__update__hfhub-test.json");
    let model_push = fixture("repo.content__update__hub-docs-composed.json");
    let config = fixture("repo.config__update__hub-docs-composed.json");
    let gpt2_pr = fixture("discussion__create__hub-docs.json");
    let other_pr = fixture("discussion__create__hfhub-test.json");

    let cases: [(&str, &[u8], u16, serde_json::Value); 10] = [
        (
            "/webhooks/on_space_push",
            &space_push,
            200,
            json!("pushed Wauplin/gradio-user-history"),
        ),
        (
            "/webhooks/on_space_push",
            &model_push,
            200,
            json!({"skipped": true, "reason": "the repo type `model` is not `space`"}),
        ),
        (
            "/webhooks/on_space_push",
            &gpt2_pr,
            200,
            json!({"skipped": true, "reason": "the scope `discussion` is not `repo.content` or narrower"}),
        ),
        (
            "/webhooks/on_any_repo_event",
            &space_push,
            200,
            json!("repo event repo.content"),
        ),
        (
            "/webhooks/on_any_repo_event",
            &config,
            200,
            json!("repo event repo.config"),
        ),
        (
            "/webhooks/on_any_repo_event",
            &gpt2_pr,
            200,
            json!({"skipped": true, "reason": "the scope `discussion` is not `repo` or narrower"}),
        ),
        (
            "/webhooks/on_gpt2_creations",
            &gpt2_pr,
            200,
            json!("created in openai-community/gpt2"),
        ),
        (
            "/webhooks/on_gpt2_creations",
            &other_pr,
            200,
            json!({"skipped": true, "reason": "the repo `gpt2` is not `openai-community/gpt2`"}),
        ),
        (
            "/webhooks/on_gpt2_creations",
            &config,
            200,
            json!({"skipped": true, "reason": "the action `update` is not `create`"}),
        ),
        (
            "/webhooks/raw",
            &gpt2_pr,
            200,
            json!(format!("{} bytes", gpt2_pr.len())),
        ),
    ];
    for (path, body, status, expected) in cases {
        let reply = post(addr, path, body).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
        let answer = match &expected {
            serde_json::Value::String(_) => json!(reply.body),
            _ => reply.json(),
        };
        assert_eq!(answer, expected, "{path}");
    }
    // A body that is not a payload is still a 422, filter or not.
    let reply = post(addr, "/webhooks/raw", b"[1, 2]").await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.json(),
        json!({"error": "invalid webhook payload at `[0]`: invalid type: integer `1`, expected struct Event at line 1 column 2", "path": "[0]"})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn receive_routes_a_payload_to_every_matching_endpoint() {
    let client = TestClient::new(webhooks::app().webhook_secret(SECRET)).unwrap();
    let received = client.receive(&WebhookPayload::sample_repo_content()).await;
    let answers: Vec<(String, u16, String)> = received
        .iter()
        .map(|r| {
            (
                r.path.clone(),
                r.response.status().as_u16(),
                r.response.text(),
            )
        })
        .collect();
    assert_eq!(
        answers,
        [
            (
                "/webhooks/on_any_repo_event".to_owned(),
                200,
                "repo event repo.content".to_owned()
            ),
            (
                "/webhooks/on_space_push".to_owned(),
                200,
                "pushed Wauplin/gradio-user-history".to_owned()
            ),
        ]
    );
    let received = client.receive(&WebhookPayload::sample_discussion()).await;
    let paths: Vec<&str> = received.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/webhooks/on_gpt2_creations", "/webhooks/raw"]);
}
