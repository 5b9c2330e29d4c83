//! A shutdown whose grace period runs out: the program exits with a failure code, says what it
//! cut off (the delivery's id in the log), and a queued delivery it cut runs at the next start.
//!
//! The server is this test binary itself, run again with `SHUTDOWN_CHILD` set (see `child`).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use webhooks::extract::DeliveryId;
use webhooks::webhook_endpoint;

mod common;

/// Slow unless `SHUTDOWN_FAST` is set; records each delivery it finishes in `SHUTDOWN_OUT`.
async fn work(id: &DeliveryId) {
    if std::env::var_os("SHUTDOWN_FAST").is_none() {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    if let Ok(out) = std::env::var("SHUTDOWN_OUT") {
        let _ = std::fs::write(out, id.as_str());
    }
}

#[webhook_endpoint]
async fn slow(id: DeliveryId) {
    work(&id).await;
}

#[webhook_endpoint(queue)]
async fn slow_queued(id: DeliveryId) {
    work(&id).await;
}

/// The server, when run as a child process by the tests below.
#[test]
#[ignore = "run as a child process by the tests of this file"]
fn child() {
    if std::env::var_os("SHUTDOWN_CHILD").is_some() {
        let code = webhooks::server::main(|app| app.shutdown_grace(Duration::from_millis(300)));
        std::process::exit(if code == std::process::ExitCode::SUCCESS {
            0
        } else {
            1
        });
    }
}

async fn start(dir: &Path, fast: bool) -> (Child, std::net::SocketAddr) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(common::run_only("child"))
        .env("SHUTDOWN_CHILD", "1")
        .env("SHUTDOWN_OUT", dir.join("finished.txt"))
        .env("WEBHOOKS_INBOX", dir.join("inbox.sqlite3"))
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("WEBHOOK_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if fast {
        command.env("SHUTDOWN_FAST", "1");
    }
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = tokio::time::timeout(common::STEP, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.trim().strip_prefix("- POST http://") {
                return url.split('/').next().unwrap().parse().unwrap();
            }
        }
        panic!("the server stopped before it was ready");
    })
    .await
    .expect("the server starts");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

/// SIGTERM, then the exit code and everything it wrote on stderr.
async fn terminate(mut child: Child) -> (Option<i32>, String) {
    common::sigterm(&child);
    let mut stderr = String::new();
    let mut pipe = child.stderr.take().unwrap();
    tokio::time::timeout(common::STEP, pipe.read_to_string(&mut stderr))
        .await
        .expect("it stops")
        .unwrap();
    let status = child.wait().await.unwrap();
    (status.code(), stderr)
}

fn send(addr: std::net::SocketAddr, path: &'static str, id: &'static str) {
    tokio::spawn(async move {
        let body = webhooks::WebhookPayload::sample_json("repo").unwrap();
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut connection = common::Connection::from_stream(stream);
        connection
            .try_send("POST", path, &[("webhook-id", id)], body.as_bytes())
            .await
    });
}

struct Dir(std::path::PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Dir {
    let dir = std::env::temp_dir().join(format!("webhooks-shutdown-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Dir(dir)
}

#[tokio::test]
async fn a_handler_cut_off_by_the_grace_period_fails_the_exit_and_is_named() {
    let dir = scratch("request");
    let (child, addr) = start(&dir.0, false).await;
    send(addr, "/webhooks/slow", "d-1");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (code, stderr) = terminate(child).await;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "error: the shutdown grace period (300ms) ran out and cut off 1 request(s) in flight\nhelp: give handlers more time with `WebhooksServer::shutdown_grace(..)`"
        ),
        "{stderr}"
    );
    let cut = stderr
        .lines()
        .find(|line| line.contains("it was cut off"))
        .unwrap_or_else(|| panic!("the cut delivery is not named:\n{stderr}"));
    assert!(
        cut.contains("ERROR") && cut.contains("delivery=\"d-1\""),
        "{cut}"
    );
}

#[tokio::test]
async fn a_queued_delivery_cut_off_by_the_shutdown_runs_at_the_next_start() {
    let dir = scratch("queued");
    let (child, addr) = start(&dir.0, false).await;
    send(addr, "/webhooks/slow_queued", "d-2");
    // Wait until a worker runs it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (code, stderr) = terminate(child).await;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "cut off the queued deliveries d-2 to /webhooks/slow_queued (queued again for the next start)"
        ),
        "{stderr}"
    );
    assert!(!dir.0.join("finished.txt").exists());

    let (child, _) = start(&dir.0, true).await;
    let finished = tokio::time::timeout(common::STEP, async {
        loop {
            if let Ok(id) = std::fs::read_to_string(dir.0.join("finished.txt")) {
                return id;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the cut delivery runs again");
    assert_eq!(finished, "d-2");
    let (code, stderr) = terminate(child).await;
    assert_eq!(code, Some(0), "{stderr}");
}
