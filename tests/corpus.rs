//! Hostile input at a running server: hundreds of malformed requests (random bytes, bad request
//! lines and methods, huge and invalid headers, broken framing, invalid UTF-8, deeply nested JSON,
//! numbers out of range, mutated payloads). Every one is answered with a 4xx or a closed
//! connection, never a 5xx, and the server still serves a valid delivery afterwards.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{SECRET, STEP, fixture, launch, post};
use proptest::prelude::Rng;
use proptest::test_runner::{RngAlgorithm, TestRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use webhooks::{WebhookPayload, WebhooksServer};

fn random_bytes(rng: &mut TestRng, len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    rng.fill(&mut bytes[..]);
    bytes
}

/// What the server did with one raw request.
#[derive(Debug, PartialEq)]
enum Outcome {
    Status(u16),
    Closed,
}

/// Sends `raw`, closes the sending side, and reads the first answer (or the close).
async fn send_raw(addr: SocketAddr, raw: &[u8]) -> Outcome {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before reading everything: a failed write is fine.
    let _ = stream.write_all(raw).await;
    let _ = stream.shutdown().await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(STEP, async {
        let mut buf = [0; 1024];
        while answer.len() < 12 {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "no answer and no close for {:?}",
        String::from_utf8_lossy(&raw[..raw.len().min(200)])
    );
    if answer.len() < 12 {
        return Outcome::Closed;
    }
    let status = std::str::from_utf8(&answer[9..12])
        .ok()
        .and_then(|s| s.parse().ok());
    Outcome::Status(
        status.unwrap_or_else(|| {
            panic!("not an HTTP answer: {:?}", String::from_utf8_lossy(&answer))
        }),
    )
}

fn post_with(path: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut raw = format!(
        "POST {path} HTTP/1.1\r\nhost: localhost\r\n{headers}content-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(body);
    raw
}

fn authenticated(body: &[u8]) -> Vec<u8> {
    post_with(
        "/webhooks/hook",
        &format!("x-webhook-secret: {SECRET}\r\n"),
        body,
    )
}

/// Requests that are malformed at the HTTP level, or refused before any handler runs.
fn protocol_corpus(rng: &mut TestRng) -> Vec<Vec<u8>> {
    let mut corpus: Vec<Vec<u8>> = Vec::new();
    for _ in 0..60 {
        let len = rng.random_range(1..=2000);
        corpus.push(random_bytes(rng, len));
    }
    for method in [
        "GE T",
        "BREW",
        "post",
        "P\0ST",
        "CONNECT",
        "TRACE",
        &"X".repeat(5000),
        "\u{1F4A9}",
    ] {
        corpus.push(
            format!("{method} /webhooks/hook HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\n\r\n")
                .into_bytes(),
        );
    }
    for line in [
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "GET /\r\n\r\n",
        "POST /webhooks/hook HTTP/9.9\r\nhost: a\r\n\r\n",
        "POST /webhooks/hook\r\n\r\n",
        "POST  HTTP/1.1\r\n\r\n",
        "POST webhooks/hook HTTP/1.1\r\nhost: a\r\n\r\n",
        "\r\n\r\n\r\n",
        "POST /webhooks/hook HTTP/1.1\nhost: a\n\n",
        "POST /webhooks/hook HTTP/1.1\r\nhost a\r\n\r\n",
        "POST /webhooks/hook HTTP/1.1\r\n: empty-name\r\n\r\n",
        "POST /webhooks/hook HTTP/1.1\r\nhost: a\r\ncontent-length: abc\r\n\r\n",
        "POST /webhooks/hook HTTP/1.1\r\nhost: a\r\ncontent-length: -1\r\n\r\n",
        "POST /webhooks/hook HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!",
        "POST /webhooks/hook HTTP/1.1\r\nhost: a\r\ncontent-length: 99999999999999999999999\r\n\r\n",
        "POST /webhooks/hook HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        "POST /webhooks/hook HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
        "POST /webhooks/hook HTTP/1.1\r\nhost: a\r\ntransfer-encoding: gzip\r\n\r\nxx",
        "POST /webhooks/hook HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n0\r\n\r\n",
        "POST /webhooks/hook?secret=%ZZ HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\n\r\n{}",
        "POST /webhooks/hook?secret HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\n\r\n{}",
        "POST /webhooks/../webhooks/hook HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\n\r\n{}",
        "POST /webhooks/hook%00 HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\n\r\n{}",
        "POST http://evil.example/webhooks/hook HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\n\r\n{}",
        "GET /webhooks/hook HTTP/1.1\r\nhost: a\r\n\r\n",
        "DELETE /webhooks/hook HTTP/1.1\r\nhost: a\r\n\r\n",
    ] {
        corpus.push(line.as_bytes().to_vec());
    }
    // Invalid UTF-8 in the path, a header value and a header name.
    corpus
        .push(b"POST /webhooks/\xff\xfe HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\n\r\n".to_vec());
    corpus.push(b"POST /webhooks/hook HTTP/1.1\r\nhost: a\r\nx-webhook-secret: \xff\xfe\r\ncontent-length: 0\r\n\r\n".to_vec());
    corpus.push(
        b"POST /webhooks/hook HTTP/1.1\r\nhost: a\r\nx-\xffname: 1\r\ncontent-length: 0\r\n\r\n"
            .to_vec(),
    );
    // Huge headers, and very many of them.
    corpus.push(post_with(
        "/webhooks/hook",
        &format!("x-big: {}\r\n", "a".repeat(512 * 1024)),
        b"{}",
    ));
    corpus.push(post_with(
        "/webhooks/hook",
        &format!("x-webhook-secret: {}\r\n", "s".repeat(64 * 1024)),
        b"{}",
    ));
    corpus.push(post_with(
        "/webhooks/hook",
        &(0..500)
            .map(|i| format!("x-h{i}: {i}\r\n"))
            .collect::<String>(),
        b"{}",
    ));
    corpus.push(post_with(
        &format!("/webhooks/{}", "p".repeat(100 * 1024)),
        "",
        b"{}",
    ));
    // Random headers with random values.
    for _ in 0..20 {
        let value: String = (0..rng.random_range(1..=80))
            .map(|_| char::from(rng.random_range(b' '..=b'~')))
            .collect();
        corpus.push(post_with(
            "/webhooks/hook",
            &format!("x-webhook-secret: {value}\r\n"),
            b"{}",
        ));
    }
    corpus
}

/// Authenticated requests whose bodies are not valid payloads: each must be 422 (or 413).
fn body_corpus(rng: &mut TestRng) -> Vec<Vec<u8>> {
    let mut bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"string\"".to_vec(),
        b"{".to_vec(),
        b"{}".to_vec(),
        b"\xff\xfe\xfd".to_vec(),
        b"{\"event\": \"\xff\"}".to_vec(),
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        format!(
            "{{\"event\": {}1{}}}",
            "{\"a\":".repeat(10_000),
            "}".repeat(10_000)
        )
        .into_bytes(),
        format!("{{\"event\": {}}}", "[".repeat(1_000_000)).into_bytes(),
    ];
    let valid: serde_json::Value =
        serde_json::from_slice(&fixture("discussion__create__hub-docs.json")).unwrap();
    let text = valid.to_string();
    for (pointer, bad) in [
        ("/discussion/num", "1e400"),
        ("/discussion/num", "-1"),
        ("/discussion/num", "18446744073709551616"),
        ("/discussion/num", "1.5"),
        ("/webhook/version", "3.5"),
        ("/webhook/version", "-3"),
        ("/webhook/version", "NaN"),
        ("/webhook/version", "1e999999"),
        ("/repo/private", "\"false\""),
        ("/repo/private", "0"),
        ("/event/action", "null"),
        ("/event/scope", "[]"),
        ("/repo/owner", "\"someone\""),
        ("/repo/url", "{}"),
        ("/comment/hidden", "\"no\""),
        ("/discussion/status", "7"),
    ] {
        let original = valid.pointer(pointer).unwrap().to_string();
        let needle = format!("\"{}\":{original}", pointer.rsplit('/').next().unwrap());
        let replacement = format!("\"{}\":{bad}", pointer.rsplit('/').next().unwrap());
        assert!(text.contains(&needle), "{needle}");
        bodies.push(text.replacen(&needle, &replacement, 1).into_bytes());
    }
    // Legacy and future versions.
    bodies
        .push(br#"{"event":"add","scope":"repo","repo":{"type":"model","name":"gpt2"}}"#.to_vec());
    bodies.push(text.replace("\"version\":3", "\"version\":4").into_bytes());
    // Truncations of a valid payload at random places.
    for _ in 0..30 {
        bodies.push(text.as_bytes()[..rng.random_range(0..text.len())].to_vec());
    }
    bodies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_never_get_a_5xx_and_the_server_survives() {
    async fn hook(payload: WebhookPayload) -> String {
        payload.repo.name
    }
    let server = launch(
        WebhooksServer::new()
            .webhook_secret(SECRET)
            .header_read_timeout(Duration::from_millis(500))
            .body_read_timeout(Duration::from_millis(500))
            .add_webhook("hook", hook),
    )
    .await;
    let addr = server.local_addr();
    // The random parts of the corpus come from proptest's ChaCha generator with its fixed seed, so
    // every run sends the same requests and a failure is reproducible.
    let mut rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut seen = 0;

    for raw in protocol_corpus(&mut rng) {
        match send_raw(addr, &raw).await {
            Outcome::Closed => {}
            Outcome::Status(status) => assert!(
                (400..500).contains(&status),
                "{status} for {:?}",
                String::from_utf8_lossy(&raw[..raw.len().min(200)])
            ),
        }
        seen += 1;
    }
    for body in body_corpus(&mut rng) {
        let outcome = send_raw(addr, &authenticated(&body)).await;
        assert!(
            matches!(outcome, Outcome::Status(422 | 413)),
            "{outcome:?} for {:?}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        );
        seen += 1;
    }
    // Random byte flips of a valid payload: 200 exactly when the result is still a valid payload.
    let valid = fixture("discussion__create__hub-docs.json");
    for _ in 0..60 {
        let mut body = valid.clone();
        for _ in 0..rng.random_range(1..=4) {
            let at = rng.random_range(0..body.len());
            body[at] = rng.random();
        }
        let expected = if WebhookPayload::from_slice(&body).is_ok() {
            200
        } else {
            422
        };
        assert_eq!(
            send_raw(addr, &authenticated(&body)).await,
            Outcome::Status(expected)
        );
        seen += 1;
    }
    assert!(seen >= 200, "only {seen} requests");

    let reply = post(addr, "/webhooks/hook", &valid).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, "openai-community/gpt2")
    );
    server.shutdown().await;
}
