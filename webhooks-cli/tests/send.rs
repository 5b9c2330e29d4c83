//! `webhooks send`: the real binary delivering to a running `webhooks` receiver on `127.0.0.1:0`.

mod cli;

use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;
use cli::{run, stderr, stdout};
use serde_json::{Value, json};
use webhooks::server::RunningServer;
use webhooks::{WebhookPayload, WebhookRequest, WebhooksServer};

const SECRET: &str = "send-test-secret";

/// Echoes what it received: the scope, the content type and the raw body.
async fn echo(payload: WebhookPayload, request: WebhookRequest) -> Value {
    json!({
        "scope": payload.event.scope,
        "contentType": request.headers.get("content-type").and_then(|v| v.to_str().ok()),
        "body": String::from_utf8_lossy(&request.body),
    })
}

/// A receiver with one endpoint, `/webhooks/echo`, on its own runtime.
struct Receiver {
    runtime: tokio::runtime::Runtime,
    server: Option<RunningServer>,
}

impl Receiver {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime
            .block_on(
                WebhooksServer::new()
                    .add_webhook("echo", echo)
                    .webhook_secret(SECRET)
                    .bind("127.0.0.1:0")
                    .launch(),
            )
            .expect("the receiver starts");
        Self {
            runtime,
            server: Some(server),
        }
    }

    fn url(&self) -> String {
        format!("{}/webhooks/echo", self.server.as_ref().unwrap().url())
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

fn webhooks(args: &[&str]) -> Command {
    let mut command = cli::webhooks(&["send"]);
    command.args(args);
    command
}

/// The answer's JSON body, after its status line.
fn answer(output: &Output, status: &str) -> Value {
    let printed = stdout(output);
    let (line, body) = printed.split_once('\n').unwrap();
    assert_eq!(line, status, "{printed}");
    serde_json::from_str(body).unwrap()
}

fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn every_sample_is_delivered_as_the_hub_would() {
    let receiver = Receiver::start();
    for scope in webhooks::payload::Scope::KNOWN {
        let output = run(
            webhooks(&[&receiver.url(), "--sample", scope, "--secret", SECRET]),
            0,
        );
        let echoed = answer(&output, "200 OK");
        assert_eq!(echoed["scope"], *scope);
        assert_eq!(echoed["contentType"], "application/json");
        assert_eq!(echoed["body"], WebhookPayload::sample_json(scope).unwrap());
    }
}

#[test]
fn a_sample_can_be_about_another_repo_and_repo_type() {
    let receiver = Receiver::start();
    let output = run(
        webhooks(&[
            &receiver.url(),
            "--sample",
            "repo.content",
            "--repo-type",
            "dataset",
            "--repo",
            "me/data",
            "--secret",
            SECRET,
        ]),
        0,
    );
    let echoed = answer(&output, "200 OK");
    let sent = WebhookPayload::from_slice(echoed["body"].as_str().unwrap().as_bytes()).unwrap();
    assert_eq!(
        sent,
        WebhookPayload::sample_repo_content()
            .with_repo_type(webhooks::payload::RepoType::Dataset)
            .with_repo("me/data")
    );
    assert_eq!(sent.repo.url.web, "https://huggingface.co/datasets/me/data");

    let refused = run(
        webhooks(&[&receiver.url(), "--sample", "repo", "--repo", "a/b/c"]),
        2,
    );
    assert_eq!(
        stderr(&refused),
        "error: `a/b/c` is not a repo name\nhelp: write the repo's full name, `owner/name` (or `name` for a repo without a namespace, such as `gpt2`), e.g. `repo = \"my-org/my-dataset\"`\n"
    );
    // --repo and --repo-type adjust a sample, not a file sent byte for byte.
    let file = temp_file("adjust.json", b"{}");
    run(
        webhooks(&[
            &receiver.url(),
            "--payload",
            file.to_str().unwrap(),
            "--repo",
            "me/data",
        ]),
        2,
    );
}

#[test]
fn a_payload_file_is_sent_byte_for_byte_and_the_secret_can_come_from_the_environment() {
    let receiver = Receiver::start();
    // As copied from the Hub's activity tab: other formatting, an unknown key.
    let saved = WebhookPayload::sample_json("discussion").unwrap().replacen(
        '{',
        "{\n  \"futureKey\": 1,",
        1,
    );
    let path = temp_file("saved-payload.json", saved.as_bytes());

    let mut command = webhooks(&[&receiver.url(), "--payload", path.to_str().unwrap()]);
    command.env("WEBHOOK_SECRET", SECRET);
    let echoed = answer(&run(command, 0), "200 OK");
    assert_eq!(echoed["body"], saved);

    // "-" reads stdin.
    let mut stdin = webhooks(&[&receiver.url(), "--payload", "-", "--secret", SECRET]);
    stdin.write_stdin(saved.clone());
    assert_eq!(answer(&run(stdin, 0), "200 OK")["body"], saved);
}

#[test]
fn a_refused_delivery_prints_the_answer_and_exits_non_zero() {
    let receiver = Receiver::start();

    let wrong = run(
        webhooks(&[&receiver.url(), "--sample", "repo", "--secret", "wrong"]),
        1,
    );
    assert_eq!(
        answer(&wrong, "403 Forbidden"),
        json!({"error": "Invalid webhook secret."})
    );
    assert_eq!(
        stderr(&wrong),
        "error: the receiver answered 403 Forbidden\n"
    );

    let missing = run(webhooks(&[&receiver.url(), "--sample", "repo"]), 1);
    assert_eq!(
        answer(&missing, "401 Unauthorized"),
        json!({"error": "x-webhook-secret header not set."})
    );

    // Valid JSON but not a payload: a warning, then the receiver's 422.
    let path = temp_file("not-a-payload.json", br#"{"event": "add"}"#);
    let invalid = run(
        webhooks(&[
            &receiver.url(),
            "--payload",
            path.to_str().unwrap(),
            "--secret",
            SECRET,
        ]),
        1,
    );
    assert!(
        stderr(&invalid).starts_with(&format!(
            "warning: {} is not a valid webhook payload (",
            path.display()
        )),
        "{}",
        stderr(&invalid)
    );
    assert!(stdout(&invalid).starts_with("422 Unprocessable Entity\n"));
}

#[test]
fn what_cannot_be_sent_is_not_sent() {
    let not_json = temp_file("not-json.txt", b"hello");
    let output = run(
        webhooks(&[
            "http://127.0.0.1:9/webhooks/x",
            "--payload",
            not_json.to_str().unwrap(),
        ]),
        1,
    );
    assert!(
        stderr(&output).starts_with(&format!("error: {} is not JSON: ", not_json.display())),
        "{}",
        stderr(&output)
    );

    let missing = run(
        webhooks(&[
            "http://127.0.0.1:9/x",
            "--payload",
            "/definitely/not/here.json",
        ]),
        1,
    );
    assert!(stderr(&missing).starts_with("error: cannot read /definitely/not/here.json: "));

    let bad_url = run(
        webhooks(&["127.0.0.1:7860/webhooks/x", "--sample", "repo"]),
        2,
    );
    assert!(
        stderr(&bad_url)
            .starts_with("error: `127.0.0.1:7860/webhooks/x` is not an http:// or https:// URL\n")
    );

    // One of --payload and --sample is required, and the scope must be known.
    run(webhooks(&["http://127.0.0.1:9/x"]), 2);
    let unknown = run(
        webhooks(&["http://127.0.0.1:9/x", "--sample", "repo.contnet"]),
        2,
    );
    assert!(stderr(&unknown).contains("repo.content"));
}

#[test]
fn an_unreachable_receiver_is_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/webhooks/echo");
    let output = run(webhooks(&[&url, "--sample", "repo"]), 1);
    let stderr = stderr(&output);
    assert!(
        stderr.starts_with(&format!("error: cannot deliver to {url}: ")),
        "{stderr}"
    );
    assert!(stderr.to_lowercase().contains("refused"), "{stderr}");
    assert!(stderr.ends_with("help: is the receiver running at that address?\n"));
    assert!(output.stdout.is_empty());
}

#[test]
fn a_receiver_that_never_answers_times_out_with_a_hint() {
    // Accepts the connection (the kernel's backlog does) but never reads or answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhooks/echo", silent.local_addr().unwrap());
    let output = run(webhooks(&[&url, "--sample", "repo", "--timeout", "1"]), 1);
    assert_eq!(
        stderr(&output),
        format!(
            "error: {url} did not answer within 1s\nhelp: a slow handler can answer 202 at once: see `respond_within` in the README\n"
        )
    );
    assert!(output.stdout.is_empty());
    drop(silent);
}

/// A receiver that answers every request with `status`, this body and content type.
async fn answering(status: u16, content_type: &str, body: &str) -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            wiremock::ResponseTemplate::new(status).set_body_raw(body.to_owned(), content_type),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_receivers_answer_is_printed_with_its_control_characters_escaped() {
    // Lines and tabs stay; a screen clear, a window title and a C1 sequence are shown, not run.
    let plain = answering(
        200,
        "text/plain",
        "ok\n\u{1b}]0;pwned\u{7}\u{1b}[2J\tdone\u{9b}31m\r\n",
    )
    .await;
    let output = run(
        webhooks(&[&format!("{}/webhooks/x", plain.uri()), "--sample", "repo"]),
        0,
    );
    assert_eq!(
        stdout(&output),
        "200 OK\nok\n\\u001b]0;pwned\\u0007\\u001b[2J\tdone\\u009b31m\r\n"
    );

    let json_answer = answering(500, "application/json", r#"{"error": "\u001b[2J\u009b"}"#).await;
    let output = run(
        webhooks(&[
            &format!("{}/webhooks/x", json_answer.uri()),
            "--sample",
            "repo",
        ]),
        1,
    );
    assert_eq!(
        stdout(&output),
        "500 Internal Server Error\n{\n  \"error\": \"\\u001b[2J\\u009b\"\n}\n"
    );
}

#[test]
fn a_secret_in_the_url_stays_out_of_messages() {
    // Unreachable: the connection error names the URL.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/webhooks/echo?secret=hunter2&x=1");
    let refused = run(webhooks(&[&url, "--sample", "repo"]), 1);
    assert!(
        stderr(&refused).starts_with(&format!(
            "error: cannot deliver to http://127.0.0.1:{port}/webhooks/echo?secret=<redacted>&x=1: "
        )),
        "{}",
        stderr(&refused)
    );

    // Silent: the timeout names it.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = silent.local_addr().unwrap();
    let url = format!("http://{address}/webhooks/echo?secr%65t=hunter2");
    let timed_out = run(webhooks(&[&url, "--sample", "repo", "--timeout", "1"]), 1);
    assert!(
        stderr(&timed_out).starts_with(&format!(
            "error: http://{address}/webhooks/echo?secr%65t=<redacted> did not answer within 1s\n"
        )),
        "{}",
        stderr(&timed_out)
    );
    drop(silent);

    // Not a URL: the usage error quotes it.
    let bad = run(
        webhooks(&[
            "127.0.0.1:7860/webhooks/x?secret=hunter2",
            "--sample",
            "repo",
        ]),
        2,
    );
    assert!(
        stderr(&bad).starts_with(
            "error: `127.0.0.1:7860/webhooks/x?secret=<redacted>` is not an http:// or https:// URL\n"
        ),
        "{}",
        stderr(&bad)
    );

    for output in [&refused, &timed_out, &bad] {
        assert!(!stderr(output).contains("hunter2"));
        assert!(!stdout(output).contains("hunter2"));
    }
}
