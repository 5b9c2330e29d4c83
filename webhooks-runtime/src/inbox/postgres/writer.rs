//! The writer: the writes of the request path and of the workers (enqueues, outcomes, handled
//! ids) queue up for one task, which commits whatever queued up while its previous commit ran in
//! one transaction of a few statements, whatever the number of writes in it. A commit costs about
//! the same for one delivery as for a hundred, so persisting does not serialise the request path.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::Shared;
use super::error::Failure;
use crate::inbox::{Enqueued, NewDelivery, Status, StoreError, encode_headers, status};

/// The most writes committed in one transaction.
const MAX_BATCH: usize = 1024;

/// How often a batch is tried when another transaction was in its way.
const CONFLICT_TRIES: u32 = 3;

const ENQUEUE: &str = "
    INSERT INTO webhooks_deliveries (endpoint, delivery_id, queued, state, attempts, max_attempts,
                                     received_at, next_at, uri, headers, body)
    SELECT e, i, true, 'waiting', 0, m, n, n, u, h, b
    FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[],
                $7::bytea[]) AS t (e, i, m, n, u, h, b)
    ORDER BY e, i
    ON CONFLICT (endpoint, delivery_id) DO NOTHING
    RETURNING endpoint, delivery_id";

const STORED: &str = "
    SELECT endpoint, delivery_id, state, attempts FROM webhooks_deliveries
    WHERE (endpoint, delivery_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))";

const REVIVE: &str = "
    UPDATE webhooks_deliveries
    SET state = 'waiting', attempts = 0, next_at = $3, finished_at = NULL, max_attempts = $4,
        uri = $5, headers = $6, body = $7
    WHERE endpoint = $1 AND delivery_id = $2 AND state = 'dead'";

const SETTLE: &str = "
    WITH outcome AS (
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::int[],
                             $6::text[]) AS o (claim, state, next_at, at, status, error)
    ), settled AS (
        UPDATE webhooks_deliveries d
        SET state = o.state, next_at = coalesce(o.next_at, d.next_at), lease_until = NULL,
            finished_at = CASE WHEN o.state = 'waiting' THEN NULL ELSE o.at END
        FROM outcome o
        WHERE d.claim = o.claim AND d.state = 'running'
        RETURNING d.claim
    )
    UPDATE webhooks_attempts a SET finished_at = o.at, status = o.status, error = o.error
    FROM outcome o
    WHERE a.id = o.claim AND a.id IN (SELECT claim FROM settled)";

const REMEMBER: &str = "
    UPDATE webhooks_deliveries d SET state = 'done', finished_at = f.at, lease_until = NULL
    FROM unnest($1::bigint[], $2::bigint[]) AS f (claim, at)
    WHERE d.claim = f.claim AND d.state = 'running' AND NOT d.queued";

const FORGET: &str = "
    DELETE FROM webhooks_deliveries
    WHERE claim = ANY($1::bigint[]) AND state = 'running' AND NOT queued";

/// A write, as the writer applies it.
#[derive(Debug)]
pub(super) enum Write {
    Enqueue {
        delivery: Box<NewDelivery>,
        now: i64,
    },
    Settle {
        claim: i64,
        state: &'static str,
        next_at: Option<i64>,
        now: i64,
        status: i32,
        error: Option<String>,
    },
    /// The end of a not-queued delivery begun with claim `claim`: remembered when it succeeded,
    /// forgotten when not.
    Finish {
        claim: i64,
        succeeded: bool,
        now: i64,
    },
}

/// What a write did.
#[derive(Debug, Clone, Copy)]
pub(super) enum Written {
    Enqueued(Enqueued),
    Done,
}

/// A write and where its result goes once committed.
pub(super) struct Pending {
    pub(super) write: Write,
    pub(super) reply: oneshot::Sender<Result<Written, StoreError>>,
}

/// Commits what queues up, batch after batch, until the store is dropped.
pub(super) async fn write_loop(shared: Arc<Shared>, mut pending: mpsc::UnboundedReceiver<Pending>) {
    let mut batch = Vec::with_capacity(64);
    while pending.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (writes, replies): (Vec<Write>, Vec<_>) = batch
            .drain(..)
            .map(|pending| (pending.write, pending.reply))
            .unzip();
        let results = commit(&shared, &writes).await;
        for (reply, result) in replies.into_iter().zip(results) {
            let _ = reply.send(result);
        }
    }
}

/// Commits `writes` in one transaction, with a fresh connection once when the one used broke,
/// again when another transaction was in the way, and one by one when the database refused the
/// batch (so that one write it refuses does not fail the others).
async fn commit(shared: &Shared, writes: &[Write]) -> Vec<Result<Written, StoreError>> {
    let mut lost = false;
    let mut conflicts = 0;
    // Bounded: each turn either returns or counts a retry, and both counts are capped.
    loop {
        let failure = match shared.timed(apply(shared, writes)).await {
            Ok(written) => return written.into_iter().map(Ok).collect(),
            Err(failure) => failure,
        };
        match failure {
            Failure::Lost(_) if !lost => lost = true,
            Failure::Conflict(_) if conflicts + 1 < CONFLICT_TRIES => conflicts += 1,
            Failure::Refused(_) if writes.len() > 1 => {
                let mut results = Vec::with_capacity(writes.len());
                for write in writes {
                    let one = shared
                        .timed(apply(shared, std::slice::from_ref(write)))
                        .await
                        .map(|mut written| written.remove(0))
                        .map_err(Failure::into_error);
                    results.push(one);
                }
                return results;
            }
            failure => {
                let err = failure.into_error();
                return writes.iter().map(|_| Err(err.clone())).collect();
            }
        }
    }
}

/// Applies `writes` in one transaction; what each did, in order.
async fn apply(shared: &Shared, writes: &[Write]) -> Result<Vec<Written>, Failure> {
    let target = &shared.target;
    let fail = |err: tokio_postgres::Error| Failure::from_query(target, &err);
    let mut client = shared.connection().await?;
    let tx = client.transaction().await.map_err(fail)?;
    let mut results = vec![Written::Done; writes.len()];

    let enqueues: Vec<(usize, &NewDelivery, i64)> = writes
        .iter()
        .enumerate()
        .filter_map(|(index, write)| match write {
            Write::Enqueue { delivery, now } => Some((index, &**delivery, *now)),
            _ => None,
        })
        .collect();
    if !enqueues.is_empty() {
        let endpoints: Vec<&str> = enqueues
            .iter()
            .map(|(_, d, _)| d.key.endpoint.as_str())
            .collect();
        let ids: Vec<&str> = enqueues.iter().map(|(_, d, _)| d.key.id.as_str()).collect();
        let max_attempts: Vec<i32> = enqueues
            .iter()
            .map(|(_, d, _)| i32::try_from(d.max_attempts).unwrap_or(i32::MAX))
            .collect();
        let nows: Vec<i64> = enqueues.iter().map(|(_, _, now)| *now).collect();
        let uris: Vec<&str> = enqueues.iter().map(|(_, d, _)| d.uri.as_str()).collect();
        let headers: Vec<String> = enqueues
            .iter()
            .map(|(_, d, _)| encode_headers(&d.headers))
            .collect();
        let bodies: Vec<&[u8]> = enqueues.iter().map(|(_, d, _)| &d.body[..]).collect();
        let statement = tx.prepare_cached(ENQUEUE).await.map_err(fail)?;
        let rows = tx
            .query(
                &statement,
                &[
                    &endpoints,
                    &ids,
                    &max_attempts,
                    &nows,
                    &uris,
                    &headers,
                    &bodies,
                ],
            )
            .await
            .map_err(fail)?;
        let mut inserted: HashSet<(String, String)> =
            rows.iter().map(|row| (row.get(0), row.get(1))).collect();
        let mut others = Vec::new();
        for &(index, delivery, now) in &enqueues {
            let key = (delivery.key.endpoint.clone(), delivery.key.id.clone());
            if inserted.remove(&key) {
                results[index] = Written::Enqueued(Enqueued::Queued);
            } else {
                others.push((index, delivery, now, key));
            }
        }
        if !others.is_empty() {
            let endpoints: Vec<&str> = others.iter().map(|(_, _, _, k)| k.0.as_str()).collect();
            let ids: Vec<&str> = others.iter().map(|(_, _, _, k)| k.1.as_str()).collect();
            let statement = tx.prepare_cached(STORED).await.map_err(fail)?;
            let rows = tx
                .query(&statement, &[&endpoints, &ids])
                .await
                .map_err(fail)?;
            let mut stored: HashMap<(String, String), (String, i32)> = rows
                .iter()
                .map(|row| ((row.get(0), row.get(1)), (row.get(2), row.get(3))))
                .collect();
            for (index, delivery, now, key) in others {
                let enqueued = match stored.get_mut(&key) {
                    Some((state, _)) if state == "dead" => {
                        let statement = tx.prepare_cached(REVIVE).await.map_err(fail)?;
                        let max_attempts = i32::try_from(delivery.max_attempts).unwrap_or(i32::MAX);
                        let revived = tx
                            .execute(
                                &statement,
                                &[
                                    &key.0,
                                    &key.1,
                                    &now,
                                    &max_attempts,
                                    &delivery.uri,
                                    &encode_headers(&delivery.headers),
                                    &(&delivery.body[..]),
                                ],
                            )
                            .await
                            .map_err(fail)?;
                        *state = "waiting".to_owned();
                        if revived == 1 {
                            Enqueued::Revived
                        } else {
                            Enqueued::Duplicate(Status::Queued)
                        }
                    }
                    Some((state, attempts)) => {
                        Enqueued::Duplicate(status(state, u32::try_from(*attempts).unwrap_or(0)))
                    }
                    // Stored a moment ago and purged since: it was done.
                    None => Enqueued::Duplicate(Status::Done),
                };
                results[index] = Written::Enqueued(enqueued);
            }
        }
    }

    let mut settle = Settles::default();
    let (mut remember, mut remember_at, mut forget) = (Vec::new(), Vec::new(), Vec::new());
    for write in writes {
        match write {
            Write::Settle {
                claim,
                state,
                next_at,
                now,
                status,
                error,
            } => {
                settle.claims.push(*claim);
                settle.states.push(*state);
                settle.next_at.push(*next_at);
                settle.at.push(*now);
                settle.statuses.push(*status);
                settle.errors.push(error.as_deref());
            }
            Write::Finish {
                claim,
                succeeded: true,
                now,
            } => {
                remember.push(*claim);
                remember_at.push(*now);
            }
            Write::Finish {
                claim,
                succeeded: false,
                ..
            } => forget.push(*claim),
            Write::Enqueue { .. } => {}
        }
    }
    if !settle.claims.is_empty() {
        let statement = tx.prepare_cached(SETTLE).await.map_err(fail)?;
        tx.execute(
            &statement,
            &[
                &settle.claims,
                &settle.states,
                &settle.next_at,
                &settle.at,
                &settle.statuses,
                &settle.errors,
            ],
        )
        .await
        .map_err(fail)?;
    }
    if !remember.is_empty() {
        let statement = tx.prepare_cached(REMEMBER).await.map_err(fail)?;
        tx.execute(&statement, &[&remember, &remember_at])
            .await
            .map_err(fail)?;
    }
    if !forget.is_empty() {
        let statement = tx.prepare_cached(FORGET).await.map_err(fail)?;
        tx.execute(&statement, &[&forget]).await.map_err(fail)?;
    }
    tx.commit().await.map_err(fail)?;
    Ok(results)
}

/// The columns of the settle statement.
#[derive(Default)]
struct Settles<'a> {
    claims: Vec<i64>,
    states: Vec<&'a str>,
    next_at: Vec<Option<i64>>,
    at: Vec<i64>,
    statuses: Vec<i32>,
    errors: Vec<Option<&'a str>>,
}
