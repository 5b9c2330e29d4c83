//! The header-read timeout: a connection must send each request's headers within
//! `header_read_timeout` of opening or of its previous answer being ready, or it is closed. A
//! client that opens connections and never finishes a request (slowloris) cannot hold them.
//!
//! hyper can enforce this itself, given a timer, but then every request pays for it: a clock
//! reading, a timer lent, reset, polled and returned, and one more turn of hyper's read loop
//! (bench/README.md, fix 10). Here the request path only stores a number: [`Watchdog::disarm`]
//! when a request's head has arrived, [`Watchdog::arm`] with the time its answer was ready. One
//! tokio timer per connection ([`Guarded`]) checks the watchdog when it fires and is only reset
//! then, so a busy keep-alive connection touches it about once per timeout.

use std::collections::HashMap;
use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// `armed` when no request is in progress: the connection is waiting for a head.
const DISARMED: u64 = 0;

/// When one connection started waiting for a request head, if it is waiting; and whether the
/// server wants it closed to make room for another.
#[derive(Debug)]
pub(crate) struct Watchdog {
    opened: Instant,
    /// Nanoseconds from `opened` to when the wait started, plus one; [`DISARMED`] otherwise.
    armed: AtomicU64,
    /// Set to close the connection while it waits (see [`Watchdogs::evict_longest_idle`]).
    evicted: AtomicBool,
    /// The connection's task, to wake it when it is evicted (a tokio task's waker always wakes
    /// the same task, so the first one is kept).
    waker: OnceLock<Waker>,
}

impl Watchdog {
    /// A connection opened now, waiting for its first head.
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Self {
            opened: Instant::now(),
            armed: AtomicU64::new(1),
            evicted: AtomicBool::new(false),
            waker: OnceLock::new(),
        })
    }

    /// A head has arrived: no timeout until the answer is ready.
    pub(crate) fn disarm(&self) {
        self.armed.store(DISARMED, Ordering::Relaxed);
    }

    /// The answer was ready at `at`: the next head is due within the timeout from then.
    pub(crate) fn arm(&self, at: std::time::Instant) {
        let since = Instant::from_std(at).saturating_duration_since(self.opened);
        let nanos = u64::try_from(since.as_nanos()).unwrap_or(u64::MAX - 1);
        self.armed.store(nanos + 1, Ordering::Relaxed);
    }

    fn waiting_since(&self) -> Option<Instant> {
        match self.armed.load(Ordering::Relaxed) {
            DISARMED => None,
            nanos => Some(self.opened + Duration::from_nanos(nanos - 1)),
        }
    }
}

/// The watchdogs of a server's open connections: who to close when every connection slot is
/// taken and another client is waiting.
#[derive(Debug, Default)]
pub(super) struct Watchdogs {
    open: Mutex<HashMap<u64, Weak<Watchdog>>>,
    next_id: AtomicU64,
}

impl Watchdogs {
    /// Keeps track of a connection's watchdog while the connection lives.
    pub(super) fn register(&self, watchdog: &Arc<Watchdog>, limit: usize) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut open = self.open();
        if open.len() > limit.saturating_mul(2) {
            open.retain(|_, watchdog| watchdog.strong_count() > 0);
        }
        open.insert(id, Arc::downgrade(watchdog));
    }

    /// Closes the connection that has waited longest for a request (an idle keep-alive
    /// connection, or one still sending its head); `false` when every connection is busy with a
    /// request, which is then left to finish.
    pub(super) fn evict_longest_idle(&self) -> bool {
        let mut open = self.open();
        open.retain(|_, watchdog| watchdog.strong_count() > 0);
        let longest = open
            .values()
            .filter_map(Weak::upgrade)
            .filter(|watchdog| !watchdog.evicted.load(Ordering::Relaxed))
            .filter_map(|watchdog| Some((watchdog.waiting_since()?, watchdog)))
            .min_by_key(|(since, _)| *since);
        let Some((_, watchdog)) = longest else {
            return false;
        };
        watchdog.evicted.store(true, Ordering::Relaxed);
        if let Some(waker) = watchdog.waker.get() {
            waker.wake_by_ref();
        }
        true
    }

    fn open(&self) -> MutexGuard<'_, HashMap<u64, Weak<Watchdog>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A connection closed when its [`Watchdog`] has waited longer than the timeout for a head.
#[derive(Debug)]
pub(super) struct Guarded<C> {
    connection: C,
    watchdog: Arc<Watchdog>,
    timeout: Duration,
    /// Never later than the moment the current wait would time out.
    timer: Pin<Box<Sleep>>,
    /// Whether `timer` has been polled since it was last set, so that it will wake the task.
    registered: bool,
}

impl<C> Guarded<C> {
    pub(super) fn new(connection: C, watchdog: Arc<Watchdog>, timeout: Duration) -> Self {
        let timer = Box::pin(tokio::time::sleep_until(watchdog.opened + timeout));
        Self {
            connection,
            watchdog,
            timeout,
            timer,
            registered: false,
        }
    }

    /// Re-arms the timer from the watchdog's state, or breaks when the wait timed out.
    fn check(&mut self, cx: &mut Context<'_>) -> ControlFlow<()> {
        // Bounded: each turn sets the timer past "now"; only a clock that jumps forward again
        // between two turns makes another one.
        for _ in 0..4 {
            if self.timer.is_elapsed() {
                let now = Instant::now();
                let due = match self.watchdog.waiting_since() {
                    Some(since) if now >= since + self.timeout => return ControlFlow::Break(()),
                    Some(since) => since + self.timeout,
                    None => now + self.timeout,
                };
                self.timer.as_mut().reset(due);
            }
            if self.timer.as_mut().poll(cx).is_pending() {
                self.registered = true;
                return ControlFlow::Continue(());
            }
        }
        self.registered = false;
        cx.waker().wake_by_ref();
        ControlFlow::Continue(())
    }
}

impl<C, E> Future for Guarded<C>
where
    C: Future<Output = Result<(), E>> + Unpin,
{
    type Output = Result<(), E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if !this.registered {
            let _ = this.watchdog.waker.set(cx.waker().clone());
        }
        if this.watchdog.evicted.load(Ordering::Relaxed) {
            tracing::debug!("closed an idle connection to make room for a new one");
            return Poll::Ready(Ok(()));
        }
        if (!this.registered || this.timer.is_elapsed()) && this.check(cx).is_break() {
            tracing::debug!(timeout = ?this.timeout, "closed a connection that sent no request headers in time");
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.connection).poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_wait_times_out_only_while_armed() {
        let watchdog = Watchdog::new();
        let timeout = Duration::from_secs(10);
        let mut guarded = Guarded::new(
            std::future::pending::<Result<(), ()>>(),
            Arc::clone(&watchdog),
            timeout,
        );
        let poll = |guarded: &mut Guarded<_>| {
            Pin::new(guarded).poll(&mut Context::from_waker(std::task::Waker::noop()))
        };
        assert!(poll(&mut guarded).is_pending());

        // A head arrived at 8 s: the timer firing at 10 s finds no wait in progress.
        tokio::time::advance(Duration::from_secs(8)).await;
        watchdog.disarm();
        tokio::time::advance(Duration::from_secs(4)).await;
        assert!(poll(&mut guarded).is_pending());

        // The answer was ready at 13 s: the next head is due by 23 s, not earlier.
        tokio::time::advance(Duration::from_secs(1)).await;
        watchdog.arm(Instant::now().into_std());
        tokio::time::advance(Duration::from_secs(9)).await;
        assert!(
            poll(&mut guarded).is_pending(),
            "22 s: still within the timeout"
        );
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(poll(&mut guarded), Poll::Ready(Ok(())), "24 s: closed");
    }
}
