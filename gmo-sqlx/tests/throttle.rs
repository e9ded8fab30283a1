//! The card-testing throttle across instances: two throttles (two "instances", each with its
//! own pool) on one SQLite file or one PostgreSQL schema admit exactly the limit in total under
//! 64 concurrent attempts, see each other's locks, and an admin's unlock on one frees the key on
//! the other (gmo-core's throttle conformance).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use gmo_core::guard::throttle::conformance::two_instances_share_their_limits;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_sqlite_file() {
    use gmo_sqlx::{SqliteStore, SqliteThrottleStore};
    let first = support::sqlite_store().await;
    let options = first.pool().connect_options();
    // The second instance: its own pool on the same file.
    let second = SqliteStore::connect_with((*options).clone()).await.unwrap();
    two_instances_share_their_limits(
        Arc::new(SqliteThrottleStore::from_store(&first)),
        Arc::new(SqliteThrottleStore::from_store(&second)),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_schema() {
    use gmo_sqlx::{PostgresStore, PostgresThrottleStore};
    let Some(first) = support::postgres_store().await else {
        return;
    };
    let options = first.pool().connect_options();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(16)
        .connect_with((*options).clone())
        .await
        .unwrap();
    let second = PostgresStore::new(pool);
    two_instances_share_their_limits(
        Arc::new(PostgresThrottleStore::from_store(&first)),
        Arc::new(PostgresThrottleStore::from_store(&second)),
    )
    .await;
}
