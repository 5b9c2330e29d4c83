//! Which connection to close when every connection slot is taken and another client is waiting:
//! the one that has waited longest for a request (an idle keep-alive connection, or one still
//! sending its head), so that connections held open cannot lock out the Hub.
//!
//! The request path only stores a number: [`Idle::busy`] when a request's head has arrived,
//! [`Idle::since`] with the time its answer was ready. (hyper closes a connection whose head does
//! not arrive within the header-read timeout; this only chooses whom to close early.)

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// `waiting` when a request is in progress: the connection is not waiting for a head.
const BUSY: u64 = 0;

/// When one connection started waiting for a request head, if it is waiting; and whether the
/// server wants it closed to make room for another.
#[derive(Debug)]
pub(crate) struct Idle {
    opened: Instant,
    /// Nanoseconds from `opened` to when the wait started, plus one; [`BUSY`] otherwise.
    waiting: AtomicU64,
    /// Set to close the connection while it waits (see [`Connections::evict_longest_idle`]).
    evicted: AtomicBool,
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
            evicted: AtomicBool::new(false),
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
            .filter(|idle| !idle.evicted.load(Ordering::Relaxed))
            .filter_map(|idle| Some((idle.waiting_since()?, idle)))
            .min_by_key(|(since, _)| *since);
        let Some((_, idle)) = longest else {
            return false;
        };
        idle.evicted.store(true, Ordering::Relaxed);
        if let Some(waker) = idle.waker.get() {
            waker.wake_by_ref();
        }
        true
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
        if this.idle.evicted.load(Ordering::Relaxed) {
            tracing::debug!("closed an idle connection to make room for a new one");
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.connection).poll(cx)
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
        assert!(second.evicted.load(Ordering::Relaxed));
        assert!(!first.evicted.load(Ordering::Relaxed));
        assert!(connections.evict_longest_idle());
        assert!(first.evicted.load(Ordering::Relaxed));
        assert!(!connections.evict_longest_idle(), "only a busy one is left");
        assert!(!busy.evicted.load(Ordering::Relaxed));
    }
}
