//! The landing page in a real browser: headless Chromium driven through ChromeDriver (the W3C
//! WebDriver protocol, spoken by `fantoccini` over plain HTTP on 127.0.0.1), with the page's
//! Content-Security-Policy on. It opens `/`, sees the endpoints, sends deliveries, enters the
//! secret, sees them appear (a skipped one marked so), replays one, sees the handler ran twice,
//! retries a dead queued delivery, checks the page at phone width and that its links work, and
//! saves screenshots under `target/tmp/browser/`. A page on another origin tries to make the
//! browser forge a delivery and a replay, and is refused.
//!
//! `.ci/run` installs Chromium and ChromeDriver and sets `WEBHOOKS_BROWSER_TESTS=required`; on a
//! machine without them this test says so and passes, unless that variable requires it.

mod common;

use std::fmt::Display;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{SECRET, fixture, launch, post, request};
use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use webhooks::{WebhookPayload, WebhooksServer};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The longest one WebDriver command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs one WebDriver step, failing the test if it errs or takes longer than [`COMMAND_TIMEOUT`].
async fn bounded<T, E: Display>(what: impl Display, step: impl Future<Output = Result<T, E>>) -> T {
    match tokio::time::timeout(COMMAND_TIMEOUT, step).await {
        Ok(Ok(value)) => value,
        Ok(Err(err)) => panic!("{what}: {err}"),
        Err(_) => panic!("{what}: chromedriver did not answer within {COMMAND_TIMEOUT:?}"),
    }
}

/// A ChromeDriver process and one headless browser session on a profile of its own.
struct Browser {
    driver: Child,
    client: Client,
    profile: PathBuf,
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
        let mut ready = false;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "chromedriver did not listen within 10 s");
        // A fresh profile for every run, so nothing from an earlier one is loaded.
        let profile = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("browser-profile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        // The flags keep Chromium off the network: only the loopback page is loaded.
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({"binary": CHROMIUM, "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--no-first-run",
                "--window-size=1280,900", format!("--user-data-dir={}", profile.display())
            ]}),
        );
        let client = bounded(
            "a new WebDriver session",
            ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities)
                .connect(&format!("http://127.0.0.1:{port}")),
        )
        .await;
        Self {
            driver,
            client,
            profile,
        }
    }

    async fn open(&self, url: &str) {
        bounded(format!("open {url}"), self.client.goto(url)).await;
    }

    /// Finds the element and acts on it. The page re-renders its tables while it polls, so an
    /// element found a moment ago may be replaced before the action reaches it ("stale element
    /// reference"): then it is found again, at most 20 times.
    async fn on_element<T, F>(&self, what: &str, css: &str, action: impl Fn(Element) -> F) -> T
    where
        F: Future<Output = Result<T, CmdError>>,
    {
        let mut stale = 0;
        loop {
            let element = bounded(format!("find {css}"), self.client.find(Locator::Css(css))).await;
            match tokio::time::timeout(COMMAND_TIMEOUT, action(element)).await {
                Ok(Ok(value)) => return value,
                Ok(Err(err)) if err.is_stale_element_reference() && stale < 20 => stale += 1,
                Ok(Err(err)) => panic!("{what} {css}: {err}"),
                Err(_) => {
                    panic!("{what} {css}: chromedriver did not answer within {COMMAND_TIMEOUT:?}")
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn text(&self, css: &str) -> String {
        self.on_element(
            "text of",
            css,
            |element| async move { element.text().await },
        )
        .await
    }

    async fn click(&self, css: &str) {
        self.on_element("click", css, |element| async move { element.click().await })
            .await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        self.on_element("type into", css, |element| async move {
            element.send_keys(text).await
        })
        .await;
    }

    async fn script(&self, script: &str) -> Value {
        bounded(
            format!("run {script}"),
            self.client.execute(script, Vec::new()),
        )
        .await
    }

    /// Waits (at most 20 s) until the element exists and its text contains `needle`.
    async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..200 {
            let found = tokio::time::timeout(COMMAND_TIMEOUT, self.client.find(Locator::Css(css)))
                .await
                .expect("chromedriver answers");
            if let Ok(element) = found {
                // Replaced by a re-render between the find and the read: look again.
                match tokio::time::timeout(COMMAND_TIMEOUT, element.text()).await {
                    Ok(Ok(text)) if text.contains(needle) => return text,
                    Ok(Ok(text)) => last = text,
                    Ok(Err(err)) if err.is_stale_element_reference() => {}
                    Ok(Err(err)) => panic!("text of {css}: {err}"),
                    Err(_) => panic!(
                        "text of {css}: chromedriver did not answer within {COMMAND_TIMEOUT:?}"
                    ),
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never showed {needle:?}; last: {last:?}");
    }

    async fn resize(&self, width: u32, height: u32) {
        bounded(
            format!("resize to {width}×{height}"),
            self.client.set_window_size(width, height),
        )
        .await;
    }

    async fn screenshot(&self, path: &Path) {
        let bytes = bounded("a screenshot", self.client.screenshot()).await;
        assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    async fn close(mut self) {
        bounded("closing the session", self.client.close()).await;
        let _ = self.driver.kill().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Chromium is heavy: the tests of this file take turns.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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
    let _one_browser = ONE_BROWSER.lock().await;
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
            .add_webhook("trigger_training", train)
            .add_webhook_with(
                "spaces_only",
                webhooks::server::EndpointOptions::new().repo_type("space"),
                |_: WebhookPayload| async { "space" },
            ),
    )
    .await;
    let browser = Browser::start().await;
    browser.open(&format!("{}/", server.url())).await;

    assert_eq!(browser.text("h1").await, "Training bot");
    assert_eq!(
        browser.text("#endpoints h2").await,
        "2 webhooks are registered:"
    );
    assert_eq!(
        browser.text("#endpoints li:last-child code.url").await,
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

    // A delivery the endpoint's filter skips: answered 200, shown as skipped, not as a success.
    let skipped = post(
        server.local_addr(),
        "/webhooks/spaces_only",
        &fixture("discussion__create__hub-docs.json"),
    )
    .await;
    assert_eq!(skipped.json()["skipped"], true);

    browser.type_into("#secret-input", SECRET).await;
    browser.click("#secret-save").await;
    browser
        .wait_for_text("#activity-status", "2 recent deliveries")
        .await;
    let badge = browser
        .script("return document.querySelector('#deliveries tbody tr .badge').className;")
        .await;
    assert_eq!(badge, json!("badge status skipped"));
    assert_eq!(
        browser.text("#deliveries tbody tr .badge").await,
        "200 skipped"
    );
    let row = browser.text("#deliveries tbody tr:nth-child(2)").await;
    assert!(
        row.contains("/webhooks/trigger_training") && row.contains("discussion create"),
        "{row}"
    );
    assert!(
        row.contains("openai-community/gpt2") && row.contains("200"),
        "{row}"
    );

    browser
        .click("#deliveries tbody tr:nth-child(2) .view")
        .await;
    browser
        .wait_for_text("#deliveries tr.payload pre", "\"Update co2 emissions\"")
        .await;

    browser
        .click("#deliveries tbody tr[data-id=\"1\"] .replay")
        .await;
    browser
        .wait_for_text("#replay-result", "Replayed #1: the handler answered 200.")
        .await;
    browser
        .wait_for_text("#activity-status", "3 recent deliveries")
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

/// A handler that always fails, counting its calls.
fn failing(
    calls: &Arc<AtomicUsize>,
) -> impl Fn(WebhookPayload) -> std::future::Ready<webhooks::StatusCode> + Clone + Send + Sync + 'static
{
    let calls = Arc::clone(calls);
    move |_| {
        calls.fetch_add(1, Ordering::SeqCst);
        std::future::ready(webhooks::StatusCode::BAD_GATEWAY)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_queued_delivery_is_retried_from_the_page() {
    if !browser_available() {
        return;
    }
    let _one_browser = ONE_BROWSER.lock().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let server = launch(
        WebhooksServer::new()
            .inbox_store(webhooks::inbox::MemoryStore::new())
            .add_webhook_with(
                "retrain",
                webhooks::server::EndpointOptions::new().max_attempts(1),
                failing(&calls),
            ),
    )
    .await;
    let reply = request(
        server.local_addr(),
        "POST",
        "/webhooks/retrain",
        &[("webhook-id", "push-1")],
        &fixture("repo.content__update__dataset-main-composed.json"),
    )
    .await;
    assert_eq!(reply.status, 202);

    let browser = Browser::start().await;
    browser.open(&format!("{}/", server.url())).await;
    browser.wait_for_text("#queue tbody tr", "dead").await;
    let row = browser.text("#queue tbody tr").await;
    assert!(
        row.contains("push-1")
            && row.contains("1 / 1")
            && row.contains("the handler answered 502 Bad Gateway"),
        "{row}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    browser.click("#queue tbody tr .retry").await;
    browser
        .wait_for_text("#retry-result", "Queued push-1 again.")
        .await;
    for _ in 0..100 {
        if calls.load(Ordering::SeqCst) == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2, "the retried delivery ran");
    browser.screenshot(&screenshot_path("queue.png")).await;
    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_another_origin_cannot_forge_deliveries_or_replays() {
    if !browser_available() {
        return;
    }
    // The developer's server, open (no secret), as it runs locally.
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let victim = launch(
        WebhooksServer::new().add_webhook("hook", move |_: WebhookPayload| {
            counter.fetch_add(1, Ordering::SeqCst);
            async { "ran" }
        }),
    )
    .await;
    let target = victim.url().to_owned();
    let body = String::from_utf8(fixture("discussion__create__hub-docs.json")).unwrap();
    assert_eq!(
        post(victim.local_addr(), "/webhooks/hook", body.as_bytes())
            .await
            .status,
        200
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // A page the developer opens, on another origin: it posts a payload without CORS, submits a
    // form, and asks for a replay.
    let form = format!(
        "<form method=post enctype=text/plain action={target}/webhooks/hook><input name=x value=y></form><script>document.forms[0].submit()</script>"
    );
    // As a JavaScript string inside a <script>: `</` would end that script.
    let form = format!("{form:?}").replace("</", "<\\/");
    // The developer's browser: only one at a time on this machine.
    let _one_browser = ONE_BROWSER.lock().await;
    let page = format!(
        r#"<!doctype html><html><body>
<script>
fetch("{target}/webhooks/hook", {{method: "POST", mode: "no-cors", headers: {{"content-type": "text/plain"}}, body: {body:?}}})
  .finally(() => fetch("{target}/api/deliveries/1/replay", {{method: "POST", mode: "no-cors"}}))
  .finally(() => {{
    const frame = document.createElement("iframe");
    frame.srcdoc = {form};
    document.body.appendChild(frame);
  }});
</script></body></html>"#
    );
    let attacker = launch(
        WebhooksServer::new()
            .add_webhook("unused", |_: WebhookPayload| async {})
            .ui(move || {
                let page = page.clone();
                async move { webhooks::response::Html(page) }
            }),
    )
    .await;
    let browser = Browser::start().await;
    browser.open(&format!("{}/evil", attacker.url())).await;
    // The forged delivery, the forged form and the forged replay all reach the server; the two to
    // the webhook are kept in its log as refused.
    let mut refused = 0;
    for _ in 0..200 {
        let list = request(victim.local_addr(), "GET", "/api/deliveries", &[], b"")
            .await
            .json();
        refused = list["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["status"] == 403)
            .count();
        if refused >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(refused, 2, "the forged delivery and form were refused");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "a forged delivery or replay ran the handler"
    );
    browser.close().await;
    attacker.shutdown().await;
    victim.shutdown().await;
}
