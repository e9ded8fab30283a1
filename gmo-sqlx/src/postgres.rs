//! The PostgreSQL store.

use gmo_core::order::{CustomerId, Order, OrderState};
use gmo_core::store::{InboxEntry, Inserted, Member, PaymentStore, StoreError, Updated};
use gmo_core::types::{AccessId, OrderId};
use sqlx::migrate::{MigrateError, Migration};
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::{Executor, Row as _};
use time::OffsetDateTime;

use crate::columns::{self, InboxRow, MemberRow, OrderRow, driver, sql_limit, vanished};
use crate::compare_and_set::compare_and_set;
use crate::migrations;

/// A [`PaymentStore`] in PostgreSQL: one store for every app instance that shares the database.
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

const INSERT_NOTIFICATION: &str = "INSERT INTO gmo_notifications \
     (key, order_id, notification, received_at, processed_at) \
     VALUES ($1, $2, $3::jsonb, $4, $5) ON CONFLICT (key) DO NOTHING";
const SELECT_NOTIFICATION: &str = "SELECT key, notification::text AS notification, \
     received_at, processed_at FROM gmo_notifications WHERE key = $1";
const SELECT_UNPROCESSED_NOTIFICATIONS: &str = "SELECT key, \
     notification::text AS notification, received_at, processed_at FROM gmo_notifications \
     WHERE processed_at IS NULL ORDER BY seq LIMIT $1";

type Row = OrderRow<OffsetDateTime>;

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

impl PostgresStore {
    /// A store on `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// A store on a new pool with sqlx's default options, connected to `url`
    /// (`postgres://user:password@host/database`).
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        Ok(Self::new(PgPool::connect(url).await?))
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

    async fn inbox_entry(&self, key: &str) -> Result<Option<InboxEntry>, StoreError> {
        sqlx::query_as::<_, InboxRow<OffsetDateTime>>(SELECT_NOTIFICATION)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(driver)?
            .map(InboxRow::into_entry)
            .transpose()
    }
}

#[async_trait::async_trait]
impl PaymentStore for PostgresStore {
    async fn member(&self, customer: &CustomerId) -> Result<Option<Member>, StoreError> {
        sqlx::query_as::<_, MemberRow<OffsetDateTime>>(columns::SELECT_MEMBER)
            .bind(customer.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(driver)?
            .map(MemberRow::into_member)
            .transpose()
    }

    async fn insert_member(&self, member: &Member) -> Result<Inserted<Member>, StoreError> {
        let query =
            columns::bind_member::<_, OffsetDateTime>(sqlx::query(columns::INSERT_MEMBER), member)?;
        let done = query.execute(&self.pool).await.map_err(driver)?;
        if done.rows_affected() == 1 {
            return Ok(Inserted::Created);
        }
        match self.member(&member.customer_id).await? {
            Some(existing) => Ok(Inserted::Existing(existing)),
            None => Err(vanished("gmo_members")),
        }
    }

    async fn order(&self, order_id: &OrderId) -> Result<Option<Order>, StoreError> {
        sqlx::query_as::<_, Row>(columns::SELECT_ORDER)
            .bind(order_id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(driver)?
            .map(Row::into_order)
            .transpose()
    }

    async fn order_by_access_id(&self, access_id: &AccessId) -> Result<Option<Order>, StoreError> {
        sqlx::query_as::<_, Row>(columns::SELECT_ORDER_BY_ACCESS_ID)
            .bind(access_id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(driver)?
            .map(Row::into_order)
            .transpose()
    }

    async fn insert_order(&self, order: &Order) -> Result<Inserted<Order>, StoreError> {
        let query =
            columns::bind_order::<_, OffsetDateTime>(sqlx::query(columns::INSERT_ORDER), order)?;
        let done = query.execute(&self.pool).await.map_err(driver)?;
        if done.rows_affected() == 1 {
            return Ok(Inserted::Created);
        }
        match self.order(&order.order_id).await? {
            Some(existing) => Ok(Inserted::Existing(existing)),
            None => Err(vanished("gmo_orders")),
        }
    }

    async fn update_order(
        &self,
        order: &Order,
        expected: OrderState,
    ) -> Result<Updated, StoreError> {
        compare_and_set(self, order, expected, || async {
            let query = columns::bind_order::<_, OffsetDateTime>(
                sqlx::query(columns::UPDATE_ORDER),
                order,
            )?
            .bind(expected.as_str());
            let done = query.execute(&self.pool).await.map_err(driver)?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn orders_to_reconcile(
        &self,
        updated_before: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<Order>, StoreError> {
        sqlx::query_as::<_, Row>(columns::SELECT_ORDERS_TO_RECONCILE)
            .bind(updated_before)
            .bind(sql_limit(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(driver)?
            .into_iter()
            .map(Row::into_order)
            .collect()
    }

    async fn insert_notification(
        &self,
        entry: &InboxEntry,
    ) -> Result<Inserted<InboxEntry>, StoreError> {
        let query =
            columns::bind_entry::<_, OffsetDateTime>(sqlx::query(INSERT_NOTIFICATION), entry)?;
        let done = query.execute(&self.pool).await.map_err(driver)?;
        if done.rows_affected() == 1 {
            return Ok(Inserted::Created);
        }
        match self.inbox_entry(&entry.key).await? {
            Some(existing) => Ok(Inserted::Existing(existing)),
            None => Err(vanished("gmo_notifications")),
        }
    }

    async fn unprocessed_notifications(&self, limit: usize) -> Result<Vec<InboxEntry>, StoreError> {
        sqlx::query_as::<_, InboxRow<OffsetDateTime>>(SELECT_UNPROCESSED_NOTIFICATIONS)
            .bind(sql_limit(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(driver)?
            .into_iter()
            .map(InboxRow::into_entry)
            .collect()
    }

    async fn mark_notification_processed(
        &self,
        key: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query(columns::MARK_NOTIFICATION_PROCESSED)
            .bind(key)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(driver)?;
        Ok(())
    }
}

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
