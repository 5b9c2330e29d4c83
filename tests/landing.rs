//! The landing page, the deliveries API and replay, the custom UI and `/health`, over real HTTP.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{SECRET, fixture, get, launch, post, request};
use serde_json::{Value, json};
use webhooks::response::Html;
use webhooks::server::EndpointOptions;
use webhooks::{WebhookPayload, WebhookRequest, WebhooksServer};

fn counting_server(calls: &Arc<AtomicUsize>) -> WebhooksServer {
    let counter = Arc::clone(calls);
    let train = move |payload: WebhookPayload| {
        let counter = Arc::clone(&counter);
        async move {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            json!({"call": n, "repo": payload.repo.name})
        }
    };
    WebhooksServer::new()
        .app_name("Training <bot>")
        .webhook_secret(SECRET)
        .add_webhook_with("train", EndpointOptions::new().scope("discussion"), train)
}

#[tokio::test]
async fn the_landing_page_shows_the_endpoints_and_never_the_secret() {
    let calls = Arc::new(AtomicUsize::new(0));
    let server = launch(counting_server(&calls)).await;
    let reply = request(server.local_addr(), "GET", "/", &[], b"").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let page = reply.body;
    for expected in [
        "<title>Training &lt;bot&gt; · webhooks</title>",
        "<h2>1 webhook is registered:</h2>",
        &format!(
            "<code class=\"url\">POST {}/webhooks/train</code><span class=\"filter\">scope=discussion</span>",
            server.url()
        ),
        "A <strong>webhook secret is configured</strong>",
        "<a href=\"https://huggingface.co/settings/webhooks\">",
        "This app runs locally: the Hub cannot reach it here.",
        "data-secret-required=\"true\"",
    ] {
        assert!(page.contains(expected), "missing {expected:?} in:\n{page}");
    }
    assert!(!page.contains(SECRET), "the secret is on the page");
    // The style and script come from this server (no CDN): their own files, so that the page's
    // Content-Security-Policy needs no `unsafe-inline`.
    let asset = |attribute: &str| {
        let start = page
            .find(attribute)
            .unwrap_or_else(|| panic!("no {attribute} in {page}"))
            + attribute.len();
        page[start..].split('"').next().unwrap().to_owned()
    };
    for (path, kind) in [
        (
            asset("<link rel=\"stylesheet\" href=\""),
            "text/css; charset=utf-8",
        ),
        (asset("<script src=\""), "text/javascript; charset=utf-8"),
    ] {
        assert!(path.starts_with("/assets/page-"), "{path}");
        let reply = request(server.local_addr(), "GET", &path, &[], b"").await;
        assert_eq!(
            (reply.status, reply.header("content-type")),
            (200, Some(kind)),
            "{path}"
        );
        assert!(!reply.body.is_empty());
    }
    let reply = request(server.local_addr(), "POST", "/", &[], b"").await;
    assert_eq!(
        (reply.status, reply.header("allow")),
        (405, Some("GET, HEAD"))
    );
    server.shutdown().await;
}

#[tokio::test]
async fn deliveries_are_listed_newest_first_for_those_with_the_secret() {
    let calls = Arc::new(AtomicUsize::new(0));
    let server = launch(counting_server(&calls)).await;
    let addr = server.local_addr();
    let body = fixture("discussion__create__hub-docs.json");
    assert_eq!(post(addr, "/webhooks/train", &body).await.status, 200);
    assert_eq!(
        request(addr, "POST", "/webhooks/train?secret=wrong", &[], &body)
            .await
            .status,
        403
    );
    assert_eq!(post(addr, "/webhooks/train", b"{}").await.status, 422);
    assert_eq!(
        post(
            addr,
            "/webhooks/train",
            &fixture("repo.config__update__hub-docs-composed.json")
        )
        .await
        .status,
        200
    );
    assert_eq!(
        request(addr, "GET", "/webhooks/train", &[], b"")
            .await
            .status,
        405
    );

    let missing = request(addr, "GET", "/api/deliveries", &[], b"").await;
    assert_eq!(
        (missing.status, missing.body.as_str()),
        (401, r#"{"error":"x-webhook-secret header not set."}"#)
    );
    let wrong = request(
        addr,
        "GET",
        "/api/deliveries",
        &[("x-webhook-secret", "nope")],
        b"",
    )
    .await;
    assert_eq!(wrong.status, 403);

    let reply = get(addr, "/api/deliveries").await;
    assert_eq!(reply.status, 200);
    assert!(
        !reply.body.contains(SECRET) && !reply.body.contains("wrong"),
        "a secret was stored: {}",
        reply.body
    );
    let deliveries = reply.json()["deliveries"].as_array().unwrap().clone();
    let summary: Vec<Value> = deliveries
        .iter()
        .map(|d| {
            json!([
                d["id"],
                d["endpoint"],
                d["scope"],
                d["action"],
                d["repo"],
                d["status"],
                d["rejected"],
                d["outcome"],
                d["hasPayload"]
            ])
        })
        .collect();
    assert_eq!(
        summary,
        [
            json!([
                4,
                "/webhooks/train",
                "repo.config",
                "update",
                "some-user/some-repo",
                200,
                false,
                "skipped",
                true
            ]),
            json!([
                3,
                "/webhooks/train",
                null,
                null,
                null,
                422,
                true,
                "handled",
                true
            ]),
            json!([
                2,
                "/webhooks/train",
                null,
                null,
                null,
                403,
                true,
                "handled",
                false
            ]),
            json!([
                1,
                "/webhooks/train",
                "discussion",
                "create",
                "openai-community/gpt2",
                200,
                false,
                "handled",
                true
            ]),
        ],
        "405s are not kept; the 403 has no payload; the skipped repo.config delivery is kept"
    );
    assert!(
        deliveries.iter().all(|d| d.get("payload").is_none()),
        "the list carries no bodies"
    );
    assert_eq!(deliveries[0]["skipped"], true);
    assert_eq!(
        deliveries[0]["skipReason"],
        "the scope `repo.config` is not `discussion` or narrower"
    );
    assert_eq!(
        deliveries[2]["deliveryId"],
        Value::Null,
        "refused before its id was read"
    );
    assert!(
        deliveries[3]["deliveryId"]
            .as_str()
            .unwrap()
            .starts_with("local-"),
        "no Webhook-Id: the server made one up"
    );
    let shown = get(addr, "/api/deliveries/1").await;
    assert_eq!(shown.status, 200);
    assert_eq!(
        shown.json()["payload"],
        serde_json::from_slice::<Value>(&body).unwrap()
    );
    assert_eq!(shown.json()["id"], 1);
    let gone = get(addr, "/api/deliveries/99").await;
    assert_eq!(
        (gone.status, gone.body.as_str()),
        (
            404,
            r#"{"error":"No delivery 99 is kept (the log keeps the last ones only)."}"#
        )
    );
    assert!(deliveries[0]["time"].as_str().unwrap().ends_with('Z'));
    assert!(deliveries[0]["latencyMs"].as_f64().unwrap() >= 0.0);
    server.shutdown().await;
}

#[tokio::test]
async fn a_replay_runs_the_handler_again_and_is_logged() {
    let calls = Arc::new(AtomicUsize::new(0));
    let server = launch(counting_server(&calls)).await;
    let addr = server.local_addr();
    assert_eq!(
        post(
            addr,
            "/webhooks/train",
            &fixture("discussion__create__hub-docs.json")
        )
        .await
        .status,
        200
    );
    assert_eq!(
        request(addr, "POST", "/webhooks/train", &[], b"{}")
            .await
            .status,
        401
    );

    let auth = [("x-webhook-secret", SECRET)];
    let reply = request(addr, "POST", "/api/deliveries/1/replay", &[], b"").await;
    assert_eq!(reply.status, 401);
    let reply = request(addr, "POST", "/api/deliveries/1/replay", &auth, b"").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"replayOf": 1, "status": 200, "body": {"call": 2, "repo": "openai-community/gpt2"}})
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    let reply = request(addr, "POST", "/api/deliveries/2/replay", &auth, b"").await;
    assert_eq!(reply.status, 409);
    assert_eq!(
        reply.json(),
        json!({"error": "Delivery 2 was refused before its body was read, so there is nothing to replay."})
    );
    let reply = request(addr, "POST", "/api/deliveries/99/replay", &auth, b"").await;
    assert_eq!(
        reply.json(),
        json!({"error": "No delivery 99 is kept (the log keeps the last ones only)."})
    );
    assert_eq!(reply.status, 404);
    assert_eq!(
        request(addr, "GET", "/api/deliveries/1/replay", &auth, b"")
            .await
            .status,
        405
    );

    let list = request(addr, "GET", "/api/deliveries", &auth, b"")
        .await
        .json();
    assert_eq!(list["deliveries"][0]["replayOf"], 1);
    assert_eq!(list["deliveries"][0]["id"], 3);
    server.shutdown().await;
}

#[tokio::test]
async fn only_the_last_deliveries_are_kept_per_endpoint() {
    let server = launch(
        WebhooksServer::new()
            .recent_deliveries(2)
            .add_webhook("a", || async {})
            .add_webhook("b", || async {}),
    )
    .await;
    let addr = server.local_addr();
    for path in ["/webhooks/a", "/webhooks/a", "/webhooks/a", "/webhooks/b"] {
        assert_eq!(request(addr, "POST", path, &[], b"{}").await.status, 200);
    }
    // No secret configured: the API is open, like the endpoints.
    let list = request(addr, "GET", "/api/deliveries", &[], b"")
        .await
        .json();
    let ids: Vec<(u64, &str)> = list["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_u64().unwrap(), d["endpoint"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ids,
        [(4, "/webhooks/b"), (3, "/webhooks/a"), (2, "/webhooks/a")]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_bare_api_server_has_no_page_and_keeps_nothing() {
    let server = launch(
        WebhooksServer::new()
            .landing_page(false)
            .add_webhook("a", || async {}),
    )
    .await;
    let addr = server.local_addr();
    assert_eq!(
        request(addr, "POST", "/webhooks/a", &[], b"{}")
            .await
            .status,
        200
    );
    for path in ["/", "/api/deliveries"] {
        let reply = request(addr, "GET", path, &[], b"").await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (404, r#"{"detail":"Not Found"}"#),
            "{path}"
        );
    }
    let health = request(addr, "GET", "/health", &[], b"").await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (200, r#"{"status":"ok"}"#)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_custom_ui_replaces_the_page_but_not_the_api() {
    async fn ui(request: WebhookRequest) -> Html<String> {
        Html(format!(
            "<h1>My bot</h1><p>{} {}</p>",
            request.method,
            request.uri.path()
        ))
    }
    let server = launch(
        WebhooksServer::new()
            .webhook_secret(SECRET)
            .add_webhook("a", || async {})
            .ui(ui),
    )
    .await;
    let addr = server.local_addr();
    for (method, path) in [("GET", "/"), ("GET", "/about"), ("POST", "/form")] {
        let reply = request(addr, method, path, &[], b"").await;
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(reply.body, format!("<h1>My bot</h1><p>{method} {path}</p>"));
    }
    assert_eq!(
        request(
            addr,
            "GET",
            "/api/deliveries",
            &[("x-webhook-secret", SECRET)],
            b""
        )
        .await
        .status,
        200
    );
    assert_eq!(request(addr, "GET", "/health", &[], b"").await.status, 200);
    server.shutdown().await;
}
