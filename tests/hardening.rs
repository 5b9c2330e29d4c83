//! The protections of a public endpoint, each shown over a real socket: the secret before the
//! body, size and time limits, rotation, redaction, deadlines, the connection bound, and
//! graceful shutdown of background work (the README's "Security" and "Differences" sections).

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Connection, SECRET, STEP, fixture, launch, post, request};
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
async fn connections_past_the_bound_wait_for_a_free_slot() {
    let server = launch(secured().max_connections(1)).await;
    let addr = server.local_addr();
    let body = fixture("discussion__create__hfhub-test.json");
    let headers = [("x-webhook-secret", SECRET)];
    let mut first = Connection::open(addr).await;
    assert_eq!(
        first
            .send("POST", "/webhooks/hook", &headers, &body)
            .await
            .status,
        200
    );

    // The second connection is accepted by the kernel but not served while the first is open.
    let waiting =
        tokio::spawn(async move { request(addr, "POST", "/webhooks/hook", &headers, &body).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "a second connection was served past the bound"
    );
    drop(first);
    let reply = tokio::time::timeout(STEP, waiting).await.unwrap().unwrap();
    assert_eq!((reply.status, reply.body.as_str()), (200, "ok"));
    server.shutdown().await;
}
