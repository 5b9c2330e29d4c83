//! The workers: they claim queued deliveries from the store, run their handlers (at most
//! `workers` at once), renew their claims while the handlers run, and record how each attempt
//! ended: done, retrying after a backoff, or dead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request};
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

use super::{ClaimId, Claimed, DeliveryKey, Location, Outcome, Store, backoff};
use crate::extract::{Delivery, DeliveryId};
use crate::log::DeliverySpan;
use crate::response::{Response, failure_message};
use crate::service::Service;

/// How often idle workers look for work that another replica queued, or whose time came.
const POLL: Duration = Duration::from_secs(1);

/// How many times recording an outcome is tried before the claim is left to expire.
const SETTLE_TRIES: u32 = 5;

/// How often expired ids are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// The settings of the queue and of remembering ids.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueueSettings {
    pub(crate) workers: usize,
    pub(crate) retry_backoff: Duration,
    pub(crate) lease: Duration,
    pub(crate) retention: Duration,
    pub(crate) dedup: bool,
}

/// The clock every stored time comes from: the wall clock at start, advanced by tokio's clock
/// (so tests can move time with tokio's paused clock).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    wall: SystemTime,
    start: tokio::time::Instant,
}

impl Clock {
    pub(crate) fn new() -> Self {
        Self {
            wall: SystemTime::now(),
            start: tokio::time::Instant::now(),
        }
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.wall + tokio::time::Instant::now().saturating_duration_since(self.start)
    }

    /// How long until `at`, from now.
    fn until(&self, at: SystemTime) -> Duration {
        at.duration_since(self.now()).unwrap_or_default()
    }
}

/// The inbox as a running server uses it.
#[derive(Debug)]
pub(crate) struct Inbox {
    pub(crate) store: Arc<dyn Store>,
    /// Where the store is, unless it is in memory or one the application built.
    pub(crate) location: Option<Location>,
    /// What the store is, for logs (`in memory`, a path, a URL without its password).
    pub(crate) describe: String,
    pub(crate) settings: QueueSettings,
    pub(crate) clock: Clock,
    /// Who runs attempts here, in the attempts' history.
    pub(crate) replica: String,
    /// Woken when a delivery is queued, so an idle worker does not wait for its poll.
    pub(crate) wake: Notify,
    /// Stops the workers from claiming.
    pub(crate) stop: CancellationToken,
    /// The claims being run now, to give back at a shutdown that cannot wait for them.
    in_flight: Mutex<HashMap<ClaimId, DeliveryKey>>,
}

impl Inbox {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        location: Option<Location>,
        settings: QueueSettings,
        replica: String,
    ) -> Self {
        let describe = location
            .as_ref()
            .map_or_else(|| format!("{store:?}"), ToString::to_string);
        Self {
            store,
            location,
            describe,
            settings,
            clock: Clock::new(),
            replica,
            wake: Notify::new(),
            stop: CancellationToken::new(),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    fn in_flight(&self) -> MutexGuard<'_, HashMap<ClaimId, DeliveryKey>> {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Gives back the claims still running (a shutdown past its grace period); what they were.
    pub(crate) async fn release_in_flight(&self) -> Vec<DeliveryKey> {
        let cut: Vec<(ClaimId, DeliveryKey)> = self.in_flight().drain().collect();
        if cut.is_empty() {
            return Vec::new();
        }
        let claims: Vec<ClaimId> = cut.iter().map(|(claim, _)| *claim).collect();
        if let Err(err) = self.store.release(&claims, self.clock.now()).await {
            tracing::error!(error = %err, "could not give back the deliveries cut off by the shutdown: they run again after their lease");
        }
        cut.into_iter().map(|(_, key)| key).collect()
    }
}

/// A replica's name in the attempts' history: `WEBHOOKS_REPLICA`, else the host's name and the
/// process id.
pub(crate) fn replica_name() -> String {
    if let Some(name) = std::env::var("WEBHOOKS_REPLICA")
        .ok()
        .filter(|name| !name.trim().is_empty())
    {
        return name.trim().to_owned();
    }
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|name| name.trim().to_owned())
        })
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}:{}", std::process::id())
}

/// Claims and runs queued deliveries until the inbox is stopped.
pub(crate) async fn work(service: Arc<Service>) {
    let Some(inbox) = service.queue() else {
        return;
    };
    let permits = Arc::new(Semaphore::new(inbox.settings.workers));
    let mut failures = 0u32;
    loop {
        let free = permits.available_permits();
        if free == 0 {
            tokio::select! {
                () = inbox.stop.cancelled() => break,
                permit = permits.acquire() => drop(permit),
            }
            continue;
        }
        let now = inbox.clock.now();
        let claimed = tokio::select! {
            () = inbox.stop.cancelled() => break,
            claimed = inbox.store.claim(&inbox.replica, free, inbox.settings.lease, now) => claimed,
        };
        match claimed {
            Ok(claimed) => {
                failures = 0;
                let full = claimed.len() == free;
                for claimed in claimed {
                    let permit = Arc::clone(&permits)
                        .try_acquire_owned()
                        .expect("claimed no more than the free permits");
                    let service = Arc::clone(&service);
                    service.background.clone().spawn(async move {
                        service.attempt(claimed).await;
                        drop(permit);
                    });
                }
                if full {
                    continue;
                }
            }
            Err(err) => {
                failures += 1;
                tracing::warn!(error = %err, "could not claim queued deliveries; trying again");
                let wait = backoff(Duration::from_millis(200), failures, 1.0).min(POLL * 10);
                tokio::select! {
                    () = inbox.stop.cancelled() => break,
                    () = tokio::time::sleep(wait) => continue,
                }
            }
        }
        let wait = match inbox.store.next_due().await {
            Ok(Some(at)) => inbox.clock.until(at).min(POLL),
            Ok(None) | Err(_) => POLL,
        };
        tokio::select! {
            () = inbox.stop.cancelled() => break,
            () = inbox.wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Forgets what was handled longer ago than the retention, at start and every [`PURGE_EVERY`],
/// until the inbox is stopped; whether or not anything is queued, since remembered ids of
/// not-queued endpoints are kept in the inbox too.
pub(crate) async fn forget_old(service: Arc<Service>) {
    let inbox = &service.inbox;
    loop {
        purge(inbox).await;
        tokio::select! {
            () = inbox.stop.cancelled() => break,
            () = tokio::time::sleep(PURGE_EVERY) => {}
        }
    }
}

async fn purge(inbox: &Inbox) {
    let now = inbox.clock.now();
    let before = now
        .checked_sub(inbox.settings.retention)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    match inbox.store.purge(before).await {
        Ok(0) => {}
        Ok(purged) => tracing::debug!(purged, "forgot the ids of deliveries handled long ago"),
        Err(err) => tracing::warn!(error = %err, "could not purge the inbox"),
    }
}

impl Service {
    /// Runs every queued delivery whose time has come, in order, until none is left; how many
    /// attempts ran. What `TestClient::run_queue` does, without workers.
    pub(crate) async fn run_queue_now(&self) -> usize {
        let Some(inbox) = self.queue() else {
            return 0;
        };
        let mut ran = 0;
        // Bounded: each round either runs attempts or ends the loop, and a round runs at most
        // as many attempts as there are due deliveries.
        for _ in 0..100_000 {
            let now = inbox.clock.now();
            let claimed = match inbox
                .store
                .claim(&inbox.replica, 64, inbox.settings.lease, now)
                .await
            {
                Ok(claimed) if !claimed.is_empty() => claimed,
                Ok(_) => break,
                Err(err) => {
                    tracing::error!(error = %err, "could not claim queued deliveries");
                    break;
                }
            };
            for claimed in claimed {
                self.attempt(claimed).await;
                ran += 1;
            }
        }
        ran
    }

    /// One attempt at a claimed delivery: the handler, with the claim renewed while it runs, then
    /// its outcome recorded.
    async fn attempt(&self, claimed: Claimed) {
        let Some(inbox) = self.queue() else {
            return;
        };
        let Claimed {
            claim,
            delivery,
            attempt,
        } = claimed;
        inbox.in_flight().insert(claim, delivery.key.clone());
        let span = DeliverySpan::queued(&delivery.key.endpoint, &delivery.key.id, attempt);
        let outcome = match self.router.find(&delivery.key.endpoint) {
            Some(route) => {
                let request = rebuild(&delivery.uri, &delivery.headers, delivery.body.clone());
                let (head, body) = request.into_parts();
                let id = DeliveryId::from_stored(&delivery.key.id);
                let handling = Delivery::new(head, body, id, attempt, self.state.clone());
                let run = self.run(&route.handler, &handling, None, &span, &route.name);
                let response = renewing(inbox, claim, run).await;
                let outcome = outcome(inbox, response, attempt, delivery.max_attempts).await;
                if outcome.retry_at.is_some()
                    && let Some(metrics) = &route.metrics
                {
                    metrics.retries.inc();
                }
                outcome
            }
            None => Outcome {
                status: 404,
                error: Some(format!(
                    "this server has no endpoint {} any more",
                    delivery.key.endpoint
                )),
                retry_at: None,
            },
        };
        span.in_scope(|| match (&outcome.error, outcome.retry_at) {
            (None, _) => tracing::info!(status = outcome.status, "queued delivery handled"),
            (Some(error), Some(_)) => {
                tracing::warn!(status = outcome.status, %error, "queued delivery failed; it will be retried");
            }
            (Some(error), None) => {
                tracing::error!(status = outcome.status, %error, "queued delivery failed for the last time: it is dead");
            }
        });
        for tries in 1..=SETTLE_TRIES {
            let settled = inbox
                .store
                .settle(claim, outcome.clone(), inbox.clock.now())
                .await;
            match settled {
                Ok(()) => break,
                Err(err) if tries < SETTLE_TRIES => {
                    tracing::warn!(error = %err, "could not record a queued delivery's outcome; trying again");
                    tokio::time::sleep(backoff(Duration::from_millis(100), tries, 1.0)).await;
                }
                Err(err) => {
                    tracing::error!(error = %err, "could not record a queued delivery's outcome: it runs again once its claim expires");
                }
            }
        }
        inbox.in_flight().remove(&claim);
    }

    /// The inbox, when the server queues something.
    pub(crate) fn queue(&self) -> Option<&Inbox> {
        self.queued.then_some(&self.inbox)
    }
}

/// Runs `work` while renewing the claim every third of its lease.
async fn renewing(inbox: &Inbox, claim: ClaimId, work: impl Future<Output = Response>) -> Response {
    let lease = inbox.settings.lease;
    let renew = async {
        loop {
            tokio::time::sleep(lease / 3).await;
            if let Err(err) = inbox.store.renew(&[claim], lease, inbox.clock.now()).await {
                tracing::warn!(error = %err, "could not renew a claim on a queued delivery");
            }
        }
    };
    tokio::select! {
        response = work => response,
        never = renew => never,
    }
}

/// How an attempt that answered `response` ended.
async fn outcome(inbox: &Inbox, response: Response, attempt: u32, max_attempts: u32) -> Outcome {
    let status = response.status().as_u16();
    if response.status().is_success() {
        return Outcome {
            status,
            error: None,
            retry_at: None,
        };
    }
    let retry_at = (attempt < max_attempts).then(|| {
        let jitter = 0.5 + 0.5 * fraction();
        inbox.clock.now() + backoff(inbox.settings.retry_backoff, attempt, jitter)
    });
    Outcome {
        status,
        error: Some(failure_message(response).await),
        retry_at,
    }
}

/// A number between 0 and 1, different on every call.
fn fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// The request a stored delivery came as.
fn rebuild(uri: &str, headers: &[(String, String)], body: Bytes) -> Request<Bytes> {
    let mut request = Request::new(body);
    *request.method_mut() = Method::POST;
    if let Ok(uri) = uri.parse() {
        *request.uri_mut() = uri;
    }
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            request.headers_mut().append(name, value);
        }
    }
    request
}
