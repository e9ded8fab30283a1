//! The SQLite store.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::MigrateError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Executor, Row as _};
use time::OffsetDateTime;

use crate::columns::StoredTime;
use crate::migrations;

/// A [`PaymentStore`](gmo_core::store::PaymentStore) in an SQLite database file: for one
/// server (several app processes on it may share the file), with payments that survive
/// restarts.
///
/// SQLite lets one writer at a time in; the others wait up to the busy timeout. Use
/// [`SqliteStore::connect`] or [`SqliteStore::recommended_options`] for a pool set up for that
/// (WAL journal, synchronous commits, a busy timeout). Never use `sqlite::memory:` with a pool
/// of more than one connection: each connection would have its own empty database.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = std::env::temp_dir().join(format!("gmo-sqlx-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # let path = dir.join("payments.db");
/// use gmo_core::store::PaymentStore;
/// use gmo_core::values::OrderId;
/// use gmo_sqlx::SqliteStore;
///
/// let store = SqliteStore::connect(&format!("sqlite://{}", path.display())).await?;
/// store.migrate().await?;
/// let order_id = OrderId::new("order-1")?;
/// assert_eq!(store.order(&order_id).await?, None);
/// # store.pool().close().await;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    // SQLite lets one writer in at a time; a writer turned away sleeps in SQLite's busy handler
    // (1, 2, 5, 10… ms), which idles the machine under concurrent payments. The store's own
    // writers take turns here instead, and are woken the moment the write before them ends.
    // (Other processes on the file still meet the busy timeout.)
    writes: Arc<tokio::sync::Mutex<()>>,
}

/// Connections of the pool made by [`SqliteStore::connect`]: writes take turns anyway, and a
/// few connections let reads proceed beside a write (WAL).
const POOL_SIZE: u32 = 4;

/// How long a statement waits for another connection's write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS gmo_migrations (
    version     INTEGER PRIMARY KEY NOT NULL,
    description TEXT NOT NULL,
    checksum    BLOB NOT NULL,
    applied_at  INTEGER NOT NULL
) STRICT";

/// Replaces the order's entry (`$2`), whatever its key: one entry per order.
const PUT_NOTIFICATION: &str = "INSERT INTO gmo_notifications \
     (key, order_id, notification, received_at, processed_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (order_id) DO UPDATE SET key = excluded.key, \
     notification = excluded.notification, received_at = excluded.received_at, \
     processed_at = excluded.processed_at";
const SELECT_NOTIFICATION_OF_ORDER: &str = "SELECT key, notification, \
     received_at, processed_at FROM gmo_notifications WHERE order_id = $1";
const SELECT_UNPROCESSED_NOTIFICATIONS: &str = "SELECT key, \
     notification, received_at, processed_at FROM gmo_notifications \
     WHERE processed_at IS NULL ORDER BY seq LIMIT $1";

/// One statement under the store's write turn: SQLite runs it alone.
const LEASE_ORDERS: &str = crate::columns::lease_orders!(crate::columns::orders_to_lease!());

const INSERT_EVENT: &str = crate::columns::insert_event!("$3");

const LEASE_EVENTS: &str = concat!(
    "UPDATE gmo_events SET lease_owner = $1, leased_until = $2 WHERE seq IN (",
    crate::columns::events_to_lease!(),
    ") RETURNING ",
    crate::columns::event_columns!("event")
);
/// SQLite binds no arrays: the batch's seqs come as one JSON array.
const MARK_EVENTS_DELIVERED: &str =
    crate::columns::mark_events_delivered!("seq IN (SELECT value FROM json_each($1))");
const SELECT_EVENTS_AFTER: &str = concat!(
    "SELECT ",
    crate::columns::event_columns!("event"),
    " FROM gmo_events WHERE seq > $1 ORDER BY seq LIMIT $2"
);

/// A batch of seqs as [`MARK_EVENTS_DELIVERED`] binds it: a JSON array of integers.
fn seq_list(seqs: Vec<i64>) -> String {
    let list: Vec<String> = seqs.iter().map(i64::to_string).collect();
    format!("[{}]", list.join(","))
}

/// Timestamps are unix microseconds.
type Micros = i64;

impl SqliteStore {
    /// A store on `pool`. See [`SqliteStore::recommended_options`] for the connection options
    /// the store expects.
    pub fn new(pool: SqlitePool) -> Self {
        Self {
            pool,
            writes: Arc::default(),
        }
    }

    /// This store's turn to write (see the `writes` field).
    async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        Some(self.writes.lock().await)
    }

    /// A store on the database file named by `url` (`sqlite://path/to/payments.db`), created if
    /// missing, with [`SqliteStore::recommended_options`] and a pool of 4 connections.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        Self::connect_with(SqliteConnectOptions::from_str(url)?).await
    }

    /// Like [`SqliteStore::connect`], from connection options.
    pub async fn connect_with(options: SqliteConnectOptions) -> Result<Self, sqlx::Error> {
        let pool = SqlitePoolOptions::new()
            .max_connections(POOL_SIZE)
            .connect_with(Self::recommended_options(options))
            .await?;
        Ok(Self::new(pool))
    }

    /// `options` set up for the store: the file is created if missing; WAL journal, so that
    /// reads go on beside a write; `synchronous = FULL`, so that a write is on disk when it
    /// returns (the inbox promises GMO durability); and a 10-second busy timeout, so that
    /// concurrent writers wait their turn instead of failing with "database is locked".
    pub fn recommended_options(options: SqliteConnectOptions) -> SqliteConnectOptions {
        options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
    }

    /// The pool, for the app's own queries or for closing it.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Creates or updates the store's tables. Idempotent; the whole migration is one
    /// `BEGIN IMMEDIATE` transaction, so processes that run it together take turns.
    pub async fn migrate(&self) -> Result<(), MigrateError> {
        // `Executor` methods (boxed futures) rather than `Query::execute` (generic ones) keep
        // this future `Send` for `tokio::spawn`.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let conn: &mut SqliteConnection = &mut tx;
        conn.execute(CREATE_MIGRATIONS_TABLE).await?;
        let applied = conn
            .fetch_all("SELECT version, checksum FROM gmo_migrations")
            .await?
            .iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<Vec<(i64, Vec<u8>)>, sqlx::Error>>()?;
        let now = Micros::from_time(OffsetDateTime::now_utc())
            .map_err(|e| MigrateError::Source(Box::new(e)))?;
        for migration in migrations::pending(&migrations::SQLITE, &applied)? {
            conn.execute(&*migration.sql)
                .await
                .map_err(|e| MigrateError::ExecuteMigration(e, migration.version))?;
            conn.execute(
                sqlx::query(
                    "INSERT INTO gmo_migrations (version, description, checksum, applied_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(migration.version)
                .bind(&*migration.description)
                .bind(&*migration.checksum)
                .bind(now),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

crate::payment_store::impl_payment_store!(SqliteStore, Micros);

#[cfg(test)]
mod tests {
    use super::*;

    fn spawnable<T: Send + 'static>(_: T) {}

    #[test]
    fn migrate_can_be_spawned() {
        // A compile-time check: the future is `Send + 'static`, and never polled.
        let _ = |pool: SqlitePool| spawnable(async move { SqliteStore::new(pool).migrate().await });
    }
}
