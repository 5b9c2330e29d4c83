//! The protections of a public endpoint, each shown over a real socket: the secret before the
//! body, size and time limits, rotation, redaction, deadlines, the connection bound, and
//! graceful shutdown of background work (the README's "Security" and "Differences" sections).

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Connection, SECRET, STEP, fixture, get, launch, post, request};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use webhooks::{WebhookPayload, WebhooksServer};

async fn ok(_: WebhookPayload) -> &'static str {
    "ok"
}

fn secured() -> WebhooksServer {
    WebhooksServer::new()
        .webhook_secret(SECRET)
        .add_webhook("hook", ok)
}

/// Writes `head` and reads whatever the server answers until it closes or `wait` passes.
async fn raw(addr: SocketAddr, head: &[u8], wait: Duration) -> (String, bool) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0; 4096];
    let closed = loop {
        match tokio::time::timeout(wait, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break true,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => break false,
        }
    };
    (String::from_utf8_lossy(&answer).into_owned(), closed)
}

#[tokio::test]
async fn no_body_byte_is_read_before_the_secret_is_checked() {
    let server = launch(secured()).await;
    // Ten megabytes announced, none sent: an answer proves the server did not wait for the body.
    for (secret, status) in [(None, "401 Unauthorized"), (Some("wrong"), "403 Forbidden")] {
        let header = secret
            .map(|s| format!("x-webhook-secret: {s}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "POST /webhooks/hook HTTP/1.1\r\nhost: a\r\n{header}content-length: 10000000\r\n\r\n"
        );
        let (answer, _) = raw(server.local_addr(), head.as_bytes(), Duration::from_secs(2)).await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}\r\n")),
            "{answer}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn old_and_new_secrets_both_work_during_a_rotation() {
    let server = launch(secured().also_accept_secret("previous-secret")).await;
    let body = fixture("discussion__create__hfhub-test.json");
    for (secret, status) in [
        (SECRET, 200),
        ("previous-secret", 200),
        ("older-secret", 403),
        ("", 403),
    ] {
        let reply = request(
            server.local_addr(),
            "POST",
            "/webhooks/hook",
            &[("x-webhook-secret", secret)],
            &body,
        )
        .await;
        assert_eq!(reply.status, status, "{secret:?}");
    }
    server.shutdown().await;
}

#[test]
fn the_secret_never_shows_in_debug_output() {
    let server = WebhooksServer::new()
        .webhook_secret("hunter2-secret")
        .also_accept_secret("old-hunter2");
    let debug = format!("{server:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(debug.contains("[REDACTED"), "{debug}");
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_cut_off_while_streaming() {
    let server = launch(secured().body_limit(64 * 1024)).await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    let head = format!(
        "POST /webhooks/hook HTTP/1.1\r\nhost: a\r\nx-webhook-secret: {SECRET}\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, " ".repeat(16 * 1024));
    // Try to send 256 MiB; the server must answer and stop reading long before that.
    let attempted = 256 * 1024 * 1024;
    let mut sent = 0;
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        while sent < attempted {
            if writer.write_all(chunk.as_bytes()).await.is_err() {
                break;
            }
            sent += 16 * 1024;
        }
        sent
    });
    let mut answer = vec![0; 512];
    let n = tokio::time::timeout(STEP, reader.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]).into_owned();
    assert!(
        answer.starts_with("HTTP/1.1 413 Payload Too Large\r\n"),
        "{answer}"
    );
    assert!(
        answer
            .ends_with(r#"{"error":"The request body is larger than the limit of 65536 bytes."}"#),
        "{answer}"
    );
    drop(reader);
    let sent = tokio::time::timeout(STEP, writing).await.unwrap().unwrap();
    assert!(
        sent < attempted / 4,
        "the server kept reading: {sent} bytes went through"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn any_content_type_is_accepted_for_a_json_body() {
    // The Hub always sends `application/json`; tools people replay payloads with (curl -d) do
    // not. The body decides: valid JSON is accepted whatever the header says.
    let server = launch(secured()).await;
    let body = fixture("discussion__create__hfhub-test.json");
    for content_type in [
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
    ] {
        let headers = [("x-webhook-secret", SECRET), ("content-type", content_type)];
        let reply = request(
            server.local_addr(),
            "POST",
            "/webhooks/hook",
            &headers,
            &body,
        )
        .await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, "ok"),
            "{content_type}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn headers_that_never_finish_are_cut_off() {
    let server = launch(secured().header_read_timeout(Duration::from_millis(300))).await;
    let (answer, closed) = raw(
        server.local_addr(),
        b"POST /webhooks/hook HTTP/1.1\r\nhost: a\r\nx-slow: 1",
        Duration::from_secs(3),
    )
    .await;
    assert!(closed, "the connection is still open: {answer:?}");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn every_request_on_a_kept_alive_connection_gets_the_whole_header_timeout() {
    let server = launch(secured().header_read_timeout(Duration::from_millis(400))).await;
    let mut connection = Connection::open(server.local_addr()).await;
    let payload = fixture("discussion__create__hub-docs.json");
    // Five requests 200 ms apart on one connection, 1 s in all: each head gets its own 400 ms,
    // counted from the previous answer.
    for _ in 0..5 {
        let reply = connection
            .send(
                "POST",
                "/webhooks/hook",
                &[("x-webhook-secret", SECRET)],
                &payload,
            )
            .await;
        assert_eq!((reply.status, reply.body.as_str()), (200, "ok"));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // And a head that never finishes is still cut off.
    connection
        .write_raw(b"POST /webhooks/hook HTTP/1.1\r\nhost: a\r\n")
        .await;
    assert!(connection.closed_within(Duration::from_secs(3)).await);
    server.shutdown().await;
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let server = launch(secured().header_read_timeout(Duration::from_millis(300))).await;
    let (answer, closed) = raw(server.local_addr(), b"", Duration::from_secs(3)).await;
    assert!(closed, "the connection is still open: {answer:?}");
    assert_eq!(answer, "");
    server.shutdown().await;
}

#[tokio::test]
async fn the_header_timeout_does_not_run_while_the_handler_works() {
    async fn slow() -> &'static str {
        tokio::time::sleep(Duration::from_millis(700)).await;
        "done"
    }
    let server = launch(
        WebhooksServer::new()
            .header_read_timeout(Duration::from_millis(300))
            .add_webhook("slow", slow),
    )
    .await;
    let mut connection = Connection::open(server.local_addr()).await;
    let reply = connection.send("POST", "/webhooks/slow", &[], b"").await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "done"));
    server.shutdown().await;
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_any_body_byte() {
    let server = launch(secured().body_limit(1024)).await;
    let head = format!(
        "POST /webhooks/hook HTTP/1.1\r\nhost: a\r\nx-webhook-secret: {SECRET}\r\ncontent-length: 10000000\r\n\r\n"
    );
    // No body byte is ever sent: the answer comes from the declared length alone.
    let (answer, _) = raw(server.local_addr(), head.as_bytes(), Duration::from_secs(3)).await;
    assert!(
        answer.starts_with("HTTP/1.1 413 Payload Too Large\r\n"),
        "{answer}"
    );
    assert!(
        answer.ends_with(r#"{"error":"The request body is larger than the limit of 1024 bytes."}"#),
        "{answer}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_body_that_trickles_is_cut_off() {
    let server = launch(secured().body_read_timeout(Duration::from_millis(300))).await;
    let head = format!(
        "POST /webhooks/hook HTTP/1.1\r\nhost: a\r\nx-webhook-secret: {SECRET}\r\ncontent-length: 100\r\n\r\n{{\"ev"
    );
    let (answer, closed) = raw(server.local_addr(), head.as_bytes(), Duration::from_secs(3)).await;
    assert!(closed, "the connection is still open: {answer:?}");
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{answer}"
    );
    assert!(answer.contains("connection: close\r\n"), "{answer}");
    assert!(
        answer.ends_with(r#"{"error":"The request body did not arrive within 300ms."}"#),
        "{answer}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_handler_is_answered_202_and_finishes_in_the_background() {
    let finished = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&finished);
    let slow = move |_: WebhookPayload| {
        let counter = Arc::clone(&counter);
        async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            counter.fetch_add(1, Ordering::SeqCst);
            "done"
        }
    };
    let server = launch(
        WebhooksServer::new()
            .webhook_secret(SECRET)
            .respond_within(Duration::from_millis(100))
            .add_webhook("slow", slow)
            .add_webhook("fast", ok),
    )
    .await;
    let body = fixture("discussion__create__hfhub-test.json");
    let reply = post(server.local_addr(), "/webhooks/slow", &body).await;
    assert_eq!(reply.status, 202);
    assert_eq!(
        reply.json(),
        json!({"accepted": true, "detail": "The handler is still running after 100ms; it goes on in the background."})
    );
    assert_eq!(finished.load(Ordering::SeqCst), 0);
    // A fast handler under the same deadline answers normally.
    let reply = post(server.local_addr(), "/webhooks/fast", &body).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "ok"));
    // Shutdown waits for the work still running.
    server.shutdown().await;
    assert_eq!(finished.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn connections_past_the_bound_wait_while_every_connection_is_busy() {
    async fn slow(_: WebhookPayload) -> &'static str {
        tokio::time::sleep(Duration::from_millis(600)).await;
        "slow"
    }
    let server = launch(
        WebhooksServer::new()
            .webhook_secret(SECRET)
            .add_webhook("slow", slow)
            .add_webhook("hook", ok)
            .max_connections(1),
    )
    .await;
    let addr = server.local_addr();
    let body = fixture("discussion__create__hfhub-test.json");
    let headers = [("x-webhook-secret", SECRET)];
    let busy = {
        let body = body.clone();
        tokio::spawn(async move {
            let mut first = Connection::open(addr).await;
            let reply = first.send("POST", "/webhooks/slow", &headers, &body).await;
            (reply.status, first)
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;

    // The only connection is busy with a request: a second one waits for it...
    let waiting =
        tokio::spawn(async move { request(addr, "POST", "/webhooks/hook", &headers, &body).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "a second connection was served past the bound"
    );
    // ...and is served once the first one's request is answered (its connection, idle, is closed
    // to make room).
    let (status, mut first) = busy.await.unwrap();
    assert_eq!(status, 200);
    let reply = tokio::time::timeout(STEP, waiting).await.unwrap().unwrap();
    assert_eq!((reply.status, reply.body.as_str()), (200, "ok"));
    assert!(
        first.closed_within(STEP).await,
        "the idle connection made room"
    );
    server.shutdown().await;
}

/// How long a fresh delivery may wait behind connections held open, far below the header-read
/// timeout (30 s) that would free them otherwise.
const SERVED_SOON: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_held_open_cannot_lock_out_a_delivery() {
    let server = launch(secured()).await;
    let addr = server.local_addr();
    // 600 connections, past the default bound of 512: half idle keep-alive connections that
    // asked for /health once, half slowloris heads that never finish.
    let mut held = Vec::new();
    for n in 0..600 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        if n % 2 == 0 {
            stream
                .write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n")
                .await
                .unwrap();
        } else {
            stream
                .write_all(b"POST /webhooks/hook HTTP/1.1\r\nhost: localhost\r\nx-slow: ")
                .await
                .unwrap();
        }
        held.push(stream);
    }
    let body = fixture("discussion__create__hfhub-test.json");
    let fresh = tokio::time::timeout(SERVED_SOON, async {
        Connection::open(addr)
            .await
            .send(
                "POST",
                "/webhooks/hook",
                &[("x-webhook-secret", SECRET)],
                &body,
            )
            .await
    })
    .await
    .expect("a fresh delivery is served while connections are held open");
    assert_eq!((fresh.status, fresh.body.as_str()), (200, "ok"));
    drop(held);
    server.shutdown().await;
}

#[tokio::test]
async fn requests_a_browser_sends_from_another_site_are_refused() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let server = launch(
        WebhooksServer::new().add_webhook("hook", move |_: WebhookPayload| {
            let counted = Arc::clone(&counted);
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                "ok"
            }
        }),
    )
    .await;
    let addr = server.local_addr();
    let host = addr.to_string();
    let body = fixture("discussion__create__hfhub-test.json");
    let forged = [
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![
            ("sec-fetch-site", "cross-site"),
            ("content-type", "text/plain"),
        ],
        vec![("sec-fetch-site", "same-site")],
    ];
    for headers in &forged {
        let reply = request(addr, "POST", "/webhooks/hook", headers, &body).await;
        assert_eq!(reply.status, 403, "{headers:?}");
        assert!(
            reply
                .body
                .starts_with(r#"{"error":"Cross-site request refused: "#),
            "{}",
            reply.body
        );
        let replay = request(addr, "POST", "/api/deliveries/1/replay", headers, b"").await;
        assert_eq!(replay.status, 403, "{headers:?}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0, "no forged delivery ran");

    // The Hub (no Origin) and the landing page (same origin) are served.
    let origin = format!("http://{host}");
    for headers in [
        vec![],
        vec![
            ("origin", origin.as_str()),
            ("sec-fetch-site", "same-origin"),
        ],
    ] {
        let reply = request(addr, "POST", "/webhooks/hook", &headers, &body).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, "ok"),
            "{headers:?}"
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // DNS rebinding: a name that resolves to 127.0.0.1 but is not this server's is refused the
    // API; `request` sends `host: localhost`, which is loopback.
    let mut connection = Connection::open(addr).await;
    let rebound = connection
        .send_raw_head(b"GET /api/deliveries HTTP/1.1\r\nhost: evil.example:7860\r\n\r\n")
        .await;
    assert_eq!(
        (rebound.status, rebound.body.as_str()),
        (
            403,
            r#"{"error":"Cross-site request refused: this server answers its API on loopback only to localhost and its public URL."}"#
        )
    );
    let listed = request(addr, "GET", "/api/deliveries", &[], b"").await;
    assert_eq!(listed.status, 200);
    server.shutdown().await;
}

#[tokio::test]
async fn unauthenticated_requests_do_not_push_deliveries_out_of_the_log() {
    let server = launch(secured().recent_deliveries(10)).await;
    let addr = server.local_addr();
    let body = fixture("discussion__create__hfhub-test.json");
    assert_eq!(post(addr, "/webhooks/hook", &body).await.status, 200);
    for _ in 0..100 {
        let reply = request(
            addr,
            "POST",
            "/webhooks/hook",
            &[("x-webhook-secret", "guess")],
            &body,
        )
        .await;
        assert_eq!(reply.status, 403);
    }
    let list = get(addr, "/api/deliveries").await.json();
    let statuses: Vec<u64> = list["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_u64().unwrap())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 403).count(),
        10,
        "the refused requests are shown too, the last ones"
    );
    let replay = request(
        addr,
        "POST",
        "/api/deliveries/1/replay",
        &[("x-webhook-secret", SECRET)],
        b"",
    )
    .await;
    assert_eq!(replay.status, 200, "{}", replay.body);
    server.shutdown().await;
}

fn rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .unwrap()
        / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_deliveries_cannot_make_the_activity_log_a_memory_weapon() {
    async fn take(_: webhooks::extract::Bytes) -> &'static str {
        "ok"
    }
    let server = launch(
        WebhooksServer::new()
            .webhook_secret(SECRET)
            .add_webhook("a", take)
            .add_webhook("b", take)
            .add_webhook("c", take),
    )
    .await;
    let addr = server.local_addr();
    let before = rss_mib();
    let big = vec![b'x'; 1024 * 1024 - 64];
    let mut connection = Connection::open(addr).await;
    for n in 0..300 {
        let path = ["/webhooks/a", "/webhooks/b", "/webhooks/c"][n % 3];
        let reply = connection
            .send("POST", path, &[("x-webhook-secret", SECRET)], &big)
            .await;
        assert_eq!(reply.status, 200);
    }
    let after = rss_mib();
    // Four listings at once, as several open tabs would make.
    let started = std::time::Instant::now();
    let listings: Vec<_> = (0..4)
        .map(|_| tokio::spawn(async move { get(addr, "/api/deliveries").await }))
        .collect();
    for listing in listings {
        let reply = listing.await.unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(reply.json()["deliveries"].as_array().unwrap().len(), 300);
        assert!(
            reply.body.len() < 200_000,
            "the list carries no bodies: {} bytes",
            reply.body.len()
        );
    }
    println!(
        "300 deliveries of 1 MiB: RSS {before} MiB before, {after} MiB after (at most 32 MiB of bodies kept); 4 listings at once in {:?}",
        started.elapsed()
    );
    assert!(
        after < 100,
        "RSS {after} MiB after 300 × 1 MiB deliveries (it was {before} MiB before)"
    );
    // The oldest bodies were dropped; the newest are kept.
    let newest = get(addr, "/api/deliveries/300").await;
    assert_eq!(newest.json()["hasPayload"], true);
    let oldest = get(addr, "/api/deliveries/1").await;
    assert_eq!(oldest.json()["hasPayload"], false);
    server.shutdown().await;
}

#[tokio::test]
async fn every_answer_forbids_sniffing_and_referrers_and_the_page_has_a_strict_policy() {
    let server = launch(secured()).await;
    let addr = server.local_addr();
    let body = fixture("discussion__create__hfhub-test.json");
    for reply in [
        post(addr, "/webhooks/hook", &body).await,
        request(addr, "POST", "/webhooks/hook", &[], &body).await,
        request(addr, "GET", "/nowhere", &[], b"").await,
        request(addr, "GET", "/health", &[], b"").await,
        request(addr, "GET", "/", &[], b"").await,
    ] {
        assert_eq!(
            (
                reply.header("x-content-type-options"),
                reply.header("referrer-policy")
            ),
            (Some("nosniff"), Some("no-referrer")),
            "{} {}",
            reply.status,
            reply.body
        );
    }
    let page = request(addr, "GET", "/", &[], b"").await;
    assert_eq!(
        page.header("content-security-policy"),
        Some(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        )
    );
    assert!(!page.body.contains("<script>") && !page.body.contains("<style>"));
    server.shutdown().await;
}

#[tokio::test]
async fn background_work_is_bounded_and_past_the_bound_the_hub_is_asked_to_retry() {
    use webhooks::Accepted;
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let held = Arc::clone(&gate);
    let server = launch(secured().max_background(2).add_webhook(
        "later",
        move |_: WebhookPayload| {
            let held = Arc::clone(&held);
            async move {
                Accepted(async move {
                    let _ = held.acquire().await;
                })
            }
        },
    ))
    .await;
    let addr = server.local_addr();
    let body = fixture("discussion__create__hfhub-test.json");
    for _ in 0..2 {
        assert_eq!(post(addr, "/webhooks/later", &body).await.status, 202);
    }
    let refused = post(addr, "/webhooks/later", &body).await;
    assert_eq!(
        (
            refused.status,
            refused.header("retry-after"),
            refused.body.as_str()
        ),
        (
            503,
            Some("5"),
            r#"{"error":"The server already runs 2 background tasks; try again later."}"#
        )
    );
    gate.add_permits(2);
    // Once the work is done, there is room again.
    let accepted = tokio::time::timeout(STEP, async {
        loop {
            let reply = post(addr, "/webhooks/later", &body).await;
            if reply.status == 202 {
                return reply;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(accepted.body, r#"{"accepted":true}"#);
    gate.add_permits(1);
    server.shutdown().await;
}

#[tokio::test]
async fn a_secret_pasted_with_a_newline_still_matches_and_is_reported() {
    let (captured, _default) = common::capture_logs();
    let client = webhooks::test::TestClient::new(
        WebhooksServer::new()
            .webhook_secret("s3cret\n")
            .also_accept_secret(" old ")
            .add_webhook("hook", ok),
    )
    .unwrap();
    let body = WebhookPayload::sample_repo();
    for secret in ["s3cret", "old"] {
        let reply = client
            .post("/webhooks/hook")
            .secret(secret)
            .json(&body)
            .await;
        assert_eq!(reply.status(), 200, "{secret}");
    }
    let logs = captured.text();
    assert_eq!(
        logs.matches("the webhook secret starts or ends with whitespace")
            .count(),
        2,
        "{logs}"
    );
    assert!(!logs.contains("s3cret"), "the secret was logged: {logs}");
}

#[tokio::test]
async fn a_422_repeats_at_most_200_characters_of_a_value() {
    let server = launch(secured()).await;
    let mut payload: serde_json::Value =
        serde_json::from_slice(&fixture("discussion__create__hfhub-test.json")).unwrap();
    payload["repo"]["private"] = json!("y".repeat(500_000));
    let reply = post(
        server.local_addr(),
        "/webhooks/hook",
        payload.to_string().as_bytes(),
    )
    .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.json()["path"], "repo.private");
    assert!(
        reply.body.len() < 500,
        "{} bytes: {}",
        reply.body.len(),
        &reply.body[..300]
    );
    assert!(
        reply.body.contains(&format!("\"{}…\\\"", "y".repeat(200))),
        "{}",
        reply.body
    );
    server.shutdown().await;
}
