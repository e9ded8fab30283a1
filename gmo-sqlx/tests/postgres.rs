//! The PostgreSQL store: the store conformance suite in a fresh schema per test of the database
//! named by `GMO_TEST_DATABASE_URL`, and what is particular to PostgreSQL. Without the variable
//! every test returns at once and the run says the PostgreSQL tests were skipped.
#![cfg(feature = "postgres")]
#![allow(clippy::expect_used)]

mod support;

use std::error::Error as _;
use std::sync::Arc;

use gmo_core::event::{EventKind, PaymentEvent};
use gmo_core::order::OrderState;
use gmo_core::secret::AccessPass;
use gmo_core::store::conformance::{next, sample_order};
use gmo_core::store::{Inserted, PaymentStore, Updated};
use gmo_sqlx::{PostgresStore, UnreadableColumn};

gmo_core::store_conformance!(optional async {
    support::postgres_store()
        .await
        .map(|store| Arc::new(store) as Arc<dyn PaymentStore>)
});

async fn count(store: &PostgresStore, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .expect("count")
}

#[tokio::test]
async fn migrating_again_changes_nothing() {
    let Some(store) = support::postgres_store().await else {
        return;
    };
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
async fn instances_starting_together_migrate_once() {
    let Some(store) = support::postgres_store().await else {
        return;
    };
    drop_store_tables(&store).await;
    sqlx::raw_sql("DELETE FROM gmo_migrations")
        .execute(store.pool())
        .await
        .expect("empty the schema");
    // Four instances on the same schema, each migrating on its own connection of the pool.
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.migrate().await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("migration");
    }
    let applied = count(&store, "SELECT count(*) FROM gmo_migrations").await;
    assert!(applied >= 1);
    assert_eq!(store.order(&sample_order().order_id).await.ok(), Some(None));
}

#[tokio::test]
async fn no_column_can_hold_card_data() {
    let Some(store) = support::postgres_store().await else {
        return;
    };
    let columns: Vec<(String, String)> = sqlx::query_as(
        r"SELECT table_name::text, column_name::text FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name LIKE 'gmo\_%'",
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
}

#[tokio::test]
async fn the_access_pass_column_is_marked_secret() {
    let Some(store) = support::postgres_store().await else {
        return;
    };
    let comment: Option<String> = sqlx::query_scalar(
        "SELECT col_description('gmo_orders'::regclass, \
         (SELECT attnum FROM pg_attribute WHERE attrelid = 'gmo_orders'::regclass \
          AND attname = 'access_pass'))",
    )
    .fetch_one(store.pool())
    .await
    .expect("column comment");
    assert!(comment.is_some_and(|c| c.starts_with("SECRET")));
}

#[tokio::test]
async fn the_access_pass_is_stored_as_given_and_read_back() {
    let Some(store) = support::postgres_store().await else {
        return;
    };
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
    let Some(store) = support::postgres_store().await else {
        return;
    };
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
    let Some(store) = support::postgres_store().await else {
        return;
    };
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
    let Some(store) = support::postgres_store().await else {
        return;
    };
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

#[tokio::test]
async fn reconciliation_and_access_id_look_ups_use_their_indexes() {
    let Some(store) = support::postgres_store().await else {
        return;
    };
    for _ in 0..50 {
        store.insert_order(&sample_order()).await.expect("insert");
    }
    let mut conn = store.pool().acquire().await.expect("connection");
    sqlx::raw_sql("ANALYZE gmo_orders; SET enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .expect("planner settings");
    let reconcile = plan(
        &mut conn,
        "EXPLAIN SELECT order_id FROM gmo_orders WHERE NOT settled AND updated_at < now() \
         AND (leased_until IS NULL OR leased_until <= now()) \
         ORDER BY settle_first DESC, updated_at, order_id LIMIT 10",
    )
    .await;
    assert!(
        reconcile.contains("gmo_orders_to_reconcile"),
        "plan: {reconcile}"
    );
    let by_access_id = plan(
        &mut conn,
        "EXPLAIN SELECT order_id FROM gmo_orders WHERE access_id = 'x'",
    )
    .await;
    assert!(
        by_access_id.contains("gmo_orders_access_id_key"),
        "plan: {by_access_id}"
    );
    sqlx::raw_sql("RESET enable_seqscan")
        .execute(&mut *conn)
        .await
        .expect("reset");
}

/// The query plan of `explain`, one line per node.
async fn plan(conn: &mut sqlx::PgConnection, explain: &str) -> String {
    let lines: Vec<String> = sqlx::query_scalar(explain)
        .fetch_all(conn)
        .await
        .expect("explain");
    lines.join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_round_of_64_claims_has_one_winner() {
    let Some(store) = support::postgres_store().await else {
        return;
    };
    let winners = support::claim_rounds(Arc::new(store), 20).await;
    assert!(
        winners.iter().all(|&w| w == 1),
        "winners per round: {winners:?}"
    );
}

#[tokio::test]
async fn orders_of_the_first_schema_get_a_version_and_their_place_in_reconciliation() {
    let Some(store) = support::postgres_store().await else {
        return;
    };
    // Back to the first release's schema, with two of its orders: the older never reached GMO.
    drop_store_tables(&store).await;
    sqlx::raw_sql(concat!(
        "DELETE FROM gmo_migrations WHERE version >= 2; ",
        include_str!("../migrations/postgres/0001_payment_store.sql"),
        "; INSERT INTO gmo_orders (order_id, customer_id, purpose, job, amount, tax, state, \
         settled, created_at, updated_at) VALUES \
         ('legacy-prepared', 'c', 'purchase', 'AUTH', 100, 0, 'prepared', false, \
          '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z'), \
         ('legacy-finalizing', 'c', 'purchase', 'AUTH', 100, 0, 'finalizing', false, \
          '2020-01-02T00:00:00Z', '2020-01-02T00:00:00Z')"
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
async fn drop_store_tables(store: &PostgresStore) {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
         AND tablename LIKE 'gmo\\_%' AND tablename <> 'gmo_migrations'",
    )
    .fetch_all(store.pool())
    .await
    .expect("the store's tables");
    for table in tables {
        sqlx::raw_sql(&format!("DROP TABLE {table} CASCADE"))
            .execute(store.pool())
            .await
            .expect("drop a table");
    }
}

#[tokio::test]
async fn migration_4_keeps_the_newest_notification_of_each_order() {
    let Some(store) = support::postgres_store().await else {
        return;
    };
    // The inbox before 0004: one row per delivery (in this test's own schema).
    sqlx::raw_sql(concat!(
        "DROP INDEX gmo_notifications_one_per_order; DELETE FROM gmo_migrations WHERE version = 4; ",
        "INSERT INTO gmo_notifications (key, order_id, notification, received_at, processed_at) VALUES ",
        "('a|1', 'a', '{}', now(), now()), ('b|1', 'b', '{}', now(), NULL), ",
        "('a|2', 'a', '{}', now(), NULL), ('a|3', 'a', '{}', now(), now()), ",
        "('test', NULL, '{}', now(), NULL)"
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
    let Some(store) = support::postgres_store().await else {
        return;
    };
    drop_store_tables(&store).await;
    // The schema of migrations 0001 to 0005, with an order of it: entered, not yet executed.
    sqlx::raw_sql(concat!(
        "DELETE FROM gmo_migrations WHERE version >= 6; ",
        include_str!("../migrations/postgres/0001_payment_store.sql"),
        ";\n",
        include_str!("../migrations/postgres/0002_versions_and_leases.sql"),
        ";\n",
        include_str!("../migrations/postgres/0003_throttle_events.sql"),
        ";\n",
        include_str!("../migrations/postgres/0004_one_notification_per_order.sql"),
        ";\n",
        include_str!("../migrations/postgres/0005_payment_events.sql"),
        "; INSERT INTO gmo_orders (order_id, customer_id, purpose, job, amount, tax, state, \
         access_id, access_pass, settled, settle_first, created_at, updated_at, version) VALUES \
         ('before-0006', 'c', 'purchase', 'AUTH', 100, 0, 'entered', \
          '0123456789abcdef0123456789abcdef', 'pass', false, false, '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', 2)"
    ))
    .execute(store.pool())
    .await
    .expect("the 0005 schema");
    store.migrate().await.expect("migration 6");
    support::orders_before_0006_stay_valid(&store).await;
}

/// An event of `order`, as the core makes them.
fn event_of(order: &gmo_core::order::Order, id: &str, kind: EventKind) -> PaymentEvent {
    PaymentEvent {
        id: id.to_owned(),
        order_id: order.order_id.clone(),
        customer_id: order.customer_id.clone(),
        purpose: order.purpose,
        kind,
        amount: order.amount.yen(),
        tax: order.tax.yen(),
        access_id: order.access_id.clone(),
        tran_id: None,
        approve: None,
        card_seq: None,
        at: order.updated_at,
    }
}

#[tokio::test]
async fn a_change_and_its_events_are_one_statement() {
    let Some(store) = support::postgres_store().await else {
        return;
    };
    // Statement-level triggers note each statement that writes the orders or the events, by
    // its start time: statements of one round trip share it.
    sqlx::raw_sql(
        "CREATE TABLE statements (tbl TEXT NOT NULL, started TIMESTAMPTZ NOT NULL);
         CREATE FUNCTION note_statement() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN INSERT INTO statements VALUES (TG_TABLE_NAME, statement_timestamp()); RETURN NULL; END $$;
         CREATE TRIGGER note AFTER UPDATE ON gmo_orders FOR EACH STATEMENT EXECUTE FUNCTION note_statement();
         CREATE TRIGGER note AFTER INSERT ON gmo_events FOR EACH STATEMENT EXECUTE FUNCTION note_statement();",
    )
    .execute(store.pool())
    .await
    .expect("the triggers");
    let mut order = sample_order();
    order.state = OrderState::Finalizing;
    store.insert_order(&order).await.expect("insert");
    let paid = next(&order, OrderState::Captured);
    let events = [
        event_of(&paid, "ev-one-statement-1", EventKind::Authorized),
        event_of(&paid, "ev-one-statement-2", EventKind::Captured),
    ];
    assert_eq!(
        store.update_order(&paid, order.version, &events).await.ok(),
        Some(Updated::Done)
    );
    let noted: Vec<(String, i64)> = sqlx::query_as(
        "SELECT tbl, count(*) OVER (PARTITION BY started) FROM statements ORDER BY tbl",
    )
    .fetch_all(store.pool())
    .await
    .expect("the statements");
    assert_eq!(
        noted,
        [("gmo_events".to_owned(), 2), ("gmo_orders".to_owned(), 2)],
        "one UPDATE and one INSERT of both events, in one statement"
    );
    let written: Vec<String> = sqlx::query_scalar("SELECT id FROM gmo_events ORDER BY seq")
        .fetch_all(store.pool())
        .await
        .expect("the events");
    assert_eq!(written, ["ev-one-statement-1", "ev-one-statement-2"]);
}

#[tokio::test]
async fn an_event_that_cannot_be_written_undoes_its_change() {
    let Some(store) = support::postgres_store().await else {
        return;
    };
    let mut order = sample_order();
    order.state = OrderState::Finalizing;
    store.insert_order(&order).await.expect("insert");
    let other = sample_order();
    store.insert_order(&other).await.expect("insert");
    let taken = event_of(&other, "ev-taken", EventKind::Failed);
    assert_eq!(
        store
            .update_order(&next(&other, OrderState::Failed), other.version, &[taken])
            .await
            .ok(),
        Some(Updated::Done)
    );
    // The second event's id is taken: the statement fails as a whole.
    let paid = next(&order, OrderState::Captured);
    let events = [
        event_of(&paid, "ev-fresh", EventKind::Authorized),
        event_of(&paid, "ev-taken", EventKind::Captured),
    ];
    assert!(
        store
            .update_order(&paid, order.version, &events)
            .await
            .is_err()
    );
    assert_eq!(
        store.order(&order.order_id).await.ok(),
        Some(Some(order.clone()))
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM gmo_events WHERE id = 'ev-fresh'"
        )
        .await,
        0
    );
}
