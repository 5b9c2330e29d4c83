//! The examples as users run them: real processes started from the built example binaries, the
//! startup text read off their stdout, deliveries over HTTP, and a graceful stop on SIGTERM.
//!
//! `cargo test` builds the examples before running this file.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{STEP, fixture, request};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

struct Example {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Example {
    fn start(name: &str, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(common::example_binary(name));
        for var in [
            "WEBHOOK_SECRET",
            "SPACE_ID",
            "SPACE_HOST",
            "WEBHOOKS_PUBLIC_URL",
            "HOST",
            "PORT",
            "WEBHOOK_PAYLOAD",
            "WEBHOOK_REPO_ID",
            "WEBHOOK_REPO_TYPE",
        ] {
            command.env_remove(var);
        }
        command
            .env("PORT", "0")
            .env("HOST", "127.0.0.1")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied());
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self { child, stdout }
    }

    /// Everything printed up to and including the last startup line (the landing page's URL).
    async fn startup_text(&mut self) -> String {
        let mut text = String::new();
        tokio::time::timeout(STEP, async {
            while !(text.ends_with("/\n") && text.contains("Recent deliveries and replay: ")) {
                let read = self.stdout.read_line(&mut text).await.unwrap();
                assert_ne!(read, 0, "the example stopped before it was ready: {text}");
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no startup text in time: {text:?}"));
        text
    }

    /// Sends SIGTERM and returns the exit code once the example has stopped.
    async fn terminate(mut self) -> Option<i32> {
        common::terminate(&mut self.child).await
    }

    /// The stderr line that contains `needle` (logs go to stderr).
    async fn stderr_line(&mut self, needle: &str) -> String {
        let stderr = self.child.stderr.as_mut().unwrap();
        let mut reader = BufReader::new(stderr);
        let mut line = String::new();
        tokio::time::timeout(STEP, async {
            loop {
                line.clear();
                let read = reader.read_line(&mut line).await.unwrap();
                assert_ne!(read, 0, "stderr closed before a line with {needle:?}");
                if line.contains(needle) {
                    break;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no stderr line with {needle:?} in time"));
        line
    }

    /// Waits for the process to exit by itself; its code, stdout and stderr.
    async fn output(mut self) -> (Option<i32>, String, String) {
        let status = tokio::time::timeout(STEP, self.child.wait())
            .await
            .expect("it stops in time")
            .unwrap();
        let mut stdout = String::new();
        self.stdout.read_to_string(&mut stdout).await.unwrap();
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .await
            .unwrap();
        (status.code(), stdout, stderr)
    }

    async fn stderr(mut self) -> (Option<i32>, String) {
        let status = tokio::time::timeout(STEP, self.child.wait())
            .await
            .expect("it stops in time")
            .unwrap();
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .await
            .unwrap();
        (status.code(), stderr)
    }
}

/// The `http://127.0.0.1:PORT` in a startup text.
fn base_url(text: &str) -> String {
    let start = text.find("http://127.0.0.1:").expect("a local URL");
    let end = start + text[start..].find("/webhooks/").unwrap();
    text[start..end].to_owned()
}

#[tokio::test]
async fn trigger_training_serves_and_stops_gracefully() {
    let mut example = Example::start("trigger_training", &[("WEBHOOK_SECRET", "my_secret")]);
    let text = example.startup_text().await;
    let url = base_url(&text);
    assert_eq!(
        text,
        format!(
            "Webhook secret is correctly defined.\n\nWebhooks are correctly setup and ready to use:\n  - POST {url}/webhooks/trigger_training\n\nGo to https://huggingface.co/settings/webhooks to setup your webhooks.\nRecent deliveries and replay: {url}/\n"
        )
    );
    let addr = url.trim_start_matches("http://").parse().unwrap();

    let mut dataset: serde_json::Value =
        serde_json::from_slice(&fixture("repo.content__update__hub-docs-composed.json")).unwrap();
    dataset["repo"]["type"] = json!("dataset");
    let headers = [("x-webhook-secret", "my_secret")];
    let reply = request(
        addr,
        "POST",
        "/webhooks/trigger_training",
        &headers,
        dataset.to_string().as_bytes(),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"training": "started", "dataset": "some-user/some-repo", "revision": "575db8b7a51b6f85eb06eee540738584589f131c"})
    );

    let reply = request(
        addr,
        "POST",
        "/webhooks/trigger_training",
        &headers,
        &fixture("discussion__create__hub-docs.json"),
    )
    .await;
    assert_eq!(
        reply.json(),
        json!({"training": "skipped", "reason": "discussion create on a model"})
    );

    let reply = request(
        addr,
        "POST",
        "/webhooks/trigger_training",
        &[],
        &fixture("discussion__create__hub-docs.json"),
    )
    .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (401, r#"{"error":"x-webhook-secret header not set."}"#)
    );

    assert_eq!(example.terminate().await, Some(0));
}

#[tokio::test]
async fn without_a_secret_the_warning_is_printed_and_endpoints_are_open() {
    let mut example = Example::start("trigger_training", &[]);
    let text = example.startup_text().await;
    let url = base_url(&text);
    assert_eq!(
        text,
        format!(
            "Webhook secret is not defined. This means your webhook endpoints will be open to everyone.\nTo add a secret, set `WEBHOOK_SECRET` as environment variable or pass it at initialization:\n\t`WebhooksServer::new().webhook_secret(\"my_secret\")`\nFor more details about webhook secrets, please refer to https://huggingface.co/docs/hub/webhooks#webhook-secret.\n\nWebhooks are correctly setup and ready to use:\n  - POST {url}/webhooks/trigger_training\n\nGo to https://huggingface.co/settings/webhooks to setup your webhooks.\nRecent deliveries and replay: {url}/\n"
        )
    );
    let addr = url.trim_start_matches("http://").parse().unwrap();
    let reply = request(
        addr,
        "POST",
        "/webhooks/trigger_training",
        &[],
        &fixture("discussion__create__hub-docs.json"),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(example.terminate().await, Some(0));
}

#[tokio::test]
async fn on_a_space_the_public_url_is_printed() {
    let mut example = Example::start(
        "trigger_training",
        &[
            ("WEBHOOK_SECRET", "s"),
            ("SPACE_ID", "me/app"),
            ("SPACE_HOST", "me-app.hf.space"),
        ],
    );
    let text = example.startup_text().await;
    assert!(
        text.contains("\n  - POST https://me-app.hf.space/webhooks/trigger_training\n"),
        "{text}"
    );
    assert_eq!(example.terminate().await, Some(0));

    let mut example = Example::start(
        "trigger_training",
        &[("WEBHOOKS_PUBLIC_URL", "https://tunnel.example/")],
    );
    let text = example.startup_text().await;
    assert!(
        text.contains("\n  - POST https://tunnel.example/webhooks/trigger_training\n"),
        "{text}"
    );
    assert_eq!(example.terminate().await, Some(0));
}

#[tokio::test]
async fn a_taken_port_exits_with_an_actionable_message() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let example = Example::start("trigger_training", &[("PORT", &port.to_string())]);
    let (code, stderr) = example.stderr().await;
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "error: cannot listen on 127.0.0.1:{port}: the address is already in use (is another copy of this server running?)\nhelp: stop the other process, or choose another port with the `PORT` environment variable (e.g. `PORT={}`) or `WebhooksServer::bind(..)`\n",
            port + 1
        )
    );
}

#[tokio::test]
async fn a_bad_port_variable_exits_with_a_message() {
    let example = Example::start("trigger_training", &[("PORT", "http")]);
    let (code, stderr) = example.stderr().await;
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        "error: invalid environment variable PORT=\"http\": expected a port number from 0 to 65535\n"
    );
}

#[tokio::test]
async fn custom_server_serves_hello_and_goodbye() {
    let mut example = Example::start("custom_server", &[("WEBHOOK_SECRET", "my_secret")]);
    let text = example.startup_text().await;
    let url = base_url(&text);
    assert!(
        text.ends_with(&format!(
            "ready to use:\n  - POST {url}/webhooks/goodbye\n  - POST {url}/webhooks/say_hello\n\nGo to https://huggingface.co/settings/webhooks to setup your webhooks.\nRecent deliveries and replay: {url}/\n"
        )),
        "{text}"
    );
    let addr = url.trim_start_matches("http://").parse().unwrap();
    let headers = [("x-webhook-secret", "my_secret")];
    let body = fixture("discussion__create__hfhub-test.json");
    let reply = request(addr, "POST", "/webhooks/say_hello", &headers, &body).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, r#"{"message":"hello","repo":"gpt2"}"#)
    );
    let reply = request(addr, "POST", "/webhooks/goodbye", &headers, &body).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, r#"{"message":"goodbye","repo":"gpt2"}"#)
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(example.terminate().await, Some(0));
}

#[tokio::test]
async fn on_a_space_it_listens_on_all_interfaces_and_prints_the_https_url() {
    let mut example = Example::start(
        "space",
        &[
            ("HOST", ""),
            ("SPACE_ID", "me/webhooks"),
            ("SPACE_HOST", "me-webhooks.hf.space"),
            ("WEBHOOK_SECRET", "s"),
        ],
    );
    let text = example.startup_text().await;
    assert!(
        text.ends_with(
            "ready to use:\n  - POST https://me-webhooks.hf.space/webhooks/on_comment\n  - POST https://me-webhooks.hf.space/webhooks/on_push\n\nGo to https://huggingface.co/settings/webhooks to setup your webhooks.\nRecent deliveries and replay: https://me-webhooks.hf.space/\n"
        ),
        "{text}"
    );
    let line = example.stderr_line("listening").await;
    let address = line
        .split("address=")
        .nth(1)
        .expect("the address is logged")
        .trim();
    let port = address
        .strip_prefix("0.0.0.0:")
        .unwrap_or_else(|| panic!("not bound to 0.0.0.0: {line}"));
    // Reached here through loopback only.
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let reply = request(
        addr,
        "POST",
        "/webhooks/on_push",
        &[("x-webhook-secret", "s")],
        &fixture("repo.content__update__hfhub-test.json"),
    )
    .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (
            200,
            r#"{"revision":"5e7f29fffcc579cb52539fddb14a1a4f85f39e44","sync":"Wauplin/gradio-user-history"}"#
        )
    );
    assert_eq!(example.terminate().await, Some(0));
}

#[tokio::test]
async fn the_same_handler_runs_as_a_hub_job() {
    let payload = String::from_utf8(fixture("repo.content__update__hfhub-test.json")).unwrap();
    let job = Example::start(
        "hub_job",
        &[
            ("WEBHOOK_PAYLOAD", &payload),
            ("WEBHOOK_REPO_ID", "Wauplin/gradio-user-history"),
            ("WEBHOOK_REPO_TYPE", "space"),
        ],
    );
    let (code, stdout, stderr) = job.output().await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "{\"event\":\"repo.content update\",\"refs\":[\"refs/pr/5\"],\"repo\":\"Wauplin/gradio-user-history\",\"revision\":\"5e7f29fffcc579cb52539fddb14a1a4f85f39e44\"}\n"
    );

    let job = Example::start(
        "hub_job",
        &[
            ("WEBHOOK_PAYLOAD", &payload),
            ("WEBHOOK_REPO_ID", "someone/else"),
        ],
    );
    let (code, stdout, stderr) = job.output().await;
    assert_eq!((code, stdout.as_str()), (Some(1), ""));
    assert_eq!(
        stderr,
        "error: WEBHOOK_REPO_ID is \"someone/else\" but WEBHOOK_PAYLOAD is about \"Wauplin/gradio-user-history\"\n"
    );

    let job = Example::start("hub_job", &[("WEBHOOK_PAYLOAD", "{\"event\": \"add\"}")]);
    let (code, _, stderr) = job.output().await;
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        "error: WEBHOOK_PAYLOAD is not a valid webhook payload: webhook payload version 2 is not supported: set the webhook to version 3 in your Hub settings\n"
    );
}
