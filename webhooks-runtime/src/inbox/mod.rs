//! The inbox: where deliveries are remembered (so that a retried delivery runs once) and where a
//! queued endpoint's deliveries wait, durably, for a worker.
//!
//! A queued endpoint (`#[webhook_endpoint(queue)]`) answers the Hub `202` only once the delivery
//! is committed to the inbox; workers then run the handler from the stored copy, retry it with
//! backoff when it fails, and mark it dead after its last attempt. Every endpoint also uses the
//! inbox to recognise a delivery it has seen (same `Webhook-Id`): a delivery handled successfully,
//! or being handled, is answered `200 {"duplicate": true}` without running the handler again.
//!
//! The [`Store`] trait is what the server needs from an inbox. This crate implements it with
//! SQLite (the default, a file next to the program) and in memory (ids only, when nothing is
//! queued, and for [`TestClient`](crate::test::TestClient)). Every time a store sees comes from
//! the caller, so a store never reads a clock itself.

mod location;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;
pub(crate) mod worker;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use bytes::Bytes;

pub use location::{DEFAULT_FILE, INBOX_VAR, Location};
pub(crate) use memory::Remembered;
pub use memory::{DEFAULT_REMEMBERED, MemoryStore};
#[cfg(feature = "postgres")]
pub use postgres::{PostgresOptions, PostgresStore};
pub use sqlite::SqliteStore;

/// A store's future: what every [`Store`] method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// How long a delivery's id is remembered after it was handled (default), so that the Hub's retry
/// or replay of it is recognised.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// How many attempts a queued delivery gets before it is dead (default).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;

/// The wait before a failed queued delivery's second attempt (default); it doubles for each
/// further attempt, up to [`MAX_BACKOFF`].
pub const DEFAULT_RETRY_BACKOFF: Duration = Duration::from_secs(10);

/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// How long a worker's claim on a delivery lasts without renewal (default): a claim left by a
/// process that died is claimable again after it.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(300);

/// How hard the inbox works to keep what it committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Durability {
    /// A commit survives the process being killed (`kill -9`, a panic, an out-of-memory kill):
    /// it is in the operating system's hands before the Hub gets its answer. A power loss or an
    /// operating-system crash may lose the last commits (SQLite's WAL with `synchronous=NORMAL`).
    #[default]
    Process,
    /// A commit also survives a power loss: it is on disk before the Hub gets its answer (SQLite
    /// `synchronous=FULL`, one `fsync` per batch of commits). Slower.
    PowerLoss,
}

/// Which endpoint a delivery came to and its id: what a delivery is recognised by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct DeliveryKey {
    /// The endpoint's route, e.g. `/webhooks/retrain`.
    pub endpoint: String,
    /// The delivery's id ([`DeliveryId`](crate::extract::DeliveryId)).
    pub id: String,
}

impl DeliveryKey {
    /// The key of delivery `id` to `endpoint`.
    pub fn new(endpoint: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            id: id.into(),
        }
    }
}

impl fmt::Display for DeliveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.id, self.endpoint)
    }
}

/// A delivery for a queued endpoint, as it is stored: what is needed to rebuild the handler's
/// arguments (never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewDelivery {
    /// Which endpoint, which delivery.
    pub key: DeliveryKey,
    /// The request's path and query, without a `secret` parameter.
    pub uri: String,
    /// The request's headers, without the secret and credentials.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Bytes,
    /// The attempts it gets before it is dead.
    pub max_attempts: u32,
}

impl NewDelivery {
    /// A delivery of `body` with the key `key`, stored as a `POST` to the endpoint's path without
    /// headers, given `max_attempts` attempts: what a test of a [`Store`] enqueues.
    ///
    /// # Examples
    /// ```
    /// use webhooks_runtime::inbox::{DeliveryKey, NewDelivery};
    ///
    /// let delivery = NewDelivery::new(DeliveryKey::new("/webhooks/retrain", "id-1"), "{}", 3)
    ///     .with_headers(vec![("content-type".into(), "application/json".into())]);
    /// assert_eq!(delivery.uri, "/webhooks/retrain");
    /// ```
    pub fn new(key: DeliveryKey, body: impl Into<Bytes>, max_attempts: u32) -> Self {
        Self {
            uri: key.endpoint.clone(),
            key,
            headers: Vec::new(),
            body: body.into(),
            max_attempts,
        }
    }

    /// The same delivery with these headers.
    #[must_use]
    pub fn with_headers(mut self, headers: Vec<(String, String)>) -> Self {
        self.headers = headers;
        self
    }
}

/// What [`Store::enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Enqueued {
    /// Stored: a worker will run it.
    Queued,
    /// A dead delivery with this key was queued again (the Hub replayed it).
    Revived,
    /// Already stored and not dead (queued, running or done): nothing changed.
    Duplicate(Status),
}

/// What [`Store::begin`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Begin {
    /// Not seen, or seen and failed: run the handler, then call [`Store::finish`].
    Run,
    /// Handled successfully before, or being handled now: do not run it again.
    Duplicate,
}

/// Where a stored delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// Waiting for its first attempt.
    Queued,
    /// A worker is running it.
    Running,
    /// Failed; waiting for its next attempt.
    Retrying,
    /// Handled successfully.
    Done,
    /// Failed on its last attempt; it waits for someone to retry it.
    Dead,
}

impl Status {
    /// The status's name: `queued`, `running`, `retrying`, `done` or `dead`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Retrying => "retrying",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored delivery a worker claimed, to run now.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claimed {
    /// The claim, to report the outcome with.
    pub claim: ClaimId,
    /// The delivery as it was stored.
    pub delivery: NewDelivery,
    /// Which attempt this is (1 for the first).
    pub attempt: u32,
}

/// A claim on a stored delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClaimId(pub i64);

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// The handler's status code.
    pub status: u16,
    /// What went wrong, for a failure.
    pub error: Option<String>,
    /// When to try again (a failure with attempts left), or `None`: done for a success, dead for
    /// a failure.
    pub retry_at: Option<SystemTime>,
}

/// Where an attempt's [`Outcome`] leaves its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settled {
    /// A 2xx: handled.
    Done,
    /// A failure with attempts left: waiting until then.
    RetryAt(SystemTime),
    /// A failure without: dead.
    Dead,
}

impl Settled {
    /// The `state` and `next_at` (milliseconds) columns the SQL stores write for it.
    pub(crate) fn row(self) -> (&'static str, Option<i64>) {
        match self {
            Self::Done => ("done", None),
            Self::RetryAt(at) => ("waiting", Some(millis(at))),
            Self::Dead => ("dead", None),
        }
    }
}

impl Outcome {
    /// Where this attempt leaves the delivery: what every store writes.
    pub(crate) fn settled(&self) -> Settled {
        match self.retry_at {
            _ if (200..300).contains(&self.status) => Settled::Done,
            Some(at) => Settled::RetryAt(at),
            None => Settled::Dead,
        }
    }

    /// An attempt that succeeded with `status`: the delivery is done.
    ///
    /// # Examples
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use webhooks_runtime::inbox::Outcome;
    ///
    /// let done = Outcome::succeeded(200);
    /// let later = Outcome::failed(500, "the model server is down", Some(SystemTime::now() + Duration::from_secs(10)));
    /// let dead = Outcome::failed(500, "still down", None);
    /// assert!(done.error.is_none() && later.retry_at.is_some() && dead.retry_at.is_none());
    /// ```
    pub fn succeeded(status: u16) -> Self {
        Self {
            status,
            error: None,
            retry_at: None,
        }
    }

    /// An attempt that failed with `status` and `error`: tried again at `retry_at`, or dead
    /// with `None`.
    pub fn failed(status: u16, error: impl Into<String>, retry_at: Option<SystemTime>) -> Self {
        Self {
            status,
            error: Some(error.into()),
            retry_at,
        }
    }
}

/// One stored delivery, as the landing page and `/api/deliveries` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// Which endpoint, which delivery.
    pub key: DeliveryKey,
    /// Where it stands.
    pub status: Status,
    /// Attempts so far.
    pub attempts: u32,
    /// Attempts it gets.
    pub max_attempts: u32,
    /// When it was stored.
    pub received_at: SystemTime,
    /// When its next attempt is due, while it waits for one.
    pub next_attempt_at: Option<SystemTime>,
    /// Its attempts, first first.
    pub history: Vec<AttemptRecord>,
}

/// One attempt at a stored delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptRecord {
    /// 1 for the first.
    pub number: u32,
    /// The replica (process) that ran it.
    pub replica: String,
    /// When it started.
    pub started_at: SystemTime,
    /// When it ended, unless it is running (or was cut short by a crash).
    pub finished_at: Option<SystemTime>,
    /// The handler's status code.
    pub status: Option<u16>,
    /// What went wrong.
    pub error: Option<String>,
}

/// How many stored deliveries stand where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counts {
    /// Waiting for a first attempt.
    pub queued: u64,
    /// Being run.
    pub running: u64,
    /// Waiting for another attempt.
    pub retrying: u64,
    /// Dead.
    pub dead: u64,
    /// Done (queued deliveries handled, and remembered ids).
    pub done: u64,
}

impl Counts {
    /// Counts `count` more deliveries as standing at `status` (what a [`Store`]'s `counts` does
    /// for each group of deliveries it finds).
    ///
    /// ```
    /// use webhooks_runtime::inbox::{Counts, Status};
    ///
    /// let mut counts = Counts::default();
    /// counts.add(Status::Dead, 2);
    /// counts.add(Status::Queued, 1);
    /// assert_eq!((counts.dead, counts.queued, counts.done), (2, 1, 0));
    /// ```
    pub fn add(&mut self, status: Status, count: u64) {
        let slot = match status {
            Status::Queued => &mut self.queued,
            Status::Running => &mut self.running,
            Status::Retrying => &mut self.retrying,
            Status::Done => &mut self.done,
            Status::Dead => &mut self.dead,
        };
        *slot += count;
    }
}

/// Why a store could not do what it was asked. Deliveries that arrive meanwhile are answered 503,
/// so the Hub tries again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    message: String,
}

impl StoreError {
    /// An error saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// What the server needs from an inbox. Every time comes from the caller.
///
/// Implementations must make [`enqueue`](Self::enqueue) durable before its future resolves (the
/// Hub is answered `202` right after), and must never hand one delivery to two claims whose
/// leases are both running.
pub trait Store: Send + Sync + fmt::Debug + 'static {
    /// Gets the store ready before the server serves: connects, creates or migrates its schema.
    /// A store that cannot be used fails here, and the server does not start.
    fn prepare(&self) -> StoreFuture<'_, ()> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// The store as a [`MemoryStore`], which the server asks directly, without a future or a
    /// key to allocate (the default inbox: every delivery goes through it).
    #[doc(hidden)]
    fn as_memory(&self) -> Option<&MemoryStore> {
        None
    }

    /// Remembers that a delivery to a not-queued endpoint is being handled, unless it was handled
    /// successfully before or is being handled now.
    fn begin(&self, key: &DeliveryKey, now: SystemTime) -> StoreFuture<'_, Begin>;

    /// Ends what [`begin`](Self::begin) started: a success is remembered (until
    /// [`purge`](Self::purge)), a failure forgotten so that a retry runs.
    fn finish(&self, key: &DeliveryKey, succeeded: bool, now: SystemTime) -> StoreFuture<'_, ()>;

    /// Stores a delivery for a queued endpoint, durably, unless one with its key is stored and not
    /// dead.
    fn enqueue(&self, delivery: NewDelivery, now: SystemTime) -> StoreFuture<'_, Enqueued>;

    /// Claims up to `limit` deliveries whose time has come, for `lease`, on behalf of `replica`.
    fn claim(
        &self,
        replica: &str,
        limit: usize,
        lease: Duration,
        now: SystemTime,
    ) -> StoreFuture<'_, Vec<Claimed>>;

    /// Extends running claims by `lease`.
    fn renew(&self, claims: &[ClaimId], lease: Duration, now: SystemTime) -> StoreFuture<'_, ()>;

    /// Records how an attempt ended: done, retrying at `outcome.retry_at`, or dead.
    fn settle(&self, claim: ClaimId, outcome: Outcome, now: SystemTime) -> StoreFuture<'_, ()>;

    /// Gives claims back without counting their attempt as a failure (a shutdown that could not
    /// wait for them): they are queued again.
    fn release(&self, claims: &[ClaimId], now: SystemTime) -> StoreFuture<'_, ()>;

    /// Queues the dead deliveries with this id again, with fresh attempts; how many there were.
    fn retry(&self, id: &str, now: SystemTime) -> StoreFuture<'_, u64>;

    /// The latest stored deliveries of queued endpoints, newest first.
    fn list(&self, limit: usize) -> StoreFuture<'_, Vec<Entry>>;

    /// When the earliest waiting delivery is due, if any.
    fn next_due(&self) -> StoreFuture<'_, Option<SystemTime>>;

    /// How many stored deliveries stand where.
    fn counts(&self) -> StoreFuture<'_, Counts>;

    /// Forgets done deliveries and remembered ids finished before `before`; how many.
    fn purge(&self, before: SystemTime) -> StoreFuture<'_, u64>;
}

/// When the attempt after attempt `attempt` (1 for the first) is due: `first` doubled for each
/// further attempt, at most [`MAX_BACKOFF`], then scaled by `jitter` (between 0.5 and 1) so that
/// deliveries that failed together do not all come back together.
pub(crate) fn backoff(first: Duration, attempt: u32, jitter: f64) -> Duration {
    let doublings = attempt.saturating_sub(1).min(30);
    let delay = first
        .checked_mul(1 << doublings)
        .unwrap_or(MAX_BACKOFF)
        .min(MAX_BACKOFF);
    delay.mul_f64(jitter.clamp(0.5, 1.0))
}

/// The headers a stored delivery keeps: everything but the secret and credentials.
pub(crate) fn storable_headers(headers: &http::HeaderMap) -> Vec<(String, String)> {
    const SECRET_BEARING: [http::HeaderName; 4] = [
        crate::auth::SECRET_HEADER,
        http::header::AUTHORIZATION,
        http::header::COOKIE,
        http::header::PROXY_AUTHORIZATION,
    ];
    headers
        .iter()
        .filter(|(name, _)| !SECRET_BEARING.contains(name))
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect()
}

/// A request's path and query without its `secret` parameter.
pub(crate) fn storable_uri(uri: &http::Uri) -> String {
    let path = uri.path();
    let Some(query) = uri.query() else {
        return path.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !crate::auth::is_secret_param(pair))
        .collect();
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// Where a stored delivery stands, from the state a database keeps (`waiting`, `running`, `done`,
/// `dead`) and its attempts so far.
pub(crate) fn status(state: &str, attempts: u32) -> Status {
    match state {
        "waiting" if attempts == 0 => Status::Queued,
        "waiting" => Status::Retrying,
        "running" => Status::Running,
        "done" => Status::Done,
        _ => Status::Dead,
    }
}

/// Headers as `name: value` lines (a header value holds no line break), as databases keep them.
pub(crate) fn encode_headers(headers: &[(String, String)]) -> String {
    let mut text = String::new();
    for (name, value) in headers {
        text.push_str(name);
        text.push_str(": ");
        text.push_str(value);
        text.push('\n');
    }
    text
}

/// The headers [`encode_headers`] wrote.
pub(crate) fn decode_headers(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

/// Milliseconds since the epoch, as stores keep times.
pub(crate) fn millis(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

/// The time `millis` after the epoch.
pub(crate) fn from_millis(millis: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(millis).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour_with_jitter() {
        let first = Duration::from_secs(10);
        assert_eq!(backoff(first, 1, 1.0), Duration::from_secs(10));
        assert_eq!(backoff(first, 2, 1.0), Duration::from_secs(20));
        assert_eq!(backoff(first, 3, 0.5), Duration::from_secs(20));
        assert_eq!(backoff(first, 12, 1.0), MAX_BACKOFF);
        assert_eq!(backoff(first, u32::MAX, 1.0), MAX_BACKOFF);
    }

    #[test]
    fn the_secret_is_never_stored() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-webhook-secret", "s3cret".parse().unwrap());
        headers.insert("authorization", "Bearer x".parse().unwrap());
        headers.insert("content-type", "application/json".parse().unwrap());
        assert_eq!(
            storable_headers(&headers),
            [("content-type".to_owned(), "application/json".to_owned())]
        );
        let uri: http::Uri = "/webhooks/a?secret=s3cret&x=1".parse().unwrap();
        assert_eq!(storable_uri(&uri), "/webhooks/a?x=1");
        let uri: http::Uri = "/webhooks/a?secret=s3cret".parse().unwrap();
        assert_eq!(storable_uri(&uri), "/webhooks/a");
        // The server reads an encoded name as the secret too, so it is not stored either.
        let uri: http::Uri = "/webhooks/a?s%65cret=s3cret&x=1".parse().unwrap();
        assert_eq!(storable_uri(&uri), "/webhooks/a?x=1");
    }
}
