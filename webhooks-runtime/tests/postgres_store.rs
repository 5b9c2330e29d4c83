//! What only the PostgreSQL store does: several stores (replicas) on one database, migrations
//! that race, and the errors a user sees at start. Each test has a schema of its own on the
//! server `WEBHOOKS_TEST_POSTGRES_URL` names (see `tests/postgres/mod.rs`).
#![cfg(feature = "postgres")]

mod postgres;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use postgres::{TestSchema, with_params};
use webhooks_runtime::inbox::{
    Begin, DeliveryKey, Enqueued, NewDelivery, Outcome, PostgresOptions, PostgresStore, Status,
    Store,
};

const LEASE: Duration = Duration::from_secs(30);

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
}

fn store(url: &str) -> PostgresStore {
    PostgresStore::new(url, PostgresOptions::default().lease(LEASE)).unwrap()
}

async fn prepared(schema: &TestSchema) -> PostgresStore {
    let store = store(&schema.url());
    store.prepare().await.unwrap();
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_migrate_once() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let stores: Vec<Arc<PostgresStore>> = (0..4).map(|_| Arc::new(store(&schema.url()))).collect();
    let mut tasks = tokio::task::JoinSet::new();
    for store in &stores {
        let store = Arc::clone(store);
        tasks.spawn(async move { store.prepare().await });
    }
    while let Some(prepared) = tasks.join_next().await {
        prepared.unwrap().unwrap();
    }
    schema
        .execute(
            "DO $$ BEGIN IF (SELECT count(*) FROM webhooks_migrations) <> 1 THEN RAISE 'migrated twice'; END IF; END $$",
        )
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_id_at_two_replicas_is_stored_and_run_once() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let (one, two) = (prepared(&schema).await, prepared(&schema).await);
    let delivery = || NewDelivery::new(DeliveryKey::new("/webhooks/q", "same"), "{}", 3);
    let (a, b) = tokio::join!(
        one.enqueue(delivery(), at(0)),
        two.enqueue(delivery(), at(0))
    );
    let mut answers = [a.unwrap(), b.unwrap()];
    answers.sort_by_key(|answer| matches!(answer, Enqueued::Duplicate(_)));
    assert_eq!(
        answers,
        [Enqueued::Queued, Enqueued::Duplicate(Status::Queued)]
    );

    let key = DeliveryKey::new("/webhooks/direct", "same");
    let (a, b) = tokio::join!(one.begin(&key, at(0)), two.begin(&key, at(0)));
    let mut begun = [a.unwrap(), b.unwrap()];
    begun.sort_by_key(|begun| *begun == Begin::Duplicate);
    assert_eq!(begun, [Begin::Run, Begin::Duplicate]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_begun_by_a_replica_that_died_runs_after_its_lease() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let (died, alive) = (prepared(&schema).await, prepared(&schema).await);
    let key = DeliveryKey::new("/webhooks/direct", "a");
    assert_eq!(died.begin(&key, at(0)).await.unwrap(), Begin::Run);
    drop(died);
    assert_eq!(alive.begin(&key, at(29)).await.unwrap(), Begin::Duplicate);
    assert_eq!(alive.begin(&key, at(30)).await.unwrap(), Begin::Run);
    alive.finish(&key, true, at(31)).await.unwrap();
    assert_eq!(alive.begin(&key, at(400)).await.unwrap(), Begin::Duplicate);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_taken_over_after_its_lease_cannot_settle_or_finish() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let (slow, other) = (prepared(&schema).await, prepared(&schema).await);
    slow.enqueue(
        NewDelivery::new(DeliveryKey::new("/webhooks/q", "a"), "{}", 3),
        at(0),
    )
    .await
    .unwrap();
    let first = slow.claim("slow", 1, LEASE, at(0)).await.unwrap().remove(0);
    let second = other
        .claim("other", 1, LEASE, at(30))
        .await
        .unwrap()
        .remove(0);
    // The slow replica's outcome and renewal come too late: the other replica's attempt stands.
    slow.renew(&[first.claim], LEASE, at(31)).await.unwrap();
    slow.settle(first.claim, Outcome::failed(500, "late", None), at(32))
        .await
        .unwrap();
    let entry = other.list(1).await.unwrap().remove(0);
    assert_eq!(entry.status, Status::Running);
    assert!(
        other
            .claim("third", 1, LEASE, at(59))
            .await
            .unwrap()
            .is_empty(),
        "the renewal of the stale claim did not extend the new one"
    );
    other
        .settle(second.claim, Outcome::succeeded(200), at(40))
        .await
        .unwrap();
    assert_eq!(other.list(1).await.unwrap()[0].status, Status::Done);

    // The same for a not-queued id: a replica whose lease ran out does not finish the new one.
    let key = DeliveryKey::new("/webhooks/direct", "b");
    assert_eq!(slow.begin(&key, at(100)).await.unwrap(), Begin::Run);
    assert_eq!(other.begin(&key, at(130)).await.unwrap(), Begin::Run);
    slow.finish(&key, false, at(131)).await.unwrap();
    assert_eq!(
        slow.begin(&key, at(132)).await.unwrap(),
        Begin::Duplicate,
        "still being handled by the other replica"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_message_with_a_nul_byte_is_stored() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let store = prepared(&schema).await;
    store
        .enqueue(
            NewDelivery::new(DeliveryKey::new("/webhooks/q", "a"), "{}", 1),
            at(0),
        )
        .await
        .unwrap();
    let claimed = store.claim("r", 1, LEASE, at(0)).await.unwrap().remove(0);
    store
        .settle(
            claimed.claim,
            Outcome::failed(500, "bad\0byte", None),
            at(1),
        )
        .await
        .unwrap();
    let entry = store.list(1).await.unwrap().remove(0);
    assert_eq!(entry.status, Status::Dead);
    assert_eq!(entry.history[0].error.as_deref(), Some("bad\u{fffd}byte"));
}

/// What `prepare` says, as text.
async fn prepare_error(url: &str) -> String {
    let store = PostgresStore::new(
        url,
        PostgresOptions::default().timeout(Duration::from_secs(5)),
    )
    .unwrap();
    store.prepare().await.unwrap_err().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_says_it_cannot_connect() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let message = prepare_error(&schema.url_at(&format!("127.0.0.1:{port}"))).await;
    assert!(
        message.starts_with(&format!("the inbox postgres://postgres@127.0.0.1:{port}/"))
            && message.contains("cannot connect: error connecting to server")
            && message.contains("Connection refused"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_user_says_the_login_was_refused() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let url = schema.url().replacen("://postgres@", "://nobody_here@", 1);
    let message = prepare_error(&url).await;
    assert!(
        message.contains("PostgreSQL refused the login: role \"nobody_here\" does not exist (SQLSTATE 28000) (check the user and password in the URL)"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_without_rights_says_what_to_grant() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let role = format!("{}_user", schema.name);
    schema
        .execute(&format!(
            "CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA {0} TO {role}",
            schema.name
        ))
        .unwrap();
    let url = schema
        .url()
        .replacen("://postgres@", &format!("://{role}@"), 1);
    let message = prepare_error(&url).await;
    schema
        .execute(&format!(
            "REVOKE ALL ON SCHEMA {0} FROM {role}; DROP ROLE {role}",
            schema.name
        ))
        .unwrap();
    assert!(
        message.contains(&format!(
            "the user `{role}` may not create the inbox's tables in schema `{}` of database `test`: permission denied for schema {} (SQLSTATE 42501) (grant it CREATE on the schema, or start once as a user that may)",
            schema.name, schema.name
        )),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_from_a_newer_version_is_refused() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    prepared(&schema).await;
    schema
        .execute("INSERT INTO webhooks_migrations (version) VALUES (99)")
        .unwrap();
    let message = prepare_error(&schema.url()).await;
    assert!(
        message.contains(&format!(
            "(schema `{}`) was written by a newer version of this program (schema version 99; this one knows up to 1)",
            schema.name
        )),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_path_without_a_schema_says_so() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let url = with_params(
        &schema.admin_url,
        "options=-csearch_path%3Dno_such_schema_here",
    );
    let message = prepare_error(&url).await;
    assert!(
        message.contains("the search_path names no schema that exists"),
        "{message}"
    );
    drop(schema);
}

#[test]
#[cfg(not(feature = "postgres-tls"))]
fn without_the_tls_feature_a_url_asking_for_tls_names_it() {
    let err = PostgresStore::new(
        "postgres://app:hunter2@db.example.com/webhooks?sslmode=require",
        PostgresOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "the inbox postgres://app:***@db.example.com/webhooks?sslmode=require asks for TLS (sslmode=require), and this build has no TLS for PostgreSQL: enable the `postgres-tls` feature of `hf-webhooks`"
    );
}

/// The file of the certificate the test server presents, when it has TLS on.
#[cfg(feature = "postgres-tls")]
fn server_certificate(schema: &TestSchema) -> Option<String> {
    let on = postgres::query_text(&schema.admin_url, "SHOW ssl").unwrap();
    let file = postgres::query_text(&schema.admin_url, "SHOW ssl_cert_file").unwrap();
    match (on.as_deref(), file) {
        (Some("on"), Some(file)) if std::fs::metadata(&file).is_ok() => Some(file),
        _ => {
            println!("skipped: the test server has no TLS certificate this test can read");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg(feature = "postgres-tls")]
async fn tls_checks_the_certificate_against_the_roots_given() {
    let Some(schema) = TestSchema::create() else {
        return;
    };
    let Some(certificate) = server_certificate(&schema) else {
        return;
    };
    // The server's certificate is its own (self-signed, for `localhost`): not one Mozilla's
    // roots vouch for.
    let url = with_params(&schema.url(), "sslmode=require");
    let message = prepare_error(&url).await;
    assert!(
        message.contains("invalid peer certificate")
            && message.contains(
                "(the server's certificate is not trusted here: name its CA with `sslrootcert=/path/ca.pem` in the URL)"
            ),
        "{message}"
    );

    // Trusted through sslrootcert, for the name it was made for: the store works, over TLS.
    let url = with_params(
        &schema.url_at("localhost:5432"),
        &format!("sslmode=verify-full&sslrootcert={certificate}"),
    );
    let store = store(&url);
    store.prepare().await.unwrap();
    let enqueued = store
        .enqueue(
            NewDelivery::new(DeliveryKey::new("/webhooks/q", "tls"), "{}", 1),
            at(0),
        )
        .await
        .unwrap();
    assert_eq!(enqueued, Enqueued::Queued);
    let encrypted = postgres::query_text(
        &schema.admin_url,
        &format!(
            "SELECT bool_and(s.ssl)::text FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = '{}'",
            schema.name
        ),
    )
    .unwrap();
    assert_eq!(encrypted.as_deref(), Some("true"));
}
