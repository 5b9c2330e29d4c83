//! A PostgreSQL schema of its own for each test, on the server `WEBHOOKS_TEST_POSTGRES_URL` names,
//! dropped when the test ends (also when it fails).
//!
//! Without the variable a test prints "skipped: set WEBHOOKS_TEST_POSTGRES_URL" and passes; with
//! `WEBHOOKS_TEST_POSTGRES_REQUIRED=1` (as in CI) a missing variable or an unreachable server
//! fails it.
#![allow(dead_code)]

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The variable naming the test server, e.g. `postgres://postgres@127.0.0.1:5432/test`.
pub const URL_VAR: &str = "WEBHOOKS_TEST_POSTGRES_URL";
/// Set to `1` where the server must be there.
pub const REQUIRED_VAR: &str = "WEBHOOKS_TEST_POSTGRES_REQUIRED";

/// A schema of the test's own: tables the store creates go there.
#[derive(Debug)]
pub struct TestSchema {
    /// The server's URL as given.
    pub admin_url: String,
    /// The schema's name, also the connections' `application_name`.
    pub name: String,
}

fn required() -> bool {
    std::env::var(REQUIRED_VAR).is_ok_and(|value| value == "1")
}

/// A name no other test uses: `webhooks_test_<pid>_<n>_<random>`.
fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    format!(
        "webhooks_test_{}_{}_{:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        hasher.finish() as u32
    )
}

/// Connects to `url` and runs `sql`, on a thread of its own (so that it works from `Drop` and
/// from any runtime).
pub fn run_sql(url: &str, sql: &str) -> Result<(), String> {
    query_text(url, sql).map(|_| ())
}

/// Like [`run_sql`], returning the first value of the first row the statements return.
pub fn query_text(url: &str, sql: &str) -> Result<Option<String>, String> {
    let url = url.to_owned();
    let sql = sql.to_owned();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| err.to_string())?;
        runtime.block_on(async {
            let mut config: tokio_postgres::Config = url
                .parse()
                .map_err(|err: tokio_postgres::Error| err.to_string())?;
            config.connect_timeout(Duration::from_secs(5));
            let (client, connection) = tokio::time::timeout(
                Duration::from_secs(10),
                config.connect(tokio_postgres::NoTls),
            )
            .await
            .map_err(|_| "connecting timed out".to_owned())?
            .map_err(|err| format!("{err}: {:?}", std::error::Error::source(&err)))?;
            let connection = tokio::spawn(connection);
            let result = tokio::time::timeout(Duration::from_secs(30), client.simple_query(&sql))
                .await
                .map_err(|_| "the statement timed out".to_owned())?
                .map_err(|err| format!("{err}: {:?}", err.as_db_error()))
                .map(|messages| {
                    messages.iter().find_map(|message| match message {
                        tokio_postgres::SimpleQueryMessage::Row(row) => {
                            row.get(0).map(str::to_owned)
                        }
                        _ => None,
                    })
                });
            drop(client);
            let _ = connection.await;
            result
        })
    })
    .join()
    .map_err(|_| "the SQL thread panicked".to_owned())?
}

impl TestSchema {
    /// A fresh schema, or `None` (having printed why) when no test server is configured.
    pub fn create() -> Option<Self> {
        let Some(admin_url) = std::env::var(URL_VAR).ok().filter(|url| !url.is_empty()) else {
            assert!(
                !required(),
                "{REQUIRED_VAR}=1 but {URL_VAR} is not set: the PostgreSQL tests must run here"
            );
            println!("skipped: set {URL_VAR}");
            return None;
        };
        let name = unique_name();
        if let Err(err) = run_sql(&admin_url, &format!("CREATE SCHEMA {name}")) {
            assert!(
                !required(),
                "cannot use the PostgreSQL server at {admin_url} ({REQUIRED_VAR}=1): {err}"
            );
            println!("skipped: the PostgreSQL server at {admin_url} cannot be used: {err}");
            return None;
        }
        Some(Self { admin_url, name })
    }

    /// The server's URL with this schema as the search path and the schema's name as the
    /// application name of every connection.
    pub fn url(&self) -> String {
        with_params(
            &self.admin_url,
            &format!(
                "options=-csearch_path%3D{0}&application_name={0}",
                self.name
            ),
        )
    }

    /// `url()` for a server at `host:port` instead.
    pub fn url_at(&self, host_port: &str) -> String {
        let url = self.url();
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let user = authority
            .rsplit_once('@')
            .map_or(String::new(), |(user, _)| format!("{user}@"));
        format!("{scheme}://{user}{host_port}{path}")
    }

    /// Runs `sql` as the admin user, in this schema.
    pub fn execute(&self, sql: &str) -> Result<(), String> {
        run_sql(
            &self.admin_url,
            &format!("SET search_path TO {}; {sql}", self.name),
        )
    }

    /// Ends every connection of this test's stores (`pg_terminate_backend`), as a database
    /// restart would.
    pub fn terminate_connections(&self) {
        run_sql(
            &self.admin_url,
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{}'",
                self.name
            ),
        )
        .expect("terminating the test's connections");
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        if let Err(err) = run_sql(
            &self.admin_url,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        ) {
            eprintln!("could not drop the test schema {}: {err}", self.name);
        }
    }
}

/// `url` with `params` added to its query.
pub fn with_params(url: &str, params: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{params}")
}
