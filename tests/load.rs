//! A bounded load test: 100,000 deliveries over 64 keep-alive connections to one server, with no
//! error, every delivery reaching the handler exactly once, and memory that stays flat. It prints
//! its throughput (`cargo test --test load -- --nocapture`) but never asserts on time.
#![cfg(target_os = "linux")]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use common::{SECRET, STEP, fixture, launch};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use webhooks::{StatusCode, WebhookPayload, WebhooksServer};

/// Concurrent keep-alive connections.
const CONNECTIONS: usize = 64;
/// Deliveries of the measured run (at least; rounded up to a multiple of [`CONNECTIONS`]).
const DELIVERIES: usize = 100_000;
/// Deliveries before the "before" memory reading, so that allocator pools and buffers exist.
const WARM_UP: usize = 1_000;

const FIXTURE: &str = "discussion__create__hub-docs.json";
const REPO: &str = "openai-community/gpt2";
const PATH: &str = "/webhooks/load";
const ANSWER: &str = "ok";

/// Deliveries the handler accepted (the only test of this file is the only user).
static HANDLED: AtomicUsize = AtomicUsize::new(0);

/// The endpoint under load: counts the deliveries of the expected repo.
async fn load(payload: WebhookPayload) -> Result<&'static str, (StatusCode, String)> {
    if payload.repo.name == REPO {
        HANDLED.fetch_add(1, Ordering::Relaxed);
        Ok(ANSWER)
    } else {
        Err((StatusCode::INTERNAL_SERVER_ERROR, payload.repo.name))
    }
}

/// The resident set size of this process (client and server), in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line in /proc/self/status")
}

/// The most bytes an answer may take; the answers here are about 100 bytes.
const MAX_ANSWER: usize = 16 * 1024;

/// A lean keep-alive client for this test only. `common::Connection` writes the head and the body
/// in two writes without `TCP_NODELAY`, so every request waits for a delayed ACK (~40 ms): fine
/// for functional tests, but it would measure the kernel's timer instead of the server. This one
/// sends each request (prebuilt, head and body) in one write, with `TCP_NODELAY`, and reads the
/// answer into a reused buffer.
struct Client {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Client {
    async fn open(addr: SocketAddr) -> Self {
        let stream = timeout(STEP, TcpStream::connect(addr))
            .await
            .expect("connects in time")
            .expect("connects");
        stream.set_nodelay(true).unwrap();
        Self {
            stream,
            buffer: Vec::with_capacity(MAX_ANSWER),
        }
    }

    /// Sends `request` and reads the answer: its status and body.
    async fn send(&mut self, request: &[u8]) -> (u16, &[u8]) {
        timeout(STEP, self.stream.write_all(request))
            .await
            .expect("the request is written in time")
            .expect("the request is written");
        self.buffer.clear();
        // Every turn reads at least one byte and the buffer is capped: at most MAX_ANSWER turns.
        let (head_end, status, length) = loop {
            if let Some(head) = parse_head(&self.buffer) {
                break head;
            }
            self.read_more().await;
        };
        let end = head_end + length;
        while self.buffer.len() < end {
            self.read_more().await;
        }
        assert_eq!(self.buffer.len(), end, "bytes after the answer");
        (status, &self.buffer[head_end..end])
    }

    async fn read_more(&mut self) {
        assert!(
            self.buffer.len() < MAX_ANSWER,
            "an answer over {MAX_ANSWER} bytes"
        );
        let mut chunk = [0; 4096];
        let read = timeout(STEP, self.stream.read(&mut chunk))
            .await
            .expect("the server answers in time")
            .expect("the answer is read");
        assert!(read > 0, "the server closed the connection");
        self.buffer.extend_from_slice(&chunk[..read]);
    }
}

/// The end of the head, the status and the `content-length` of a complete answer head, if any.
fn parse_head(buffer: &[u8]) -> Option<(usize, u16, usize)> {
    let head_end = buffer.windows(4).position(|window| window == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buffer[..head_end]).expect("a UTF-8 head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or_else(|| panic!("no status in {status_line:?}"));
    let length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .map(|(_, value)| value.trim().parse().expect("a numeric content-length"))
        .expect("a content-length header");
    Some((head_end, status, length))
}

/// Sends `per_connection` deliveries on each client, all clients at once; gives the clients back
/// with the number of wrong answers and the first one seen.
async fn round(
    clients: Vec<Client>,
    per_connection: usize,
    request: Arc<[u8]>,
) -> (Vec<Client>, usize, Option<String>) {
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut client| {
            let request = Arc::clone(&request);
            tokio::spawn(async move {
                let mut errors = 0;
                let mut first = None;
                for _ in 0..per_connection {
                    let (status, body) = client.send(&request).await;
                    if status != 200 || body != ANSWER.as_bytes() {
                        errors += 1;
                        first.get_or_insert_with(|| {
                            format!("{status} {:?}", String::from_utf8_lossy(body))
                        });
                    }
                }
                (client, errors, first)
            })
        })
        .collect();
    let mut clients = Vec::with_capacity(CONNECTIONS);
    let mut errors = 0;
    let mut first = None;
    for task in tasks {
        let (client, task_errors, task_first) = task.await.expect("a client task completes");
        clients.push(client);
        errors += task_errors;
        first = first.or(task_first);
    }
    (clients, errors, first)
}

async fn open(addr: SocketAddr) -> Vec<Client> {
    let mut clients = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        clients.push(Client::open(addr).await);
    }
    clients
}

/// The delivery as the Hub sends it: head and body in one buffer.
fn delivery() -> Arc<[u8]> {
    let body = fixture(FIXTURE);
    let mut request = format!(
        "POST {PATH} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n\
         x-webhook-secret: {SECRET}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    request.into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_deliveries_over_64_connections() {
    let server = launch(
        WebhooksServer::new()
            .webhook_secret(SECRET)
            .add_webhook("load", load),
    )
    .await;
    let request = delivery();
    let clients = open(server.local_addr()).await;

    let warm_up = WARM_UP.div_ceil(CONNECTIONS);
    let (clients, errors, first) = round(clients, warm_up, Arc::clone(&request)).await;
    assert_eq!(
        errors, 0,
        "wrong answers during the warm-up, first: {first:?}"
    );
    let rss_before = rss_kib();
    let warm_up_total = warm_up * CONNECTIONS;
    assert_eq!(HANDLED.load(Ordering::Relaxed), warm_up_total);

    let per_connection = DELIVERIES.div_ceil(CONNECTIONS);
    let sent = per_connection * CONNECTIONS;
    let start = Instant::now();
    let (clients, errors, first) = round(clients, per_connection, request).await;
    let elapsed = start.elapsed();
    let rss_after = rss_kib();
    drop(clients);
    server.shutdown().await;

    println!(
        "load: {sent} deliveries of {FIXTURE} over {CONNECTIONS} connections in {elapsed:.2?} \
         ({:.0} requests/s); RSS {rss_before} KiB before, {rss_after} KiB after ({:.2}x)",
        sent as f64 / elapsed.as_secs_f64(),
        rss_after as f64 / rss_before as f64,
    );
    assert_eq!(errors, 0, "wrong answers, first: {first:?}");
    assert_eq!(HANDLED.load(Ordering::Relaxed), warm_up_total + sent);
    assert!(
        rss_after <= 2 * rss_before,
        "RSS grew from {rss_before} KiB to {rss_after} KiB"
    );
}
