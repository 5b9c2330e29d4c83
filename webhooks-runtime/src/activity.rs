//! The activity log: the last deliveries of each endpoint, kept in memory for the landing page and
//! the deliveries API (`GET /api/deliveries`, replay).
//!
//! Each endpoint keeps its own ring of the last `capacity` deliveries, behind its own lock held
//! only to push or copy out a record, so endpoints never contend with each other. A record keeps
//! a copy of the body as received (a slice of the connection's read buffer would keep that whole
//! buffer alive) and never the headers: secrets and authorization headers are not stored. A
//! request refused before its body was read (401, 403, 413) is kept without a body.
//!
//! Once the ring is full, each new record takes over the body buffer of the record it evicts
//! (unless the page or the API still holds that body), so a busy endpoint keeps its deliveries
//! without allocating or freeing a buffer per request.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};

use crate::extract::DeliveryId;
use crate::response::Response;
use crate::router::Route;
use crate::service::Service;

/// Default number of deliveries kept per endpoint.
pub const DEFAULT_ACTIVITY_CAPACITY: usize = 100;

/// Default number of bytes of bodies the activity log keeps, every endpoint together.
pub const DEFAULT_ACTIVITY_BYTES: usize = 32 * 1024 * 1024;

/// How many requests refused before they were authenticated each endpoint keeps, apart from the
/// deliveries, so that they cannot push the deliveries out.
pub(crate) const REFUSED_CAPACITY: usize = 20;

/// One delivery, as the activity log keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) id: u64,
    /// When the delivery arrived, on the monotonic clock: turned into a wall-clock time only when
    /// the log is read ([`Now::wall_time`]), so a delivery reads the clock once fewer.
    pub(crate) started: Instant,
    pub(crate) status: u16,
    pub(crate) latency: Duration,
    /// The body, when the request was authenticated and read.
    pub(crate) body: Option<Bytes>,
    /// The delivery this one replayed.
    pub(crate) replay_of: Option<u64>,
    /// The delivery's id, once the request was authenticated.
    pub(crate) delivery_id: Option<DeliveryId>,
    /// What the endpoint did with it.
    pub(crate) disposition: Disposition,
}

/// What an endpoint did with a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Disposition {
    /// Its handler ran, or it was refused (see the status).
    Handled,
    /// The endpoint's filter skipped it, for this reason; the handler did not run.
    Skipped(Box<str>),
    /// Committed to the inbox for a worker.
    Queued,
    /// Seen before: not run again.
    Duplicate,
}

/// A delivery as the activity log keeps it: its endpoint, its body when it was read, its id, what
/// became of it, and the delivery it replays.
pub(crate) struct Kept<'a> {
    pub(crate) route: &'a Route,
    /// Refused before it was authenticated (a wrong secret, another site): kept apart, so that
    /// such requests cannot push deliveries out of the log.
    pub(crate) unauthenticated: bool,
    pub(crate) body: Option<Bytes>,
    pub(crate) delivery_id: Option<DeliveryId>,
    pub(crate) disposition: Disposition,
    pub(crate) replay_of: Option<u64>,
}

impl Service {
    /// Keeps a delivery in its endpoint's activity log.
    pub(crate) fn record(
        &self,
        kept: &Kept<'_>,
        response: &Response,
        started: Instant,
        latency: Duration,
    ) {
        if self.settings.recent_deliveries == 0 {
            return;
        }
        let record = Record {
            id: self.ids.next(),
            started,
            status: response.status().as_u16(),
            latency,
            body: None,
            replay_of: kept.replay_of,
            delivery_id: kept.delivery_id.clone(),
            disposition: kept.disposition.clone(),
        };
        let ring = if kept.unauthenticated {
            &kept.route.refused
        } else {
            &kept.route.recent
        };
        ring.push(record, kept.body.as_deref());
    }
}

/// The ids every record gets, unique across endpoints and increasing.
#[derive(Debug, Default)]
pub(crate) struct Ids(AtomicU64);

impl Ids {
    pub(crate) fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// One endpoint's recent deliveries, newest last, their bodies within a byte budget.
#[derive(Debug)]
pub(crate) struct Recent {
    capacity: usize,
    /// The most body bytes kept; past it the oldest bodies go (their records stay).
    byte_budget: usize,
    inner: Mutex<Ring>,
}

#[derive(Debug, Default)]
struct Ring {
    records: VecDeque<Record>,
    /// The bytes of the bodies in `records`.
    bytes: usize,
}

impl Recent {
    pub(crate) fn new(capacity: usize, byte_budget: usize) -> Self {
        Self {
            capacity,
            byte_budget,
            inner: Mutex::new(Ring {
                records: VecDeque::with_capacity(capacity),
                bytes: 0,
            }),
        }
    }

    /// Keeps `record` with a copy of `body`, evicting the oldest record when the ring is full and
    /// the oldest bodies while the bodies exceed the byte budget.
    pub(crate) fn push(&self, mut record: Record, body: Option<&[u8]>) {
        if self.capacity == 0 {
            return;
        }
        let mut ring = self.ring();
        let evicted = if ring.records.len() == self.capacity {
            ring.records.pop_front()
        } else {
            None
        };
        if let Some(body) = evicted.as_ref().and_then(|evicted| evicted.body.as_ref()) {
            ring.bytes -= body.len();
        }
        if let Some(body) = body.filter(|body| body.len() <= self.byte_budget) {
            ring.make_room(body.len(), self.byte_budget);
            let spare = evicted.and_then(|evicted| evicted.body?.try_into_mut().ok());
            record.body = Some(copy_into(spare, body));
            ring.bytes += body.len();
        }
        ring.records.push_back(record);
    }

    fn ring(&self) -> MutexGuard<'_, Ring> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the records, newest last (bodies are shared, not copied).
    pub(crate) fn snapshot(&self) -> Vec<Record> {
        let ring = self.ring();
        ring.records.iter().cloned().collect()
    }

    pub(crate) fn find(&self, id: u64) -> Option<Record> {
        let ring = self.ring();
        ring.records.iter().find(|record| record.id == id).cloned()
    }
}

impl Ring {
    /// Drops the oldest bodies until `more` bytes fit in `budget`.
    fn make_room(&mut self, more: usize, budget: usize) {
        let mut oldest = 0;
        while self.bytes + more > budget && oldest < self.records.len() {
            if let Some(body) = self.records[oldest].body.take() {
                self.bytes -= body.len();
            }
            oldest += 1;
        }
    }
}

/// `body` as `Bytes`, in `spare` when it fits without keeping much more memory than it needs.
fn copy_into(spare: Option<BytesMut>, body: &[u8]) -> Bytes {
    match spare {
        Some(mut buffer) if buffer.capacity() <= body.len().max(4096) * 2 => {
            buffer.clear();
            buffer.extend_from_slice(body);
            buffer.freeze()
        }
        _ => Bytes::copy_from_slice(body),
    }
}

/// The wall clock and the monotonic clock read together, to date records when the log is read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Now {
    wall: SystemTime,
    monotonic: Instant,
}

impl Now {
    pub(crate) fn read() -> Self {
        Self {
            wall: SystemTime::now(),
            monotonic: Instant::now(),
        }
    }

    /// The wall-clock time of `instant` (earlier than now).
    pub(crate) fn wall_time(&self, instant: Instant) -> SystemTime {
        self.wall - self.monotonic.saturating_duration_since(instant)
    }
}

/// `at` as an RFC 3339 UTC timestamp with milliseconds, e.g. `2026-11-23T12:00:00.123Z`.
pub(crate) fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u64) -> Record {
        Record {
            id,
            started: Instant::now(),
            status: 200,
            latency: Duration::ZERO,
            body: None,
            replay_of: None,
            delivery_id: None,
            disposition: Disposition::Handled,
        }
    }

    #[test]
    fn records_are_dated_on_the_wall_clock_when_read() {
        let now = Now::read();
        let earlier = now.monotonic - Duration::from_millis(1_500);
        assert_eq!(
            now.wall_time(earlier),
            now.wall - Duration::from_millis(1_500)
        );
        assert_eq!(now.wall_time(now.monotonic), now.wall);
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_435_200_123);
        assert_eq!(rfc3339(at), "2026-11-23T12:00:00.123Z");
        let leap = SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn keeps_the_last_records_only() {
        let recent = Recent::new(3, usize::MAX);
        for id in 1..=5 {
            recent.push(record(id), None);
        }
        assert_eq!(
            recent.snapshot().iter().map(|r| r.id).collect::<Vec<_>>(),
            [3, 4, 5]
        );
        assert!(recent.find(2).is_none());
        assert_eq!(recent.find(4).unwrap().id, 4);
        let off = Recent::new(0, usize::MAX);
        off.push(record(1), Some(b"{}"));
        assert!(off.snapshot().is_empty());
    }

    #[test]
    fn bodies_past_the_byte_budget_go_oldest_first_and_their_records_stay() {
        let recent = Recent::new(10, 25);
        for id in 1..=4 {
            recent.push(record(id), Some(b"0123456789"));
        }
        let kept: Vec<(u64, bool)> = recent
            .snapshot()
            .iter()
            .map(|record| (record.id, record.body.is_some()))
            .collect();
        assert_eq!(kept, [(1, false), (2, false), (3, true), (4, true)]);
        // A body larger than the whole budget is not kept at all.
        recent.push(record(5), Some(&[b'x'; 26]));
        assert!(recent.find(5).unwrap().body.is_none());
        assert!(
            recent.find(4).unwrap().body.is_some(),
            "nothing dropped for it"
        );
    }

    #[test]
    fn an_evicted_body_buffer_is_reused_unless_it_is_still_shared() {
        let recent = Recent::new(1, usize::MAX);
        recent.push(record(1), Some(b"first body"));
        let first = recent.find(1).unwrap().body.unwrap().as_ptr();
        // The snapshot is gone by now: the next record writes into the evicted record's buffer.
        recent.push(record(2), Some(b"second"));
        let second = recent.find(2).unwrap().body.unwrap();
        assert_eq!((&second[..], second.as_ptr()), (&b"second"[..], first));
        // Held by a reader (the page, the API): the buffer is left alone, the reader sees its body.
        let held = recent.snapshot();
        recent.push(record(3), Some(b"third"));
        assert_eq!(&held[0].body.as_ref().unwrap()[..], b"second");
        assert_eq!(&recent.find(3).unwrap().body.unwrap()[..], b"third");
        // A buffer much larger than the body is not kept for it.
        let large = vec![b'x'; 64 * 1024];
        recent.push(record(4), Some(&large));
        let large_at = recent.find(4).unwrap().body.unwrap().as_ptr();
        recent.push(record(5), Some(b"small"));
        let small = recent.find(5).unwrap().body.unwrap();
        assert_eq!(&small[..], b"small");
        assert_ne!(small.as_ptr(), large_at);
        // A record without a body (refused before it was read) keeps none.
        recent.push(record(6), None);
        assert!(recent.find(6).unwrap().body.is_none());
    }
}
