//! The log `webhooks::main!()` writes, read from a real server process: JSON lines that parse and
//! carry the delivery's fields, the text format, no access line lost on a graceful stop after
//! 10,000 deliveries, and a stderr nobody reads that neither stalls deliveries nor loses track of
//! the lines it cost.
//!
//! The server is this test binary itself, run again with `LOG_CHILD` set (see `child`).

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use webhooks::WebhookPayload;

mod common;

use common::{Connection, SECRET, STEP, fixture};

/// Logs a line of its own inside the delivery, and panics on comments.
async fn hook(payload: WebhookPayload) -> &'static str {
    tracing::info!(step = "checked", "the handler's own line");
    if payload.comment.is_some() {
        panic!("cannot handle comments yet");
    }
    "ok"
}

/// The server, when run as a child process by the tests below.
#[test]
#[ignore = "run as a child process by the tests of this file"]
fn child() {
    if std::env::var_os("LOG_CHILD").is_some() {
        let code = webhooks::server::main(|app| app.add_webhook("hook", hook));
        std::process::exit(if code == std::process::ExitCode::SUCCESS {
            0
        } else {
            1
        });
    }
}

/// A server process with `env`, its stderr piped, and the address it listens on.
async fn start(env: &[(&str, &str)]) -> (Child, SocketAddr) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(common::run_only("child"))
        .env("LOG_CHILD", "1")
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("WEBHOOK_SECRET", SECRET)
        .env_remove("RUST_LOG")
        .env_remove("WEBHOOKS_LOG_FORMAT")
        .env_remove("WEBHOOKS_LOG_BUFFER")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = tokio::time::timeout(STEP, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.trim().strip_prefix("- POST http://") {
                return url
                    .split('/')
                    .next()
                    .unwrap()
                    .parse::<SocketAddr>()
                    .unwrap();
            }
        }
        panic!("the server ended before it was ready");
    })
    .await
    .expect("the server starts");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

/// Reads everything `stderr` says until it closes.
fn collect(mut stderr: impl AsyncRead + Unpin + Send + 'static) -> tokio::task::JoinHandle<String> {
    tokio::spawn(async move {
        let mut text = String::new();
        stderr.read_to_string(&mut text).await.unwrap();
        text
    })
}

/// Stops the server with SIGTERM, as a platform does, and waits for it to exit successfully.
async fn stop(child: &mut Child) {
    assert_eq!(common::terminate(child).await, Some(0));
}

/// Stops the server as [`stop`] does, and returns everything it wrote to stderr.
async fn stop_and_read(child: &mut Child, logs: tokio::task::JoinHandle<String>) -> String {
    stop(child).await;
    read(logs).await
}

/// Everything the server wrote to stderr, once it closed.
async fn read(logs: tokio::task::JoinHandle<String>) -> String {
    tokio::time::timeout(STEP, logs).await.unwrap().unwrap()
}

/// The access lines of `logs`.
fn access_lines(logs: &str) -> Vec<&str> {
    logs.lines()
        .filter(|line| line.contains("webhooks::access"))
        .collect()
}

async fn deliver(addr: SocketAddr, id: &str, body: &[u8]) -> u16 {
    Connection::open(addr)
        .await
        .send(
            "POST",
            "/webhooks/hook",
            &[("x-webhook-secret", SECRET), ("webhook-id", id)],
            body,
        )
        .await
        .status
}

#[tokio::test]
async fn json_lines_parse_and_carry_the_deliverys_fields() {
    let (mut child, addr) = start(&[("WEBHOOKS_LOG_FORMAT", "json")]).await;
    let logs = collect(child.stderr.take().unwrap());
    let push = fixture("repo.content__update__hfhub-test.json");
    assert_eq!(deliver(addr, "delivery-1", &push).await, 200);
    let comment = fixture("discussion.comment__create__hub-docs-composed.json");
    assert_eq!(deliver(addr, "delivery-2", &comment).await, 500);
    let logs = stop_and_read(&mut child, logs).await;

    let lines: Vec<Value> = logs
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|err| panic!("{err}: {line:?} in {logs}"))
        })
        .collect();
    for line in &lines {
        let time = line["time"].as_str().unwrap();
        humantime::parse_rfc3339(time).unwrap_or_else(|err| panic!("{err}: {time}"));
        assert!(
            line["level"].is_string() && line["target"].is_string(),
            "{line}"
        );
    }
    let access: Vec<&Value> = lines
        .iter()
        .filter(|line| line["target"] == "webhooks::access")
        .collect();
    assert_eq!(access.len(), 2, "{logs}");
    let mut first = access[0].clone();
    let latency = first.as_object_mut().unwrap().remove("latency_us").unwrap();
    assert!(latency.is_u64(), "{latency}");
    first.as_object_mut().unwrap().remove("time");
    assert_eq!(
        first,
        serde_json::json!({
            "level": "INFO",
            "target": "webhooks::access",
            "message": "answered",
            "endpoint": "hook",
            "delivery": "delivery-1",
            "scope": "repo.content",
            "action": "update",
            "repo": "Wauplin/gradio-user-history",
            "method": "POST",
            "path": "/webhooks/hook",
            "status": 200,
        })
    );
    assert_eq!(access[1]["status"], 500);
    assert_eq!(access[1]["delivery"], "delivery-2");
    assert_eq!(access[1]["scope"], "discussion.comment");

    // The handler's own line carries the delivery's fields too.
    let own: Vec<&Value> = lines
        .iter()
        .filter(|line| line["message"] == "the handler's own line")
        .collect();
    assert_eq!(own.len(), 2, "{logs}");
    assert_eq!(own[0]["step"], "checked");
    assert_eq!(own[0]["delivery"], "delivery-1");
    assert_eq!(own[0]["repo"], "Wauplin/gradio-user-history");
    assert_eq!(own[0]["level"], "INFO");
    assert_eq!(own[0]["target"], "log_output");
    // The panic: an error with the endpoint, the delivery and the panic's message.
    let panic = lines
        .iter()
        .find(|line| line["message"] == "the handler panicked")
        .unwrap_or_else(|| panic!("{logs}"));
    assert_eq!(panic["level"], "ERROR");
    assert_eq!(panic["endpoint"], "hook");
    assert_eq!(panic["delivery"], "delivery-2");
    assert_eq!(panic["panic"], "cannot handle comments yet");
    // The panic itself, where the standard library would print text: a JSON line in the delivery.
    let hook = lines
        .iter()
        .find(|line| line["target"] == "webhooks::panic")
        .unwrap_or_else(|| panic!("{logs}"));
    assert_eq!(hook["level"], "ERROR");
    assert_eq!(hook["message"], "panicked");
    assert_eq!(hook["panic"], "cannot handle comments yet");
    assert_eq!(hook["delivery"], "delivery-2");
    assert!(
        hook["location"]
            .as_str()
            .unwrap()
            .starts_with("tests/log_output.rs:"),
        "{hook}"
    );
    assert!(!logs.contains(SECRET));
}

#[tokio::test]
async fn text_lines_read_like_tracing_s_own() {
    let (mut child, addr) = start(&[]).await;
    let logs = collect(child.stderr.take().unwrap());
    let push = fixture("repo.content__update__hfhub-test.json");
    assert_eq!(deliver(addr, "delivery-1", &push).await, 200);
    let reply = Connection::open(addr)
        .await
        .send("GET", "/nowhere", &[], b"")
        .await;
    assert_eq!(reply.status, 404);
    let logs = stop_and_read(&mut child, logs).await;
    let access = access_lines(&logs);
    assert_eq!(access.len(), 2, "{logs}");
    // `2026-11-29T10:00:00.123456Z  INFO delivery{...}: webhooks::access: answered ...`
    let (time, rest) = access[0].split_once(' ').unwrap();
    humantime::parse_rfc3339(time).unwrap();
    let rest = rest
        .strip_prefix(" INFO ")
        .unwrap_or_else(|| panic!("{rest}"));
    let rest = rest
        .strip_prefix(
            "delivery{endpoint=\"hook\" delivery=\"delivery-1\" scope=\"repo.content\" action=\"update\" repo=\"Wauplin/gradio-user-history\"}: webhooks::access: answered method=\"POST\" path=\"/webhooks/hook\" status=200 latency_us=",
        )
        .unwrap_or_else(|| panic!("{rest}"));
    assert!(rest.parse::<u64>().is_ok(), "{rest}");
    assert!(
        access[1].ends_with("")
            && access[1].contains(
                " INFO webhooks::access: answered method=\"GET\" path=\"/nowhere\" status=404 latency_us="
            ),
        "{}",
        access[1]
    );
    let own = logs
        .lines()
        .find(|line| line.contains("the handler's own line"))
        .unwrap_or_else(|| panic!("{logs}"));
    assert!(
        own.contains("delivery{endpoint=\"hook\" delivery=\"delivery-1\" scope=\"repo.content\"")
            && own.ends_with("}: log_output: the handler's own line step=\"checked\""),
        "{own}"
    );
    // Not a terminal: no colours.
    assert!(!logs.contains('\x1b'), "{logs}");
}

/// `RUST_LOG` filters the access lines by their target, apart from the rest: off, the handler's
/// own lines still carry the delivery's fields.
#[tokio::test]
async fn rust_log_can_turn_the_access_lines_off_alone() {
    let (mut child, addr) = start(&[("RUST_LOG", "info,webhooks::access=off")]).await;
    let logs = collect(child.stderr.take().unwrap());
    let push = fixture("repo.content__update__hfhub-test.json");
    assert_eq!(deliver(addr, "delivery-1", &push).await, 200);
    let logs = stop_and_read(&mut child, logs).await;
    assert!(!logs.contains("webhooks::access"), "{logs}");
    let own = logs
        .lines()
        .find(|line| line.contains("the handler's own line"))
        .unwrap_or_else(|| panic!("{logs}"));
    assert!(
        own.contains("delivery{endpoint=\"hook\" delivery=\"delivery-1\" scope=\"repo.content\""),
        "{own}"
    );
}

/// A delivery's access line says the path as it was asked (with the one trailing slash the router
/// tolerates), and keeps every field of a span too long to be kept inline (a 200-byte id).
#[tokio::test]
async fn the_access_line_has_the_path_asked_and_long_fields_whole() {
    let (mut child, addr) = start(&[]).await;
    let logs = collect(child.stderr.take().unwrap());
    let push = fixture("repo.content__update__hfhub-test.json");
    let long_id = "x".repeat(200);
    let reply = Connection::open(addr)
        .await
        .send(
            "POST",
            "/webhooks/hook/",
            &[
                ("x-webhook-secret", SECRET),
                ("webhook-id", long_id.as_str()),
            ],
            &push,
        )
        .await;
    assert_eq!(reply.status, 200);
    let logs = stop_and_read(&mut child, logs).await;
    let access = access_lines(&logs);
    assert_eq!(access.len(), 1, "{logs}");
    let expected = format!(
        " INFO delivery{{endpoint=\"hook\" delivery=\"{long_id}\" scope=\"repo.content\" action=\"update\" repo=\"Wauplin/gradio-user-history\"}}: webhooks::access: answered method=\"POST\" path=\"/webhooks/hook/\" status=200 latency_us="
    );
    assert!(access[0].contains(&expected), "{}", access[0]);
}

#[tokio::test]
async fn no_access_line_is_lost_on_a_graceful_stop_after_10000_deliveries() {
    const DELIVERIES: usize = 10_000;
    const SENDERS: usize = 16;
    let (mut child, addr) = start(&[]).await;
    let logs = collect(child.stderr.take().unwrap());
    let push = fixture("repo.content__update__hfhub-test.json");
    let answered = Arc::new(AtomicUsize::new(0));
    let senders: Vec<_> = (0..SENDERS)
        .map(|sender| {
            let push = push.clone();
            let answered = Arc::clone(&answered);
            tokio::spawn(async move {
                // The ids answered 200: each must have its access line.
                let mut ok = Vec::new();
                let Ok(stream) = tokio::net::TcpStream::connect(addr).await else {
                    return ok;
                };
                let mut connection = Connection::from_stream(stream);
                for n in (sender..DELIVERIES * 10).step_by(SENDERS) {
                    let id = format!("d-{n}");
                    let headers = [("x-webhook-secret", SECRET), ("webhook-id", id.as_str())];
                    // Once the server stops, the connection closes.
                    match connection
                        .try_send("POST", "/webhooks/hook", &headers, &push)
                        .await
                    {
                        Some(reply) if reply.status == 200 => ok.push(n),
                        _ => return ok,
                    }
                    answered.fetch_add(1, Ordering::Relaxed);
                }
                ok
            })
        })
        .collect();
    // Stopped in the middle of the load: deliveries answered while it stops have their lines
    // logged in its last milliseconds, which must still be written before the process exits.
    let waited = tokio::time::timeout(Duration::from_secs(120), async {
        while answered.load(Ordering::Relaxed) < DELIVERIES {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "{} deliveries answered",
        answered.load(Ordering::Relaxed)
    );
    stop(&mut child).await;
    let mut ok = Vec::new();
    for sender in senders {
        ok.extend(tokio::time::timeout(STEP, sender).await.unwrap().unwrap());
    }
    assert!(ok.len() >= DELIVERIES, "{}", ok.len());
    let logs = read(logs).await;
    let mut logged = std::collections::HashSet::new();
    for line in access_lines(&logs) {
        let id = line
            .split("delivery=\"d-")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("{line}"));
        assert!(logged.insert(id), "twice: {line}");
    }
    let missing: Vec<usize> = ok.iter().copied().filter(|n| !logged.contains(n)).collect();
    assert!(
        missing.is_empty(),
        "{} access lines missing, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    assert!(
        logs.trim_end()
            .ends_with("stopped: every delivery in flight finished"),
        "{}",
        &logs[logs.len().saturating_sub(500)..]
    );
    assert!(!logs.contains("dropped"), "{logs}");
}

#[tokio::test]
async fn a_stderr_nobody_reads_does_not_stall_deliveries_and_the_dropped_lines_are_reported() {
    // A 4 KiB buffer: with the pipe's own (64 KiB on Linux) full, lines are dropped after a few
    // hundred deliveries.
    let (mut child, addr) = start(&[("WEBHOOKS_LOG_BUFFER", "4096")]).await;
    let stderr = child.stderr.take().unwrap();
    let push = fixture("repo.content__update__hfhub-test.json");
    let mut connection = Connection::open(addr).await;
    tokio::time::timeout(Duration::from_secs(60), async {
        for n in 0..2000 {
            let id = format!("d-{n}");
            let reply = connection
                .send(
                    "POST",
                    "/webhooks/hook",
                    &[("x-webhook-secret", SECRET), ("webhook-id", &id)],
                    &push,
                )
                .await;
            assert_eq!(reply.status, 200);
        }
    })
    .await
    .expect("deliveries are not stalled by a stderr nobody reads");
    let metrics = connection
        .send("GET", &format!("/metrics?secret={SECRET}"), &[], b"")
        .await;
    assert_eq!(metrics.status, 200);
    let dropped: u64 = metrics
        .body
        .lines()
        .find_map(|line| line.strip_prefix("webhooks_log_dropped_lines_total "))
        .unwrap_or_else(|| panic!("{}", metrics.body))
        .parse()
        .unwrap();
    assert!(dropped > 1000, "{dropped} dropped");

    // Once stderr is read again, the log says how many lines it dropped (in one report, or in
    // several: each says how many since the one before).
    let mut reader = BufReader::new(stderr).lines();
    let reported = tokio::time::timeout(STEP, async {
        let mut reported = 0;
        while let Some(line) = reader.next_line().await.unwrap() {
            let Some(rest) = line.split(" WARN webhooks::log: ").nth(1) else {
                continue;
            };
            let count = rest
                .strip_suffix(
                    " log line(s) were dropped because stderr did not keep up with the server",
                )
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{line}"));
            reported += count;
            if reported >= dropped {
                return reported;
            }
        }
        panic!("the dropped lines were not all reported: {reported} of {dropped}");
    })
    .await
    .expect("the dropped lines are reported");
    assert!(reported >= dropped);
    tokio::spawn(async move { while let Ok(Some(_)) = reader.next_line().await {} });
    stop(&mut child).await;
}
