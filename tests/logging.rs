//! What the server logs: one access line per request with the delivery's endpoint, scope, action
//! and repo; a panic with the endpoint's name; never the secret.

mod common;

use common::{Captured, SECRET, capture_logs, fixture, launch, post, request};
use webhooks::{WebhookPayload, WebhooksServer};

async fn hook(payload: WebhookPayload) -> &'static str {
    if payload.comment.is_some() {
        panic!("cannot handle comments yet");
    }
    "ok"
}

#[tokio::test]
async fn access_lines_spans_and_panics_are_logged_without_the_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .init();

    let server = launch(
        WebhooksServer::new()
            .webhook_secret(SECRET)
            .add_webhook("training", hook)
            .add_webhook_with(
                "spaces_only",
                webhooks::server::EndpointOptions::new().repo_type("space"),
                hook,
            ),
    )
    .await;
    let addr = server.local_addr();
    let reply = request(
        addr,
        "POST",
        "/webhooks/training",
        &[("x-webhook-secret", SECRET), ("webhook-id", "delivery-1")],
        &fixture("repo.content__update__hfhub-test.json"),
    )
    .await;
    assert_eq!(reply.status, 200);
    let reply = post(
        addr,
        "/webhooks/training",
        &fixture("discussion__create__hfhub-test.json"),
    )
    .await;
    assert_eq!(reply.status, 500);
    let reply = request(
        addr,
        "POST",
        &format!("/webhooks/training?secret={SECRET}x"),
        &[],
        b"{}",
    )
    .await;
    assert_eq!(reply.status, 403);
    assert_eq!(request(addr, "GET", "/nowhere", &[], b"").await.status, 404);
    let skipped = post(
        addr,
        "/webhooks/spaces_only",
        &fixture("discussion__create__hfhub-test.json"),
    )
    .await;
    assert_eq!(skipped.json()["skipped"], true);
    let handled = post(
        addr,
        "/webhooks/spaces_only",
        &fixture("repo.content__update__hfhub-test.json"),
    )
    .await;
    assert_eq!(handled.status, 200);
    server.shutdown().await;

    let logs = captured.text();
    let lines: Vec<&str> = logs.lines().collect();
    let access: Vec<&&str> = lines
        .iter()
        .filter(|line| line.contains("webhooks::access"))
        .collect();
    assert_eq!(access.len(), 6, "{logs}");
    assert!(
        access[0].contains(
            "delivery{endpoint=\"training\" delivery=\"delivery-1\" scope=\"repo.content\" action=\"update\" repo=\"Wauplin/gradio-user-history\"}"
        ) && access[0].contains("method=\"POST\" path=\"/webhooks/training\" status=200"),
        "{}",
        access[0]
    );
    assert!(access[1].contains("status=500"), "{}", access[1]);
    assert!(
        access[2].contains("status=403") && access[2].contains("path=\"/webhooks/training\""),
        "{}",
        access[2]
    );
    assert!(
        access[3].contains("method=\"GET\" path=\"/nowhere\" status=404"),
        "{}",
        access[3]
    );
    // A delivery the filter skipped says so; a handled one does not.
    assert!(
        access[4].contains("status=200") && access[4].ends_with("skipped=true"),
        "{}",
        access[4]
    );
    assert!(!access[5].contains("skipped"), "{}", access[5]);
    let panic = lines
        .iter()
        .find(|line| line.contains("the handler panicked"))
        .expect("the panic is logged");
    assert!(panic.contains("ERROR"), "{panic}");
    assert!(
        panic.contains("endpoint=\"training\"") || panic.contains("endpoint=training"),
        "{panic}"
    );
    assert!(panic.contains("cannot handle comments yet"), "{panic}");
    assert!(!logs.contains(SECRET), "the secret was logged:\n{logs}");
}

/// An error with a cause, as `?` meets them.
#[derive(Debug)]
struct Upload(std::io::Error);

impl std::fmt::Display for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cannot upload the model card")
    }
}

impl std::error::Error for Upload {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[tokio::test]
async fn question_mark_answers_the_error_chain_and_logs_it_with_the_delivery() {
    use webhooks::response::HandlerError;
    use webhooks::{HttpError, StatusCode};

    async fn upload(payload: WebhookPayload) -> Result<&'static str, HandlerError> {
        match payload.repo.repo_type.as_str() {
            "space" => Err(Upload(std::io::Error::other("connection reset by peer")))?,
            "model" => Err(HttpError::new(StatusCode::CONFLICT, "already uploaded"))?,
            _ => Err(HandlerError::msg("no datasets here").with_status(StatusCode::BAD_GATEWAY)),
        }
    }
    // This test's own subscriber, for this thread (the test client runs everything on it).
    let (captured, _default) = capture_logs();
    let client =
        webhooks::test::TestClient::new(WebhooksServer::new().add_webhook("upload", upload))
            .unwrap();
    let send = |payload: WebhookPayload| {
        client
            .post("/webhooks/upload")
            .header(
                webhooks::http::HeaderName::from_static("webhook-id"),
                webhooks::http::HeaderValue::from_static("d-42"),
            )
            .json(&payload)
    };
    let space = send(WebhookPayload::sample_repo_content()).await;
    assert_eq!(
        (space.status(), space.text()),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"error":"cannot upload the model card: connection reset by peer"}"#.to_owned()
        )
    );
    let model = send(WebhookPayload::sample_repo()).await;
    assert_eq!(
        (model.status(), model.text()),
        (
            StatusCode::CONFLICT,
            r#"{"error":"409 Conflict: already uploaded"}"#.to_owned()
        ),
        "an HttpError keeps its status"
    );
    let dataset =
        send(WebhookPayload::sample_repo().with_repo_type(webhooks::payload::RepoType::Dataset))
            .await;
    assert_eq!(
        (dataset.status(), dataset.text()),
        (
            StatusCode::BAD_GATEWAY,
            r#"{"error":"no datasets here"}"#.to_owned()
        )
    );
    let logs = captured.text();
    let failed = logs
        .lines()
        .find(|line| line.contains("the handler failed"))
        .unwrap_or_else(|| panic!("no failure logged:\n{logs}"));
    assert!(
        failed.contains("ERROR")
            && failed.contains("delivery{endpoint=\"upload\" delivery=\"d-42\"")
            && failed.ends_with("error=cannot upload the model card: connection reset by peer"),
        "{failed}"
    );
}
