//! [`PostgresStore`]: the inbox in a PostgreSQL database, shared by every replica pointed at it.
//!
//! Deduplication is the table's unique key on (endpoint, delivery id), written with
//! `INSERT ... ON CONFLICT`, so the same delivery sent to two replicas at once is stored (or run)
//! once. Workers claim with `FOR UPDATE SKIP LOCKED` and a lease; a claim whose lease ran out
//! (its replica died) is claimed again by any replica. Writes from the request path and the
//! workers are batched: one transaction commits whatever queued up while the previous one ran
//! (`writer`). The schema is created or migrated at start under an advisory lock (`schema`).

mod error;
mod schema;
mod tls;
mod writer;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use deadpool_postgres::{ManagerConfig, Object, Pool, PoolError, RecyclingMethod};
use tokio::sync::{OnceCell, mpsc, oneshot};

use self::error::{Failure, connect_error};
use self::writer::{Pending, Write, Written};
use super::location::redact_password;
use super::{
    AttemptRecord, Begin, ClaimId, Claimed, Counts, DEFAULT_LEASE, DeliveryKey, Enqueued, Entry,
    NewDelivery, Outcome, Status, Store, StoreError, StoreFuture, backoff, decode_headers,
    from_millis, millis, status,
};

/// How a [`PostgresStore`] connects and how long it keeps ids of deliveries being handled.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use webhooks_runtime::inbox::PostgresOptions;
///
/// let options = PostgresOptions::default()
///     .max_connections(16)
///     .lease(Duration::from_secs(60))
///     .timeout(Duration::from_secs(5));
/// ```
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    lease: Duration,
    max_connections: usize,
    timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            lease: DEFAULT_LEASE,
            max_connections: 8,
            timeout: Duration::from_secs(10),
        }
    }
}

impl PostgresOptions {
    /// How long a delivery to a not-queued endpoint counts as being handled by the replica that
    /// began it (default 5 min, the queue's default lease): a retry arriving at another replica
    /// meanwhile is a duplicate; after it (the replica died) the retry runs.
    /// [`WebhooksServer::lease`](crate::server::WebhooksServer::lease) sets it too.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// The most connections this replica opens to the database (default 8).
    #[must_use]
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// How long connecting, or one operation, may take before it fails (default 10 s): a
    /// delivery that cannot be stored within it is answered 503, and the Hub sends it again.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// An inbox in a PostgreSQL database: what several replicas of a server share.
///
/// Point every replica at the same database (`WEBHOOKS_INBOX=postgres://...` or
/// [`WebhooksServer::inbox`](crate::server::WebhooksServer::inbox)); each delivery accepted by
/// any of them is stored once and run by whichever replica is free. The tables (`webhooks_*`)
/// are created in the connection's schema (its `search_path`; `?options=-csearch_path%3Dname`
/// in the URL picks another) when the server starts.
///
/// The connection is plain text unless the URL says `sslmode=require` (or `verify-ca`,
/// `verify-full`): then, with the `postgres-tls` feature, it is TLS, and the server's certificate
/// and name are checked against Mozilla's roots, or against the CA file
/// `sslrootcert=/path/ca.pem` names (a managed database's own CA); without the feature such a URL
/// is refused, naming the feature.
///
/// # Examples
/// ```no_run
/// use webhooks_runtime::inbox::{PostgresOptions, PostgresStore};
/// use webhooks_runtime::server::WebhooksServer;
///
/// # async fn hook() {}
/// let store = PostgresStore::new(
///     "postgres://webhooks:secret@db.internal/webhooks",
///     PostgresOptions::default().max_connections(16),
/// )?;
/// let server = WebhooksServer::new().add_webhook("hook", hook).inbox_store(store);
/// # Ok::<(), webhooks_runtime::inbox::StoreError>(())
/// ```
pub struct PostgresStore {
    shared: Arc<Shared>,
    /// Where writes queue up for the writer, started by the first write.
    writer: OnceLock<mpsc::UnboundedSender<Pending>>,
    /// Set once the schema is up to date.
    prepared: OnceCell<()>,
    /// The claims of the not-queued deliveries this replica began and has not finished.
    begun: Mutex<HashMap<DeliveryKey, i64>>,
}

/// What the store and its writer share.
struct Shared {
    pool: Pool,
    /// The URL without its password, for messages.
    target: String,
    options: PostgresOptions,
    /// After the database could not be reached: when to try again, and why it failed.
    outage: Mutex<Outage>,
}

#[derive(Default)]
struct Outage {
    failures: u32,
    until: Option<Instant>,
    error: Option<StoreError>,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.shared.target)
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// A store for the database at `url` (`postgres://user:password@host:port/database`, with
    /// libpq's parameters such as `connect_timeout`, `application_name` or `options`). Nothing is
    /// connected yet: [`Store::prepare`] connects and creates the tables, and the server calls it
    /// at start.
    ///
    /// Fails on a URL that cannot be read, on a URL asking for TLS in a build without the
    /// `postgres-tls` feature, and on an `sslrootcert` file that holds no certificate.
    pub fn new(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let target = redact_password(url);
        let asked = tls::read(url, &target)?;
        let mut config: tokio_postgres::Config = asked.url.parse().map_err(|err| {
            StoreError::new(format!(
                "the inbox {target} is not a PostgreSQL URL: {}",
                error::describe(&err)
            ))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.timeout);
        }
        if config.get_application_name().is_none() {
            config.application_name("webhooks");
        }
        let recycling = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = tls::manager(config, asked.tls, recycling);
        let pool = Pool::builder(manager)
            .max_size(options.max_connections)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(options.timeout))
            .create_timeout(Some(options.timeout))
            .recycle_timeout(Some(options.timeout))
            .build()
            .map_err(|err| StoreError::new(format!("the inbox {target}: {err}")))?;
        Ok(Self {
            shared: Arc::new(Shared {
                pool,
                target,
                options,
                outage: Mutex::new(Outage::default()),
            }),
            writer: OnceLock::new(),
            prepared: OnceCell::new(),
            begun: Mutex::new(HashMap::new()),
        })
    }

    /// The URL, without its password.
    pub fn url(&self) -> &str {
        &self.shared.target
    }

    fn begun(&self) -> MutexGuard<'_, HashMap<DeliveryKey, i64>> {
        self.begun.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes sure the tables are there (what [`Store::prepare`] does, for a store used without
    /// it).
    async fn ready(&self) -> Result<(), StoreError> {
        self.prepared
            .get_or_try_init(|| schema::migrate(&self.shared))
            .await
            .map(|&()| ())
    }

    /// Hands `write` to the writer and waits for its commit.
    async fn write(&self, write: Write) -> Result<Written, StoreError> {
        self.ready().await?;
        let writer = self.writer.get_or_init(|| {
            let (sender, receiver) = mpsc::unbounded_channel();
            tokio::spawn(writer::write_loop(Arc::clone(&self.shared), receiver));
            sender
        });
        let (reply, answer) = oneshot::channel();
        writer
            .send(Pending { write, reply })
            .map_err(|_| StoreError::new("the inbox's writer has stopped"))?;
        answer
            .await
            .unwrap_or_else(|_| Err(StoreError::new("the inbox's writer has stopped")))
    }

    /// A pooled connection, once the tables are there.
    async fn client(&self) -> Result<Object, StoreError> {
        self.ready().await?;
        self.shared.connection().await.map_err(Failure::into_error)
    }

    /// Runs one statement's future within the store's timeout.
    async fn query<T>(
        &self,
        query: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, StoreError> {
        self.shared
            .timed(async {
                query
                    .await
                    .map_err(|err| Failure::from_query(&self.shared.target, &err))
            })
            .await
            .map_err(Failure::into_error)
    }
}

impl Shared {
    fn outage(&self) -> MutexGuard<'_, Outage> {
        self.outage.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A pooled connection. After the database could not be reached, fails at once (with that
    /// error) until a backoff has passed, then tries again: a database that is down is not asked
    /// for a connection by every delivery.
    async fn connection(&self) -> Result<Object, Failure> {
        {
            let outage = self.outage();
            if let (Some(until), Some(err)) = (outage.until, &outage.error)
                && Instant::now() < until
            {
                return Err(Failure::Unavailable(err.clone()));
            }
        }
        match self.pool.get().await {
            Ok(client) => {
                let mut outage = self.outage();
                if outage.failures > 0 {
                    tracing::info!(inbox = %self.target, "the database answers again");
                }
                *outage = Outage::default();
                Ok(client)
            }
            Err(err) => {
                let error = connect_error(&self.target, &err);
                if !matches!(
                    err,
                    PoolError::Timeout(deadpool_postgres::TimeoutType::Wait)
                ) {
                    let mut outage = self.outage();
                    outage.failures += 1;
                    let wait = backoff(Duration::from_millis(100), outage.failures, 1.0)
                        .min(Duration::from_secs(5));
                    outage.until = Some(Instant::now() + wait);
                    outage.error = Some(error.clone());
                    if outage.failures == 1 {
                        tracing::warn!(inbox = %self.target, error = %error, "the database cannot be reached");
                    }
                }
                Err(Failure::Unavailable(error))
            }
        }
    }

    /// `work`, failing with a timeout error past the store's timeout.
    async fn timed<T>(&self, work: impl Future<Output = Result<T, Failure>>) -> Result<T, Failure> {
        match tokio::time::timeout(self.options.timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(Failure::Lost(StoreError::new(format!(
                "the inbox {}: the database did not answer within {:?}",
                self.target, self.options.timeout
            )))),
        }
    }
}

const BEGIN: &str = "
    INSERT INTO webhooks_deliveries (endpoint, delivery_id, queued, state, attempts, max_attempts,
                                     received_at, next_at, lease_until, claim)
    VALUES ($1, $2, false, 'running', 1, 1, $3, $3, $4, nextval('webhooks_claims'))
    ON CONFLICT (endpoint, delivery_id) DO UPDATE
        SET received_at = EXCLUDED.received_at, lease_until = EXCLUDED.lease_until,
            claim = EXCLUDED.claim
        WHERE webhooks_deliveries.state = 'running' AND NOT webhooks_deliveries.queued
          AND webhooks_deliveries.lease_until <= EXCLUDED.received_at
    RETURNING claim";

/// Expired claims first (their replica died), then what is due, each through its own partial
/// index: one scan of both with `OR` sorts every waiting row for each claim.
const CLAIM: &str = "
    WITH expired AS (
        SELECT seq FROM webhooks_deliveries
        WHERE queued AND state = 'running' AND lease_until <= $3
        ORDER BY lease_until
        LIMIT $4
        FOR UPDATE SKIP LOCKED
    ), waiting AS (
        SELECT seq FROM webhooks_deliveries
        WHERE queued AND state = 'waiting' AND next_at <= $3
        ORDER BY next_at
        LIMIT greatest($4 - (SELECT count(*) FROM expired), 0)
        FOR UPDATE SKIP LOCKED
    ), picked AS (
        SELECT seq FROM expired UNION ALL SELECT seq FROM waiting
    ), claimed AS (
        UPDATE webhooks_deliveries d
        SET state = 'running', attempts = d.attempts + 1, lease_until = $1, owner = $2,
            claim = nextval('webhooks_claims')
        FROM picked
        WHERE d.seq = picked.seq
        RETURNING d.seq, d.claim, d.endpoint, d.delivery_id, d.uri, d.headers, d.body,
                  d.max_attempts, d.attempts, d.next_at
    ), started AS (
        INSERT INTO webhooks_attempts (id, delivery, number, replica, started_at)
        SELECT claim, seq, attempts, $2, $3 FROM claimed
    )
    SELECT claim, endpoint, delivery_id, uri, headers, body, max_attempts, attempts
    FROM claimed ORDER BY next_at, seq";

const RENEW: &str = "
    UPDATE webhooks_deliveries SET lease_until = $2
    WHERE claim = ANY($1::bigint[]) AND state = 'running'";

const RELEASE: &str = "
    WITH released AS (
        UPDATE webhooks_deliveries
        SET state = 'waiting', attempts = attempts - 1, lease_until = NULL, owner = NULL,
            next_at = $2
        WHERE claim = ANY($1::bigint[]) AND state = 'running' AND queued
        RETURNING claim
    )
    DELETE FROM webhooks_attempts WHERE id IN (SELECT claim FROM released)";

const RETRY: &str = "
    UPDATE webhooks_deliveries SET state = 'waiting', attempts = 0, next_at = $2, finished_at = NULL
    WHERE delivery_id = $1 AND state = 'dead' AND queued";

const LIST: &str = "
    SELECT seq, endpoint, delivery_id, state, attempts, max_attempts, received_at, next_at
    FROM webhooks_deliveries WHERE queued ORDER BY seq DESC LIMIT $1";

const HISTORY: &str = "
    SELECT delivery, number, replica, started_at, finished_at, status, error
    FROM webhooks_attempts WHERE delivery = ANY($1::bigint[]) ORDER BY id";

const NEXT_DUE: &str = "
    SELECT least(
        (SELECT min(next_at) FROM webhooks_deliveries WHERE queued AND state = 'waiting'),
        (SELECT min(lease_until) FROM webhooks_deliveries WHERE queued AND state = 'running'))";

const COUNTS: &str = "
    SELECT state, attempts > 0, count(*) FROM webhooks_deliveries GROUP BY 1, 2";

const PURGE: &str = "
    DELETE FROM webhooks_deliveries
    WHERE (state = 'done' AND finished_at < $1)
       OR (state = 'running' AND NOT queued AND lease_until < $1)";

/// Text PostgreSQL can store: it refuses NUL characters.
fn storable_text(text: &str) -> String {
    text.replace('\0', "\u{fffd}")
}

impl Store for PostgresStore {
    fn prepare(&self) -> StoreFuture<'_, ()> {
        Box::pin(self.ready())
    }

    fn begin(&self, key: &DeliveryKey, now: SystemTime) -> StoreFuture<'_, Begin> {
        let key = key.clone();
        Box::pin(async move {
            let client = self.client().await?;
            let lease_until = millis(now + self.shared.options.lease);
            let row = self
                .query(async {
                    let statement = client.prepare_cached(BEGIN).await?;
                    client
                        .query_opt(
                            &statement,
                            &[&key.endpoint, &key.id, &millis(now), &lease_until],
                        )
                        .await
                })
                .await?;
            match row {
                Some(row) => {
                    self.begun().insert(key, row.get(0));
                    Ok(Begin::Run)
                }
                None => Ok(Begin::Duplicate),
            }
        })
    }

    fn finish(&self, key: &DeliveryKey, succeeded: bool, now: SystemTime) -> StoreFuture<'_, ()> {
        let claim = self.begun().remove(key);
        Box::pin(async move {
            let Some(claim) = claim else {
                return Ok(());
            };
            self.write(Write::Finish {
                claim,
                succeeded,
                now: millis(now),
            })
            .await
            .map(|_| ())
        })
    }

    fn enqueue(&self, delivery: NewDelivery, now: SystemTime) -> StoreFuture<'_, Enqueued> {
        Box::pin(async move {
            let written = self
                .write(Write::Enqueue {
                    delivery: Box::new(delivery),
                    now: millis(now),
                })
                .await?;
            match written {
                Written::Enqueued(enqueued) => Ok(enqueued),
                Written::Done => Err(StoreError::new("the inbox's writer answered out of turn")),
            }
        })
    }

    fn claim(
        &self,
        replica: &str,
        limit: usize,
        lease: Duration,
        now: SystemTime,
    ) -> StoreFuture<'_, Vec<Claimed>> {
        let replica = storable_text(replica);
        Box::pin(async move {
            let client = self.client().await?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = self
                .query(async {
                    let statement = client.prepare_cached(CLAIM).await?;
                    client
                        .query(
                            &statement,
                            &[&millis(now + lease), &replica, &millis(now), &limit],
                        )
                        .await
                })
                .await?;
            Ok(rows
                .iter()
                .map(|row| Claimed {
                    claim: ClaimId(row.get(0)),
                    delivery: NewDelivery {
                        key: DeliveryKey::new(row.get::<_, String>(1), row.get::<_, String>(2)),
                        uri: row.get::<_, Option<String>>(3).unwrap_or_default(),
                        headers: decode_headers(
                            &row.get::<_, Option<String>>(4).unwrap_or_default(),
                        ),
                        body: Bytes::from(row.get::<_, Option<Vec<u8>>>(5).unwrap_or_default()),
                        max_attempts: u32::try_from(row.get::<_, i32>(6)).unwrap_or(1),
                    },
                    attempt: u32::try_from(row.get::<_, i32>(7)).unwrap_or(1),
                })
                .collect())
        })
    }

    fn renew(&self, claims: &[ClaimId], lease: Duration, now: SystemTime) -> StoreFuture<'_, ()> {
        let claims: Vec<i64> = claims.iter().map(|claim| claim.0).collect();
        Box::pin(async move {
            let client = self.client().await?;
            self.query(async {
                let statement = client.prepare_cached(RENEW).await?;
                client
                    .execute(&statement, &[&claims, &millis(now + lease)])
                    .await
            })
            .await
            .map(|_| ())
        })
    }

    fn settle(&self, claim: ClaimId, outcome: Outcome, now: SystemTime) -> StoreFuture<'_, ()> {
        let (state, next_at) = outcome.settled().row();
        let write = Write::Settle {
            claim: claim.0,
            state,
            next_at,
            now: millis(now),
            status: i32::from(outcome.status),
            error: outcome.error.as_deref().map(storable_text),
        };
        Box::pin(async move { self.write(write).await.map(|_| ()) })
    }

    fn release(&self, claims: &[ClaimId], now: SystemTime) -> StoreFuture<'_, ()> {
        let claims: Vec<i64> = claims.iter().map(|claim| claim.0).collect();
        Box::pin(async move {
            let client = self.client().await?;
            self.query(async {
                let statement = client.prepare_cached(RELEASE).await?;
                client.execute(&statement, &[&claims, &millis(now)]).await
            })
            .await
            .map(|_| ())
        })
    }

    fn retry(&self, id: &str, now: SystemTime) -> StoreFuture<'_, u64> {
        let id = storable_text(id);
        Box::pin(async move {
            let client = self.client().await?;
            self.query(async {
                let statement = client.prepare_cached(RETRY).await?;
                client.execute(&statement, &[&id, &millis(now)]).await
            })
            .await
        })
    }

    fn list(&self, limit: usize) -> StoreFuture<'_, Vec<Entry>> {
        Box::pin(async move {
            let client = self.client().await?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let (rows, attempts) = self
                .query(async {
                    let statement = client.prepare_cached(LIST).await?;
                    let rows = client.query(&statement, &[&limit]).await?;
                    let seqs: Vec<i64> = rows.iter().map(|row| row.get(0)).collect();
                    let statement = client.prepare_cached(HISTORY).await?;
                    let attempts = client.query(&statement, &[&seqs]).await?;
                    Ok((rows, attempts))
                })
                .await?;
            let mut history: HashMap<i64, Vec<AttemptRecord>> = HashMap::new();
            for row in &attempts {
                history.entry(row.get(0)).or_default().push(AttemptRecord {
                    number: u32::try_from(row.get::<_, i32>(1)).unwrap_or(0),
                    replica: row.get(2),
                    started_at: from_millis(row.get(3)),
                    finished_at: row.get::<_, Option<i64>>(4).map(from_millis),
                    status: row
                        .get::<_, Option<i32>>(5)
                        .and_then(|status| u16::try_from(status).ok()),
                    error: row.get(6),
                });
            }
            Ok(rows
                .iter()
                .map(|row| {
                    let attempts = u32::try_from(row.get::<_, i32>(4)).unwrap_or(0);
                    let status = status(row.get(3), attempts);
                    Entry {
                        key: DeliveryKey::new(row.get::<_, String>(1), row.get::<_, String>(2)),
                        status,
                        attempts,
                        max_attempts: u32::try_from(row.get::<_, i32>(5)).unwrap_or(0),
                        received_at: from_millis(row.get(6)),
                        next_attempt_at: matches!(status, Status::Queued | Status::Retrying)
                            .then(|| from_millis(row.get(7))),
                        history: history.remove(&row.get::<_, i64>(0)).unwrap_or_default(),
                    }
                })
                .collect())
        })
    }

    fn next_due(&self) -> StoreFuture<'_, Option<SystemTime>> {
        Box::pin(async move {
            let client = self.client().await?;
            let row = self
                .query(async {
                    let statement = client.prepare_cached(NEXT_DUE).await?;
                    client.query_one(&statement, &[]).await
                })
                .await?;
            Ok(row.get::<_, Option<i64>>(0).map(from_millis))
        })
    }

    fn counts(&self) -> StoreFuture<'_, Counts> {
        Box::pin(async move {
            let client = self.client().await?;
            let rows = self
                .query(async {
                    let statement = client.prepare_cached(COUNTS).await?;
                    client.query(&statement, &[]).await
                })
                .await?;
            let mut counts = Counts::default();
            for row in &rows {
                let count = u64::try_from(row.get::<_, i64>(2)).unwrap_or(0);
                counts.add(status(row.get(0), u32::from(row.get::<_, bool>(1))), count);
            }
            Ok(counts)
        })
    }

    fn purge(&self, before: SystemTime) -> StoreFuture<'_, u64> {
        Box::pin(async move {
            let client = self.client().await?;
            self.query(async {
                let statement = client.prepare_cached(PURGE).await?;
                client.execute(&statement, &[&millis(before)]).await
            })
            .await
        })
    }
}
