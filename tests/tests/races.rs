//! Exactly-once across instances (`gmo_scenarios::races`): three payments services race on one
//! store, in memory, in SQLite and in PostgreSQL (with `GMO_TEST_DATABASE_URL`).
//! `GMO_RACES=n` runs more races than the default.

use std::sync::Arc;

use gmo_scenarios::database::in_new_schema;
use gmo_scenarios::races::{race_count, race_on};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_racing_on_a_memory_store_call_gmo_once() {
    race_on(Arc::new(gmo_core::store::MemoryStore::new()), race_count()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_racing_on_an_sqlite_store_call_gmo_once() {
    let dir = std::env::temp_dir().join(format!("gmo-races-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let path = dir.join("payments.db");
    let store = gmo_sqlx::SqliteStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("the SQLite file");
    store.migrate().await.expect("migrated");
    race_on(Arc::new(store), race_count()).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_racing_on_a_postgres_store_call_gmo_once() {
    in_new_schema("racing instances", |url| async move {
        let store = gmo_sqlx::PostgresStore::connect(&url)
            .await
            .expect("PostgreSQL");
        store.migrate().await.expect("migrated");
        race_on(Arc::new(store), race_count()).await;
    })
    .await;
}
