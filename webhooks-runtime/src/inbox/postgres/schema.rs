//! The inbox's tables, created or migrated at start: one migration per version, applied in one
//! transaction under an advisory lock, so replicas starting together take turns and the second
//! finds the work done.

use tokio_postgres::error::SqlState;

use super::Shared;
use super::error::{Failure, describe};
use crate::inbox::StoreError;

/// The schema, one migration per version (`webhooks_migrations` records which ran).
///
/// Times are milliseconds since the epoch, as the callers give them. `claim` is the running
/// attempt's id (from `webhooks_claims`; an attempt's row in `webhooks_attempts` has it as its
/// id), so that an attempt whose lease ran out, and that another replica took over, can no
/// longer settle or renew it. Not-queued endpoints keep only ids here (`queued = false`):
/// `running` with a lease while a replica handles one, then `done`.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE webhooks_deliveries (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        endpoint text NOT NULL,
        delivery_id text NOT NULL,
        queued boolean NOT NULL,
        state text NOT NULL CHECK (state IN ('waiting', 'running', 'done', 'dead')),
        attempts integer NOT NULL,
        max_attempts integer NOT NULL,
        received_at bigint NOT NULL,
        next_at bigint NOT NULL,
        lease_until bigint,
        claim bigint,
        owner text,
        finished_at bigint,
        uri text,
        headers text,
        body bytea,
        UNIQUE (endpoint, delivery_id)
    );
    CREATE INDEX webhooks_deliveries_due ON webhooks_deliveries (next_at)
        WHERE queued AND state = 'waiting';
    CREATE INDEX webhooks_deliveries_leases ON webhooks_deliveries (lease_until)
        WHERE state = 'running';
    CREATE INDEX webhooks_deliveries_claims ON webhooks_deliveries (claim)
        WHERE state = 'running';
    CREATE INDEX webhooks_deliveries_done ON webhooks_deliveries (finished_at)
        WHERE state = 'done';
    CREATE INDEX webhooks_deliveries_ids ON webhooks_deliveries (delivery_id);
    CREATE SEQUENCE webhooks_claims;
    CREATE TABLE webhooks_attempts (
        id bigint PRIMARY KEY,
        delivery bigint NOT NULL REFERENCES webhooks_deliveries (seq) ON DELETE CASCADE,
        number integer NOT NULL,
        replica text NOT NULL,
        started_at bigint NOT NULL,
        finished_at bigint,
        status integer,
        error text
    );
    CREATE INDEX webhooks_attempts_delivery ON webhooks_attempts (delivery);
"];

/// The first key of the advisory lock migrations take (the second is the schema's): "whk".
const LOCK_CLASS: i32 = 0x0077_686b;

/// Connects and brings the schema up to date, or says why it cannot.
pub(super) async fn migrate(shared: &Shared) -> Result<(), StoreError> {
    let target = &shared.target;
    let mut client = shared.connection().await.map_err(Failure::into_error)?;
    let fail = |err: &tokio_postgres::Error| explain(target, err);
    let tx = client.transaction().await.map_err(|err| fail(&err))?;
    let where_row = tx
        .query_one(
            "SELECT current_schema(), current_user, current_database()",
            &[],
        )
        .await
        .map_err(|err| fail(&err))?;
    let schema: Option<String> = where_row.get(0);
    let user: String = where_row.get(1);
    let database: String = where_row.get(2);
    let Some(schema) = schema else {
        return Err(StoreError::new(format!(
            "the inbox {target}: the search_path names no schema that exists and that the user `{user}` may use (create it, or grant the user USAGE on it)"
        )));
    };
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))",
        &[&LOCK_CLASS],
    )
    .await
    .map_err(|err| fail(&err))?;
    let exists: bool = tx
        .query_one("SELECT to_regclass('webhooks_migrations') IS NOT NULL", &[])
        .await
        .map_err(|err| fail(&err))?
        .get(0);
    let version = if exists {
        let version: i32 = tx
            .query_one(
                "SELECT coalesce(max(version), 0) FROM webhooks_migrations",
                &[],
            )
            .await
            .map_err(|err| fail(&err))?
            .get(0);
        usize::try_from(version).unwrap_or(0)
    } else {
        0
    };
    if version > MIGRATIONS.len() {
        return Err(StoreError::new(format!(
            "the inbox {target} (schema `{schema}`) was written by a newer version of this program (schema version {version}; this one knows up to {})",
            MIGRATIONS.len()
        )));
    }
    if version == MIGRATIONS.len() {
        return Ok(());
    }
    let denied = |err: &tokio_postgres::Error| {
        if err.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) {
            StoreError::new(format!(
                "the inbox {target}: the user `{user}` may not create the inbox's tables in schema `{schema}` of database `{database}`: {} (grant it CREATE on the schema, or start once as a user that may)",
                describe(err)
            ))
        } else {
            fail(err)
        }
    };
    if !exists {
        tx.batch_execute(
            "CREATE TABLE webhooks_migrations (
                 version integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .await
        .map_err(|err| denied(&err))?;
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(version) {
        tx.batch_execute(migration)
            .await
            .map_err(|err| denied(&err))?;
        let number = i32::try_from(index + 1).unwrap_or(i32::MAX);
        tx.execute(
            "INSERT INTO webhooks_migrations (version) VALUES ($1)",
            &[&number],
        )
        .await
        .map_err(|err| denied(&err))?;
    }
    tx.commit().await.map_err(|err| fail(&err))?;
    tracing::info!(inbox = %target, schema, version = MIGRATIONS.len(), "created or migrated the inbox's tables");
    Ok(())
}

fn explain(target: &str, err: &tokio_postgres::Error) -> StoreError {
    Failure::from_query(target, err).into_error()
}
