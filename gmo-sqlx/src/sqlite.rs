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

use gmo_core::event::PaymentEvent;
use gmo_core::order::Order;
use gmo_core::store::StoreError;

use crate::columns::{self, StoredTime};
use crate::writer::Writer;
use crate::{WriteFuture, migrations};

/// A [`PaymentStore`](gmo_core::store::PaymentStore) in an SQLite database file: for one
/// server (several app processes on it may share the file), with payments that survive
/// restarts.
///
/// SQLite lets one writer at a time in. The store's writes (and those of its clones, of a
/// [`SqliteThrottleStore`](crate::SqliteThrottleStore) made [`from_store`](crate::SqliteThrottleStore::from_store),
/// and the app's own through [`SqliteStore::write`]) go through one writer that commits
/// whatever arrived while its previous transaction ran as one transaction (group commit): one
/// fsync for many writes, each answered only after its transaction committed. Reads go to the
/// pool beside it (WAL). Writers in other processes on the file wait up to the busy timeout.
/// Use [`SqliteStore::connect`] or [`SqliteStore::recommended_options`] for a pool set up for
/// that (WAL journal, synchronous commits, a busy timeout). Never use `sqlite::memory:` with a pool
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
    // SQLite lets one writer in at a time, and a commit costs an fsync; writers turned away sleep
    // in SQLite's busy handler (1, 2, 5, 10… ms). So every write of this store and its clones
    // goes through one writer that commits whatever queued meanwhile in one transaction. (Other
    // processes on the file still meet the busy timeout.)
    writer: Arc<Writer>,
}

/// Connections of the pool made by [`SqliteStore::connect`]: the writer holds one while it has
/// work, and the others let reads proceed beside it (WAL).
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

/// One statement in the store's writer: SQLite runs it alone.
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
            writer: Arc::new(Writer::new(pool.clone())),
            pool,
        }
    }

    /// Runs `work` in this store's writer, and answers once its transaction has committed: the
    /// app's own writes (its tables beside the `gmo_*` ones) share the store's group commits
    /// instead of contending for SQLite's write lock from another connection.
    ///
    /// Writes that arrive while a batch is committing are committed together in the next one
    /// (at most 64; no timer waits for more): one `BEGIN IMMEDIATE` … `COMMIT`, each write in
    /// its own `SAVEPOINT` (none when it is alone in its batch), run in the order they were
    /// queued, each seeing the ones before it. When `work` answers `Err`, everything it wrote is
    /// rolled back and the error is answered to this caller alone; the others of its batch
    /// commit. When the batch's `COMMIT` fails,
    /// every write of the batch gets the error. An `Ok` is durable (with
    /// [`SqliteStore::recommended_options`]' `synchronous = FULL`) and visible to every new
    /// read once answered.
    ///
    /// `work` gets the connection inside the batch's transaction: run statements on it, nothing else
    /// (no `COMMIT`, `ROLLBACK` or `BEGIN`; `Connection::begin` makes a nested savepoint). It
    /// holds up every write queued behind it, so keep it short and never wait in it for
    /// anything but its statements. A write whose future is dropped after it was queued still
    /// runs. Needs a Tokio runtime: the writer is a task, spawned on the runtime of the first
    /// write (again on the current one if that runtime has shut down), which must keep running
    /// while the store writes; it ends when the store and all its clones are dropped.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = std::env::temp_dir().join(format!("gmo-sqlx-write-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let path = dir.join("shop.db");
    /// use gmo_sqlx::SqliteStore;
    ///
    /// let store = SqliteStore::connect(&format!("sqlite://{}", path.display())).await?;
    /// store.migrate().await?;
    /// sqlx::query("CREATE TABLE shop_orders (id TEXT PRIMARY KEY, total INTEGER NOT NULL)")
    ///     .execute(store.pool())
    ///     .await?;
    ///
    /// let (id, total) = ("order-1".to_owned(), 1200_i64);
    /// let written = store
    ///     .write(move |conn| {
    ///         Box::pin(async move {
    ///             let done = sqlx::query("INSERT INTO shop_orders (id, total) VALUES ($1, $2)")
    ///                 .bind(id)
    ///                 .bind(total)
    ///                 .execute(&mut *conn)
    ///                 .await?;
    ///             Ok(done.rows_affected())
    ///         })
    ///     })
    ///     .await?;
    /// assert_eq!(written, 1);
    /// // Committed before `write` answered.
    /// let total: i64 = sqlx::query_scalar("SELECT total FROM shop_orders WHERE id = 'order-1'")
    ///     .fetch_one(store.pool())
    ///     .await?;
    /// assert_eq!(total, 1200);
    /// assert!(store.commits() >= 1);
    /// # store.pool().close().await;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    pub async fn write<T, F>(&self, work: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> WriteFuture<'c, T> + Send + 'static,
    {
        self.writer.write(work).await
    }

    /// Transactions committed by this store's writer since it was made (for benchmarks and
    /// metrics): one per batch of writes. Clones of a store share the writer and the count.
    pub fn commits(&self) -> u64 {
        self.writer.commits()
    }

    /// Where the `PaymentStore` methods write: the group commit.
    async fn run_write<T, F>(&self, work: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> WriteFuture<'c, T> + Send + 'static,
    {
        self.writer.write(work).await
    }

    /// Where the `PaymentStore` methods that write with one statement write: the group commit,
    /// without a savepoint of their own.
    pub(crate) async fn run_statement<T, F>(&self, work: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> WriteFuture<'c, T> + Send + 'static,
    {
        self.writer.write_statement(work).await
    }

    /// The compare-and-set with its events: the writer's savepoint makes them one atomic write.
    async fn compare_and_set(
        &self,
        order: &Order,
        read_version: u64,
        events: &[PaymentEvent],
    ) -> Result<bool, StoreError> {
        let update = columns::bind_order::<_, Micros>(sqlx::query(columns::UPDATE_ORDER), order)?
            .bind(columns::version_column(read_version)?);
        let inserts = events
            .iter()
            .map(|event| columns::bind_event::<_, Micros>(sqlx::query(INSERT_EVENT), event))
            .collect::<Result<Vec<_>, _>>()?;
        if inserts.is_empty() {
            return self
                .run_statement(move |conn| {
                    Box::pin(
                        async move { Ok(update.execute(&mut *conn).await?.rows_affected() == 1) },
                    )
                })
                .await
                .map_err(columns::driver);
        }
        self.run_write(move |conn| {
            Box::pin(async move {
                if update.execute(&mut *conn).await?.rows_affected() != 1 {
                    return Ok(false);
                }
                for insert in inserts {
                    insert.execute(&mut *conn).await?;
                }
                Ok(true)
            })
        })
        .await
        .map_err(columns::driver)
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
