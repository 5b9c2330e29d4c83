//! What went wrong with PostgreSQL, in words: each error names the inbox (its URL without the
//! password) and, for the usual ones, what they mean.

use deadpool_postgres::{PoolError, TimeoutType};
use tokio_postgres::error::SqlState;

use super::super::StoreError;

/// How a failed operation may go on.
#[derive(Debug)]
pub(super) enum Failure {
    /// The database could not be reached (or a connection could not be had): not worth trying
    /// again at once.
    Unavailable(StoreError),
    /// The connection broke while it was used: a fresh one may do.
    Lost(StoreError),
    /// Another transaction was in the way (deadlock, serialization): trying again may do.
    Conflict(StoreError),
    /// The database refused this statement: the same statement fails again.
    Refused(StoreError),
}

impl Failure {
    pub(super) fn into_error(self) -> StoreError {
        match self {
            Self::Unavailable(err) | Self::Lost(err) | Self::Conflict(err) | Self::Refused(err) => {
                err
            }
        }
    }

    /// What a statement's error means, for the inbox at `target`.
    pub(super) fn from_query(target: &str, err: &tokio_postgres::Error) -> Self {
        let error = StoreError::new(format!("the inbox {target} failed: {}", describe(err)));
        match err.code() {
            Some(code)
                if *code == SqlState::T_R_DEADLOCK_DETECTED
                    || *code == SqlState::T_R_SERIALIZATION_FAILURE =>
            {
                Self::Conflict(error)
            }
            Some(code) if !connection_lost(code) => Self::Refused(error),
            _ => Self::Lost(error),
        }
    }
}

/// Whether `code` says the session is over (the server shut down, the backend was terminated, the
/// connection failed).
fn connection_lost(code: &SqlState) -> bool {
    code.code().starts_with("08")
        || *code == SqlState::ADMIN_SHUTDOWN
        || *code == SqlState::CRASH_SHUTDOWN
        || *code == SqlState::CANNOT_CONNECT_NOW
}

/// Why no connection could be had, for the inbox at `target`.
pub(super) fn connect_error(target: &str, err: &PoolError) -> StoreError {
    let why = match err {
        PoolError::Backend(err) => match err.code() {
            Some(code)
                if *code == SqlState::INVALID_PASSWORD
                    || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
            {
                format!(
                    "PostgreSQL refused the login: {} (check the user and password in the URL)",
                    describe(err)
                )
            }
            Some(code) if *code == SqlState::INVALID_CATALOG_NAME => {
                format!("{} (create it, or name another in the URL)", describe(err))
            }
            Some(code) if *code == SqlState::TOO_MANY_CONNECTIONS => format!(
                "{} (lower `PostgresOptions::max_connections` or raise the server's max_connections)",
                describe(err)
            ),
            Some(_) => describe(err),
            None => {
                let what = describe(err);
                if what.contains("invalid peer certificate") {
                    format!(
                        "cannot connect: {what} (the server's certificate is not trusted here: name its CA with `sslrootcert=/path/ca.pem` in the URL)"
                    )
                } else {
                    format!("cannot connect: {what}")
                }
            }
        },
        PoolError::Timeout(TimeoutType::Wait) => {
            "every connection of the pool stayed busy: the database answers too slowly".to_owned()
        }
        PoolError::Timeout(TimeoutType::Create) => {
            "cannot connect: the database did not answer in time".to_owned()
        }
        PoolError::Timeout(TimeoutType::Recycle) => {
            "cannot connect: a pooled connection did not answer in time".to_owned()
        }
        other => other.to_string(),
    };
    StoreError::new(format!("the inbox {target}: {why}"))
}

/// What PostgreSQL (or the network) said: the server's message and its SQLSTATE, or the
/// connection's error and its cause.
pub(super) fn describe(err: &tokio_postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        let mut text = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str("; ");
            text.push_str(detail);
        }
        return text;
    }
    crate::response::with_causes(err)
}
