//! Which connection to close when every connection slot is taken and another client is waiting:
//! the one that has waited longest for a request (an idle keep-alive connection, or one still
//! sending its head), so that connections held open cannot lock out the Hub.
//!
//! The request path only stores a number: [`Idle::busy`] when a request's head has arrived,
//! [`Idle::since`] with the time its answer was ready.
//!
//! The same numbers enforce the header-read timeout: [`close_slow_heads`] looks over the open
//! connections a few times per timeout and closes those that have waited longer. hyper's own
//! header-read timer did this per request (a timer created, registered with tokio's timer wheel,
//! polled and removed for every request: about 1,000 instructions, 2 % of a delivery, measured
//! with callgrind); a look over a few connections every so often costs nothing per request.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// `waiting` when a request is in progress: the connection is not waiting for a head.
const BUSY: u64 = 0;

/// `evicted`: the connection is open.
const KEPT: u8 = 0;
/// `evicted`: closed to make room for a new connection.
const FOR_ROOM: u8 = 1;
/// `evicted`: closed because no head arrived within the header-read timeout.
const TIMED_OUT: u8 = 2;

/// How often the header-read timeout is checked: this fraction of it, so that a connection is
/// closed at most an eighth of the timeout late...
const CHECKS_PER_TIMEOUT: u32 = 8;
/// ...but at least this often, and at most this often.
const CHECK_BOUNDS: (Duration, Duration) = (Duration::from_millis(5), Duration::from_secs(1));

/// When one connection started waiting for a request head, if it is waiting; and whether the
/// server wants it closed to make room for another.
#[derive(Debug)]
pub(crate) struct Idle {
    opened: Instant,
    /// Nanoseconds from `opened` to when the wait started, plus one; [`BUSY`] otherwise.
    waiting: AtomicU64,
    /// Set to close the connection while it waits, and why ([`KEPT`], [`FOR_ROOM`],
    /// [`TIMED_OUT`]).
    evicted: AtomicU8,
    /// The connection's task, to wake it when it is evicted (a tokio task's waker always wakes
    /// the same task, so the first one is kept).
    waker: OnceLock<Waker>,
}

impl Idle {
    /// A connection opened now, waiting for its first head.
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Self {
            opened: Instant::now(),
            waiting: AtomicU64::new(1),
            evicted: AtomicU8::new(KEPT),
            waker: OnceLock::new(),
        })
    }

    /// A head has arrived: the connection is busy until its answer is ready.
    pub(crate) fn busy(&self) {
        self.waiting.store(BUSY, Ordering::Relaxed);
    }

    /// The answer was ready at `at`: the connection waits for its next head since then.
    pub(crate) fn since(&self, at: Instant) {
        let since = at.saturating_duration_since(self.opened);
        let nanos = u64::try_from(since.as_nanos()).unwrap_or(u64::MAX - 1);
        self.waiting.store(nanos + 1, Ordering::Relaxed);
    }

    fn waiting_since(&self) -> Option<Instant> {
        match self.waiting.load(Ordering::Relaxed) {
            BUSY => None,
            nanos => Some(self.opened + Duration::from_nanos(nanos - 1)),
        }
    }

    /// Closes the connection (wakes its task, which then ends) for `reason`.
    fn evict(&self, reason: u8) {
        self.evicted.store(reason, Ordering::Relaxed);
        if let Some(waker) = self.waker.get() {
            waker.wake_by_ref();
        }
    }

    fn is_evicted(&self) -> bool {
        self.evicted.load(Ordering::Relaxed) != KEPT
    }
}

/// A server's open connections: who to close when every connection slot is taken and another
/// client is waiting.
#[derive(Debug, Default)]
pub(super) struct Connections {
    open: Mutex<HashMap<u64, Weak<Idle>>>,
    next_id: AtomicU64,
}

impl Connections {
    /// Keeps track of a connection while it lives.
    pub(super) fn register(&self, idle: &Arc<Idle>, limit: usize) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut open = self.open();
        if open.len() > limit.saturating_mul(2) {
            open.retain(|_, idle| idle.strong_count() > 0);
        }
        open.insert(id, Arc::downgrade(idle));
    }

    /// Closes the connection that has waited longest for a request (an idle keep-alive
    /// connection, or one still sending its head); `false` when every connection is busy with a
    /// request, which is then left to finish.
    pub(super) fn evict_longest_idle(&self) -> bool {
        let mut open = self.open();
        open.retain(|_, idle| idle.strong_count() > 0);
        let longest = open
            .values()
            .filter_map(Weak::upgrade)
            .filter(|idle| !idle.is_evicted())
            .filter_map(|idle| Some((idle.waiting_since()?, idle)))
            .min_by_key(|(since, _)| *since);
        let Some((_, idle)) = longest else {
            return false;
        };
        idle.evict(FOR_ROOM);
        true
    }

    /// Closes every connection that has waited for a request head since before `deadline`;
    /// how many.
    fn evict_waiting_since_before(&self, deadline: Instant) -> usize {
        let mut open = self.open();
        open.retain(|_, idle| idle.strong_count() > 0);
        let mut evicted = 0;
        for idle in open.values().filter_map(Weak::upgrade) {
            if !idle.is_evicted() && idle.waiting_since().is_some_and(|since| since < deadline) {
                idle.evict(TIMED_OUT);
                evicted += 1;
            }
        }
        evicted
    }

    fn open(&self) -> MutexGuard<'_, HashMap<u64, Weak<Idle>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A connection, closed when it is evicted.
#[derive(Debug)]
pub(super) struct Evictable<C> {
    connection: C,
    idle: Arc<Idle>,
}

impl<C> Evictable<C> {
    pub(super) fn new(connection: C, idle: Arc<Idle>) -> Self {
        Self { connection, idle }
    }
}

impl<C, E> Future for Evictable<C>
where
    C: Future<Output = Result<(), E>> + Unpin,
{
    type Output = Result<(), E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // A tokio task's waker always wakes the same task: the first one is kept.
        if this.idle.waker.get().is_none() {
            let _ = this.idle.waker.set(cx.waker().clone());
        }
        match this.idle.evicted.load(Ordering::Relaxed) {
            KEPT => Pin::new(&mut this.connection).poll(cx),
            FOR_ROOM => {
                tracing::debug!("closed an idle connection to make room for a new one");
                Poll::Ready(Ok(()))
            }
            _ => {
                tracing::debug!(
                    "closed a connection whose request head did not arrive within the header-read timeout"
                );
                Poll::Ready(Ok(()))
            }
        }
    }
}

/// Closes, for as long as it runs, every connection of `connections` that has waited longer than
/// `timeout` for a request head (since it opened, or since its previous answer was ready): a
/// client that never finishes its head (slowloris), or an idle keep-alive connection. Checks
/// [`CHECKS_PER_TIMEOUT`] times per timeout (within [`CHECK_BOUNDS`]), so a connection is closed
/// between `timeout` and `timeout` plus one check late.
pub(super) async fn close_slow_heads(connections: Arc<Connections>, timeout: Duration) {
    let every = (timeout / CHECKS_PER_TIMEOUT).clamp(CHECK_BOUNDS.0, CHECK_BOUNDS.1);
    let mut checks = tokio::time::interval(every);
    checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let now = checks.tick().await.into_std();
        if let Some(deadline) = now.checked_sub(timeout) {
            connections.evict_waiting_since_before(deadline);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_waiting_longest_is_evicted_and_busy_ones_are_not() {
        let connections = Connections::default();
        let (first, second, busy) = (Idle::new(), Idle::new(), Idle::new());
        for idle in [&first, &second, &busy] {
            connections.register(idle, 10);
        }
        let now = Instant::now();
        first.since(now + Duration::from_millis(5));
        second.since(now + Duration::from_millis(1));
        busy.busy();
        assert!(connections.evict_longest_idle());
        assert!(second.is_evicted());
        assert!(!first.is_evicted());
        assert!(connections.evict_longest_idle());
        assert!(first.is_evicted());
        assert!(!connections.evict_longest_idle(), "only a busy one is left");
        assert!(!busy.is_evicted());
    }

    #[test]
    fn connections_waiting_past_the_deadline_are_closed_and_others_kept() {
        let connections = Connections::default();
        let (late, recent, busy, fresh) = (Idle::new(), Idle::new(), Idle::new(), Idle::new());
        for idle in [&late, &recent, &busy, &fresh] {
            connections.register(idle, 10);
        }
        let now = Instant::now();
        late.since(now);
        recent.since(now + Duration::from_millis(20));
        busy.busy();
        // `fresh` waits for its first head since it opened, before `now`.
        let deadline = now + Duration::from_millis(10);
        assert_eq!(connections.evict_waiting_since_before(deadline), 2);
        assert_eq!(late.evicted.load(Ordering::Relaxed), TIMED_OUT);
        assert_eq!(fresh.evicted.load(Ordering::Relaxed), TIMED_OUT);
        assert!(!recent.is_evicted());
        assert!(!busy.is_evicted());
        // Already closed ones are not counted again; a busy connection never is.
        assert_eq!(
            connections.evict_waiting_since_before(now + Duration::from_secs(60)),
            1
        );
        assert!(recent.is_evicted());
        assert!(!busy.is_evicted());
    }
}
