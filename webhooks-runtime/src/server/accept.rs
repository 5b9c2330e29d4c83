//! Connections: the accept loop, the HTTP/1 settings of every connection, the bound on open
//! connections, and graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio_util::task::TaskTracker;

use super::idle::{Connections, Evictable, Idle};
use crate::service::Service;

/// How often a connection waiting for a slot looks again for an idle connection to close.
const EVICTION_RETRY: Duration = Duration::from_millis(50);

/// Serves `listener` until `stop` fires, then drains: workers stop claiming queued deliveries,
/// connections finish their request in flight, and background work (queued deliveries running,
/// `Accepted` work, handlers past their deadline) finishes, all within the shutdown grace period.
/// Says what the grace period cut off.
pub(super) async fn serve(
    listener: TcpListener,
    service: Arc<Service>,
    mut stop: oneshot::Receiver<()>,
) -> Stopped {
    let settings = service.settings;
    let mut http = http1::Builder::new();
    // A head must arrive within the timeout of the connection's opening or of its previous
    // answer (slowloris). A client that shuts down its sending side after the request still gets
    // its answer.
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .keep_alive(true)
        .half_close(true);
    let graceful = GracefulShutdown::new();
    let connections = TaskTracker::new();
    // Past the limit, new connections wait in the kernel's accept queue instead of costing memory.
    let slots = Arc::new(Semaphore::new(settings.max_connections));
    let idle_connections = Connections::default();
    loop {
        let stream = tokio::select! {
            biased;
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(err) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %err, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Every slot taken: the connection that has waited longest without a request (idle
        // keep-alive, or a head trickling in) makes room, so connections held open cannot lock
        // out the Hub. While every connection is busy with a request, the newcomer waits, and
        // the first connection to become idle makes room.
        let slot = loop {
            if let Ok(slot) = Arc::clone(&slots).try_acquire_owned() {
                break Some(slot);
            }
            idle_connections.evict_longest_idle();
            tokio::select! {
                biased;
                _ = &mut stop => break None,
                slot = Arc::clone(&slots).acquire_owned() => break Some(slot.expect("the semaphore is never closed")),
                () = tokio::time::sleep(EVICTION_RETRY) => {}
            }
        };
        let Some(slot) = slot else {
            break;
        };
        let _ = stream.set_nodelay(true);
        let open = Open::new(&service);
        let service = Arc::clone(&service);
        let idle = Idle::new();
        idle_connections.register(&idle, settings.max_connections);
        let service_idle = Arc::clone(&idle);
        let service = hyper::service::service_fn(move |request| {
            // hyper calls this as soon as the head is read.
            service_idle.busy();
            // Not boxed: hyper keeps the request's future in the connection's own slot.
            Arc::clone(&service).serve(request, Some(Arc::clone(&service_idle)))
        });
        // Boxed: the graceful watcher is not `Unpin` (one allocation per connection).
        let connection = Evictable::new(
            Box::pin(graceful.watch(http.serve_connection(TokioIo::new(stream), service))),
            idle,
        );
        connections.spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "connection closed with an error");
            }
            drop((slot, open));
        });
    }
    drop(listener);
    service
        .stopping
        .store(true, std::sync::atomic::Ordering::Relaxed);
    service.inbox.stop.cancel();
    let finish = async {
        graceful.shutdown().await;
        connections.close();
        connections.wait().await;
        service.background.close();
        service.background.wait().await;
    };
    if tokio::time::timeout(settings.shutdown_grace, finish)
        .await
        .is_ok()
    {
        return Stopped::default();
    }
    let queued = service.inbox.release_in_flight().await;
    let stopped = Stopped {
        grace: settings.shutdown_grace,
        requests: connections.len(),
        background: service.background.len().saturating_sub(queued.len()),
        queued: queued.iter().map(ToString::to_string).collect(),
    };
    tracing::error!(
        grace = ?settings.shutdown_grace,
        "the shutdown grace period ran out: {}",
        stopped.describe()
    );
    stopped
}

/// Counts an open connection, from its acceptance to its close.
struct Open(Option<Arc<Service>>);

impl Open {
    fn new(service: &Arc<Service>) -> Self {
        let Some(metrics) = &service.metrics else {
            return Self(None);
        };
        metrics.connection(1);
        Self(Some(Arc::clone(service)))
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        if let Some(metrics) = self.0.as_ref().and_then(|service| service.metrics.as_ref()) {
            metrics.connection(-1);
        }
    }
}

/// What a shutdown could not finish within its grace period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stopped {
    grace: std::time::Duration,
    requests: usize,
    background: usize,
    queued: Vec<String>,
}

impl Stopped {
    /// Whether everything in flight finished within the grace period.
    pub fn is_clean(&self) -> bool {
        self.requests == 0 && self.background == 0 && self.queued.is_empty()
    }

    /// The queued deliveries whose handlers were cut off (`id to /webhooks/endpoint`): they were
    /// given back to the inbox and run again at the next start.
    pub fn cut_off_deliveries(&self) -> &[String] {
        &self.queued
    }

    /// What was cut off, in one line.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.requests > 0 {
            parts.push(format!("{} request(s) in flight", self.requests));
        }
        if self.background > 0 {
            parts.push(format!("{} background task(s)", self.background));
        }
        if !self.queued.is_empty() {
            parts.push(format!(
                "the queued deliveries {} (queued again for the next start)",
                self.queued.join(", ")
            ));
        }
        if parts.is_empty() {
            "nothing".to_owned()
        } else {
            parts.join("; ")
        }
    }

    pub(super) fn grace(&self) -> std::time::Duration {
        self.grace
    }
}
