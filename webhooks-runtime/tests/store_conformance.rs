//! The inbox's contract, checked on every store this crate has: `MemoryStore`, `SqliteStore` (a
//! temporary file) and `PostgresStore` (a schema of the test's own on the server
//! `WEBHOOKS_TEST_POSTGRES_URL` names; skipped without it, see `tests/postgres/mod.rs`).
//!
//! Every time is given to the store by the test, so nothing here depends on the clock.

mod postgres;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use webhooks_runtime::inbox::{
    Begin, ClaimId, Claimed, Counts, DeliveryKey, Durability, Enqueued, MemoryStore, NewDelivery,
    Outcome, SqliteStore, Status, Store,
};

const ENDPOINT: &str = "/webhooks/queued";
const LEASE: Duration = Duration::from_secs(30);

/// `secs` seconds after a fixed moment.
fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
}

fn key(id: &str) -> DeliveryKey {
    DeliveryKey::new(ENDPOINT, id)
}

fn delivery(id: &str, max_attempts: u32) -> NewDelivery {
    NewDelivery::new(key(id), format!("{{\"id\":\"{id}\"}}"), max_attempts).with_headers(vec![
        ("content-type".into(), "application/json".into()),
        ("webhook-id".into(), id.into()),
    ])
}

async fn enqueue(store: &dyn Store, id: &str, max_attempts: u32, now: SystemTime) -> Enqueued {
    store
        .enqueue(delivery(id, max_attempts), now)
        .await
        .unwrap()
}

async fn claim(store: &dyn Store, replica: &str, limit: usize, now: SystemTime) -> Vec<Claimed> {
    store.claim(replica, limit, LEASE, now).await.unwrap()
}

fn ids(claimed: &[Claimed]) -> Vec<&str> {
    claimed
        .iter()
        .map(|claimed| claimed.delivery.key.id.as_str())
        .collect()
}

async fn status_of(store: &dyn Store, id: &str) -> Status {
    let entries = store.list(100).await.unwrap();
    entries
        .iter()
        .find(|entry| entry.key.id == id)
        .unwrap_or_else(|| panic!("{id} is not listed: {entries:?}"))
        .status
}

/// A delivery that failed its only attempt.
async fn dead(store: &dyn Store, id: &str, now: SystemTime) {
    assert_eq!(enqueue(store, id, 1, now).await, Enqueued::Queued);
    let claimed = claim(store, "r1", 1, now).await;
    assert_eq!(ids(&claimed), [id]);
    store
        .settle(claimed[0].claim, Outcome::failed(500, "boom", None), now)
        .await
        .unwrap();
}

async fn enqueue_stores_once(store: &dyn Store) {
    assert_eq!(enqueue(store, "a", 3, at(0)).await, Enqueued::Queued);
    assert_eq!(
        enqueue(store, "a", 3, at(1)).await,
        Enqueued::Duplicate(Status::Queued)
    );
    let claimed = claim(store, "r1", 10, at(2)).await;
    assert_eq!(ids(&claimed), ["a"]);
    let stored = &claimed[0].delivery;
    assert_eq!(stored.body, &b"{\"id\":\"a\"}"[..]);
    assert_eq!(stored.uri, ENDPOINT);
    assert_eq!(stored.max_attempts, 3);
    assert!(
        stored
            .headers
            .contains(&("webhook-id".to_owned(), "a".to_owned()))
    );
    assert_eq!(claimed[0].attempt, 1);
    assert_eq!(
        enqueue(store, "a", 3, at(3)).await,
        Enqueued::Duplicate(Status::Running)
    );
    store
        .settle(claimed[0].claim, Outcome::succeeded(200), at(4))
        .await
        .unwrap();
    assert_eq!(
        enqueue(store, "a", 3, at(5)).await,
        Enqueued::Duplicate(Status::Done)
    );
    assert!(claim(store, "r1", 10, at(6)).await.is_empty());
    // The same id to another endpoint is another delivery.
    let other = NewDelivery::new(DeliveryKey::new("/webhooks/other", "a"), "{}", 3);
    assert_eq!(store.enqueue(other, at(7)).await.unwrap(), Enqueued::Queued);
}

async fn enqueue_revives_the_dead(store: &dyn Store) {
    dead(store, "a", at(0)).await;
    assert_eq!(status_of(store, "a").await, Status::Dead);
    assert_eq!(enqueue(store, "a", 2, at(10)).await, Enqueued::Revived);
    assert_eq!(status_of(store, "a").await, Status::Queued);
    let claimed = claim(store, "r1", 10, at(11)).await;
    assert_eq!(ids(&claimed), ["a"]);
    assert_eq!(claimed[0].attempt, 1);
    assert_eq!(claimed[0].delivery.max_attempts, 2);
}

async fn claim_takes_due_deliveries_in_order_up_to_the_limit(store: &dyn Store) {
    for (n, id) in ["a", "b", "c"].into_iter().enumerate() {
        assert_eq!(enqueue(store, id, 3, at(n as u64)).await, Enqueued::Queued);
    }
    assert!(
        claim(store, "r1", 10, at(0) - Duration::from_secs(1))
            .await
            .is_empty(),
        "nothing is due before it was stored"
    );
    let first = claim(store, "r1", 2, at(5)).await;
    assert_eq!(ids(&first), ["a", "b"]);
    let second = claim(store, "r1", 2, at(5)).await;
    assert_eq!(ids(&second), ["c"]);
    assert!(claim(store, "r1", 2, at(5)).await.is_empty());
    for done in [first[1].claim, second[0].claim] {
        store
            .settle(done, Outcome::succeeded(200), at(6))
            .await
            .unwrap();
    }
    // A failure with a retry time is due at that time, not before.
    store
        .settle(
            first[0].claim,
            Outcome::failed(503, "later", Some(at(100))),
            at(6),
        )
        .await
        .unwrap();
    assert!(claim(store, "r1", 10, at(99)).await.is_empty());
    let again = claim(store, "r1", 10, at(100)).await;
    assert_eq!(ids(&again), ["a"]);
    assert_eq!(again[0].attempt, 2);
}

async fn an_expired_lease_is_claimed_again(store: &dyn Store) {
    enqueue(store, "a", 3, at(0)).await;
    let first = claim(store, "r1", 10, at(0)).await;
    assert_eq!(ids(&first), ["a"]);
    assert!(claim(store, "r2", 10, at(29)).await.is_empty());
    let second = claim(store, "r2", 10, at(30)).await;
    assert_eq!(ids(&second), ["a"]);
    assert_eq!(second[0].attempt, 2);
    store
        .settle(second[0].claim, Outcome::succeeded(200), at(31))
        .await
        .unwrap();
    let entry = store.list(10).await.unwrap().remove(0);
    assert_eq!(entry.status, Status::Done);
    let history: Vec<(u32, &str, Option<u16>)> = entry
        .history
        .iter()
        .map(|attempt| (attempt.number, attempt.replica.as_str(), attempt.status))
        .collect();
    assert_eq!(history, [(1, "r1", None), (2, "r2", Some(200))]);
    assert_eq!(entry.history[0].finished_at, None, "cut short");
}

async fn a_claim_counts_expired_and_due_deliveries_against_its_limit(store: &dyn Store) {
    enqueue(store, "a", 3, at(0)).await;
    assert_eq!(ids(&claim(store, "r1", 1, at(0)).await), ["a"]);
    enqueue(store, "b", 3, at(1)).await;
    enqueue(store, "c", 3, at(2)).await;
    let claimed = claim(store, "r2", 2, at(30)).await;
    assert_eq!(ids(&claimed), ["a", "b"]);
    assert_eq!(ids(&claim(store, "r2", 2, at(30)).await), ["c"]);
}

async fn renew_extends_a_lease(store: &dyn Store) {
    enqueue(store, "a", 3, at(0)).await;
    let claimed = claim(store, "r1", 10, at(0)).await;
    store
        .renew(&[claimed[0].claim], LEASE, at(20))
        .await
        .unwrap();
    assert!(claim(store, "r2", 10, at(49)).await.is_empty());
    assert_eq!(ids(&claim(store, "r2", 10, at(50)).await), ["a"]);
}

async fn settle_records_retries_and_success(store: &dyn Store) {
    enqueue(store, "a", 3, at(0)).await;
    let first = claim(store, "r1", 10, at(1)).await;
    store
        .settle(
            first[0].claim,
            Outcome::failed(500, "the model server is down", Some(at(10))),
            at(2),
        )
        .await
        .unwrap();
    let entry = store.list(10).await.unwrap().remove(0);
    assert_eq!(entry.status, Status::Retrying);
    assert_eq!(entry.attempts, 1);
    assert_eq!(entry.max_attempts, 3);
    assert_eq!(entry.received_at, at(0));
    assert_eq!(entry.next_attempt_at, Some(at(10)));
    let attempt = &entry.history[0];
    assert_eq!(
        (
            attempt.number,
            attempt.replica.as_str(),
            attempt.started_at,
            attempt.finished_at,
            attempt.status,
            attempt.error.as_deref()
        ),
        (
            1,
            "r1",
            at(1),
            Some(at(2)),
            Some(500),
            Some("the model server is down")
        )
    );
    let second = claim(store, "r2", 10, at(10)).await;
    assert_eq!(second[0].attempt, 2);
    store
        .settle(second[0].claim, Outcome::succeeded(204), at(11))
        .await
        .unwrap();
    let entry = store.list(10).await.unwrap().remove(0);
    assert_eq!(entry.status, Status::Done);
    assert_eq!(entry.next_attempt_at, None);
    assert_eq!(entry.history.len(), 2);
    assert_eq!(entry.history[1].replica, "r2");
    assert_eq!(entry.history[1].status, Some(204));
    assert_eq!(entry.history[1].error, None);
}

async fn the_last_failure_is_dead(store: &dyn Store) {
    dead(store, "a", at(0)).await;
    let entry = store.list(10).await.unwrap().remove(0);
    assert_eq!(entry.status, Status::Dead);
    assert_eq!(entry.next_attempt_at, None);
    assert_eq!(entry.history[0].error.as_deref(), Some("boom"));
    assert!(claim(store, "r1", 10, at(1000)).await.is_empty());
    // A settle for a claim that is no longer running changes nothing.
    store
        .settle(ClaimId(i64::MAX), Outcome::succeeded(200), at(1001))
        .await
        .unwrap();
    assert_eq!(status_of(store, "a").await, Status::Dead);
}

async fn release_puts_claims_back(store: &dyn Store) {
    enqueue(store, "a", 3, at(0)).await;
    let claimed = claim(store, "r1", 10, at(1)).await;
    store.release(&[claimed[0].claim], at(2)).await.unwrap();
    let entry = store.list(10).await.unwrap().remove(0);
    assert_eq!(entry.status, Status::Queued);
    assert_eq!(entry.attempts, 0);
    assert!(entry.history.is_empty());
    let again = claim(store, "r2", 10, at(2)).await;
    assert_eq!(ids(&again), ["a"]);
    assert_eq!(again[0].attempt, 1);
}

async fn retry_queues_the_dead_again(store: &dyn Store) {
    dead(store, "a", at(0)).await;
    assert_eq!(store.retry("unknown", at(1)).await.unwrap(), 0);
    assert_eq!(store.retry("a", at(1)).await.unwrap(), 1);
    assert_eq!(store.retry("a", at(1)).await.unwrap(), 0, "no longer dead");
    let entry = store.list(10).await.unwrap().remove(0);
    assert_eq!(entry.status, Status::Queued);
    assert_eq!(entry.history.len(), 1, "the history is kept");
    let claimed = claim(store, "r2", 10, at(1)).await;
    assert_eq!(ids(&claimed), ["a"]);
    assert_eq!(claimed[0].attempt, 1);
}

async fn list_is_newest_first_with_each_attempts_replica(store: &dyn Store) {
    enqueue(store, "a", 3, at(0)).await;
    enqueue(store, "b", 3, at(1)).await;
    enqueue(store, "c", 3, at(2)).await;
    let one = claim(store, "replica-1", 1, at(3)).await;
    let two = claim(store, "replica-2", 1, at(3)).await;
    assert_eq!((ids(&one), ids(&two)), (vec!["a"], vec!["b"]));
    let entries = store.list(10).await.unwrap();
    let listed: Vec<(&str, Status, Vec<&str>)> = entries
        .iter()
        .map(|entry| {
            (
                entry.key.id.as_str(),
                entry.status,
                entry
                    .history
                    .iter()
                    .map(|attempt| attempt.replica.as_str())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("c", Status::Queued, vec![]),
            ("b", Status::Running, vec!["replica-2"]),
            ("a", Status::Running, vec!["replica-1"]),
        ]
    );
    assert_eq!(store.list(2).await.unwrap().len(), 2);
    // Ids of not-queued endpoints are not listed.
    let seen = DeliveryKey::new("/webhooks/direct", "d");
    assert_eq!(store.begin(&seen, at(4)).await.unwrap(), Begin::Run);
    store.finish(&seen, true, at(5)).await.unwrap();
    assert_eq!(store.list(10).await.unwrap().len(), 3);
}

async fn counts_say_where_deliveries_stand(store: &dyn Store) {
    assert_eq!(store.counts().await.unwrap(), Counts::default());
    for id in ["q", "r", "t", "d", "x"] {
        enqueue(store, id, if id == "d" { 1 } else { 3 }, at(0)).await;
    }
    // Claim them one at a time, in order: q, r, t, d, x.
    let mut claims = Vec::new();
    for _ in 0..4 {
        claims.push(claim(store, "r1", 1, at(1)).await.remove(0));
    }
    assert_eq!(
        ids(&claims),
        ["q", "r", "t", "d"],
        "claimed in order of arrival"
    );
    store
        .settle(
            claims[1].claim,
            Outcome::failed(500, "e", Some(at(50))),
            at(2),
        )
        .await
        .unwrap();
    store
        .settle(claims[2].claim, Outcome::succeeded(200), at(2))
        .await
        .unwrap();
    store
        .settle(claims[3].claim, Outcome::failed(500, "e", None), at(2))
        .await
        .unwrap();
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (
            counts.queued,
            counts.running,
            counts.retrying,
            counts.done,
            counts.dead
        ),
        (1, 1, 1, 1, 1)
    );
}

async fn purge_forgets_what_was_done_long_ago(store: &dyn Store) {
    enqueue(store, "old", 3, at(0)).await;
    enqueue(store, "dead", 1, at(0)).await;
    enqueue(store, "new", 3, at(0)).await;
    let claimed = claim(store, "r1", 3, at(1)).await;
    assert_eq!(ids(&claimed), ["old", "dead", "new"]);
    store
        .settle(claimed[0].claim, Outcome::succeeded(200), at(10))
        .await
        .unwrap();
    store
        .settle(claimed[1].claim, Outcome::failed(500, "e", None), at(10))
        .await
        .unwrap();
    store
        .settle(claimed[2].claim, Outcome::succeeded(200), at(100))
        .await
        .unwrap();
    let remembered = DeliveryKey::new("/webhooks/direct", "seen");
    assert_eq!(store.begin(&remembered, at(10)).await.unwrap(), Begin::Run);
    store.finish(&remembered, true, at(10)).await.unwrap();

    assert_eq!(store.purge(at(50)).await.unwrap(), 2);
    let left: Vec<String> = store
        .list(10)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.key.id)
        .collect();
    assert_eq!(left, ["new", "dead"]);
    // Forgotten: the same ids are new deliveries again.
    assert_eq!(store.begin(&remembered, at(60)).await.unwrap(), Begin::Run);
    assert_eq!(enqueue(store, "old", 3, at(60)).await, Enqueued::Queued);
}

async fn begin_and_finish_remember_handled_ids(store: &dyn Store) {
    let id = DeliveryKey::new("/webhooks/direct", "a");
    assert_eq!(store.begin(&id, at(0)).await.unwrap(), Begin::Run);
    assert_eq!(
        store.begin(&id, at(1)).await.unwrap(),
        Begin::Duplicate,
        "being handled"
    );
    store.finish(&id, false, at(2)).await.unwrap();
    assert_eq!(
        store.begin(&id, at(3)).await.unwrap(),
        Begin::Run,
        "a failure is forgotten"
    );
    store.finish(&id, true, at(4)).await.unwrap();
    assert_eq!(
        store.begin(&id, at(5)).await.unwrap(),
        Begin::Duplicate,
        "handled"
    );
    let other = DeliveryKey::new("/webhooks/other", "a");
    assert_eq!(store.begin(&other, at(6)).await.unwrap(), Begin::Run);
}

async fn concurrent_begins_run_once(store: Arc<dyn Store>) {
    let id = DeliveryKey::new("/webhooks/direct", "raced");
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let store = Arc::clone(&store);
        let id = id.clone();
        tasks.spawn(async move { store.begin(&id, at(0)).await.unwrap() });
    }
    let mut runs = 0;
    while let Some(begun) = tasks.join_next().await {
        if begun.unwrap() == Begin::Run {
            runs += 1;
        }
    }
    assert_eq!(runs, 1);
}

async fn next_due_says_when_to_look_again(store: &dyn Store) {
    assert_eq!(store.next_due().await.unwrap(), None);
    enqueue(store, "a", 3, at(5)).await;
    assert_eq!(store.next_due().await.unwrap(), Some(at(5)));
    claim(store, "r1", 10, at(6)).await;
    assert_eq!(
        store.next_due().await.unwrap(),
        Some(at(6) + LEASE),
        "a running claim is due when its lease ends"
    );
}

/// One test per check and store.
macro_rules! conformance {
    ($($check:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $check() {
                    let store = webhooks_runtime::inbox::MemoryStore::new();
                    super::$check(&store).await;
                }
            )*
            #[tokio::test]
            async fn concurrent_begins_run_once() {
                super::concurrent_begins_run_once(std::sync::Arc::new(super::MemoryStore::new())).await;
            }
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    let file = super::TempInbox::new();
                    super::$check(&file.open()).await;
                }
            )*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_begins_run_once() {
                let file = super::TempInbox::new();
                super::concurrent_begins_run_once(std::sync::Arc::new(file.open())).await;
            }
        }
        #[cfg(feature = "postgres")]
        mod postgres_store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    let Some(schema) = super::postgres::TestSchema::create() else { return };
                    let store = super::pg_store(&schema).await;
                    super::$check(&store).await;
                }
            )*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_begins_run_once() {
                let Some(schema) = super::postgres::TestSchema::create() else { return };
                let store = super::pg_store(&schema).await;
                super::concurrent_begins_run_once(std::sync::Arc::new(store)).await;
            }
        }
    };
}

conformance!(
    enqueue_stores_once,
    enqueue_revives_the_dead,
    claim_takes_due_deliveries_in_order_up_to_the_limit,
    an_expired_lease_is_claimed_again,
    a_claim_counts_expired_and_due_deliveries_against_its_limit,
    renew_extends_a_lease,
    settle_records_retries_and_success,
    the_last_failure_is_dead,
    release_puts_claims_back,
    retry_queues_the_dead_again,
    list_is_newest_first_with_each_attempts_replica,
    counts_say_where_deliveries_stand,
    purge_forgets_what_was_done_long_ago,
    begin_and_finish_remember_handled_ids,
    next_due_says_when_to_look_again,
);

/// A SQLite inbox in a temporary file, removed with its companions when dropped.
struct TempInbox {
    path: std::path::PathBuf,
}

impl TempInbox {
    fn new() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "webhooks-conformance-{}-{}.sqlite3",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        Self { path }
    }

    fn open(&self) -> SqliteStore {
        SqliteStore::open(&self.path, Durability::Process).unwrap()
    }
}

impl Drop for TempInbox {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", ".lock"] {
            let mut path = self.path.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(feature = "postgres")]
async fn pg_store(schema: &postgres::TestSchema) -> webhooks_runtime::inbox::PostgresStore {
    use webhooks_runtime::inbox::{PostgresOptions, PostgresStore};
    let store = PostgresStore::new(&schema.url(), PostgresOptions::default()).unwrap();
    store.prepare().await.unwrap();
    store
}
