//! The landing page in a real browser: headless Chromium driven through ChromeDriver (the W3C
//! WebDriver protocol, spoken over the test client below). It opens `/`, sees the endpoints, sends
//! a delivery, enters the secret, sees the delivery appear, replays it, sees the handler ran twice,
//! checks the page at phone width and that its links work, and saves screenshots under
//! `target/tmp/browser/`.
//!
//! `.ci/run` installs Chromium and ChromeDriver and sets `WEBHOOKS_BROWSER_TESTS=required`; on a
//! machine without them this test says so and passes, unless that variable requires it.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Connection, SECRET, fixture, launch, post, request};
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use webhooks::{WebhookPayload, WebhooksServer};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A ChromeDriver process and one headless browser session.
struct Browser {
    driver: Child,
    connection: Connection,
    session: String,
}

impl Browser {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut ready = false;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "chromedriver did not listen within 10 s");
        let mut connection = Connection::open(addr).await;
        // The flags keep Chromium off the network: only the loopback page is loaded.
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--no-first-run", "--window-size=1280,900"
            ]}
        }}});
        let answer = call(&mut connection, "POST", "/session", Some(&capabilities)).await;
        let session = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_owned();
        Self {
            driver,
            connection,
            session,
        }
    }

    async fn command(&mut self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        call(&mut self.connection, method, &path, body).await
    }

    async fn open(&mut self, url: &str) {
        self.command("POST", "/url", Some(&json!({"url": url})))
            .await;
    }

    async fn find(&mut self, css: &str) -> String {
        let found = self
            .command(
                "POST",
                "/element",
                Some(&json!({"using": "css selector", "value": css})),
            )
            .await;
        // A web element reference is an object with one `element-6066-…` key.
        let reference = found.as_object().and_then(|object| {
            object
                .iter()
                .find(|(key, _)| key.starts_with("element-6066-"))
                .and_then(|(_, id)| id.as_str())
        });
        reference
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_owned()
    }

    async fn text(&mut self, css: &str) -> String {
        let element = self.find(css).await;
        self.command("GET", &format!("/element/{element}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn click(&mut self, css: &str) {
        let element = self.find(css).await;
        self.command(
            "POST",
            &format!("/element/{element}/click"),
            Some(&json!({})),
        )
        .await;
    }

    async fn type_into(&mut self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.command(
            "POST",
            &format!("/element/{element}/value"),
            Some(&json!({"text": text})),
        )
        .await;
    }

    async fn script(&mut self, script: &str) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            Some(&json!({"script": script, "args": []})),
        )
        .await
    }

    /// Waits (at most 10 s) until the element's text contains `needle`.
    async fn wait_for_text(&mut self, css: &str, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            last = self.text(css).await;
            if last.contains(needle) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never showed {needle:?}; last: {last:?}");
    }

    async fn resize(&mut self, width: u32, height: u32) {
        self.command(
            "POST",
            "/window/rect",
            Some(&json!({"width": width, "height": height})),
        )
        .await;
    }

    async fn screenshot(&mut self, path: &Path) {
        let png = self.command("GET", "/screenshot", None).await;
        let bytes = base64_decode(png.as_str().expect("a base64 screenshot"));
        assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    async fn close(mut self) {
        let path = format!("/session/{}", self.session);
        call(&mut self.connection, "DELETE", &path, None).await;
        let _ = self.driver.kill().await;
    }
}

/// One WebDriver command; its `value`.
async fn call(
    connection: &mut Connection,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Value {
    let body = body.map(Value::to_string).unwrap_or_default();
    let headers = [("content-type", "application/json")];
    let reply = tokio::time::timeout(
        Duration::from_secs(30),
        connection.send(method, path, &headers, body.as_bytes()),
    )
    .await
    .expect("chromedriver answers");
    let mut answer = reply.json();
    assert!(
        reply.status == 200,
        "{method} {path} → {}: {answer}",
        reply.status
    );
    answer["value"].take()
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text
        .bytes()
        .filter(|c| *c != b'=' && !c.is_ascii_whitespace())
        .map(value)
        .collect();
    let mut bytes = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | u32::from(*d) << (18 - 6 * i));
        bytes.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    bytes
}

fn browser_available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present {
        let required = std::env::var("WEBHOOKS_BROWSER_TESTS").is_ok_and(|v| v == "required");
        assert!(
            !required,
            "WEBHOOKS_BROWSER_TESTS=required but {CHROMIUM} or {CHROMEDRIVER} is missing: apt-get install chromium chromium-driver"
        );
        println!(
            "skipped: no {CHROMIUM} / {CHROMEDRIVER} (apt-get install chromium chromium-driver to run it)"
        );
    }
    present
}

fn screenshot_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("browser")
        .join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_landing_page_shows_deliveries_and_replays_them() {
    if !browser_available() {
        return;
    }
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let train = move |payload: WebhookPayload| {
        let counter = Arc::clone(&counter);
        async move {
            let call = counter.fetch_add(1, Ordering::SeqCst) + 1;
            json!({"call": call, "repo": payload.repo.name})
        }
    };
    let server = launch(
        WebhooksServer::new()
            .app_name("Training bot")
            .webhook_secret(SECRET)
            .add_webhook("trigger_training", train),
    )
    .await;
    let mut browser = Browser::start().await;
    browser.open(&format!("{}/", server.url())).await;

    assert_eq!(browser.text("h1").await, "Training bot");
    assert_eq!(
        browser.text("#endpoints h2").await,
        "1 webhook is registered:"
    );
    assert_eq!(
        browser.text("#endpoints code.url").await,
        format!("POST {}/webhooks/trigger_training", server.url())
    );
    // The page asks for the secret before showing any payload.
    browser
        .wait_for_text("#activity-status", "Enter the webhook secret")
        .await;

    let reply = post(
        server.local_addr(),
        "/webhooks/trigger_training",
        &fixture("discussion__create__hub-docs.json"),
    )
    .await;
    assert_eq!(reply.status, 200);

    browser.type_into("#secret-input", "not-the-secret").await;
    browser.click("#secret-save").await;
    browser
        .wait_for_text("#secret-error", "That is not the server's secret.")
        .await;

    browser.type_into("#secret-input", SECRET).await;
    browser.click("#secret-save").await;
    browser
        .wait_for_text("#activity-status", "1 recent delivery")
        .await;
    let row = browser.text("#deliveries tbody tr").await;
    assert!(
        row.contains("/webhooks/trigger_training") && row.contains("discussion create"),
        "{row}"
    );
    assert!(
        row.contains("openai-community/gpt2") && row.contains("200"),
        "{row}"
    );

    browser.click("#deliveries tbody tr .view").await;
    browser
        .wait_for_text("#deliveries tr.payload pre", "\"Update co2 emissions\"")
        .await;

    browser.click("#deliveries tbody tr .replay").await;
    browser
        .wait_for_text("#replay-result", "Replayed #1: the handler answered 200.")
        .await;
    browser
        .wait_for_text("#activity-status", "2 recent deliveries")
        .await;
    assert_eq!(
        browser.text("#deliveries tbody tr .tag").await,
        "replay of #1"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the handler ran for the delivery and for its replay"
    );
    browser.screenshot(&screenshot_path("landing.png")).await;

    // A phone: nothing overflows sideways but the deliveries table, which scrolls in its box.
    browser.resize(390, 844).await;
    let overflow = browser
        .script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        )
        .await;
    assert_eq!(
        overflow,
        json!(0),
        "the page scrolls sideways at phone width"
    );
    browser
        .screenshot(&screenshot_path("landing-phone.png"))
        .await;

    // Every link goes to the Hub's docs and settings, or to a page of this server that answers.
    let links = browser
        .script(
            "return [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));",
        )
        .await;
    for link in links.as_array().unwrap() {
        let link = link.as_str().unwrap();
        if let Some(path) = link.strip_prefix('/') {
            let reply = request(server.local_addr(), "GET", &format!("/{path}"), &[], b"").await;
            assert_eq!(reply.status, 200, "{link}");
        } else {
            assert!(
                link.starts_with("https://huggingface.co/"),
                "unexpected link {link}"
            );
        }
    }
    browser.close().await;
    server.shutdown().await;
}
