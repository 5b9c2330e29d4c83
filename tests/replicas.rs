//! Several replicas (processes) sharing one PostgreSQL inbox, as a deployment behind a load
//! balancer runs them.
//!
//! Each replica is this test binary run again with `REPLICA_CHILD=1` and `--exact replica
//! --ignored`: the ignored test `replica` then serves this file's endpoints with
//! `webhooks::server::main`, its inbox at `WEBHOOKS_INBOX` (a schema of the test's own on the
//! server `WEBHOOKS_TEST_POSTGRES_URL` names; skipped without it). Handlers append lines to a
//! file the test reads: `start <id> <replica>` and `done <id> <replica>`. The replicas log
//! nothing unless `REPLICAS_RUST_LOG` says what (`REPLICAS_RUST_LOG=warn`).
//!
//! Every wait is bounded, and only 127.0.0.1 is used.

mod common;
#[path = "../webhooks-runtime/tests/postgres/mod.rs"]
mod postgres;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::SECRET;
use postgres::TestSchema;
use webhooks::extract::DeliveryId;
use webhooks::webhook_endpoint;

/// How long a replica's claim lasts without renewal, in the replicas these tests start.
const LEASE: Duration = Duration::from_secs(2);
/// The longest any wait of these tests takes.
const WAIT: Duration = Duration::from_secs(60);

fn log_line(event: &str, id: &DeliveryId) {
    let replica = std::env::var("WEBHOOKS_REPLICA").unwrap_or_default();
    let path = std::env::var("REPLICAS_LOG").expect("REPLICAS_LOG is set for replicas");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    // One write per line, with O_APPEND: lines from several processes never interleave.
    file.write_all(format!("{event} {} {replica}\n", id.as_str()).as_bytes())
        .unwrap();
}

/// A queued endpoint. Ids starting with `slow-` take a minute on replica `r1` (which the test
/// kills meanwhile) and no time elsewhere.
#[webhook_endpoint(queue)]
async fn work(id: DeliveryId) -> &'static str {
    log_line("start", &id);
    if id.as_str().starts_with("slow-") && std::env::var("WEBHOOKS_REPLICA").as_deref() == Ok("r1")
    {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    log_line("done", &id);
    "ok"
}

/// A queued endpoint with one attempt, failing until the file `<REPLICAS_LOG>.healed` exists.
#[webhook_endpoint(queue, max_attempts = 1)]
async fn flaky(id: DeliveryId) -> webhooks::StatusCode {
    let log = std::env::var("REPLICAS_LOG").expect("REPLICAS_LOG is set for replicas");
    if std::fs::metadata(format!("{log}.healed")).is_err() {
        log_line("failed", &id);
        return webhooks::StatusCode::INTERNAL_SERVER_ERROR;
    }
    log_line("done", &id);
    webhooks::StatusCode::OK
}

/// A not-queued endpoint: it runs while the Hub waits.
#[webhook_endpoint]
async fn direct(id: DeliveryId) -> &'static str {
    log_line("start", &id);
    tokio::time::sleep(Duration::from_millis(200)).await;
    log_line("done", &id);
    "ran"
}

/// What a replica process runs.
#[test]
#[ignore = "a replica process started by the tests of this file"]
fn replica() {
    if std::env::var_os("REPLICA_CHILD").is_none() {
        return;
    }
    let code = webhooks::server::main(|app| app.lease(LEASE));
    std::process::exit(i32::from(code != std::process::ExitCode::SUCCESS));
}

/// A replica process, killed (SIGKILL) when dropped.
struct Replica {
    child: Child,
    addr: SocketAddr,
}

impl Replica {
    fn start(name: &str, inbox: &str, log: &std::path::Path) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(common::run_only("replica"))
            .env("REPLICA_CHILD", "1")
            .env("WEBHOOKS_INBOX", inbox)
            .env("WEBHOOKS_REPLICA", name)
            .env("REPLICAS_LOG", log)
            .env("WEBHOOK_SECRET", SECRET)
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .env(
                "RUST_LOG",
                std::env::var("REPLICAS_RUST_LOG").unwrap_or_else(|_| "off".to_owned()),
            )
            .env_remove("SPACE_ID")
            .env_remove("SPACE_HOST")
            .env_remove("WEBHOOKS_PUBLIC_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (found, address) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.trim().strip_prefix("- POST http://")
                    && let Some((addr, _)) = url.split_once('/')
                {
                    let _ = found.send(addr.parse::<SocketAddr>().unwrap());
                }
            }
        });
        let addr = address
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| panic!("replica {name} did not start"));
        Self { child, addr }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A delivery with id `id`, as the Hub sends it.
async fn deliver(addr: SocketAddr, endpoint: &str, id: &str) -> common::Reply {
    common::request(
        addr,
        "POST",
        &format!("/webhooks/{endpoint}"),
        &[
            ("x-webhook-secret", SECRET),
            ("content-type", "application/json"),
            ("webhook-id", id),
        ],
        &common::fixture("discussion__create__hub-docs.json"),
    )
    .await
}

/// The handlers' lines: (event, id, replica).
fn lines(log: &std::path::Path) -> Vec<(String, String, String)> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let mut words = line.split(' ');
            Some((
                words.next()?.to_owned(),
                words.next()?.to_owned(),
                words.next()?.to_owned(),
            ))
        })
        .collect()
}

/// How many times each id was handled to the end.
fn done(log: &std::path::Path) -> BTreeMap<String, usize> {
    let mut done = BTreeMap::new();
    for (event, id, _) in lines(log) {
        if event == "done" {
            *done.entry(id).or_default() += 1;
        }
    }
    done
}

/// Waits (at most [`WAIT`]) until `ready` holds of the log.
async fn wait_for(
    log: &std::path::Path,
    what: &str,
    ready: impl Fn(&[(String, String, String)]) -> bool,
) {
    let deadline = Instant::now() + WAIT;
    while !ready(&lines(log)) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; the log has {:#?}",
            lines(log)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The handlers' log of a test, removed (with its `.healed` marker) when the test ends, also
/// when it fails.
struct LogFile(std::path::PathBuf);

impl std::ops::Deref for LogFile {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for LogFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_file(format!("{}.healed", self.0.display()));
    }
}

fn log_file(schema: &TestSchema) -> LogFile {
    let dir = std::env::temp_dir().join("webhooks-replicas");
    std::fs::create_dir_all(&dir).unwrap();
    LogFile(dir.join(format!("{}.log", schema.name)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_handle_each_delivery_once_and_take_over_from_a_killed_one() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let log = log_file(&schema);
    let mut replicas: Vec<Replica> = ["r1", "r2", "r3"]
        .into_iter()
        .map(|name| Replica::start(name, &schema.url(), &log))
        .collect();

    // Round-robin over the three: every delivery is accepted by one and handled once.
    let ids: Vec<String> = (0..30).map(|n| format!("d-{n}")).collect();
    for (n, id) in ids.iter().enumerate() {
        let reply = deliver(replicas[n % 3].addr, "work", id).await;
        assert_eq!(reply.status, 202, "{}", reply.body);
        assert_eq!(
            reply.body,
            format!(r#"{{"queued":true,"deliveryId":"{id}"}}"#)
        );
    }
    wait_for(&log, "the 30 deliveries", |_| done(&log).len() == 30).await;
    let handled = done(&log);
    assert!(handled.values().all(|&times| times == 1), "{handled:?}");
    assert_eq!(
        handled.keys().cloned().collect::<BTreeSet<_>>(),
        ids.iter().cloned().collect()
    );

    // r1 takes deliveries it will never finish, and is killed while it holds them.
    let slow: Vec<String> = (0..4).map(|n| format!("slow-{n}")).collect();
    for id in &slow {
        assert_eq!(deliver(replicas[0].addr, "work", id).await.status, 202);
    }
    wait_for(&log, "r1 to start a slow delivery", |lines| {
        lines.iter().any(|(event, id, replica)| {
            event == "start" && id.starts_with("slow-") && replica == "r1"
        })
    })
    .await;
    let mut killed = replicas.remove(0);
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();
    let held: BTreeSet<String> = lines(&log)
        .into_iter()
        .filter(|(event, _, replica)| event == "start" && replica == "r1")
        .map(|(_, id, _)| id)
        .filter(|id| id.starts_with("slow-"))
        .collect();
    assert!(!held.is_empty());

    // After the lease, the others run what r1 held: nothing is lost.
    wait_for(&log, "the slow deliveries", |_| {
        slow.iter().all(|id| done(&log).contains_key(id))
    })
    .await;
    let finishers: BTreeMap<String, String> = lines(&log)
        .into_iter()
        .filter(|(event, id, _)| event == "done" && id.starts_with("slow-"))
        .map(|(_, id, replica)| (id, replica))
        .collect();
    assert_eq!(finishers.len(), 4, "{finishers:?}");
    assert!(
        finishers.values().all(|replica| replica != "r1"),
        "{finishers:?}"
    );

    // Any replica's deliveries API shows the shared inbox, with who ran each attempt (once the
    // outcomes, recorded after the handlers' last lines, are committed).
    let deadline = Instant::now() + WAIT;
    let inbox = loop {
        let listed = common::request(
            replicas[1].addr,
            "GET",
            "/api/deliveries",
            &[("x-webhook-secret", SECRET)],
            b"",
        )
        .await
        .json();
        let inbox = listed["inbox"].as_array().unwrap().clone();
        if inbox.iter().all(|entry| entry["status"] == "done") {
            break inbox;
        }
        assert!(Instant::now() < deadline, "not all done: {inbox:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(inbox.len(), 34);
    let taken_over = inbox
        .iter()
        .find(|entry| held.contains(entry["deliveryId"].as_str().unwrap()))
        .unwrap();
    let history = taken_over["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{taken_over}");
    assert_eq!(history[0]["replica"], "r1");
    assert_eq!(history[0]["finishedAt"], serde_json::Value::Null);
    assert_ne!(history[1]["replica"], "r1");
    assert_eq!(history[1]["status"], 200);
    drop(replicas);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_delivery_sent_to_every_replica_at_once_runs_once() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let log = log_file(&schema);
    let replicas: Vec<Replica> = ["r1", "r2", "r3"]
        .into_iter()
        .map(|name| Replica::start(name, &schema.url(), &log))
        .collect();
    for (endpoint, first) in [("work", 202), ("direct", 200)] {
        let id = format!("same-{endpoint}");
        let replies = futures_join(replicas.iter().map(|replica| {
            let (addr, id) = (replica.addr, id.clone());
            async move { deliver(addr, endpoint, &id).await }
        }))
        .await;
        let mut answers: Vec<(u16, String)> = replies
            .into_iter()
            .map(|reply| (reply.status, reply.body))
            .collect();
        answers.sort();
        let accepted = if endpoint == "work" {
            format!(r#"{{"queued":true,"deliveryId":"{id}"}}"#)
        } else {
            "ran".to_owned()
        };
        let duplicate = (200, r#"{"duplicate":true}"#.to_owned());
        let mut expected = vec![duplicate.clone(), duplicate, (first, accepted)];
        expected.sort();
        assert_eq!(answers, expected, "{endpoint}");
        wait_for(&log, "the delivery", |_| done(&log).contains_key(&id)).await;
    }
    // Time for a second run, if there were one, to show.
    tokio::time::sleep(LEASE).await;
    let handled = done(&log);
    assert_eq!(handled.get("same-work"), Some(&1), "{handled:?}");
    assert_eq!(handled.get("same-direct"), Some(&1), "{handled:?}");
    drop(replicas);
}

/// The inbox as replica `addr`'s deliveries API lists it.
async fn inbox(addr: SocketAddr) -> Vec<serde_json::Value> {
    let listed = common::get(addr, "/api/deliveries").await.json();
    listed["inbox"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_delivery_is_retried_from_another_replicas_page() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let log = log_file(&schema);
    let replicas: Vec<Replica> = ["r1", "r2"]
        .into_iter()
        .map(|name| Replica::start(name, &schema.url(), &log))
        .collect();
    assert_eq!(
        deliver(replicas[0].addr, "flaky", "dead-1").await.status,
        202
    );
    let deadline = Instant::now() + WAIT;
    loop {
        let entries = inbox(replicas[1].addr).await;
        if entries
            .first()
            .is_some_and(|entry| entry["status"] == "dead")
        {
            assert_eq!(
                entries[0]["lastError"], "the handler answered 500 Internal Server Error",
                "{entries:?}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "not dead: {entries:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    std::fs::write(format!("{}.healed", log.display()), b"").unwrap();
    let retried = common::request(
        replicas[1].addr,
        "POST",
        "/api/deliveries/dead-1/retry",
        &[("x-webhook-secret", SECRET)],
        b"",
    )
    .await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(retried.body, r#"{"deliveryId":"dead-1","retried":1}"#);
    wait_for(&log, "the retried delivery", |_| {
        done(&log).contains_key("dead-1")
    })
    .await;
    drop(replicas);
}

/// Awaits every future at once.
async fn futures_join<F: Future<Output = common::Reply> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<common::Reply> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut replies = Vec::new();
    for handle in handles {
        replies.push(handle.await.unwrap());
    }
    replies
}

/// A TCP proxy on 127.0.0.1 in front of the database: taking it down is a database outage as the
/// replicas see it (connections cut, new ones refused), without touching the shared server.
struct Proxy {
    port: u16,
    upstream: SocketAddr,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut proxy = Self {
            port,
            upstream,
            task: None,
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let upstream = self.upstream;
        self.task = Some(tokio::spawn(async move {
            // Dropping the set (when this task is aborted) cuts every connection.
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                connections.spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        }));
    }

    async fn down(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    async fn up(&mut self) {
        let deadline = Instant::now() + WAIT;
        let listener = loop {
            match tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(listener) => break listener,
                Err(err) => {
                    assert!(Instant::now() < deadline, "cannot listen again: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };
        self.serve(listener);
    }
}

/// The PostgreSQL server's address, from the test URL.
fn database_addr(url: &str) -> SocketAddr {
    let rest = url.split_once("://").unwrap().1;
    let authority = rest.split(['/', '?']).next().unwrap();
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    std::net::ToSocketAddrs::to_socket_addrs(&host_port.replace("localhost", "127.0.0.1"))
        .unwrap()
        .next()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_database_is_down_deliveries_get_503_and_the_replicas_recover_by_themselves() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let log = log_file(&schema);
    let mut proxy = Proxy::start(database_addr(&schema.admin_url)).await;
    let inbox = schema.url_at(&format!("127.0.0.1:{}", proxy.port));
    let replicas: Vec<Replica> = ["r1", "r2"]
        .into_iter()
        .map(|name| Replica::start(name, &inbox, &log))
        .collect();
    let mut accepted = BTreeSet::new();
    let mut refused = BTreeSet::new();
    let mut sent = 0;
    let mut send = async |accepted: &mut BTreeSet<String>, refused: &mut BTreeSet<String>| {
        let id = format!("o-{sent}");
        let reply = deliver(replicas[sent % 2].addr, "work", &id).await;
        sent += 1;
        match reply.status {
            202 => {
                accepted.insert(id);
            }
            503 => {
                assert_eq!(reply.header("retry-after"), Some("5"));
                assert!(
                    reply.json()["error"]
                        .as_str()
                        .unwrap()
                        .starts_with("The delivery could not be stored; try again later"),
                    "{}",
                    reply.body
                );
                refused.insert(id);
            }
            other => panic!("{other}: {}", reply.body),
        }
        reply.status
    };

    for _ in 0..10 {
        assert_eq!(send(&mut accepted, &mut refused).await, 202);
    }

    // Down: every delivery is refused with 503, never accepted without a commit.
    proxy.down().await;
    for _ in 0..10 {
        assert_eq!(send(&mut accepted, &mut refused).await, 503);
    }

    // Up again: the replicas reconnect by themselves (each after its backoff), until both
    // accept deliveries in a row.
    proxy.up().await;
    let deadline = Instant::now() + WAIT;
    let mut in_a_row = 0;
    while in_a_row < 2 {
        assert!(Instant::now() < deadline, "the replicas did not recover");
        if send(&mut accepted, &mut refused).await == 202 {
            in_a_row += 1;
        } else {
            in_a_row = 0;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    for _ in 0..10 {
        assert_eq!(send(&mut accepted, &mut refused).await, 202);
    }

    // Connections ended by the server (as at a restart) while deliveries arrive: each is
    // accepted or refused, and every accepted one is handled.
    schema.terminate_connections();
    for _ in 0..10 {
        send(&mut accepted, &mut refused).await;
    }
    let deadline = Instant::now() + WAIT;
    while send(&mut accepted, &mut refused).await != 202 {
        assert!(Instant::now() < deadline, "the replicas did not reconnect");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    wait_for(&log, "every accepted delivery", |_| {
        let done = done(&log);
        accepted.iter().all(|id| done.contains_key(id))
    })
    .await;
    let done = done(&log);
    assert!(
        refused.iter().all(|id| !done.contains_key(id)),
        "a refused delivery ran: {refused:?} {done:?}"
    );
    assert!(refused.len() >= 10);
    drop(replicas);
    proxy.down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_that_cannot_reach_the_database_exits_with_1_saying_why() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(common::run_only("replica"))
        .env("REPLICA_CHILD", "1")
        .env(
            "WEBHOOKS_INBOX",
            schema.url_at(&format!("127.0.0.1:{port}")),
        )
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("RUST_LOG", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the replica did not exit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines.iter().any(|line| line.starts_with(&format!(
            "error: the inbox postgres://postgres@127.0.0.1:{port}/"
        )) && line.contains("cannot connect: error connecting to server")),
        "{stderr}"
    );
    assert!(
        lines.contains(
            &format!(
                "help: check that the database at `{}` is up and that its user may create tables",
                schema.url_at(&format!("127.0.0.1:{port}"))
            )
            .as_str()
        ),
        "{stderr}"
    );
}
