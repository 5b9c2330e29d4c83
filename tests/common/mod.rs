//! What the end-to-end tests share: a minimal HTTP/1.1 client over a real socket, fixtures, and
//! launching a server on `127.0.0.1:0`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use webhooks::WebhooksServer;
use webhooks::server::RunningServer;

/// Every network step of a test is bounded by this.
pub const STEP: Duration = Duration::from_secs(10);

/// The secret the tests configure.
pub const SECRET: &str = "test-secret";

/// The payloads the runtime's samples are made of, which are the suite's fixtures too.
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/webhooks-runtime/payloads");

/// A fixture payload from `webhooks-runtime/payloads/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{FIXTURES}/{name}");
    std::fs::read(&path).unwrap_or_else(|err| panic!("cannot read {path}: {err}"))
}

/// Every fixture file name.
pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// Launches `server` on a free loopback port.
pub async fn launch(server: WebhooksServer) -> RunningServer {
    server
        .bind("127.0.0.1:0")
        .launch()
        .await
        .expect("the server launches")
}

/// An answer, as read off the socket.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {:?}", self.body))
    }
}

/// A keep-alive connection that sends requests one after the other.
pub struct Connection {
    stream: BufReader<TcpStream>,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> Self {
        let stream = tokio::time::timeout(STEP, TcpStream::connect(addr))
            .await
            .unwrap()
            .unwrap();
        // Head and body go out in two writes: without this, each request waits for a delayed ACK.
        stream.set_nodelay(true).unwrap();
        Self {
            stream: BufReader::new(stream),
        }
    }

    /// Sends one request and reads its answer.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        tokio::time::timeout(STEP, self.exchange(method, path, headers, body))
            .await
            .expect("the server answers in time")
    }

    async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        self.try_send(method, path, headers, body)
            .await
            .expect("the server answers")
    }

    /// A connection over an open stream.
    pub fn from_stream(stream: TcpStream) -> Self {
        let _ = stream.set_nodelay(true);
        Self {
            stream: BufReader::new(stream),
        }
    }

    /// Sends one request and reads its answer; `None` when the connection fails or closes
    /// first (for servers that may be killed mid-request).
    pub async fn try_send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Option<Reply> {
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nhost: localhost\r\ncontent-length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        let stream = self.stream.get_mut();
        stream.write_all(request.as_bytes()).await.ok()?;
        stream.write_all(body).await.ok()?;
        self.read_reply().await
    }

    /// Sends a request written out in full (its head, for requests without a body) and reads its
    /// answer.
    pub async fn send_raw_head(&mut self, head: &[u8]) -> Reply {
        let exchange = async {
            self.stream.get_mut().write_all(head).await.ok()?;
            self.read_reply().await
        };
        tokio::time::timeout(STEP, exchange)
            .await
            .expect("the server answers in time")
            .expect("an answer")
    }

    /// Writes raw bytes, e.g. the start of a request that never finishes.
    pub async fn write_raw(&mut self, bytes: &[u8]) {
        self.stream.get_mut().write_all(bytes).await.unwrap();
    }

    /// Whether the server closes the connection within `wait` (reading and dropping any answer).
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        let mut buf = [0; 1024];
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => return true,
                Ok(Ok(_)) => {}
                Err(_) => return false,
            }
        }
    }

    async fn read_reply(&mut self) -> Option<Reply> {
        let mut line = String::new();
        if self.stream.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let status = line.split(' ').nth(1)?.parse().ok()?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await.ok()? == 0 {
                return None;
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':')?;
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let length: usize = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .map_or(Some(0), |(_, value)| value.parse().ok())?;
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await.ok()?;
        Some(Reply {
            status,
            headers,
            body: String::from_utf8(body).ok()?,
        })
    }
}

/// One request on a fresh connection.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    Connection::open(addr)
        .await
        .send(method, path, headers, body)
        .await
}

/// A POST with the test secret.
pub async fn post(addr: SocketAddr, path: &str, body: &[u8]) -> Reply {
    request(
        addr,
        "POST",
        path,
        &[
            ("x-webhook-secret", SECRET),
            ("content-type", "application/json"),
        ],
        body,
    )
    .await
}

/// A GET with the test secret.
pub async fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path, &[("x-webhook-secret", SECRET)], b"").await
}

/// The arguments that make this test binary run only its ignored test `name`, as a child process
/// of another test (a server to kill, stop or read the output of).
pub fn run_only(name: &str) -> [&str; 5] {
    [
        "--exact",
        name,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]
}

/// Sends SIGTERM to `child`, as a platform stopping it does.
pub fn sigterm(child: &tokio::process::Child) {
    let pid = child.id().expect("the child is running").to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success(), "kill -TERM {pid}: {status}");
}

/// SIGTERM, then the exit code once the child has stopped (within [`STEP`]).
pub async fn terminate(child: &mut tokio::process::Child) -> Option<i32> {
    sigterm(child);
    tokio::time::timeout(STEP, child.wait())
        .await
        .expect("it stops in time")
        .unwrap()
        .code()
}

/// The example `name`, built by `cargo test` next to this test binary:
/// `target/debug/deps/<test>-<hash>` → `target/debug/examples/<name>`.
pub fn example_binary(name: &str) -> std::path::PathBuf {
    let mut path = std::env::current_exe().unwrap();
    path.pop();
    path.pop();
    path.push("examples");
    path.push(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo test` (it builds the examples) or `cargo build --example {name}`",
        path.display()
    );
    path
}

/// Collects everything a `tracing` subscriber writes.
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// A `tracing` subscriber writing plain text into the returned [`Captured`], for this thread
/// until the guard is dropped (the test client runs everything on the test's thread).
pub fn capture_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish(),
    );
    (captured, guard)
}
