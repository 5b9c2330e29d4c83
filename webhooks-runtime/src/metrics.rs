//! Prometheus metrics, read at `GET /metrics` (behind the webhook secret when one is set).
//!
//! | metric | labels | what |
//! | --- | --- | --- |
//! | `webhooks_deliveries_total` | `endpoint`, `status` | deliveries answered, by status |
//! | `webhooks_delivery_duration_seconds` | `endpoint` | time to answer a delivery (histogram) |
//! | `webhooks_rejected_total` | `reason` | refused before the handler: `secret`, `cross_site`, `method`, `delivery_id`, `size`, `timeout`, `parse` |
//! | `webhooks_skipped_total` | `endpoint` | skipped by the endpoint's filter |
//! | `webhooks_duplicates_total` | `endpoint` | recognised by their `Webhook-Id` and not run again |
//! | `webhooks_in_flight` | | deliveries being answered now |
//! | `webhooks_background_tasks` | | work running after its answer (`Accepted`, past a deadline, queued deliveries) |
//! | `webhooks_connections` | | open connections |
//! | `webhooks_inbox_deliveries` | `state` | queued deliveries: `queued`, `running`, `retrying`, `dead`, `done` |
//! | `webhooks_retries_total` | `endpoint` | failed attempts of queued deliveries that will be tried again |
//! | `webhooks_log_dropped_lines_total` | | log lines dropped because stderr did not keep up (with `main!()`'s logger) |
//!
//! Every per-endpoint counter and histogram is looked up once, when the server starts; a delivery
//! then costs a few atomic additions.

use std::sync::atomic::{AtomicI64, Ordering};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::inbox::Counts;

/// Why a request was refused before its handler ran (the `reason` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    Secret,
    CrossSite,
    Method,
    DeliveryId,
    Size,
    Timeout,
    Parse,
}

impl Reason {
    const ALL: [Reason; 7] = [
        Reason::Secret,
        Reason::CrossSite,
        Reason::Method,
        Reason::DeliveryId,
        Reason::Size,
        Reason::Timeout,
        Reason::Parse,
    ];

    fn label(self) -> &'static str {
        match self {
            Reason::Secret => "secret",
            Reason::CrossSite => "cross_site",
            Reason::Method => "method",
            Reason::DeliveryId => "delivery_id",
            Reason::Size => "size",
            Reason::Timeout => "timeout",
            Reason::Parse => "parse",
        }
    }

    /// The reason a body could not be read: its answer's status says which.
    pub(crate) fn of_body(status: u16) -> Self {
        match status {
            408 => Reason::Timeout,
            413 => Reason::Size,
            _ => Reason::Parse,
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    endpoint: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabels {
    endpoint: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

/// Every metric of a server.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    deliveries: Family<DeliveryLabels, Counter>,
    duration: Family<EndpointLabels, Histogram, fn() -> Histogram>,
    rejected: [Counter; Reason::ALL.len()],
    skipped: Family<EndpointLabels, Counter>,
    duplicates: Family<EndpointLabels, Counter>,
    retries: Family<EndpointLabels, Counter>,
    pub(crate) in_flight: Gauge,
    background: Gauge,
    connections: Gauge<i64, AtomicI64>,
    inbox: Family<StateLabels, Gauge>,
    /// With the server's logger: the lines it dropped.
    log_dropped: Option<Counter>,
}

/// The statuses a delivery is most often answered with, refusals included: their counters are
/// kept at hand (a flood of unauthenticated requests costs no allocation), and their series are
/// there at 0 from the start, so that a `rate()` over them has a beginning.
const USUAL_STATUSES: [u16; 12] = [200, 202, 204, 400, 401, 403, 408, 413, 422, 500, 502, 503];

/// One endpoint's metrics, looked up once.
#[derive(Debug)]
pub(crate) struct RouteMetrics {
    endpoint: String,
    by_status: [Counter; USUAL_STATUSES.len()],
    duration: Histogram,
    pub(crate) skipped: Counter,
    pub(crate) duplicates: Counter,
    pub(crate) retries: Counter,
}

fn duration_histogram() -> Histogram {
    // 0.5 ms to about 33 s: a handler that answers at once, up to a Hub that gives up.
    Histogram::new(exponential_buckets(0.000_5, 2.0, 17))
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("webhooks");
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "deliveries",
            "Deliveries answered, by endpoint and status",
            deliveries.clone(),
        );
        let duration = Family::<EndpointLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            duration_histogram,
        );
        registry.register_with_unit(
            "delivery_duration",
            "Time to answer a delivery",
            prometheus_client::registry::Unit::Seconds,
            duration.clone(),
        );
        let rejected_family = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "rejected",
            "Requests to webhooks refused before their handler ran, by reason",
            rejected_family.clone(),
        );
        let rejected = Reason::ALL.map(|reason| {
            rejected_family.get_or_create_owned(&ReasonLabels {
                reason: reason.label(),
            })
        });
        let skipped = Family::<EndpointLabels, Counter>::default();
        registry.register(
            "skipped",
            "Deliveries skipped by their endpoint's filter",
            skipped.clone(),
        );
        let duplicates = Family::<EndpointLabels, Counter>::default();
        registry.register(
            "duplicates",
            "Deliveries recognised by their Webhook-Id and not run again",
            duplicates.clone(),
        );
        let retries = Family::<EndpointLabels, Counter>::default();
        registry.register(
            "retries",
            "Failed attempts of queued deliveries that will be tried again",
            retries.clone(),
        );
        let in_flight = Gauge::default();
        registry.register("in_flight", "Deliveries being answered", in_flight.clone());
        let background = Gauge::default();
        registry.register(
            "background_tasks",
            "Work running after its answer was sent",
            background.clone(),
        );
        let connections = Gauge::default();
        registry.register("connections", "Open connections", connections.clone());
        let inbox = Family::<StateLabels, Gauge>::default();
        registry.register(
            "inbox_deliveries",
            "Stored deliveries of queued endpoints, by state",
            inbox.clone(),
        );
        let log_dropped = crate::log::dropped_lines().map(|_| {
            let counter = Counter::default();
            registry.register(
                "log_dropped_lines",
                "Log lines dropped because stderr did not keep up",
                counter.clone(),
            );
            counter
        });
        Self {
            log_dropped,
            registry,
            deliveries,
            duration,
            rejected,
            skipped,
            duplicates,
            retries,
            in_flight,
            background,
            connections,
            inbox,
        }
    }

    /// The metrics of the endpoint at `path`.
    pub(crate) fn route(&self, path: &str) -> RouteMetrics {
        let endpoint = EndpointLabels {
            endpoint: path.to_owned(),
        };
        RouteMetrics {
            by_status: USUAL_STATUSES.map(|status| {
                self.deliveries.get_or_create_owned(&DeliveryLabels {
                    endpoint: path.to_owned(),
                    status,
                })
            }),
            duration: self.duration.get_or_create_owned(&endpoint),
            skipped: self.skipped.get_or_create_owned(&endpoint),
            duplicates: self.duplicates.get_or_create_owned(&endpoint),
            retries: self.retries.get_or_create_owned(&endpoint),
            endpoint: endpoint.endpoint,
        }
    }

    /// A delivery to `route` answered `status` after `seconds`.
    pub(crate) fn answered(&self, route: &RouteMetrics, status: u16, seconds: f64) {
        match USUAL_STATUSES.iter().position(|usual| *usual == status) {
            Some(index) => {
                route.by_status[index].inc();
            }
            None => {
                self.deliveries
                    .get_or_create(&DeliveryLabels {
                        endpoint: route.endpoint.clone(),
                        status,
                    })
                    .inc();
            }
        }
        route.duration.observe(seconds);
    }

    /// A request refused before its handler ran.
    pub(crate) fn rejected(&self, reason: Reason) {
        self.rejected[reason as usize].inc();
    }

    /// A connection opened (`+1`) or closed (`-1`).
    pub(crate) fn connection(&self, change: i64) {
        self.connections
            .inner()
            .fetch_add(change, Ordering::Relaxed);
    }

    /// The metrics in Prometheus' text format, with the gauges read now set first.
    pub(crate) fn encode(&self, background: usize, inbox: Option<Counts>) -> String {
        self.background
            .set(i64::try_from(background).unwrap_or(i64::MAX));
        if let Some(counts) = inbox {
            for (state, count) in [
                ("queued", counts.queued),
                ("running", counts.running),
                ("retrying", counts.retrying),
                ("dead", counts.dead),
                ("done", counts.done),
            ] {
                self.inbox
                    .get_or_create(&StateLabels { state })
                    .set(i64::try_from(count).unwrap_or(i64::MAX));
            }
        }
        if let (Some(counter), Some(dropped)) = (&self.log_dropped, crate::log::dropped_lines()) {
            counter.inc_by(dropped.saturating_sub(counter.get()));
        }
        let mut text = String::with_capacity(4096);
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String does not fail");
        text
    }
}
