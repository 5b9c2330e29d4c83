//! Nothing acknowledged is lost: a queued endpoint under load, its server killed with `kill -9` at
//! random moments and restarted on the same inbox, while a sender resends, as the Hub does, every
//! delivery that got no 2xx. Every delivery answered 2xx is handled in the end; a delivery is
//! handled twice only when a kill cut its handler short.
//!
//! The server is this test binary itself, run again with `CRASH_CHILD` set (see `child`).

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::prelude::Rng;
use proptest::test_runner::{RngAlgorithm, TestRng};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;
use webhooks::extract::DeliveryId;
use webhooks::response::HandlerError;
use webhooks::webhook_endpoint;

mod common;

/// Deliveries sent.
const DELIVERIES: usize = 4000;
/// Times the server is killed.
const KILLS: usize = 10;
/// Connections sending at once.
const SENDERS: usize = 16;
/// Handlers a server runs at once.
const WORKERS: usize = 8;
/// The bound on each phase of the test.
const PHASE: Duration = Duration::from_secs(90);

/// Appends the delivery's id to the file named by `CRASH_OUT`.
#[webhook_endpoint(queue)]
async fn record(id: DeliveryId) -> Result<(), HandlerError> {
    use std::io::Write;
    let path = std::env::var("CRASH_OUT").map_err(|_| HandlerError::msg("CRASH_OUT is not set"))?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(format!("{id}\n").as_bytes())?;
    Ok(())
}

/// The server, when run as a child process by the test below.
#[test]
#[ignore = "run as a child process by `nothing_acknowledged_is_lost_across_kill_9`"]
fn child() {
    if std::env::var_os("CRASH_CHILD").is_some() {
        let code = webhooks::server::main(|app| app.workers(WORKERS).landing_page(false));
        std::process::exit(if code == std::process::ExitCode::SUCCESS {
            0
        } else {
            1
        });
    }
}

/// A server process on `inbox`, and the address it listens on (read from its startup text).
async fn start(inbox: &Path, out: &Path, log: &Path) -> (Child, SocketAddr) {
    let stderr = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(common::run_only("child"))
        .env("CRASH_CHILD", "1")
        .env("CRASH_OUT", out)
        .env("WEBHOOKS_INBOX", inbox)
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("RUST_LOG", "warn")
        .env_remove("WEBHOOK_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.trim().strip_prefix("- POST http://") {
                let addr = url.split('/').next().unwrap();
                return addr.parse::<SocketAddr>().unwrap();
            }
        }
        panic!(
            "the server ended before it was ready; see {}",
            log.display()
        );
    })
    .await
    .expect("the server starts");
    // Keep reading its stdout so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

/// Sends delivery `n` to `addr`: `Some(status)` when it answered.
async fn send(addr: SocketAddr, n: usize) -> Option<u16> {
    let id = format!("d-{n}");
    let body = webhooks::WebhookPayload::sample_json("repo.content").unwrap();
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        let mut connection = common::Connection::from_stream(stream);
        Some(
            connection
                .try_send(
                    "POST",
                    "/webhooks/record",
                    &[("content-type", "application/json"), ("webhook-id", &id)],
                    body.as_bytes(),
                )
                .await?
                .status,
        )
    };
    tokio::time::timeout(Duration::from_secs(5), exchange)
        .await
        .ok()
        .flatten()
}

fn handled(out: &Path) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    if let Ok(text) = std::fs::read_to_string(out) {
        for line in text.lines() {
            *counts.entry(line.to_owned()).or_insert(0) += 1;
        }
    }
    counts
}

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_acknowledged_is_lost_across_kill_9() {
    let dir = Dir(std::env::temp_dir().join(format!("webhooks-crash-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).unwrap();
    let (inbox, out, log) = (
        dir.0.join("inbox.sqlite3"),
        dir.0.join("handled.txt"),
        dir.0.join("server.log"),
    );
    let (mut child, addr) = start(&inbox, &out, &log).await;
    let (current, watched) = watch::channel(addr);

    // The Hub: every delivery is sent until it gets a 2xx.
    let pending = Arc::new(Mutex::new((0..DELIVERIES).collect::<Vec<_>>()));
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let failed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (pending, acked, failed, watched) = (
                Arc::clone(&pending),
                Arc::clone(&acked),
                Arc::clone(&failed),
                watched.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let Some(n) = pending.lock().unwrap().pop() else {
                        return;
                    };
                    let addr = *watched.borrow();
                    match send(addr, n).await {
                        Some(200..=299) => {
                            acked.lock().unwrap().insert(n);
                        }
                        _ => {
                            failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            pending.lock().unwrap().insert(0, n);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                }
            })
        })
        .collect();

    // The crashes: at random moments, kill -9 and start again on the same inbox.
    let mut rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut under_load = 0;
    for _ in 0..KILLS {
        if !pending.lock().unwrap().is_empty() {
            under_load += 1;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(30..150))).await;
        child.kill().await.unwrap();
        let (restarted, addr) = start(&inbox, &out, &log).await;
        child = restarted;
        current.send(addr).unwrap();
    }
    tokio::time::timeout(PHASE, async {
        for sender in senders {
            sender.await.unwrap();
        }
    })
    .await
    .expect("every delivery is acknowledged in time");
    let acked: HashSet<usize> = acked.lock().unwrap().clone();
    assert_eq!(acked.len(), DELIVERIES);

    // The last server drains the queue.
    let drained = tokio::time::timeout(PHASE, async {
        loop {
            let handled = handled(&out);
            if acked
                .iter()
                .all(|n| handled.contains_key(&format!("d-{n}")))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    child.kill().await.unwrap();
    let handled = handled(&out);
    let lost: Vec<&usize> = acked
        .iter()
        .filter(|n| !handled.contains_key(&format!("d-{n}")))
        .collect();
    assert!(
        drained.is_ok() && lost.is_empty(),
        "{} deliveries answered 2xx were never handled, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(10)]
    );
    let twice: Vec<(&String, &usize)> = handled.iter().filter(|(_, n)| **n > 1).collect();
    println!(
        "{DELIVERIES} deliveries, {KILLS} kills ({under_load} while deliveries were still being sent, {} sends failed and were resent): 0 lost, {} handled more than once (cut short by a kill)",
        failed.load(std::sync::atomic::Ordering::Relaxed),
        twice.len()
    );
    assert!(
        under_load >= KILLS / 2,
        "the kills came after the load: {under_load}"
    );
    assert!(
        twice.len() <= KILLS * WORKERS,
        "more duplicates than handlers a kill can cut short: {twice:?}"
    );
}
