//! The SQLite store: the store conformance suite on a fresh database file per test, and what is
//! particular to SQLite.
#![cfg(feature = "sqlite")]
#![allow(clippy::expect_used)]

mod support;

use std::sync::Arc;

use gmo_core::order::OrderState;
use gmo_core::secret::AccessPass;
use gmo_core::store::conformance::{next, sample_order};
use gmo_core::store::{Inserted, PaymentStore, Updated};
use gmo_sqlx::{SqliteStore, UnreadableColumn};
use std::error::Error as _;

gmo_core::store_conformance!(async { Arc::new(support::sqlite_store().await) });

async fn count(store: &SqliteStore, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .expect("count")
}

#[tokio::test]
async fn migrating_again_changes_nothing() {
    let store = support::sqlite_store().await;
    let applied = count(&store, "SELECT count(*) FROM gmo_migrations").await;
    assert!(applied >= 1);
    let order = sample_order();
    store.insert_order(&order).await.expect("insert");
    store.migrate().await.expect("second migration");
    store.migrate().await.expect("third migration");
    assert_eq!(
        count(&store, "SELECT count(*) FROM gmo_migrations").await,
        applied
    );
    assert_eq!(
        store.order(&order.order_id).await.expect("read"),
        Some(order)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_starting_together_migrate_once() {
    let first = support::sqlite_store().await;
    // A second pool on the same file, as a second app process would open it.
    let url = first
        .pool()
        .connect_options()
        .get_filename()
        .display()
        .to_string();
    drop_store_tables(first.pool()).await;
    sqlx::raw_sql("DELETE FROM gmo_migrations")
        .execute(first.pool())
        .await
        .expect("empty the database");
    let second = SqliteStore::connect(&format!("sqlite://{url}"))
        .await
        .expect("second pool");
    let (a, b) = tokio::join!(first.migrate(), second.migrate());
    a.expect("first migration");
    b.expect("second migration");
    let applied = count(&first, "SELECT count(*) FROM gmo_migrations").await;
    assert_eq!(
        applied,
        count(&first, "SELECT count(DISTINCT version) FROM gmo_migrations").await
    );
    assert!(applied >= 1);
    assert_eq!(
        second.order(&sample_order().order_id).await.ok(),
        Some(None)
    );
}

#[tokio::test]
async fn no_column_can_hold_card_data() {
    let store = support::sqlite_store().await;
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name LIKE 'gmo\\_%' ESCAPE '\\'",
    )
    .fetch_all(store.pool())
    .await
    .expect("list columns");
    assert!(
        columns
            .iter()
            .any(|(t, c)| t == "gmo_orders" && c == "access_pass"),
        "the catalogue query sees the columns: {columns:?}"
    );
    let card_like: Vec<_> = columns
        .iter()
        .filter(|(_, column)| support::could_hold_card_data(column))
        .collect();
    assert!(card_like.is_empty(), "card-data columns: {card_like:?}");
    // The check itself can fail.
    assert!(support::could_hold_card_data("card_no"));
    assert!(support::could_hold_card_data("PAN"));
    assert!(!support::could_hold_card_data("pending_amount"));
}

#[tokio::test]
async fn the_access_pass_is_stored_as_given_and_read_back() {
    let store = support::sqlite_store().await;
    let order = sample_order();
    store.insert_order(&order).await.expect("insert");
    let mut entered = next(&order, OrderState::Entered);
    entered.access_pass = Some(AccessPass::new("a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4"));
    assert_eq!(
        store.update_order(&entered, 0, &[]).await.ok(),
        Some(Updated::Done)
    );
    let stored: Option<String> =
        sqlx::query_scalar("SELECT access_pass FROM gmo_orders WHERE order_id = $1")
            .bind(order.order_id.as_str())
            .fetch_one(store.pool())
            .await
            .expect("raw read");
    assert_eq!(stored.as_deref(), Some("a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4"));
    let read = store
        .order(&order.order_id)
        .await
        .expect("read")
        .expect("order");
    assert_eq!(
        read.access_pass.as_ref().map(AccessPass::expose_secret),
        Some("a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4")
    );
    assert!(!format!("{read:?}").contains("a1b2c3d4"));
    assert!(!format!("{store:?}").contains("a1b2c3d4"));
}

#[tokio::test]
async fn timestamps_keep_microseconds() {
    let store = support::sqlite_store().await;
    let mut order = sample_order();
    order.created_at += time::Duration::microseconds(123_456);
    order.updated_at += time::Duration::nanoseconds(987_654_321);
    store.insert_order(&order).await.expect("insert");
    let read = store
        .order(&order.order_id)
        .await
        .expect("read")
        .expect("order");
    assert_eq!(read.created_at, order.created_at);
    assert_eq!(
        read.updated_at,
        order.updated_at - time::Duration::nanoseconds(321)
    );
}

#[tokio::test]
async fn an_unreadable_row_is_an_error_naming_the_column() {
    let store = support::sqlite_store().await;
    let order = sample_order();
    store.insert_order(&order).await.expect("insert");
    sqlx::query("UPDATE gmo_orders SET state = 'teleported' WHERE order_id = $1")
        .bind(order.order_id.as_str())
        .execute(store.pool())
        .await
        .expect("corrupt the row");
    let error = store.order(&order.order_id).await.expect_err("unreadable");
    let source = error
        .source()
        .and_then(|s| s.downcast_ref::<UnreadableColumn>());
    assert_eq!(
        source,
        Some(&UnreadableColumn {
            table: "gmo_orders",
            column: "state"
        })
    );
}

#[tokio::test]
async fn a_second_order_with_the_same_access_id_is_refused() {
    let store = support::sqlite_store().await;
    let (first, second) = (sample_order(), sample_order());
    let access_id =
        gmo_core::values::AccessId::new("0123456789abcdef0123456789abcdef").expect("access id");
    for order in [&first, &second] {
        assert_eq!(
            store.insert_order(order).await.ok(),
            Some(Inserted::Created)
        );
    }
    let mut entered = next(&first, OrderState::Entered);
    entered.access_id = Some(access_id.clone());
    assert_eq!(
        store.update_order(&entered, 0, &[]).await.ok(),
        Some(Updated::Done)
    );
    let mut clash = next(&second, OrderState::Entered);
    clash.access_id = Some(access_id.clone());
    assert!(store.update_order(&clash, 0, &[]).await.is_err());
    assert_eq!(
        store.order_by_access_id(&access_id).await.ok(),
        Some(Some(entered))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_round_of_64_claims_has_one_winner() {
    let store: Arc<dyn PaymentStore> = Arc::new(support::sqlite_store().await);
    let winners = support::claim_rounds(store, 20).await;
    assert!(
        winners.iter().all(|&w| w == 1),
        "winners per round: {winners:?}"
    );
}

#[tokio::test]
async fn reconciliation_and_access_id_look_ups_use_their_indexes() {
    let store = support::sqlite_store().await;
    let plan = |sql: &'static str| {
        let pool = store.pool().clone();
        async move {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(sql).fetch_all(&pool).await.expect("explain");
            rows.into_iter()
                .map(|(.., detail)| detail)
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    let reconcile = plan(
        "EXPLAIN QUERY PLAN SELECT order_id FROM gmo_orders WHERE NOT settled \
         AND updated_at < 0 AND (leased_until IS NULL OR leased_until <= 0) \
         ORDER BY settle_first DESC, updated_at, order_id LIMIT 10",
    )
    .await;
    assert!(
        reconcile.contains("USING INDEX gmo_orders_to_reconcile"),
        "plan: {reconcile}"
    );
    assert!(!reconcile.contains("TEMP B-TREE"), "sorts: {reconcile}");
    let by_access_id =
        plan("EXPLAIN QUERY PLAN SELECT order_id FROM gmo_orders WHERE access_id = 'x'").await;
    assert!(by_access_id.contains("USING INDEX"), "plan: {by_access_id}");
}

#[tokio::test]
async fn orders_of_the_first_schema_get_a_version_and_their_place_in_reconciliation() {
    let store = support::sqlite_store().await;
    drop_store_tables(store.pool()).await;
    // Back to the first release's schema, with two of its orders: the older never reached GMO.
    sqlx::raw_sql(concat!(
        "DELETE FROM gmo_migrations WHERE version >= 2; ",
        include_str!("../migrations/sqlite/0001_payment_store.sql"),
        "; INSERT INTO gmo_orders (order_id, customer_id, purpose, job, amount, tax, state, \
         settled, created_at, updated_at) VALUES \
         ('legacy-prepared', 'c', 'purchase', 'AUTH', 100, 0, 'prepared', 0, \
          1577836800000000, 1577836800000000), \
         ('legacy-finalizing', 'c', 'purchase', 'AUTH', 100, 0, 'finalizing', 0, \
          1577923200000000, 1577923200000000)"
    ))
    .execute(store.pool())
    .await
    .expect("the first schema");
    store
        .migrate()
        .await
        .expect("migrated to the current schema");
    support::legacy_orders_are_versioned_and_money_first(&store).await;
}

/// Drops every table of the store but its record of migrations.
async fn drop_store_tables(pool: &sqlx::SqlitePool) {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name LIKE 'gmo\\_%' ESCAPE '\\' AND name <> 'gmo_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("the store's tables");
    for table in tables {
        sqlx::raw_sql(&format!("DROP TABLE {table}"))
            .execute(pool)
            .await
            .expect("drop a table");
    }
}

#[tokio::test]
async fn migration_4_keeps_the_newest_notification_of_each_order() {
    let store = support::sqlite_store().await;
    // The inbox before 0004: one row per delivery.
    sqlx::raw_sql(concat!(
        "DROP INDEX gmo_notifications_one_per_order; DELETE FROM gmo_migrations WHERE version = 4; ",
        "INSERT INTO gmo_notifications (key, order_id, notification, received_at, processed_at) VALUES ",
        "('a|1', 'a', '{}', 1, 2), ('b|1', 'b', '{}', 2, NULL), ('a|2', 'a', '{}', 3, NULL), ",
        "('a|3', 'a', '{}', 4, 5), ('test', NULL, '{}', 5, NULL)"
    ))
    .execute(store.pool())
    .await
    .expect("the inbox before 0004");
    store.migrate().await.expect("migration 4");
    let keys: Vec<String> = sqlx::query_scalar("SELECT key FROM gmo_notifications ORDER BY key")
        .fetch_all(store.pool())
        .await
        .expect("keys");
    assert_eq!(keys, ["a|3", "b|1"]);
}

#[tokio::test]
async fn orders_of_the_0005_schema_stay_valid_after_0006() {
    let store = support::sqlite_store().await;
    drop_store_tables(store.pool()).await;
    // The schema of migrations 0001 to 0005, with an order of it: entered, not yet executed.
    sqlx::raw_sql(concat!(
        "DELETE FROM gmo_migrations WHERE version >= 6; ",
        include_str!("../migrations/sqlite/0001_payment_store.sql"),
        ";\n",
        include_str!("../migrations/sqlite/0002_versions_and_leases.sql"),
        ";\n",
        include_str!("../migrations/sqlite/0003_throttle_events.sql"),
        ";\n",
        include_str!("../migrations/sqlite/0004_one_notification_per_order.sql"),
        ";\n",
        include_str!("../migrations/sqlite/0005_payment_events.sql"),
        "; INSERT INTO gmo_orders (order_id, customer_id, purpose, job, amount, tax, state, \
         access_id, access_pass, settled, settle_first, created_at, updated_at, version) VALUES \
         ('before-0006', 'c', 'purchase', 'AUTH', 100, 0, 'entered', \
          '0123456789abcdef0123456789abcdef', 'pass', 0, 0, 1577836800000000, 1577836800000000, 2)"
    ))
    .execute(store.pool())
    .await
    .expect("the 0005 schema");
    store.migrate().await.expect("migration 6");
    support::orders_before_0006_stay_valid(&store).await;
}

// The group commit: every write goes through one writer that commits what queued meanwhile as
// one transaction, each write in its own savepoint, answered after the COMMIT.

/// A table of the app's own, written through `SqliteStore::write`.
async fn app_table(store: &SqliteStore) {
    sqlx::raw_sql(
        "CREATE TABLE app_rows (id TEXT PRIMARY KEY NOT NULL);
         CREATE TABLE app_parents (id TEXT PRIMARY KEY NOT NULL);
         CREATE TABLE app_children (id TEXT PRIMARY KEY NOT NULL, parent TEXT NOT NULL
             REFERENCES app_parents (id) DEFERRABLE INITIALLY DEFERRED);",
    )
    .execute(store.pool())
    .await
    .expect("the app's tables");
}

/// Inserts `ids` into `app_rows` in one write.
async fn insert_rows(store: &SqliteStore, ids: &[&str]) -> Result<(), sqlx::Error> {
    let ids: Vec<String> = ids.iter().map(|&id| id.to_owned()).collect();
    store
        .write(move |conn| {
            Box::pin(async move {
                for id in ids {
                    sqlx::query("INSERT INTO app_rows (id) VALUES ($1)")
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        })
        .await
}

async fn rows(store: &SqliteStore) -> Vec<String> {
    sqlx::query_scalar("SELECT id FROM app_rows ORDER BY id")
        .fetch_all(store.pool())
        .await
        .expect("read app_rows")
}

/// Holds the writer in a write until the answer's sender is used: the writes queued meanwhile
/// make the next batch. Answers once the holding write runs.
async fn hold_the_writer(store: &SqliteStore) -> tokio::sync::oneshot::Sender<()> {
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let (running, started) = tokio::sync::oneshot::channel::<()>();
    let holder = store.clone();
    tokio::spawn(async move {
        holder
            .write(move |_conn| {
                Box::pin(async move {
                    let _ = running.send(());
                    let _ = released.await;
                    Ok(())
                })
            })
            .await
            .expect("the holding write");
    });
    started.await.expect("the holding write runs");
    release
}

/// Waits until `n` writes are queued behind the held writer (they are queued on their first
/// poll; a few yields make sure of it).
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_commit_in_fewer_transactions() {
    let store = support::sqlite_store().await;
    let before = store.commits();
    let orders: Vec<_> = (0..64).map(|_| sample_order()).collect();
    let writes = orders.iter().map(|order| {
        let store = store.clone();
        let order = order.clone();
        tokio::spawn(async move { store.insert_order(&order).await.ok() })
    });
    for done in futures_join(writes).await {
        assert_eq!(done, Some(Inserted::Created));
    }
    let commits = store.commits() - before;
    assert!(commits >= 1);
    assert!(
        commits < 64,
        "64 concurrent writes took {commits} transactions: no group commit"
    );
    for order in &orders {
        assert_eq!(
            store.order(&order.order_id).await.ok(),
            Some(Some(order.clone()))
        );
    }
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        out.push(handle.await.expect("the task"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_write_rolls_back_alone_and_its_batch_commits() {
    let store = support::sqlite_store().await;
    app_table(&store).await;
    insert_rows(&store, &["taken"]).await.expect("first row");
    let release = hold_the_writer(&store).await;
    let before = store.commits();
    let (a, b, c) = (store.clone(), store.clone(), store.clone());
    let a = tokio::spawn(async move { insert_rows(&a, &["a"]).await });
    settle().await;
    // Its first row is inserted, its second violates the primary key: neither stays.
    let b = tokio::spawn(async move { insert_rows(&b, &["b", "taken"]).await });
    settle().await;
    // Sees `a` (queued before it) in the same transaction.
    let c = tokio::spawn(async move {
        c.write(|conn| {
            Box::pin(async move {
                let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM app_rows WHERE id = 'a'")
                    .fetch_one(&mut *conn)
                    .await?;
                sqlx::query("INSERT INTO app_rows (id) VALUES ('c')")
                    .execute(&mut *conn)
                    .await?;
                Ok(seen)
            })
        })
        .await
    });
    settle().await;
    release.send(()).expect("release the writer");
    a.await.expect("a").expect("a commits");
    let error = b.await.expect("b").expect_err("b violates the primary key");
    assert!(
        error.as_database_error().is_some(),
        "b gets its own error, not its batch's: {error}"
    );
    assert_eq!(c.await.expect("c").expect("c commits"), 1);
    assert_eq!(rows(&store).await, ["a", "c", "taken"]);
    // The holding write's batch, then one for a, b and c.
    assert_eq!(store.commits() - before, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_fails_every_write_of_its_batch() {
    let store = support::sqlite_store().await;
    app_table(&store).await;
    let release = hold_the_writer(&store).await;
    let before = store.commits();
    let a = {
        let store = store.clone();
        tokio::spawn(async move { insert_rows(&store, &["a"]).await })
    };
    settle().await;
    // A deferred foreign key: the statement succeeds, the COMMIT fails.
    let b = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .write(|conn| {
                    Box::pin(async move {
                        sqlx::query("INSERT INTO app_children (id, parent) VALUES ('x', 'none')")
                            .execute(&mut *conn)
                            .await
                            .map(drop)
                    })
                })
                .await
        })
    };
    settle().await;
    release.send(()).expect("release the writer");
    let a = a.await.expect("a").expect_err("a's batch did not commit");
    let b = b.await.expect("b").expect_err("b's batch did not commit");
    for error in [a, b] {
        assert!(
            std::error::Error::source(&error)
                .is_some_and(|source| source.to_string().contains("FOREIGN KEY")),
            "the COMMIT's error: {error}"
        );
    }
    assert!(rows(&store).await.is_empty());
    assert_eq!(
        store.commits() - before,
        1,
        "only the holding write's batch"
    );
    // The writer goes on.
    insert_rows(&store, &["after"])
        .await
        .expect("a later write");
    assert_eq!(rows(&store).await, ["after"]);
}

#[tokio::test]
async fn a_write_answered_is_on_disk_for_a_new_connection() {
    use sqlx::{ConnectOptions as _, Connection as _};
    let store = support::sqlite_store().await;
    app_table(&store).await;
    let order = sample_order();
    assert_eq!(
        store.insert_order(&order).await.ok(),
        Some(Inserted::Created)
    );
    insert_rows(&store, &["a"]).await.expect("write");
    // A connection outside the store's pool, opened after the answers.
    let mut fresh = store
        .pool()
        .connect_options()
        .connect()
        .await
        .expect("a new connection");
    let found: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM app_rows WHERE id = 'a') \
         + (SELECT count(*) FROM gmo_orders WHERE order_id = $1)",
    )
    .bind(order.order_id.as_str())
    .fetch_one(&mut fresh)
    .await
    .expect("read");
    assert_eq!(found, 2);
    fresh.close().await.expect("close");
}

#[tokio::test(flavor = "current_thread")]
async fn the_writer_ends_with_the_last_clone_of_its_store() {
    let store = support::sqlite_store().await;
    let pool = store.pool().clone();
    // sqlx spawns short tasks of its own (returning a connection to the pool): count once
    // they are done.
    let alive = || async {
        settle().await;
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let before = alive().await;
    let clone = store.clone();
    clone
        .write(|_conn| Box::pin(async { Ok(()) }))
        .await
        .expect("write");
    assert_eq!(
        alive().await,
        before + 1,
        "the writer, spawned on the first write"
    );
    drop(store);
    assert_eq!(alive().await, before + 1, "a clone still holds it");
    drop(clone);
    assert_eq!(alive().await, before, "the writer ended with its store");
    pool.close().await;
}

#[tokio::test]
async fn a_write_that_panics_answers_an_error_and_the_writer_goes_on() {
    let store = support::sqlite_store().await;
    app_table(&store).await;
    let error = store
        .write(|_conn| -> gmo_sqlx::WriteFuture<'_, ()> { panic!("a bug in a write") })
        .await
        .expect_err("the write panicked");
    assert!(matches!(error, sqlx::Error::WorkerCrashed), "{error}");
    insert_rows(&store, &["a"]).await.expect("a later write");
    assert_eq!(rows(&store).await, ["a"]);
}

#[tokio::test]
async fn a_failing_write_alone_in_its_batch_writes_nothing() {
    let store = support::sqlite_store().await;
    app_table(&store).await;
    insert_rows(&store, &["taken"]).await.expect("first row");
    let before = store.commits();
    let error = insert_rows(&store, &["b", "taken"])
        .await
        .expect_err("the primary key");
    assert!(
        error.as_database_error().is_some(),
        "its own error: {error}"
    );
    assert_eq!(rows(&store).await, ["taken"]);
    assert_eq!(store.commits(), before, "rolled back, not committed");
    insert_rows(&store, &["c"]).await.expect("a later write");
    assert_eq!(rows(&store).await, ["c", "taken"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_write_refused_by_a_constraint_leaves_its_batch_committed() {
    let store = support::sqlite_store().await;
    let (first, second) = (sample_order(), sample_order());
    let access_id =
        gmo_core::values::AccessId::new("fedcba9876543210fedcba9876543210").expect("access id");
    for order in [&first, &second] {
        assert_eq!(
            store.insert_order(order).await.ok(),
            Some(Inserted::Created)
        );
    }
    let mut entered = next(&first, OrderState::Entered);
    entered.access_id = Some(access_id.clone());
    let mut clash = next(&second, OrderState::Entered);
    clash.access_id = Some(access_id.clone());
    let (before_order, after_order) = (sample_order(), sample_order());
    let release = hold_the_writer(&store).await;
    let before = store.commits();
    let spawn_insert = |order: gmo_core::order::Order| {
        let store = store.clone();
        tokio::spawn(async move { store.insert_order(&order).await.ok() })
    };
    let spawn_update = |order: gmo_core::order::Order| {
        let store = store.clone();
        tokio::spawn(async move { store.update_order(&order, 0, &[]).await })
    };
    let a = spawn_insert(before_order.clone());
    settle().await;
    let b = spawn_update(entered.clone());
    settle().await;
    // The unique AccessID: SQLite undoes this statement alone.
    let c = spawn_update(clash);
    settle().await;
    let d = spawn_insert(after_order.clone());
    settle().await;
    release.send(()).expect("release the writer");
    assert_eq!(a.await.expect("a"), Some(Inserted::Created));
    assert_eq!(b.await.expect("b").ok(), Some(Updated::Done));
    assert!(c.await.expect("c").is_err(), "the AccessID is taken");
    assert_eq!(d.await.expect("d"), Some(Inserted::Created));
    assert_eq!(store.commits() - before, 2, "the holding write's, then one");
    for order in [&before_order, &after_order, &entered, &second] {
        assert_eq!(
            store.order(&order.order_id).await.ok(),
            Some(Some(order.clone()))
        );
    }
}
