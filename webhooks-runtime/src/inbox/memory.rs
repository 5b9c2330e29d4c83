//! [`MemoryStore`]: the inbox in memory, for servers that queue nothing (ids only, bounded) and for
//! tests.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::BuildHasher;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use super::{
    AttemptRecord, Begin, ClaimId, Claimed, Counts, DeliveryKey, Enqueued, Entry, NewDelivery,
    Outcome, Settled, Status, Store, StoreFuture,
};

/// How many handled ids a [`MemoryStore`] remembers by default.
pub const DEFAULT_REMEMBERED: usize = 10_000;

/// An inbox in memory: nothing survives the process.
///
/// A server with no queued endpoint and no inbox configured remembers the ids of the deliveries
/// it handled here, the last [`DEFAULT_REMEMBERED`] of them, so that the Hub's retries run once.
/// [`TestClient`](crate::test::TestClient) also keeps queued deliveries here unless it is given
/// an inbox.
#[derive(Debug)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    /// The keys of the fingerprints, drawn at random when the store is made (outside the lock:
    /// a fingerprint is computed before taking it).
    seeds: Seeds,
    remember: usize,
}

#[derive(Debug, Default)]
struct Inner {
    /// Queued deliveries, by the order they arrived in.
    items: HashMap<i64, Item>,
    /// The queued deliveries' keys.
    keys: HashMap<DeliveryKey, i64>,
    /// The [`Fingerprint`]s of deliveries to endpoints that are not queued, being handled or
    /// handled. Only the fingerprint, which keeps the set small (some 270 KB for 10,000 ids, half
    /// of what a time beside each took): every delivery looks up one place in it at random and
    /// frees another, and those are cache misses once the set outgrows the cache.
    remembered: HashSet<Fingerprint, foldhash::fast::RandomState>,
    /// The handled ones and when, oldest first, for the bound and for purges: read and written at
    /// its two ends only.
    handled: VecDeque<(Fingerprint, SystemTime)>,
    next_seq: i64,
}

/// A delivery's key as the store remembers it: 128 bits of two hashes of it (`foldhash`), keyed
/// at random.
///
/// Remembering ids this way costs no allocation per delivery, and keeps the set small enough to
/// stay in cache; two different keys share a fingerprint with a probability around 2^-128 per
/// pair, some 10^-31 for the 10,000 ids remembered by default.
type Fingerprint = u128;

/// The random keys of the two hashes making a [`Fingerprint`].
#[derive(Debug, Default)]
struct Seeds([foldhash::quality::RandomState; 2]);

impl Seeds {
    /// The fingerprint of the key of delivery `id` to `endpoint` (hashed as [`DeliveryKey`]
    /// hashes: its two fields in order).
    fn fingerprint(&self, endpoint: &str, id: &str) -> Fingerprint {
        let [high, low] = self.0.each_ref().map(|seed| seed.hash_one((endpoint, id)));
        (u128::from(high) << 64) | u128::from(low)
    }
}

#[derive(Debug)]
struct Item {
    delivery: NewDelivery,
    state: State,
    attempts: u32,
    received_at: SystemTime,
    next_at: SystemTime,
    lease_until: Option<SystemTime>,
    finished_at: Option<SystemTime>,
    history: Vec<AttemptRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Running,
    Done,
    Dead,
}

impl Item {
    fn status(&self) -> Status {
        match self.state {
            State::Waiting if self.attempts == 0 => Status::Queued,
            State::Waiting => Status::Retrying,
            State::Running => Status::Running,
            State::Done => Status::Done,
            State::Dead => Status::Dead,
        }
    }

    fn claimable(&self, now: SystemTime) -> bool {
        match self.state {
            State::Waiting => self.next_at <= now,
            State::Running => self.lease_until.is_some_and(|until| until <= now),
            State::Done | State::Dead => false,
        }
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// A store remembering the last [`DEFAULT_REMEMBERED`] handled ids.
    pub fn new() -> Self {
        Self::remembering(DEFAULT_REMEMBERED)
    }

    /// A store remembering the last `ids` handled ids (of not-queued endpoints).
    pub fn remembering(ids: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            seeds: Seeds::default(),
            remember: ids.max(1),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// [`Store::begin`] for delivery `id` to `endpoint`, at once: what
    /// [`finish_now`](Self::finish_now) takes, or `None` for a duplicate.
    pub(crate) fn begin_now(&self, endpoint: &str, id: &str) -> Option<Remembered> {
        let fingerprint = self.seeds.fingerprint(endpoint, id);
        let mut inner = self.inner();
        inner
            .remembered
            .insert(fingerprint)
            .then_some(Remembered(fingerprint))
    }

    /// [`Store::finish`] at once, for what [`begin_now`](Self::begin_now) started.
    pub(crate) fn finish_now(&self, remembered: Remembered, succeeded: bool, now: SystemTime) {
        let fingerprint = remembered.0;
        let mut inner = self.inner();
        if !succeeded {
            inner.remembered.remove(&fingerprint);
            return;
        }
        if !inner.remembered.contains(&fingerprint) {
            return;
        }
        inner.handled.push_back((fingerprint, now));
        while inner.handled.len() > self.remember {
            if let Some((oldest, _)) = inner.handled.pop_front() {
                inner.remembered.remove(&oldest);
            }
        }
    }
}

/// A delivery being handled, as [`MemoryStore::begin_now`] remembered it.
#[derive(Debug)]
pub(crate) struct Remembered(Fingerprint);

impl Inner {
    fn insert(&mut self, item: Item) -> i64 {
        self.next_seq += 1;
        let seq = self.next_seq;
        self.keys.insert(item.delivery.key.clone(), seq);
        self.items.insert(seq, item);
        seq
    }

    fn remove(&mut self, seq: i64) {
        if let Some(item) = self.items.remove(&seq) {
            self.keys.remove(&item.delivery.key);
        }
    }

    fn running(&mut self, claim: ClaimId) -> Option<&mut Item> {
        self.items
            .get_mut(&claim.0)
            .filter(|item| item.state == State::Running)
    }
}

fn ready<'a, T: Send + 'a>(value: T) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(Ok(value)))
}

impl Store for MemoryStore {
    fn as_memory(&self) -> Option<&MemoryStore> {
        Some(self)
    }

    fn begin(&self, key: &DeliveryKey, _now: SystemTime) -> StoreFuture<'_, Begin> {
        ready(match self.begin_now(&key.endpoint, &key.id) {
            Some(_) => Begin::Run,
            None => Begin::Duplicate,
        })
    }

    fn finish(&self, key: &DeliveryKey, succeeded: bool, now: SystemTime) -> StoreFuture<'_, ()> {
        let remembered = Remembered(self.seeds.fingerprint(&key.endpoint, &key.id));
        self.finish_now(remembered, succeeded, now);
        ready(())
    }

    fn enqueue(&self, delivery: NewDelivery, now: SystemTime) -> StoreFuture<'_, Enqueued> {
        let mut inner = self.inner();
        if let Some(&seq) = inner.keys.get(&delivery.key) {
            let item = inner.items.get_mut(&seq).expect("keys and items agree");
            if item.state != State::Dead {
                return ready(Enqueued::Duplicate(item.status()));
            }
            item.state = State::Waiting;
            item.attempts = 0;
            item.next_at = now;
            item.finished_at = None;
            item.delivery = delivery;
            return ready(Enqueued::Revived);
        }
        inner.insert(Item {
            delivery,
            state: State::Waiting,
            attempts: 0,
            received_at: now,
            next_at: now,
            lease_until: None,
            finished_at: None,
            history: Vec::new(),
        });
        ready(Enqueued::Queued)
    }

    fn claim(
        &self,
        replica: &str,
        limit: usize,
        lease: Duration,
        now: SystemTime,
    ) -> StoreFuture<'_, Vec<Claimed>> {
        let mut inner = self.inner();
        let mut due: Vec<(SystemTime, i64)> = inner
            .items
            .iter()
            .filter(|(_, item)| item.claimable(now))
            .map(|(seq, item)| (item.next_at, *seq))
            .collect();
        due.sort_unstable();
        let mut claimed = Vec::new();
        for (_, seq) in due.into_iter().take(limit) {
            let item = inner.items.get_mut(&seq).expect("just found");
            item.state = State::Running;
            item.attempts += 1;
            item.lease_until = Some(now + lease);
            item.history.push(AttemptRecord {
                number: item.attempts,
                replica: replica.to_owned(),
                started_at: now,
                finished_at: None,
                status: None,
                error: None,
            });
            claimed.push(Claimed {
                claim: ClaimId(seq),
                delivery: item.delivery.clone(),
                attempt: item.attempts,
            });
        }
        ready(claimed)
    }

    fn renew(&self, claims: &[ClaimId], lease: Duration, now: SystemTime) -> StoreFuture<'_, ()> {
        let mut inner = self.inner();
        for claim in claims {
            if let Some(item) = inner.running(*claim) {
                item.lease_until = Some(now + lease);
            }
        }
        ready(())
    }

    fn settle(&self, claim: ClaimId, outcome: Outcome, now: SystemTime) -> StoreFuture<'_, ()> {
        let mut inner = self.inner();
        if let Some(item) = inner.running(claim) {
            if let Some(attempt) = item.history.last_mut() {
                attempt.finished_at = Some(now);
                attempt.status = Some(outcome.status);
                attempt.error.clone_from(&outcome.error);
            }
            item.lease_until = None;
            match outcome.settled() {
                Settled::Done => {
                    item.state = State::Done;
                    item.finished_at = Some(now);
                }
                Settled::RetryAt(at) => {
                    item.state = State::Waiting;
                    item.next_at = at;
                }
                Settled::Dead => {
                    item.state = State::Dead;
                    item.finished_at = Some(now);
                }
            }
        }
        ready(())
    }

    fn release(&self, claims: &[ClaimId], now: SystemTime) -> StoreFuture<'_, ()> {
        let mut inner = self.inner();
        for claim in claims {
            if let Some(item) = inner.running(*claim) {
                item.state = State::Waiting;
                item.attempts -= 1;
                item.lease_until = None;
                item.next_at = now;
                item.history.pop();
            }
        }
        ready(())
    }

    fn retry(&self, id: &str, now: SystemTime) -> StoreFuture<'_, u64> {
        let mut inner = self.inner();
        let mut revived = 0;
        for item in inner.items.values_mut() {
            if item.delivery.key.id == id && item.state == State::Dead {
                item.state = State::Waiting;
                item.attempts = 0;
                item.next_at = now;
                item.finished_at = None;
                revived += 1;
            }
        }
        ready(revived)
    }

    fn list(&self, limit: usize) -> StoreFuture<'_, Vec<Entry>> {
        let inner = self.inner();
        let mut seqs: Vec<i64> = inner.items.keys().copied().collect();
        seqs.sort_unstable_by(|a, b| b.cmp(a));
        let entries = seqs
            .into_iter()
            .take(limit)
            .map(|seq| {
                let item = &inner.items[&seq];
                let delivery = &item.delivery;
                Entry {
                    key: item.delivery.key.clone(),
                    status: item.status(),
                    attempts: item.attempts,
                    max_attempts: delivery.max_attempts,
                    received_at: item.received_at,
                    next_attempt_at: (item.state == State::Waiting).then_some(item.next_at),
                    history: item.history.clone(),
                }
            })
            .collect();
        ready(entries)
    }

    fn next_due(&self) -> StoreFuture<'_, Option<SystemTime>> {
        let inner = self.inner();
        let next = inner
            .items
            .values()
            .filter_map(|item| match item.state {
                State::Waiting => Some(item.next_at),
                State::Running => item.lease_until,
                State::Done | State::Dead => None,
            })
            .min();
        ready(next)
    }

    fn counts(&self) -> StoreFuture<'_, Counts> {
        let inner = self.inner();
        let mut counts = Counts::default();
        for item in inner.items.values() {
            counts.add(item.status(), 1);
        }
        counts.done += inner.handled.len() as u64;
        ready(counts)
    }

    fn purge(&self, before: SystemTime) -> StoreFuture<'_, u64> {
        let mut inner = self.inner();
        let old: Vec<i64> = inner
            .items
            .iter()
            .filter(|(_, item)| {
                item.state == State::Done && item.finished_at.is_some_and(|at| at < before)
            })
            .map(|(seq, _)| *seq)
            .collect();
        for seq in &old {
            inner.remove(*seq);
        }
        // Handled ids, oldest first: those handled before `before` are at the front.
        let mut forgotten = 0;
        while let Some(&(oldest, handled_at)) = inner.handled.front() {
            if handled_at >= before {
                break;
            }
            inner.handled.pop_front();
            inner.remembered.remove(&oldest);
            forgotten += 1;
        }
        ready(old.len() as u64 + forgotten)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: SystemTime = SystemTime::UNIX_EPOCH;

    /// Begins and finishes `id` as a delivery to `hook`; whether it ran (was not a duplicate).
    fn handle(store: &MemoryStore, id: &str, succeeded: bool, at: SystemTime) -> bool {
        match store.begin_now("hook", id) {
            Some(remembered) => {
                store.finish_now(remembered, succeeded, at);
                true
            }
            None => false,
        }
    }

    async fn done(store: &MemoryStore) -> u64 {
        store.counts().await.unwrap().done
    }

    #[tokio::test]
    async fn an_id_being_handled_or_handled_is_a_duplicate_and_a_failed_one_runs_again() {
        let store = MemoryStore::new();
        let first = store.begin_now("hook", "a").expect("a new id runs");
        // A retry while the first attempt is still running.
        assert!(store.begin_now("hook", "a").is_none());
        // The same id to another endpoint is another delivery.
        assert!(store.begin_now("other", "a").is_some());
        store.finish_now(first, true, AT);
        assert!(!handle(&store, "a", true, AT));

        assert!(handle(&store, "b", false, AT));
        assert!(
            handle(&store, "b", true, AT),
            "a failed delivery runs again"
        );
        assert!(!handle(&store, "b", true, AT));
        assert_eq!(done(&store).await, 2);
    }

    #[tokio::test]
    async fn only_the_last_ids_handled_are_remembered() {
        let store = MemoryStore::remembering(2);
        for id in ["a", "b", "c"] {
            assert!(handle(&store, id, true, AT));
        }
        assert_eq!(done(&store).await, 2);
        assert!(!handle(&store, "b", true, AT));
        assert!(!handle(&store, "c", true, AT));
        assert!(handle(&store, "a", true, AT), "the oldest was forgotten");
        assert!(handle(&store, "b", true, AT), "and then the next oldest");
    }

    #[tokio::test]
    async fn a_purge_forgets_the_ids_handled_before_its_time() {
        let store = MemoryStore::new();
        let second = |n| AT + Duration::from_secs(n);
        assert!(handle(&store, "a", true, second(1)));
        assert!(handle(&store, "b", true, second(2)));
        assert!(handle(&store, "c", true, second(3)));
        let running = store.begin_now("hook", "d").expect("a new id runs");

        assert_eq!(store.purge(second(3)).await.unwrap(), 2);
        assert_eq!(done(&store).await, 1);
        assert!(!handle(&store, "c", true, second(4)));
        assert!(
            store.begin_now("hook", "d").is_none(),
            "still being handled"
        );
        store.finish_now(running, true, second(4));
        assert!(handle(&store, "a", true, second(4)));
        assert!(handle(&store, "b", true, second(4)));
    }
}
