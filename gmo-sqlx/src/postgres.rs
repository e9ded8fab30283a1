//! The PostgreSQL store.

use sqlx::migrate::{MigrateError, Migration};
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::{Executor, Row as _};
use time::OffsetDateTime;

use gmo_core::event::PaymentEvent;
use gmo_core::order::Order;
use gmo_core::store::StoreError;

use crate::{WriteFuture, columns, migrations};

/// A [`PaymentStore`](gmo_core::store::PaymentStore) in PostgreSQL: one store for every app
/// instance that shares the database.
///
/// Make the pool as the app makes its others (TLS, pool size); run [`PostgresStore::migrate`]
/// at start-up. Tables go to the connection's current schema (the first of its `search_path`);
/// to keep them in a schema of their own, set the `search_path` on the pool's connections (for
/// example `PgConnectOptions::options([("search_path", "payments")])`).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use sqlx::postgres::PgPoolOptions;
/// use gmo_sqlx::PostgresStore;
///
/// let pool = PgPoolOptions::new()
///     .max_connections(16)
///     .connect("postgres://shop@db.internal/shop")
///     .await?;
/// let store = PostgresStore::new(pool);
/// store.migrate().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

/// The advisory lock that serialises migrations of app instances starting together
/// (`"gmo-sqlx"` in ASCII).
const MIGRATION_LOCK: i64 = 0x676d_6f2d_7371_6c78;

const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS gmo_migrations (
    version     BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    checksum    BYTEA NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL
)";

/// Replaces the order's entry (`$2`), whatever its key: one entry per order.
const PUT_NOTIFICATION: &str = "INSERT INTO gmo_notifications \
     (key, order_id, notification, received_at, processed_at) \
     VALUES ($1, $2, $3::jsonb, $4, $5) ON CONFLICT (order_id) DO UPDATE SET key = excluded.key, \
     notification = excluded.notification, received_at = excluded.received_at, \
     processed_at = excluded.processed_at";
/// `FOR UPDATE`: a concurrent put of the same order waits for this one's transaction.
const SELECT_NOTIFICATION_OF_ORDER: &str = "SELECT key, notification::text AS notification, \
     received_at, processed_at FROM gmo_notifications WHERE order_id = $1 FOR UPDATE";
const SELECT_UNPROCESSED_NOTIFICATIONS: &str = "SELECT key, \
     notification::text AS notification, received_at, processed_at FROM gmo_notifications \
     WHERE processed_at IS NULL ORDER BY seq LIMIT $1";

/// `FOR UPDATE SKIP LOCKED`: concurrent lease takers pass over each other's rows instead of
/// waiting for them, and a row another taker has just leased is checked again and left out.
const LEASE_ORDERS: &str = crate::columns::lease_orders!(concat!(
    crate::columns::orders_to_lease!(),
    " FOR UPDATE SKIP LOCKED"
));

/// The compare-and-set (binds as [`columns::UPDATE_ORDER`]) and its events (`$31` ids, `$32`
/// order ids, `$33` JSON texts, `$34` times), inserted in the given order (their `seq`s) only
/// when the update moved the row: one statement, one transaction.
const UPDATE_ORDER_WITH_EVENTS: &str = concat!(
    "WITH moved AS (",
    crate::columns::update_order!(),
    " RETURNING 1) INSERT INTO gmo_events (id, order_id, event, created_at, due_at, attempts) \
     SELECT e.id, e.order_id, e.event::jsonb, e.at, e.at, 0 FROM moved, \
     unnest($31::text[], $32::text[], $33::text[], $34::timestamptz[]) \
     WITH ORDINALITY AS e(id, order_id, event, at, n) ORDER BY e.n"
);

/// Event leases skip each other's rows like order leases do.
const LEASE_EVENTS: &str = concat!(
    "UPDATE gmo_events SET lease_owner = $1, leased_until = $2 WHERE seq IN (",
    crate::columns::events_to_lease!(),
    " FOR UPDATE OF e SKIP LOCKED) RETURNING ",
    crate::columns::event_columns!("event::text")
);
/// The batch's seqs bound as one `BIGINT[]`.
const MARK_EVENTS_DELIVERED: &str = crate::columns::mark_events_delivered!("seq = ANY($1)");
const SELECT_EVENTS_AFTER: &str = concat!(
    "SELECT ",
    crate::columns::event_columns!("event::text"),
    " FROM gmo_events WHERE seq > $1 ORDER BY seq LIMIT $2"
);

/// A batch of seqs as [`MARK_EVENTS_DELIVERED`] binds it.
fn seq_list(seqs: Vec<i64>) -> Vec<i64> {
    seqs
}

/// Runs one migration and records it.
async fn apply(conn: &mut PgConnection, migration: &Migration) -> Result<(), MigrateError> {
    conn.execute(&*migration.sql)
        .await
        .map_err(|e| MigrateError::ExecuteMigration(e, migration.version))?;
    conn.execute(
        sqlx::query(
            "INSERT INTO gmo_migrations (version, description, checksum, applied_at) \
             VALUES ($1, $2, $3, now())",
        )
        .bind(migration.version)
        .bind(&*migration.description)
        .bind(&*migration.checksum),
    )
    .await?;
    Ok(())
}

/// Connections of the pool [`PostgresStore::connect`] makes. A checkout makes about ten short
/// statements, one after another; sqlx's default of 10 connections queued 64 concurrent
/// checkouts behind each other (363 checkouts/s against 547/s with 32 in one measurement, and
/// more of the shop's CPU spent waiting for a connection). Each instance of the app opens up to
/// this many: keep instances × 32 under PostgreSQL's `max_connections` (100 by default).
const POOL_SIZE: u32 = 32;

impl PostgresStore {
    /// A store on `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// PostgreSQL's writers need no queue: its row locks let them run side by side, each on a
    /// connection of the pool.
    async fn run_write<T, F>(&self, work: F) -> Result<T, sqlx::Error>
    where
        F: for<'c> FnOnce(&'c mut PgConnection) -> WriteFuture<'c, T>,
    {
        write_on(&self.pool, work).await
    }

    /// The same: every write of this store is atomic without help.
    async fn run_statement<T, F>(&self, work: F) -> Result<T, sqlx::Error>
    where
        F: for<'c> FnOnce(&'c mut PgConnection) -> WriteFuture<'c, T>,
    {
        write_on(&self.pool, work).await
    }

    /// The compare-and-set with its events: one statement (a data-modifying CTE), so that the
    /// change and its events commit together or not at all, in one round trip.
    async fn compare_and_set(
        &self,
        order: &Order,
        read_version: u64,
        events: &[PaymentEvent],
    ) -> Result<bool, StoreError> {
        let query = if events.is_empty() {
            sqlx::query(columns::UPDATE_ORDER)
        } else {
            sqlx::query(UPDATE_ORDER_WITH_EVENTS)
        };
        let mut query = columns::bind_order::<_, OffsetDateTime>(query, order)?
            .bind(columns::version_column(read_version)?);
        if !events.is_empty() {
            let mut ids = Vec::with_capacity(events.len());
            let mut order_ids = Vec::with_capacity(events.len());
            let mut jsons = Vec::with_capacity(events.len());
            let mut ats = Vec::with_capacity(events.len());
            for event in events {
                let row = columns::EventColumns::of(event)?;
                ids.push(row.id);
                order_ids.push(row.order_id);
                jsons.push(row.json);
                ats.push(row.at);
            }
            query = query.bind(ids).bind(order_ids).bind(jsons).bind(ats);
        }
        let done = query.execute(&self.pool).await.map_err(columns::driver)?;
        // Without events the UPDATE's count (0 or 1: a key); with them the INSERT's, which
        // inserts every event when the UPDATE moved the row and none when it did not.
        Ok(done.rows_affected() > 0)
    }

    /// A store on a new pool of 32 connections to `url`
    /// (`postgres://user:password@host/database`), sqlx's defaults otherwise. For another
    /// size, make the pool with `PgPoolOptions` and pass it to [`PostgresStore::new`].
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        Ok(Self::new(
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(POOL_SIZE)
                .connect(url)
                .await?,
        ))
    }

    /// The pool, for the app's own queries or for closing it.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Creates or updates the store's tables. Idempotent; app instances that run it together
    /// wait for each other (an advisory lock), and the whole migration is one transaction.
    pub async fn migrate(&self) -> Result<(), MigrateError> {
        // `Executor` methods (boxed futures) rather than `Query::execute` (generic ones) keep
        // this future `Send` for `tokio::spawn`.
        let mut tx = self.pool.begin().await?;
        let conn: &mut PgConnection = &mut tx;
        conn.execute(sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(MIGRATION_LOCK))
            .await?;
        conn.execute(CREATE_MIGRATIONS_TABLE).await?;
        let applied = conn
            .fetch_all("SELECT version, checksum FROM gmo_migrations")
            .await?
            .iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<Vec<(i64, Vec<u8>)>, sqlx::Error>>()?;
        for migration in migrations::pending(&migrations::POSTGRES, &applied)? {
            apply(conn, migration).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Runs `work` on a connection of `pool`.
pub(crate) async fn write_on<T, F>(pool: &PgPool, work: F) -> Result<T, sqlx::Error>
where
    F: for<'c> FnOnce(&'c mut PgConnection) -> WriteFuture<'c, T>,
{
    let mut conn = pool.acquire().await?;
    work(&mut conn).await
}

crate::payment_store::impl_payment_store!(PostgresStore, OffsetDateTime);

#[cfg(test)]
mod tests {
    use super::*;

    fn spawnable<T: Send + 'static>(_: T) {}

    #[test]
    fn migrate_can_be_spawned() {
        // A compile-time check: the future is `Send + 'static`, and never polled.
        let _ = |pool: PgPool| spawnable(async move { PostgresStore::new(pool).migrate().await });
    }
}
