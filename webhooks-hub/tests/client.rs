//! `HubClient` against a mock Hub over real HTTP: every call's method, path, `Authorization`
//! header and JSON body, the Hub's answer shapes, and its error answers.

mod mock;

use std::time::Duration;

use mock::{Expect, MockHub, TOKEN, create_body_for_a_url, job_webhook_json, webhook_json};
use serde_json::json;
use webhooks_hub::{
    ApiErrorKind, Domain, Error, HubClient, NewWebhook, WatchedItem, WatchedType, WebhookInfo,
    WebhookUpdate,
};

fn client(hub: &MockHub) -> HubClient {
    HubClient::builder()
        .token(TOKEN)
        .endpoint(hub.url())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn expect_webhook(id: &str) -> WebhookInfo {
    serde_json::from_value(webhook_json(id)).unwrap()
}

#[tokio::test]
async fn list_reads_the_bare_array() {
    let hub = MockHub::start(vec![
        Expect::get("/api/settings/webhooks")
            .answer(200, json!([webhook_json("a1"), job_webhook_json("b2")])),
    ])
    .await;
    let webhooks = client(&hub).list_webhooks().await.unwrap();
    hub.verify().await;

    assert_eq!(webhooks.len(), 2);
    let url = &webhooks[0];
    assert_eq!(url.id, "a1");
    assert_eq!(
        url.url.as_deref(),
        Some("https://example.com/webhooks/trigger_training")
    );
    assert_eq!(
        url.watched,
        [
            WatchedItem::user("julien-c"),
            WatchedItem::org("HuggingFaceH4")
        ]
    );
    assert_eq!(url.domains, [Domain::Repo, Domain::Discussion]);
    assert_eq!(url.secret.as_deref(), Some("my-secret"));
    assert!(!url.disabled);

    let job = &webhooks[1];
    assert_eq!(job.url, None);
    let spec = job.job.as_ref().unwrap();
    assert_eq!(spec.docker_image.as_deref(), Some("python:3.12"));
    assert_eq!(spec.flavor.as_deref(), Some("cpu-basic"));
    assert_eq!(spec.other["timeout"], 600);
    assert_eq!(job.target(), "job:python:3.12");
    assert!(job.disabled);
    assert_eq!(job.watched[0].kind, WatchedType::Model);
}

#[tokio::test]
async fn list_answers_an_empty_array() {
    let hub = MockHub::start(vec![
        Expect::get("/api/settings/webhooks").answer(200, json!([])),
    ])
    .await;
    assert!(client(&hub).list_webhooks().await.unwrap().is_empty());
    hub.verify().await;
}

#[tokio::test]
async fn get_reads_the_envelope() {
    let hub = MockHub::start(vec![
        Expect::get("/api/settings/webhooks/654bbbc16f2ec14d77f109cc").answer(
            200,
            json!({ "webhook": webhook_json("654bbbc16f2ec14d77f109cc") }),
        ),
    ])
    .await;
    let webhook = client(&hub)
        .get_webhook("654bbbc16f2ec14d77f109cc")
        .await
        .unwrap();
    hub.verify().await;
    assert_eq!(webhook, expect_webhook("654bbbc16f2ec14d77f109cc"));
}

#[tokio::test]
async fn create_sends_the_reference_body_for_a_url() {
    let hub = MockHub::start(vec![
        Expect::post("/api/settings/webhooks")
            .body(create_body_for_a_url())
            .answer(200, json!({ "webhook": webhook_json("new1") })),
    ])
    .await;
    let webhook = client(&hub)
        .create_webhook(
            NewWebhook::new()
                .url("https://example.com/webhooks/trigger_training")
                .watch(WatchedItem::user("julien-c"))
                .watch(WatchedItem::org("HuggingFaceH4"))
                .domains([Domain::Repo, Domain::Discussion])
                .secret("my-secret"),
        )
        .await
        .unwrap();
    hub.verify().await;
    assert_eq!(webhook.id, "new1");
}

#[tokio::test]
async fn create_sends_job_source_id_for_a_job_and_leaves_out_what_was_not_given() {
    let hub = MockHub::start(vec![
        Expect::post("/api/settings/webhooks")
            .body(json!({
                "watched": [{"type": "model", "name": "openai-community/gpt2"}],
                "jobSourceId": "687f911eaea852de79c4a50a"
            }))
            .answer(200, json!({ "webhook": job_webhook_json("job1") })),
    ])
    .await;
    let webhook = client(&hub)
        .create_webhook(
            NewWebhook::new()
                .job_id("687f911eaea852de79c4a50a")
                .watch(WatchedItem::model("openai-community/gpt2")),
        )
        .await
        .unwrap();
    hub.verify().await;
    assert!(webhook.job.is_some());
}

#[tokio::test]
async fn create_refuses_both_targets_or_none_before_any_request() {
    let hub = MockHub::start(vec![]).await;
    let client = client(&hub);

    let both = client
        .create_webhook(
            NewWebhook::new()
                .url("https://example.com")
                .job_id("j")
                .watch(WatchedItem::user("u")),
        )
        .await
        .unwrap_err();
    assert!(matches!(both, Error::InvalidArgument(_)));
    assert_eq!(both.to_string(), "Set `url` or `job_id` but not both.");

    let none = client
        .create_webhook(NewWebhook::new().watch(WatchedItem::user("u")))
        .await
        .unwrap_err();
    assert_eq!(
        none.to_string(),
        "Missing argument for webhook: `url` or `job_id`."
    );

    let update = client
        .update_webhook("x", WebhookUpdate::new().url("u").job_id("j"))
        .await
        .unwrap_err();
    assert_eq!(update.to_string(), "Set `url` or `job_id` but not both.");

    assert_eq!(hub.served().await, 0);
    hub.verify().await;
}

#[tokio::test]
async fn update_sends_only_the_fields_given() {
    let hub = MockHub::start(vec![
        // Only the URL: the watch list must not be sent (the reference sends "watched": []).
        Expect::post("/api/settings/webhooks/abc")
            .body(json!({ "url": "https://new.example.com/hook" }))
            .answer(200, json!({ "webhook": webhook_json("abc") })),
        Expect::post("/api/settings/webhooks/abc")
            .body(json!({
                "watched": [{"type": "space", "name": "me/app"}],
                "domains": ["discussion"],
                "secret": "s2",
                "jobSourceId": "j2"
            }))
            .answer(200, json!({ "webhook": webhook_json("abc") })),
        // Nothing given: an empty object, which the Hub treats as "no change".
        Expect::post("/api/settings/webhooks/abc")
            .body(json!({}))
            .answer(200, json!({ "webhook": webhook_json("abc") })),
    ])
    .await;
    let client = client(&hub);
    client
        .update_webhook(
            "abc",
            WebhookUpdate::new().url("https://new.example.com/hook"),
        )
        .await
        .unwrap();
    client
        .update_webhook(
            "abc",
            WebhookUpdate::new()
                .watch(WatchedItem::space("me/app"))
                .domain(Domain::Discussion)
                .secret("s2")
                .job_id("j2"),
        )
        .await
        .unwrap();
    client
        .update_webhook("abc", WebhookUpdate::new())
        .await
        .unwrap();
    hub.verify().await;
}

#[tokio::test]
async fn enable_disable_and_delete_use_their_paths_without_a_body() {
    let mut disabled = webhook_json("abc");
    disabled["disabled"] = json!(true);
    let hub = MockHub::start(vec![
        Expect::post("/api/settings/webhooks/abc/disable")
            .answer(200, json!({ "webhook": disabled })),
        Expect::post("/api/settings/webhooks/abc/enable")
            .answer(200, json!({ "webhook": webhook_json("abc") })),
        // The answer to a delete is ignored, whatever it is.
        Expect::delete("/api/settings/webhooks/abc").answer_raw(200, "text/plain", "OK"),
    ])
    .await;
    let client = client(&hub);
    assert!(client.disable_webhook("abc").await.unwrap().disabled);
    assert!(!client.enable_webhook("abc").await.unwrap().disabled);
    client.delete_webhook("abc").await.unwrap();
    hub.verify().await;
}

#[tokio::test]
async fn ids_are_percent_encoded_and_an_endpoint_prefix_is_kept() {
    let hub = MockHub::start(vec![
        Expect::get("/hub/api/settings/webhooks/a%2F..%3Fb")
            .answer(200, json!({ "webhook": webhook_json("x") })),
    ])
    .await;
    let client = HubClient::builder()
        .token(TOKEN)
        .endpoint(format!("{}/hub/", hub.url()))
        .build()
        .unwrap();
    client.get_webhook("a/..?b").await.unwrap();
    hub.verify().await;
}

#[tokio::test]
async fn dot_segments_are_refused_before_any_request() {
    let hub = MockHub::start(vec![]).await;
    let client = client(&hub);
    for id in [".", ".."] {
        let error = client.get_webhook(id).await.unwrap_err();
        assert!(matches!(error, Error::InvalidArgument(_)), "{error:?}");
        assert!(client.delete_webhook(id).await.is_err());
        assert!(client.enable_webhook(id).await.is_err());
    }
    assert_eq!(hub.served().await, 0);
    hub.verify().await;
}

#[tokio::test]
async fn a_401_carries_the_hubs_message() {
    let hub = MockHub::start(vec![
        Expect::get("/api/settings/webhooks")
            .token("hf_wrong")
            .header("x-request-id", "Root=1-abc")
            .answer(
                401,
                json!({ "error": "Invalid credentials in Authorization header" }),
            ),
    ])
    .await;
    let client = HubClient::builder()
        .token("hf_wrong")
        .endpoint(hub.url())
        .build()
        .unwrap();
    let error = client.list_webhooks().await.unwrap_err();
    hub.verify().await;

    assert_eq!(error.status(), Some(http::StatusCode::UNAUTHORIZED));
    assert_eq!(error.api_kind(), Some(ApiErrorKind::Unauthorized));
    assert!(error.is_unauthorized() && !error.is_not_found() && !error.is_forbidden());
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.message, "Invalid credentials in Authorization header");
    assert_eq!(api.request_id.as_deref(), Some("Root=1-abc"));
    assert_eq!(api.path, "/api/settings/webhooks");
    assert_eq!(
        error.to_string(),
        "the Hub answered 401 Unauthorized to GET /api/settings/webhooks: \
         Invalid credentials in Authorization header (request id Root=1-abc)"
    );
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains("hf_wrong"), "{text}");
    }
}

#[tokio::test]
async fn a_404_and_5xx_answers_are_typed_errors() {
    let hub = MockHub::start(vec![
        Expect::get("/api/settings/webhooks/nope")
            .header("x-error-message", "Webhook not found")
            .answer(404, json!({ "error": "Webhook not found" })),
        Expect::post("/api/settings/webhooks/abc/enable").answer_raw(
            502,
            "text/plain",
            "Bad Gateway",
        ),
        Expect::delete("/api/settings/webhooks/abc").answer_raw(
            503,
            "text/html",
            "<html><body>down</body></html>",
        ),
    ])
    .await;
    let client = client(&hub);

    let not_found = client.get_webhook("nope").await.unwrap_err();
    assert_eq!(not_found.status().unwrap(), 404);
    assert!(not_found.is_not_found());
    assert!(
        not_found.to_string().ends_with(": Webhook not found"),
        "{not_found}"
    );

    let bad_gateway = client.enable_webhook("abc").await.unwrap_err();
    assert_eq!(bad_gateway.status().unwrap(), 502);
    assert_eq!(bad_gateway.api_kind(), Some(ApiErrorKind::Server));
    assert!(bad_gateway.to_string().ends_with(": Bad Gateway"));

    let unavailable = client.delete_webhook("abc").await.unwrap_err();
    assert_eq!(unavailable.status().unwrap(), 503);
    assert_eq!(
        unavailable.to_string(),
        "the Hub answered 503 Service Unavailable to DELETE /api/settings/webhooks/abc"
    );
    hub.verify().await;
}

#[tokio::test]
async fn an_answer_of_the_wrong_shape_is_an_unexpected_response() {
    let hub = MockHub::start(vec![
        Expect::get("/api/settings/webhooks").answer(200, json!({ "webhooks": [] })),
        Expect::get("/api/settings/webhooks/abc").answer(200, webhook_json("abc")),
    ])
    .await;
    let client = client(&hub);
    let list = client.list_webhooks().await.unwrap_err();
    assert!(matches!(list, Error::UnexpectedResponse { .. }), "{list}");
    let get = client.get_webhook("abc").await.unwrap_err();
    assert!(get.to_string().contains("missing field `webhook`"), "{get}");
    hub.verify().await;
}

#[tokio::test]
async fn a_slow_hub_times_out() {
    let hub = MockHub::start(vec![
        Expect::get("/api/settings/webhooks")
            .delay(Duration::from_secs(3))
            .answer(200, json!([])),
    ])
    .await;
    let client = HubClient::builder()
        .token(TOKEN)
        .endpoint(hub.url())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = client.list_webhooks().await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error}");
    assert!(error.to_string().contains("did not answer within 200ms"));
}

#[tokio::test]
async fn an_unreachable_hub_is_a_connection_error() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = HubClient::builder()
        .token(TOKEN)
        .endpoint(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let error = client.list_webhooks().await.unwrap_err();
    assert!(matches!(error, Error::Connection { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "cannot reach the Hub at http://127.0.0.1:{port}/api/settings/webhooks: "
        )),
        "{text}"
    );
    assert!(text.to_lowercase().contains("refused"), "{text}");
}

#[test]
fn the_token_never_shows() {
    let client = HubClient::builder()
        .token("hf_secret_value")
        .endpoint("http://127.0.0.1:9")
        .build()
        .unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains("hf_secret_value"), "{debug}");
    assert!(debug.contains("<redacted>"));
}

#[tokio::test]
async fn https_goes_through_rustls() {
    // A plain-HTTP server behind an https:// URL: the TLS handshake fails cleanly, which shows
    // that the rustls client (ring provider, built-in roots) is set up and used.
    let hub = MockHub::start(vec![]).await;
    let client = HubClient::builder()
        .token(TOKEN)
        .endpoint(hub.url().replace("http://", "https://"))
        .build()
        .unwrap();
    let error = client.list_webhooks().await.unwrap_err();
    assert!(matches!(error, Error::Connection { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("cannot reach the Hub at https://127.0.0.1:")
    );
    assert!(!error.to_string().contains(TOKEN));
    // rustls's own words for an answer that is not TLS.
    assert!(error.to_string().contains("InvalidContentType"), "{error}");
}
