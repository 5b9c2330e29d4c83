//! [`SqliteStore`]: the inbox in a SQLite file, the default.
//!
//! One thread owns the writing connection. Writes from every delivery and worker queue up for it,
//! and it commits whatever has queued up in one transaction: a commit costs about the same for
//! one delivery as for a hundred, so persisting does not serialise the request path. Reads go
//! through a second connection (SQLite's write-ahead log lets them run beside a write).
//!
//! One process uses a file at a time: the store holds an exclusive lock on `<file>.lock` while it
//! is open, so it can put back at start what was running when the last process died.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use tokio::sync::oneshot;

use super::{
    AttemptRecord, Begin, ClaimId, Claimed, Counts, DeliveryKey, Durability, Enqueued, Entry,
    NewDelivery, Outcome, Status, Store, StoreError, StoreFuture, decode_headers, encode_headers,
    from_millis, millis, status,
};

/// The most operations committed in one transaction.
const MAX_BATCH: usize = 1024;

/// The schema, one migration per version (`PRAGMA user_version` says which ran).
const MIGRATIONS: &[&str] = &["
    CREATE TABLE deliveries (
        seq INTEGER PRIMARY KEY,
        endpoint TEXT NOT NULL,
        delivery_id TEXT NOT NULL,
        queued INTEGER NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        next_at INTEGER NOT NULL,
        lease_until INTEGER,
        owner TEXT,
        finished_at INTEGER,
        uri TEXT,
        headers TEXT,
        body BLOB,
        UNIQUE (endpoint, delivery_id)
    );
    CREATE INDEX deliveries_due ON deliveries (state, next_at) WHERE queued = 1;
    CREATE INDEX deliveries_done ON deliveries (finished_at) WHERE state = 'done';
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        delivery INTEGER NOT NULL REFERENCES deliveries (seq) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        replica TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        status INTEGER,
        error TEXT
    );
    CREATE INDEX attempts_delivery ON attempts (delivery);
"];

/// An inbox in a SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    writer: mpsc::Sender<Op>,
    reader: Arc<Mutex<Connection>>,
    /// Deliveries to not-queued endpoints being handled now (in this process: the file has one).
    running: Mutex<HashSet<DeliveryKey>>,
    _lock: File,
}

impl SqliteStore {
    /// Opens (creating it if needed) the inbox at `path`, or says why it cannot: a directory
    /// that does not exist or cannot be written, a file that is not a SQLite database, an inbox
    /// another process is using.
    ///
    /// What was running when the last process using the file stopped is queued again.
    pub fn open(path: impl AsRef<Path>, durability: Durability) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let lock = lock(&path)?;
        let mut writer = connect(&path, durability)?;
        migrate(&mut writer, &path)?;
        recover(&writer).map_err(|err| sql_error(&path, &err))?;
        let reader = connect(&path, durability)?;
        let (tx, rx) = mpsc::channel();
        let thread_path = path.clone();
        std::thread::Builder::new()
            .name("webhooks-inbox".into())
            .spawn(move || write_loop(&mut writer, &rx, &thread_path))
            .map_err(|err| StoreError::new(format!("cannot start the inbox's writer: {err}")))?;
        Ok(Self {
            path,
            writer: tx,
            reader: Arc::new(Mutex::new(reader)),
            running: Mutex::new(HashSet::new()),
            _lock: lock,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn running(&self) -> MutexGuard<'_, HashSet<DeliveryKey>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands `op` (built around a reply channel) to the writer and waits for its commit.
    fn write<T: Send + 'static>(
        &self,
        op: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Op,
    ) -> StoreFuture<'_, T> {
        let (reply, answer) = oneshot::channel();
        let sent = self.writer.send(op(reply));
        Box::pin(async move {
            if sent.is_err() {
                return Err(StoreError::new("the inbox's writer has stopped"));
            }
            answer
                .await
                .unwrap_or_else(|_| Err(StoreError::new("the inbox's writer has stopped")))
        })
    }

    /// Runs `read` on the reading connection, off the async threads.
    fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> StoreFuture<'_, T> {
        let reader = Arc::clone(&self.reader);
        let path = self.path.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let connection = reader.lock().unwrap_or_else(PoisonError::into_inner);
                read(&connection).map_err(|err| sql_error(&path, &err))
            })
            .await
            .map_err(|err| StoreError::new(format!("the inbox's reader failed: {err}")))?
        })
    }
}

/// Takes the exclusive lock that makes this process the file's only user.
fn lock(path: &Path) -> Result<File, StoreError> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|err| {
            StoreError::new(format!("cannot create the inbox {}: {err}", path.display()))
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::new(format!(
            "the inbox {} is in use by another process",
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(err)) => Err(StoreError::new(format!(
            "cannot lock the inbox {}: {err}",
            path.display()
        ))),
    }
}

fn connect(path: &Path, durability: Durability) -> Result<Connection, StoreError> {
    let connection = Connection::open(path).map_err(|err| {
        StoreError::new(format!("cannot create the inbox {}: {err}", path.display()))
    })?;
    let synchronous = match durability {
        Durability::Process => "NORMAL",
        Durability::PowerLoss => "FULL",
    };
    connection
        .busy_timeout(Duration::from_secs(5))
        .and_then(|()| {
            connection.execute_batch(&format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;"
            ))
        })
        .map_err(|err| sql_error(path, &err))?;
    Ok(connection)
}

fn migrate(connection: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let version: i64 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|err| sql_error(path, &err))?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > MIGRATIONS.len() {
        return Err(StoreError::new(format!(
            "the inbox {} was written by a newer version of this program (schema {version})",
            path.display()
        )));
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = connection
            .transaction()
            .map_err(|err| sql_error(path, &err))?;
        tx.execute_batch(migration)
            .and_then(|()| tx.pragma_update(None, "user_version", index as i64 + 1))
            .and_then(|()| tx.commit())
            .map_err(|err| sql_error(path, &err))?;
    }
    Ok(())
}

/// Puts back what was running when the last process died: queued deliveries wait again (the cut
/// attempt counts). Ids of not-queued deliveries being handled are only ever in memory
/// (`running`), so a retry of one of those runs.
fn recover(connection: &Connection) -> rusqlite::Result<()> {
    connection.execute_batch(
        "UPDATE deliveries SET state = 'waiting', lease_until = NULL, owner = NULL
             WHERE state = 'running' AND queued = 1;",
    )
}

/// A message for a SQLite error, naming the file and, for the usual ones, what they mean.
fn sql_error(path: &Path, err: &rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    let what = match err.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => "is not a SQLite database".to_owned(),
        Some(ErrorCode::DiskFull) => "cannot grow: the disk is full".to_owned(),
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            format!("cannot be written: {err}")
        }
        Some(ErrorCode::DatabaseCorrupt) => "is corrupt".to_owned(),
        _ => format!("failed: {err}"),
    };
    StoreError::new(format!("the inbox {} {what}", path.display()))
}

/// A write, with the channel its result goes back on.
enum Op {
    Finish(DeliveryKey, SystemTime, Sender<()>),
    Enqueue(Box<NewDelivery>, SystemTime, Sender<Enqueued>),
    Claim(String, usize, Duration, SystemTime, Sender<Vec<Claimed>>),
    Renew(Vec<ClaimId>, Duration, SystemTime, Sender<()>),
    Settle(ClaimId, Outcome, SystemTime, Sender<()>),
    Release(Vec<ClaimId>, SystemTime, Sender<()>),
    Retry(String, SystemTime, Sender<u64>),
    Purge(SystemTime, Sender<u64>),
}

type Sender<T> = oneshot::Sender<Result<T, StoreError>>;

/// Sends a result once the transaction it belongs to committed (or failed).
type Reply = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

fn reply<T: Send + 'static>(sender: Sender<T>, result: rusqlite::Result<T>, path: &Path) -> Reply {
    let result = result.map_err(|err| sql_error(path, &err));
    Box::new(move |commit| {
        let _ = sender.send(commit.and(result));
    })
}

/// The writer: takes what has queued up (at most [`MAX_BATCH`]), applies it in one transaction,
/// commits, answers. Ends when the store is dropped.
fn write_loop(connection: &mut Connection, ops: &mpsc::Receiver<Op>, path: &Path) {
    while let Ok(first) = ops.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match ops.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let tx = match connection.transaction() {
            Ok(tx) => tx,
            Err(err) => {
                let err = sql_error(path, &err);
                for op in batch {
                    apply_failed(op, &err);
                }
                continue;
            }
        };
        let replies: Vec<Reply> = batch.into_iter().map(|op| apply(&tx, op, path)).collect();
        let committed = tx.commit().map_err(|err| sql_error(path, &err));
        for reply in replies {
            reply(committed.clone());
        }
    }
}

fn apply_failed(op: Op, err: &StoreError) {
    let err = err.clone();
    match op {
        Op::Finish(.., reply)
        | Op::Renew(.., reply)
        | Op::Settle(.., reply)
        | Op::Release(.., reply) => drop(reply.send(Err(err))),
        Op::Enqueue(.., reply) => drop(reply.send(Err(err))),
        Op::Claim(.., reply) => drop(reply.send(Err(err))),
        Op::Retry(.., reply) | Op::Purge(.., reply) => drop(reply.send(Err(err))),
    }
}

fn apply(tx: &Transaction<'_>, op: Op, path: &Path) -> Reply {
    match op {
        Op::Finish(key, now, sender) => reply(sender, remember(tx, &key, now), path),
        Op::Enqueue(delivery, now, sender) => reply(sender, enqueue(tx, &delivery, now), path),
        Op::Claim(replica, limit, lease, now, sender) => {
            reply(sender, claim(tx, &replica, limit, lease, now), path)
        }
        Op::Renew(claims, lease, now, sender) => {
            reply(sender, renew(tx, &claims, lease, now), path)
        }
        Op::Settle(claim, outcome, now, sender) => {
            reply(sender, settle(tx, claim, &outcome, now), path)
        }
        Op::Release(claims, now, sender) => reply(sender, release(tx, &claims, now), path),
        Op::Retry(id, now, sender) => reply(sender, retry(tx, &id, now), path),
        Op::Purge(before, sender) => reply(sender, purge(tx, before), path),
    }
}

fn remember(tx: &Transaction<'_>, key: &DeliveryKey, now: SystemTime) -> rusqlite::Result<()> {
    let now = millis(now);
    tx.prepare_cached(
        "INSERT INTO deliveries (endpoint, delivery_id, queued, state, attempts, max_attempts,
                                 received_at, next_at, finished_at)
         VALUES (?1, ?2, 0, 'done', 1, 1, ?3, ?3, ?3)
         ON CONFLICT (endpoint, delivery_id) DO NOTHING",
    )?
    .execute(params![key.endpoint, key.id, now])?;
    Ok(())
}

fn enqueue(
    tx: &Transaction<'_>,
    delivery: &NewDelivery,
    now: SystemTime,
) -> rusqlite::Result<Enqueued> {
    let now = millis(now);
    let inserted = tx
        .prepare_cached(
            "INSERT INTO deliveries (endpoint, delivery_id, queued, state, attempts, max_attempts,
                                     received_at, next_at, uri, headers, body)
             VALUES (?1, ?2, 1, 'waiting', 0, ?3, ?4, ?4, ?5, ?6, ?7)
             ON CONFLICT (endpoint, delivery_id) DO NOTHING",
        )?
        .execute(params![
            delivery.key.endpoint,
            delivery.key.id,
            delivery.max_attempts,
            now,
            delivery.uri,
            encode_headers(&delivery.headers),
            &delivery.body[..],
        ])?;
    if inserted == 1 {
        return Ok(Enqueued::Queued);
    }
    let (state, attempts): (String, u32) = tx
        .prepare_cached(
            "SELECT state, attempts FROM deliveries WHERE endpoint = ?1 AND delivery_id = ?2",
        )?
        .query_row(params![delivery.key.endpoint, delivery.key.id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    if state != "dead" {
        return Ok(Enqueued::Duplicate(status(&state, attempts)));
    }
    tx.prepare_cached(
        "UPDATE deliveries SET state = 'waiting', attempts = 0, next_at = ?3, finished_at = NULL,
                               max_attempts = ?4, uri = ?5, headers = ?6, body = ?7
         WHERE endpoint = ?1 AND delivery_id = ?2",
    )?
    .execute(params![
        delivery.key.endpoint,
        delivery.key.id,
        now,
        delivery.max_attempts,
        delivery.uri,
        encode_headers(&delivery.headers),
        &delivery.body[..],
    ])?;
    Ok(Enqueued::Revived)
}

fn claim(
    tx: &Transaction<'_>,
    replica: &str,
    limit: usize,
    lease: Duration,
    now: SystemTime,
) -> rusqlite::Result<Vec<Claimed>> {
    let until = millis(now + lease);
    let now = millis(now);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let claimed: Vec<Claimed> = tx
        .prepare_cached(
            // Expired claims first, then due deliveries, each found through the `(state, next_at)`
            // index: one `OR` of the two made SQLite walk every queued row, done ones included.
            "UPDATE deliveries SET state = 'running', attempts = attempts + 1,
                                   lease_until = ?1, owner = ?2
             WHERE seq IN (
                 SELECT seq FROM (
                     SELECT seq FROM deliveries
                     WHERE queued = 1 AND state = 'running' AND lease_until <= ?3
                     ORDER BY lease_until LIMIT ?4)
                 UNION ALL
                 SELECT seq FROM (
                     SELECT seq FROM deliveries
                     WHERE queued = 1 AND state = 'waiting' AND next_at <= ?3
                     ORDER BY next_at LIMIT ?4)
                 LIMIT ?4)
             RETURNING seq, endpoint, delivery_id, uri, headers, body, max_attempts, attempts",
        )?
        .query_map(params![until, replica, now, limit], |row| {
            let body: Vec<u8> = row.get(5)?;
            Ok(Claimed {
                claim: ClaimId(row.get(0)?),
                delivery: NewDelivery {
                    key: DeliveryKey::new(row.get::<_, String>(1)?, row.get::<_, String>(2)?),
                    uri: row.get(3)?,
                    headers: decode_headers(&row.get::<_, String>(4)?),
                    body: Bytes::from(body),
                    max_attempts: row.get(6)?,
                },
                attempt: row.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut started = tx.prepare_cached(
        "INSERT INTO attempts (delivery, number, replica, started_at) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for claimed in &claimed {
        started.execute(params![claimed.claim.0, claimed.attempt, replica, now])?;
    }
    Ok(claimed)
}

fn renew(
    tx: &Transaction<'_>,
    claims: &[ClaimId],
    lease: Duration,
    now: SystemTime,
) -> rusqlite::Result<()> {
    let mut renew = tx.prepare_cached(
        "UPDATE deliveries SET lease_until = ?2 WHERE seq = ?1 AND state = 'running'",
    )?;
    for claim in claims {
        renew.execute(params![claim.0, millis(now + lease)])?;
    }
    Ok(())
}

fn settle(
    tx: &Transaction<'_>,
    claim: ClaimId,
    outcome: &Outcome,
    now: SystemTime,
) -> rusqlite::Result<()> {
    let now = millis(now);
    let (state, next_at) = outcome.settled().row();
    let changed = tx
        .prepare_cached(
            "UPDATE deliveries SET state = ?2, next_at = coalesce(?3, next_at), lease_until = NULL,
                                   finished_at = CASE WHEN ?2 = 'waiting' THEN NULL ELSE ?4 END
             WHERE seq = ?1 AND state = 'running'",
        )?
        .execute(params![claim.0, state, next_at, now])?;
    if changed == 1 {
        tx.prepare_cached(
            "UPDATE attempts SET finished_at = ?2, status = ?3, error = ?4
             WHERE id = (SELECT max(id) FROM attempts WHERE delivery = ?1)",
        )?
        .execute(params![claim.0, now, outcome.status, outcome.error])?;
    }
    Ok(())
}

fn release(tx: &Transaction<'_>, claims: &[ClaimId], now: SystemTime) -> rusqlite::Result<()> {
    let mut put_back = tx.prepare_cached(
        "UPDATE deliveries SET state = 'waiting', attempts = attempts - 1, lease_until = NULL,
                               owner = NULL, next_at = ?2
         WHERE seq = ?1 AND state = 'running'",
    )?;
    let mut forget = tx.prepare_cached(
        "DELETE FROM attempts WHERE id = (SELECT max(id) FROM attempts WHERE delivery = ?1)",
    )?;
    for claim in claims {
        if put_back.execute(params![claim.0, millis(now)])? == 1 {
            forget.execute(params![claim.0])?;
        }
    }
    Ok(())
}

fn retry(tx: &Transaction<'_>, id: &str, now: SystemTime) -> rusqlite::Result<u64> {
    let revived = tx
        .prepare_cached(
            "UPDATE deliveries SET state = 'waiting', attempts = 0, next_at = ?2, finished_at = NULL
             WHERE delivery_id = ?1 AND state = 'dead' AND queued = 1",
        )?
        .execute(params![id, millis(now)])?;
    Ok(revived as u64)
}

fn purge(tx: &Transaction<'_>, before: SystemTime) -> rusqlite::Result<u64> {
    let purged = tx
        .prepare_cached("DELETE FROM deliveries WHERE state = 'done' AND finished_at < ?1")?
        .execute(params![millis(before)])?;
    Ok(purged as u64)
}

impl Store for SqliteStore {
    fn begin(&self, key: &DeliveryKey, _now: SystemTime) -> StoreFuture<'_, Begin> {
        if !self.running().insert(key.clone()) {
            return Box::pin(std::future::ready(Ok(Begin::Duplicate)));
        }
        let owned = key.clone();
        let seen = self.read(move |connection| {
            connection
                .prepare_cached(
                    "SELECT 1 FROM deliveries WHERE endpoint = ?1 AND delivery_id = ?2 AND state = 'done'",
                )?
                .query_row(params![owned.endpoint, owned.id], |_| Ok(()))
                .optional()
        });
        let key = key.clone();
        Box::pin(async move {
            match seen.await {
                Ok(None) => Ok(Begin::Run),
                Ok(Some(())) => {
                    self.running().remove(&key);
                    Ok(Begin::Duplicate)
                }
                Err(err) => {
                    self.running().remove(&key);
                    Err(err)
                }
            }
        })
    }

    fn finish(&self, key: &DeliveryKey, succeeded: bool, now: SystemTime) -> StoreFuture<'_, ()> {
        if !succeeded {
            self.running().remove(key);
            return Box::pin(std::future::ready(Ok(())));
        }
        let written = self.write(|reply| Op::Finish(key.clone(), now, reply));
        let key = key.clone();
        Box::pin(async move {
            let result = written.await;
            self.running().remove(&key);
            result
        })
    }

    fn enqueue(&self, delivery: NewDelivery, now: SystemTime) -> StoreFuture<'_, Enqueued> {
        self.write(|reply| Op::Enqueue(Box::new(delivery), now, reply))
    }

    fn claim(
        &self,
        replica: &str,
        limit: usize,
        lease: Duration,
        now: SystemTime,
    ) -> StoreFuture<'_, Vec<Claimed>> {
        let replica = replica.to_owned();
        self.write(|reply| Op::Claim(replica, limit, lease, now, reply))
    }

    fn renew(&self, claims: &[ClaimId], lease: Duration, now: SystemTime) -> StoreFuture<'_, ()> {
        let claims = claims.to_vec();
        self.write(|reply| Op::Renew(claims, lease, now, reply))
    }

    fn settle(&self, claim: ClaimId, outcome: Outcome, now: SystemTime) -> StoreFuture<'_, ()> {
        self.write(|reply| Op::Settle(claim, outcome, now, reply))
    }

    fn release(&self, claims: &[ClaimId], now: SystemTime) -> StoreFuture<'_, ()> {
        let claims = claims.to_vec();
        self.write(|reply| Op::Release(claims, now, reply))
    }

    fn retry(&self, id: &str, now: SystemTime) -> StoreFuture<'_, u64> {
        let id = id.to_owned();
        self.write(|reply| Op::Retry(id, now, reply))
    }

    fn list(&self, limit: usize) -> StoreFuture<'_, Vec<Entry>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |connection| {
            let mut entries: Vec<(i64, Entry)> = connection
                .prepare_cached(
                    "SELECT seq, endpoint, delivery_id, state, attempts, max_attempts, received_at,
                            next_at
                     FROM deliveries WHERE queued = 1 ORDER BY seq DESC LIMIT ?1",
                )?
                .query_map(params![limit], |row| {
                    let state: String = row.get(3)?;
                    let attempts: u32 = row.get(4)?;
                    let status = status(&state, attempts);
                    Ok((
                        row.get(0)?,
                        Entry {
                            key: DeliveryKey::new(
                                row.get::<_, String>(1)?,
                                row.get::<_, String>(2)?,
                            ),
                            status,
                            attempts,
                            max_attempts: row.get(5)?,
                            received_at: from_millis(row.get(6)?),
                            next_attempt_at: matches!(status, Status::Queued | Status::Retrying)
                                .then(|| row.get(7).map(from_millis))
                                .transpose()?,
                            history: Vec::new(),
                        },
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let Some(oldest) = entries.last().map(|(seq, _)| *seq) else {
                return Ok(Vec::new());
            };
            let mut history: HashMap<i64, Vec<AttemptRecord>> = HashMap::new();
            let mut attempts = connection.prepare_cached(
                "SELECT delivery, number, replica, started_at, finished_at, status, error
                 FROM attempts WHERE delivery >= ?1 ORDER BY id",
            )?;
            let rows = attempts.query_map(params![oldest], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    AttemptRecord {
                        number: row.get(1)?,
                        replica: row.get(2)?,
                        started_at: from_millis(row.get(3)?),
                        finished_at: row.get::<_, Option<i64>>(4)?.map(from_millis),
                        status: row.get(5)?,
                        error: row.get(6)?,
                    },
                ))
            })?;
            for row in rows {
                let (seq, attempt) = row?;
                history.entry(seq).or_default().push(attempt);
            }
            for (seq, entry) in &mut entries {
                entry.history = history.remove(seq).unwrap_or_default();
            }
            Ok(entries.into_iter().map(|(_, entry)| entry).collect())
        })
    }

    fn next_due(&self) -> StoreFuture<'_, Option<SystemTime>> {
        self.read(|connection| {
            connection
                .prepare_cached(
                    // Each through the `(state, next_at)` index, without walking a backlog.
                    "SELECT min(due) FROM (
                         SELECT min(next_at) AS due FROM deliveries
                         WHERE queued = 1 AND state = 'waiting'
                         UNION ALL
                         SELECT min(lease_until) FROM deliveries
                         WHERE queued = 1 AND state = 'running')",
                )?
                .query_row([], |row| row.get::<_, Option<i64>>(0))
                .map(|due| due.map(from_millis))
        })
    }

    fn counts(&self) -> StoreFuture<'_, Counts> {
        self.read(|connection| {
            let mut counts = Counts::default();
            let mut statement = connection.prepare_cached(
                "SELECT state, attempts > 0, count(*) FROM deliveries GROUP BY 1, 2",
            )?;
            let rows = statement.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, bool>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })?;
            for row in rows {
                let (state, tried, count) = row?;
                let count = u64::try_from(count).unwrap_or(0);
                counts.add(status(&state, u32::from(tried)), count);
            }
            Ok(counts)
        })
    }

    fn purge(&self, before: SystemTime) -> StoreFuture<'_, u64> {
        self.write(|reply| Op::Purge(before, reply))
    }
}
