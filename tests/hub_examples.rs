//! The examples that act on the Hub, as users run them: `discussion_bot` and `retrain_on_push`
//! as processes pointed at a mock Hub (`HF_ENDPOINT`), deliveries sent to them over HTTP, and
//! every call they make to the Hub checked (method, path, `Authorization`, JSON body).
//!
//! `cargo test` builds the examples before running this file (or
//! `cargo build --example discussion_bot --example retrain_on_push`).

mod common;
#[path = "../webhooks-hub/tests/mock/mod.rs"]
mod mock;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{STEP, fixture, request};
use mock::{Expect, MockHub, TOKEN, comment_event_json, job_json, whoami_json};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStderr, Command};
use webhooks::WebhookPayload;

const SECRET: &str = "example-secret";
/// The bot's account id, as the mock's `whoami` says.
const BOT_ID: &str = "61d2000c3c2083e1c08af22e";

/// A running example, its address read off its startup text.
struct Example {
    child: Child,
    stderr: BufReader<ChildStderr>,
    addr: SocketAddr,
}

/// The example's command, with the mock Hub, its token and an empty `HF_HOME` of its own.
fn command(name: &str, hub: &MockHub) -> Command {
    // One directory per command: tests of the same example run in parallel, and one clearing a
    // shared directory (its inbox included) while the other's example starts made that one exit.
    static STARTED: AtomicUsize = AtomicUsize::new(0);
    let n = STARTED.fetch_add(1, Ordering::Relaxed);
    let home = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("hf-home-{name}-{n}"));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    // A queued example's inbox: a fresh file, not one in the working directory.
    let inbox = home.join("inbox.sqlite3");
    let mut command = Command::new(common::example_binary(name));
    for var in [
        "SPACE_ID",
        "SPACE_HOST",
        "WEBHOOKS_PUBLIC_URL",
        "WEBHOOK_PAYLOAD",
        "WEBHOOK_REPO_ID",
        "WEBHOOK_REPO_TYPE",
        "HF_TOKEN_PATH",
        "XDG_CACHE_HOME",
    ] {
        command.env_remove(var);
    }
    command
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("RUST_LOG", "info")
        .env("WEBHOOK_SECRET", SECRET)
        .env("HF_ENDPOINT", hub.url())
        .env("HF_TOKEN", TOKEN)
        .env("WEBHOOKS_INBOX", inbox)
        .env("HF_HOME", home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

impl Example {
    async fn start(name: &str, hub: &MockHub) -> Self {
        let mut child = command(name, hub).spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut text = String::new();
        let ready = tokio::time::timeout(STEP, async {
            while !text.ends_with("to setup your webhooks.\n") {
                if stdout.read_line(&mut text).await.unwrap() == 0 {
                    return false;
                }
            }
            true
        })
        .await
        .unwrap_or_else(|_| panic!("no startup text from {name} in time: {text:?}"));
        if !ready {
            let mut log = String::new();
            let mut stderr = child.stderr.take().unwrap();
            let _ = tokio::time::timeout(STEP, stderr.read_to_string(&mut log)).await;
            panic!("{name} stopped before it was ready: {text}\nits log:\n{log}");
        }
        let start = text.find("http://127.0.0.1:").expect("a local URL");
        let end = start + text[start..].find("/webhooks/").unwrap();
        let addr = text[start + "http://".len()..end].parse().unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        Self {
            child,
            stderr,
            addr,
        }
    }

    /// POSTs a delivery to `path`, with the secret and these headers.
    async fn deliver(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> (u16, Value) {
        let mut all = vec![("x-webhook-secret", SECRET)];
        all.extend_from_slice(headers);
        let reply = request(self.addr, "POST", path, &all, body.to_string().as_bytes()).await;
        (reply.status, reply.json())
    }

    /// The next log line (stderr) containing `needle`.
    async fn log_line(&mut self, needle: &str) -> String {
        let mut line = String::new();
        tokio::time::timeout(STEP, async {
            loop {
                line.clear();
                let read = self.stderr.read_line(&mut line).await.unwrap();
                assert_ne!(read, 0, "stderr closed before a line with {needle:?}");
                if line.contains(needle) {
                    break;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no log line with {needle:?} in time"));
        line
    }

    /// Sends SIGTERM; the exit code once stopped.
    async fn terminate(mut self) -> Option<i32> {
        common::terminate(&mut self.child).await
    }
}

/// A payload fixture as JSON.
fn payload(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).unwrap()
}

/// The `discussion.comment` fixture with this content and author.
fn comment(content: &str, author: &str) -> Value {
    let mut payload = payload("discussion.comment__create__hub-docs-composed.json");
    payload["comment"]["content"] = json!(content);
    payload["comment"]["author"]["id"] = json!(author);
    payload
}

#[tokio::test]
async fn discussion_bot_echoes_commands_and_never_its_own_comments() {
    const COMMENTS: &str = "/api/models/some-user/some-repo/discussions/3/comment";
    let hub = MockHub::start(vec![
        // Asked once, on the first command, then remembered.
        Expect::get("/api/whoami-v2").answer(200, whoami_json()),
        Expect::post(COMMENTS)
            .body(json!({ "comment": "Hello there" }))
            .answer(
                200,
                json!({ "newMessage": comment_event_json("c1", "me", "Hello there") }),
            ),
        Expect::post(COMMENTS)
            .body(json!({ "comment": "refused" }))
            .answer(403, json!({ "error": "You cannot comment here" })),
    ])
    .await;
    let bot = Example::start("discussion_bot", &hub).await;
    let path = "/webhooks/discussion_bot";
    let someone = "61d2000c3c2083e1c08af22d";

    assert_eq!(
        bot.deliver(path, &[], &comment("/echo Hello there", someone))
            .await,
        (200, json!({ "replied": "c1" }))
    );
    // Its own reply to `/echo /echo ...` starts with `/echo ` too: no reply to it.
    assert_eq!(
        bot.deliver(path, &[], &comment("/echo Hello there", BOT_ID))
            .await,
        (200, json!({ "ignored": "the bot's own comment" }))
    );
    assert_eq!(
        bot.deliver(path, &[], &comment("Nice work", someone)).await,
        (200, json!({ "ignored": "not an /echo command" }))
    );
    let (status, body) = bot
        .deliver(path, &[], &comment("/echo refused", someone))
        .await;
    assert_eq!(status, 502);
    assert_eq!(
        body,
        json!({ "error": format!(
            "the Hub answered 403 Forbidden to POST {COMMENTS}: You cannot comment here"
        ) })
    );
    // Not a new comment: the endpoint's filter answers without calling it.
    let (status, body) = bot
        .deliver(path, &[], &payload("discussion__create__hub-docs.json"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["skipped"], true);

    assert_eq!(bot.terminate().await, Some(0));
    hub.verify().await;
}

#[tokio::test]
async fn discussion_bot_without_a_token_stops_at_once() {
    let hub = MockHub::start(vec![]).await;
    let mut command = command("discussion_bot", &hub);
    command.env_remove("HF_TOKEN");
    let output = tokio::time::timeout(STEP, command.output())
        .await
        .expect("it stops in time")
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: no Hugging Face token: pass one, set `HF_TOKEN`"),
        "{stderr}"
    );
    assert_eq!(hub.served().await, 0);
}

/// What `retrain_on_push` runs.
const COMMAND: [&str; 3] = [
    "python",
    "-c",
    "import json, os; p = json.loads(os.environ['WEBHOOK_PAYLOAD']); \
     print('retrain on', p['repo']['name'], 'at', p['repo'].get('headSha'))",
];

/// The body of the Job `retrain_on_push` starts for this delivery.
fn retrain_job(payload: &Value, delivery_id: &str) -> Value {
    let parsed = WebhookPayload::from_slice(payload.to_string().as_bytes()).unwrap();
    json!({
        "dockerImage": "python:3.12",
        "command": COMMAND,
        "arguments": [],
        "environment": {
            "WEBHOOK_PAYLOAD": serde_json::to_string(&parsed).unwrap(),
            "WEBHOOK_REPO_ID": "some-user/some-repo",
            "WEBHOOK_REPO_TYPE": "dataset",
            "WEBHOOK_ID": delivery_id
        },
        "flavor": "cpu-basic"
    })
}

#[tokio::test]
async fn retrain_on_push_queues_each_push_and_starts_a_job_with_the_payload() {
    let mut push = payload("repo.content__update__hub-docs-composed.json");
    push["repo"]["type"] = json!("dataset");
    let hub = MockHub::start(vec![
        Expect::get("/api/whoami-v2").answer(200, whoami_json()),
        Expect::post("/api/jobs/me")
            .body(retrain_job(&push, "delivery-1"))
            .answer(200, job_json("j1", "RUNNING")),
        Expect::post("/api/jobs/me")
            .body(retrain_job(&push, "delivery-2"))
            .answer(
                403,
                json!({ "error": "Jobs are not enabled for this account" }),
            ),
    ])
    .await;
    let mut retrain = Example::start("retrain_on_push", &hub).await;
    let path = "/webhooks/retrain_on_push";

    assert_eq!(
        retrain
            .deliver(path, &[("webhook-id", "delivery-1")], &push)
            .await,
        (202, json!({ "queued": true, "deliveryId": "delivery-1" }))
    );
    let started = retrain.log_line("retraining started").await;
    assert!(started.contains("job=j1"), "{started}");
    assert!(
        started.contains(&format!("url={}/jobs/me/j1", hub.url())),
        "{started}"
    );

    // The Job gets what `WebhookPayload::from_env()` reads in it.
    let requests = hub.requests().await;
    let sent: Value = requests[1].body_json().unwrap();
    let env = |name: &str| sent["environment"][name].as_str().map(str::to_owned);
    assert_eq!(
        WebhookPayload::from_env_with(env).unwrap(),
        WebhookPayload::from_slice(push.to_string().as_bytes()).unwrap()
    );
    assert_eq!(webhooks::hub::PAYLOAD_VAR, webhooks::payload::PAYLOAD_VAR);
    assert_eq!(webhooks::hub::REPO_ID_VAR, webhooks::payload::REPO_ID_VAR);
    assert_eq!(
        webhooks::hub::REPO_TYPE_VAR,
        webhooks::payload::REPO_TYPE_VAR
    );

    // The Hub already has its 202 when the Job is refused: the attempt fails, and the delivery
    // waits for its next attempt (the backoff is longer than the rest of this test).
    assert_eq!(
        retrain
            .deliver(path, &[("webhook-id", "delivery-2")], &push)
            .await,
        (202, json!({ "queued": true, "deliveryId": "delivery-2" }))
    );
    let refused = retrain
        .log_line("queued delivery failed; it will be retried")
        .await;
    assert!(
        refused.contains("Jobs are not enabled for this account")
            && refused.contains("delivery=\"delivery-2\""),
        "{refused}"
    );

    // Other branches start nothing; so do other repo types (the endpoint's filter).
    let mut dev = push.clone();
    dev["updatedRefs"] = json!([{"ref": "refs/heads/dev", "oldSha": "a", "newSha": "b"}]);
    let (status, _) = retrain
        .deliver(path, &[("webhook-id", "delivery-3")], &dev)
        .await;
    assert_eq!(status, 202);
    retrain
        .log_line("main did not change: nothing to retrain")
        .await;
    let model = payload("repo.content__update__hub-docs-composed.json");
    let (status, body) = retrain.deliver(path, &[], &model).await;
    assert_eq!((status, &body["skipped"]), (200, &json!(true)));

    assert_eq!(retrain.terminate().await, Some(0));
    hub.verify().await;
}

#[tokio::test]
async fn retrain_on_push_without_a_token_stops_at_once() {
    let hub = MockHub::start(vec![]).await;
    let mut command = command("retrain_on_push", &hub);
    command.env_remove("HF_TOKEN");
    let mut child = command.spawn().unwrap();
    let status = tokio::time::timeout(STEP, child.wait())
        .await
        .expect("it stops in time")
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .await
        .unwrap();
    assert_eq!(status.code(), Some(1));
    assert!(
        stderr.starts_with("error: no Hugging Face token"),
        "{stderr}"
    );
}
