//! Fresh databases for the tests and the benchmark: a new SQLite file, or a new PostgreSQL
//! schema in the database named by `GMO_TEST_DATABASE_URL`.
#![allow(dead_code, unreachable_pub, clippy::expect_used)]

use std::io::Write;
#[cfg(feature = "sqlite")]
use std::path::PathBuf;
#[cfg(feature = "postgres")]
use std::str::FromStr;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[cfg(feature = "postgres")]
use gmo_sqlx::PostgresStore;
#[cfg(feature = "sqlite")]
use gmo_sqlx::SqliteStore;
#[cfg(feature = "postgres")]
use sqlx::Connection;
#[cfg(feature = "postgres")]
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};

/// The variable that names the PostgreSQL database for tests.
pub const DATABASE_URL: &str = "GMO_TEST_DATABASE_URL";

/// Test databases older than this are removed when a new one is made.
const STALE_AFTER: Duration = Duration::from_secs(3600);

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A name no other test of any process uses: `{unix secs}_{pid}_{counter}`.
fn unique_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}_{}_{}",
        unix_secs(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn is_stale(name: &str) -> bool {
    name.split('_')
        .next()
        .and_then(|secs| secs.parse::<u64>().ok())
        .is_some_and(|secs| secs + STALE_AFTER.as_secs() < unix_secs())
}

#[cfg(feature = "sqlite")]
/// A fresh, migrated SQLite store in a new file under the target directory.
pub async fn sqlite_store() -> SqliteStore {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gmo-sqlx");
    std::fs::create_dir_all(&dir).expect("test directory");
    static CLEAN: Once = Once::new();
    CLEAN.call_once(|| {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if is_stale(&entry.file_name().to_string_lossy()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    });
    let path = dir.join(format!("{}.db", unique_name()));
    let store = SqliteStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("open the SQLite file");
    store.migrate().await.expect("migrate SQLite");
    store
}

/// The PostgreSQL URL, or `None` after saying (once, past the test harness's capture) that the
/// PostgreSQL tests are skipped.
pub fn postgres_url() -> Option<String> {
    match std::env::var(DATABASE_URL) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            static SAID: Once = Once::new();
            SAID.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "skipped: PostgreSQL tests (set {DATABASE_URL})"
                );
            });
            None
        }
    }
}

#[cfg(feature = "postgres")]
/// A fresh, migrated PostgreSQL store in a new schema of the test database, or `None` when
/// `GMO_TEST_DATABASE_URL` is not set. Panics when the database is set but unreachable.
pub async fn postgres_store() -> Option<PostgresStore> {
    let url = postgres_url()?;
    let schema = format!("gmo_test_{}", unique_name());
    let mut admin = PgConnection::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{DATABASE_URL} is set but the database is unreachable: {e}"));
    drop_stale_schemas(&mut admin).await;
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .expect("create the test schema");
    let _ = admin.close().await;
    let options = PgConnectOptions::from_str(&url)
        .expect("a PostgreSQL URL")
        .options([("search_path", schema.as_str())]);
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .connect_with(options)
        .await
        .expect("connect to the test schema");
    let store = PostgresStore::new(pool);
    store.migrate().await.expect("migrate PostgreSQL");
    Some(store)
}

#[cfg(feature = "postgres")]
/// Removes the schemas of test runs older than an hour (best effort: another run may be
/// removing them too).
async fn drop_stale_schemas(admin: &mut PgConnection) {
    let schemas: Vec<String> =
        sqlx::query_scalar(r"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'gmo\_test\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for schema in schemas {
        if is_stale(schema.trim_start_matches("gmo_test_")) {
            let _ = sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut *admin)
                .await;
        }
    }
}

/// Column names that could hold card data. Any column whose name contains one of these (or has
/// `pan` as a word) is refused.
pub const CARD_DATA_WORDS: &[&str] = &[
    "card_no",
    "cardno",
    "card_number",
    "cardnumber",
    "expire",
    "expiry",
    "security_code",
    "securitycode",
    "cvc",
    "cvv",
    "token",
];

/// Whether a column name looks like it could hold card data.
pub fn could_hold_card_data(column: &str) -> bool {
    let column = column.to_ascii_lowercase();
    CARD_DATA_WORDS.iter().any(|word| column.contains(word))
        || column.split('_').any(|word| word == "pan")
}

/// `rounds` rounds of 64 concurrent claims of one fresh order each: the number of winners of
/// each round.
pub async fn claim_rounds(
    store: std::sync::Arc<dyn gmo_core::store::PaymentStore>,
    rounds: usize,
) -> Vec<usize> {
    use gmo_core::order::OrderState;
    use gmo_core::store::{Inserted, Updated};
    let mut winners = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let order = gmo_core::store::conformance::sample_order();
        assert_eq!(
            store.insert_order(&order).await.ok(),
            Some(Inserted::Created)
        );
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(64));
        let tasks: Vec<_> = (0..64)
            .map(|i| {
                let (store, barrier) = (store.clone(), barrier.clone());
                let mut claim = gmo_core::store::conformance::next(&order, OrderState::Entering);
                claim.card_seq = Some(gmo_core::values::CardSeq::new(i).expect("a card number"));
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.update_order(&claim, 0, &[]).await
                })
            })
            .collect();
        let mut won = 0;
        for task in tasks {
            match task.await.expect("claim task") {
                Ok(Updated::Done) => won += 1,
                Ok(Updated::Conflict(current)) => assert_eq!(current.state, OrderState::Entering),
                other => panic!("unexpected answer to a claim: {other:?}"),
            }
        }
        winners.push(won);
    }
    winners
}

/// The two orders of the first schema (`legacy-prepared`, older, and `legacy-finalizing`) read
/// back at version 0, and a lease takes the one with money at stake first.
pub async fn legacy_orders_are_versioned_and_money_first(
    store: &dyn gmo_core::store::PaymentStore,
) {
    use gmo_core::order::OrderState;
    use gmo_core::store::Lease;
    use gmo_core::values::OrderId;
    let id = |s: &str| OrderId::new(s).expect("an order id");
    for name in ["legacy-prepared", "legacy-finalizing"] {
        let order = store.order(&id(name)).await.expect("read").expect("kept");
        assert_eq!(order.version, 0, "{name}");
    }
    let now = time::OffsetDateTime::now_utc();
    let lease = Lease {
        owner: "migration-test".into(),
        taken_at: now,
        until: now + time::Duration::minutes(1),
    };
    let leased = store
        .lease_orders_to_reconcile(&lease, now, 10)
        .await
        .expect("lease");
    let states: Vec<OrderState> = leased.iter().map(|o| o.state).collect();
    assert_eq!(states, [OrderState::Finalizing, OrderState::Prepared]);
}

/// Orders written before migration 0006 (no method, no risk data) read back with neither, and
/// take both afterwards.
pub async fn orders_before_0006_stay_valid(store: &dyn gmo_core::store::PaymentStore) {
    use gmo_core::api::Tds2Field;
    use gmo_core::order::OrderState;
    use gmo_core::store::Updated;
    use gmo_core::values::{Method, OrderId};
    let id = OrderId::new("before-0006").expect("an order id");
    let order = store.order(&id).await.expect("read").expect("kept");
    assert_eq!(order.method, None);
    assert!(order.risk_data.is_empty());
    assert_eq!(order.state, OrderState::Entered);
    let mut claimed = gmo_core::store::conformance::next(&order, OrderState::Executing);
    claimed.method = Some(Method::Installments(3));
    claimed
        .risk_data
        .set(Tds2Field::Email, "taro@example.jp")
        .expect("an e-mail");
    assert_eq!(
        store
            .update_order(&claimed, order.version, &[])
            .await
            .expect("update"),
        Updated::Done
    );
    assert_eq!(store.order(&id).await.expect("read"), Some(claimed));
}
