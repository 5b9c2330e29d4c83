//! Graceful shutdown of open connections: when the server stops, each connection finishes the
//! request in flight and closes; an idle keep-alive connection closes at once.
//!
//! hyper-util's `GracefulShutdown` polls a watch channel's notification every time a connection
//! is polled, which takes a lock: twice per delivery on a keep-alive connection
//! (bench/README.md, fix 7). Here a connection registers its task's waker once, when first
//! polled, and afterwards only reads a flag; stopping sets the flag and wakes every registered
//! connection.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use hyper_util::server::graceful::GracefulConnection;

/// The stop signal every connection of one server watches.
#[derive(Debug, Default, Clone)]
pub(super) struct Drain {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    stopping: AtomicBool,
    next_id: AtomicU64,
    /// The tasks of the connections polled so far and still open.
    wakers: Mutex<HashMap<u64, Waker>>,
}

impl Drain {
    /// `connection`, shut down gracefully once [`stop`](Self::stop) is called.
    pub(super) fn watch<C: GracefulConnection + Unpin>(&self, connection: C) -> Watched<C> {
        Watched {
            connection,
            shared: Arc::clone(&self.shared),
            id: self.shared.next_id.fetch_add(1, Ordering::Relaxed),
            registered: false,
            shutting_down: false,
        }
    }

    /// Asks every connection, open or accepted later, to finish its request and close.
    pub(super) fn stop(&self) {
        self.shared.stopping.store(true, Ordering::Release);
        let wakers = std::mem::take(&mut *self.shared.wakers());
        for waker in wakers.into_values() {
            waker.wake();
        }
    }
}

impl Shared {
    fn wakers(&self) -> MutexGuard<'_, HashMap<u64, Waker>> {
        self.wakers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A connection that starts its graceful shutdown when its [`Drain`] stops.
#[derive(Debug)]
pub(super) struct Watched<C> {
    connection: C,
    shared: Arc<Shared>,
    id: u64,
    registered: bool,
    shutting_down: bool,
}

impl<C: GracefulConnection + Unpin> Future for Watched<C> {
    type Output = C::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if !this.shutting_down {
            if !this.registered {
                // A tokio task's waker always wakes the same task: registering it once is enough.
                this.registered = true;
                this.shared.wakers().insert(this.id, cx.waker().clone());
            }
            // Checked after registering: a stop between the two is seen here, one after it wakes us.
            if this.shared.stopping.load(Ordering::Acquire) {
                this.shutting_down = true;
                Pin::new(&mut this.connection).graceful_shutdown();
            }
        }
        Pin::new(&mut this.connection).poll(cx)
    }
}

impl<C> Drop for Watched<C> {
    fn drop(&mut self) {
        if self.registered {
            self.shared.wakers().remove(&self.id);
        }
    }
}
