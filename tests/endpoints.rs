//! `#[webhook_endpoint]` functions anywhere in a program, gathered by `webhooks::app()` and served
//! over real HTTP: implicit and explicit paths, async and plain functions, nested modules.

mod common;

use common::{SECRET, fixture, launch, post, request};
use serde_json::{Value, json};
use webhooks::{WebhookPayload, WebhookRequest, webhook_endpoint};

#[webhook_endpoint]
async fn trigger_training(payload: WebhookPayload) -> Value {
    json!({"endpoint": "trigger_training", "scope": payload.event.scope})
}

#[webhook_endpoint("/test_webhook")]
async fn explicit(payload: WebhookPayload, request: WebhookRequest) -> Value {
    json!({"endpoint": "explicit", "repo": payload.repo.name, "secret_header": request.headers.contains_key("x-webhook-secret")})
}

#[webhook_endpoint(path = "ci/sync/")]
fn sync_space(payload: WebhookPayload) -> String {
    format!("sync {}", payload.repo.name)
}

#[webhook_endpoint]
async fn ping() -> &'static str {
    "pong"
}

#[webhook_endpoint(respond_within = "100ms")]
async fn slow_training(_: WebhookPayload) -> &'static str {
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    "trained"
}

mod nested {
    use webhooks::webhook_endpoint;

    #[webhook_endpoint]
    fn r#private(request: webhooks::WebhookRequest) -> String {
        format!("{} bytes", request.body.len())
    }
}

#[tokio::test]
async fn registered_endpoints_are_served() {
    let server = launch(webhooks::app().webhook_secret(SECRET)).await;
    let addr = server.local_addr();
    let body = fixture("discussion__create__hfhub-test.json");
    let n = body.len();
    for (path, expected) in [
        (
            "/webhooks/trigger_training",
            r#"{"endpoint":"trigger_training","scope":"discussion"}"#.to_owned(),
        ),
        (
            "/webhooks/test_webhook",
            r#"{"endpoint":"explicit","repo":"gpt2","secret_header":true}"#.to_owned(),
        ),
        ("/webhooks/ci/sync", "sync gpt2".to_owned()),
        ("/webhooks/ping", "pong".to_owned()),
        ("/webhooks/private", format!("{n} bytes")),
    ] {
        let reply = post(addr, path, &body).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, expected.as_str()),
            "{path}"
        );
        assert_eq!(
            request(addr, "POST", path, &[], &body).await.status,
            401,
            "{path}"
        );
        assert_eq!(
            request(addr, "POST", path, &[("x-webhook-secret", "no")], &body)
                .await
                .status,
            403,
            "{path}"
        );
    }
    // `respond_within` in the attribute: answered 202 while the handler goes on.
    let reply = post(addr, "/webhooks/slow_training", &body).await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    server.shutdown().await;
}

#[tokio::test]
async fn endpoints_stay_ordinary_functions() {
    let payload =
        WebhookPayload::from_slice(&fixture("repo.content__update__hfhub-test.json")).unwrap();
    assert_eq!(
        sync_space(payload.clone()),
        "sync Wauplin/gradio-user-history"
    );
    assert_eq!(
        trigger_training(payload).await,
        json!({"endpoint": "trigger_training", "scope": "repo.content"})
    );
    assert_eq!(ping().await, "pong");
}
