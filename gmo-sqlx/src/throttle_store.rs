//! The card-testing throttle's counts in the database: [`ThrottleStore`]s that app instances
//! share, so that the throttle's limits, locks and admin unlocks hold across them.
//!
//! Table `gmo_throttle_events` (migration 0003, applied by the payment store's `migrate`): one
//! row per counted event. Each admission is one transaction that locks the keys it counts
//! against (SQLite: a savepoint in the store writer's batch, whose `BEGIN IMMEDIATE` holds the
//! whole file; PostgreSQL: a transaction-scoped advisory lock per key, taken in a fixed order),
//! reads their windows, lets the throttle decide, and
//! inserts the new events: of any number of concurrent attempts on any number of instances,
//! exactly the limit are admitted. Expired events of a scope are deleted as admissions go.

use gmo_core::guard::{
    Decide, EventQuery, Scope, ThrottleEvent, ThrottleStore, ThrottleStoreError, Throttled,
};

fn store_error(e: sqlx::Error) -> ThrottleStoreError {
    ThrottleStoreError(Box::new(e))
}

const SELECT_EVENTS: &str = "SELECT subject, at_ms, pending FROM gmo_throttle_events \
     WHERE scope = $1 AND key = $2 AND at_ms > $3 ORDER BY at_ms, id";
const DELETE_EXPIRED: &str = "DELETE FROM gmo_throttle_events WHERE scope = $1 AND at_ms <= $2";
const INSERT_EVENT: &str = "INSERT INTO gmo_throttle_events (scope, key, subject, at_ms, pending) \
     VALUES ($1, $2, $3, $4, $5) RETURNING id";
const FAIL_EVENT: &str = "UPDATE gmo_throttle_events SET pending = $1, at_ms = $2 WHERE id = $3";
const DELETE_EVENT: &str = "DELETE FROM gmo_throttle_events WHERE id = $1";
const DELETE_KEY: &str = "DELETE FROM gmo_throttle_events WHERE scope = $1 AND key = $2";
const SELECT_SCOPE: &str = "SELECT key, subject, at_ms, pending FROM gmo_throttle_events \
     WHERE scope = $1 AND at_ms > $2 ORDER BY key, at_ms, id";

/// The `ThrottleStore` methods of `$store` over its connection type `$conn`; the store brings
/// `pool` (for reads), `run_write` and `run_statement` (where its writes run: SQLite's group
/// commit, or a PostgreSQL connection; see `impl_payment_store!`) and `admit_locked` (an admission, atomic, under the backend's locks
/// on its keys).
macro_rules! impl_throttle_store {
    ($store:ty, $conn:ty) => {
        impl $store {
            async fn read(
                conn: &mut $conn,
                query: &EventQuery,
            ) -> Result<Vec<ThrottleEvent>, sqlx::Error> {
                use sqlx::{Executor as _, Row as _};
                conn.fetch_all(
                    sqlx::query(SELECT_EVENTS)
                        .bind(query.scope.as_str())
                        .bind(&query.key)
                        .bind(query.since_ms),
                )
                .await?
                .iter()
                .map(|row| {
                    Ok(ThrottleEvent {
                        subject: row.try_get(0)?,
                        at_ms: row.try_get(1)?,
                        pending: row.try_get(2)?,
                    })
                })
                .collect()
            }

            /// An admission's first half: drops the keys' expired events and reads the rest.
            async fn windows(
                conn: &mut $conn,
                keys: &[EventQuery],
            ) -> Result<Vec<Vec<ThrottleEvent>>, sqlx::Error> {
                use sqlx::Executor as _;
                let mut events = Vec::with_capacity(keys.len());
                for query in keys {
                    conn.execute(
                        sqlx::query(DELETE_EXPIRED)
                            .bind(query.scope.as_str())
                            .bind(query.since_ms),
                    )
                    .await?;
                    events.push(Self::read(conn, query).await?);
                }
                Ok(events)
            }

            /// An admission's second half, once admitted: adds `event` to every key.
            async fn add(
                conn: &mut $conn,
                keys: &[EventQuery],
                event: &ThrottleEvent,
            ) -> Result<Vec<i64>, sqlx::Error> {
                use sqlx::{Executor as _, Row as _};
                let mut ids = Vec::with_capacity(keys.len());
                for query in keys {
                    let row = conn
                        .fetch_one(
                            sqlx::query(INSERT_EVENT)
                                .bind(query.scope.as_str())
                                .bind(&query.key)
                                .bind(event.subject.as_deref())
                                .bind(event.at_ms)
                                .bind(event.pending),
                        )
                        .await?;
                    ids.push(row.try_get(0)?);
                }
                Ok(ids)
            }
        }

        #[async_trait::async_trait]
        impl ThrottleStore for $store {
            async fn admit(
                &self,
                keys: &[EventQuery],
                event: &ThrottleEvent,
                decide: &Decide<'_>,
            ) -> Result<Result<Vec<i64>, Throttled>, ThrottleStoreError> {
                self.admit_locked(keys, event, decide)
                    .await
                    .map_err(store_error)
            }

            async fn events(
                &self,
                keys: &[EventQuery],
            ) -> Result<Vec<Vec<ThrottleEvent>>, ThrottleStoreError> {
                let mut conn = self.pool.acquire().await.map_err(store_error)?;
                let mut events = Vec::with_capacity(keys.len());
                for query in keys {
                    events.push(Self::read(&mut conn, query).await.map_err(store_error)?);
                }
                Ok(events)
            }

            async fn settle(
                &self,
                ids: &[i64],
                failed: bool,
                now_ms: i64,
            ) -> Result<(), ThrottleStoreError> {
                use sqlx::Executor as _;
                let ids = ids.to_vec();
                self.run_write(move |conn| {
                    Box::pin(async move {
                        for id in ids {
                            let query = if failed {
                                sqlx::query(FAIL_EVENT).bind(false).bind(now_ms).bind(id)
                            } else {
                                sqlx::query(DELETE_EVENT).bind(id)
                            };
                            conn.execute(query).await?;
                        }
                        Ok(())
                    })
                })
                .await
                .map_err(store_error)
            }

            async fn remove(&self, scope: Scope, key: &str) -> Result<bool, ThrottleStoreError> {
                use sqlx::Executor as _;
                let query = sqlx::query(DELETE_KEY)
                    .bind(scope.as_str())
                    .bind(key.to_owned());
                let done = self
                    .run_statement(move |conn| Box::pin(async move { conn.execute(query).await }))
                    .await
                    .map_err(store_error)?;
                Ok(done.rows_affected() > 0)
            }

            async fn keys(
                &self,
                scope: Scope,
                since_ms: i64,
            ) -> Result<Vec<(String, Vec<ThrottleEvent>)>, ThrottleStoreError> {
                use sqlx::{Executor as _, Row as _};
                let rows = self
                    .pool
                    .fetch_all(
                        sqlx::query(SELECT_SCOPE)
                            .bind(scope.as_str())
                            .bind(since_ms),
                    )
                    .await
                    .map_err(store_error)?;
                let mut keys: Vec<(String, Vec<ThrottleEvent>)> = Vec::new();
                for row in &rows {
                    let key: String = row.try_get(0).map_err(store_error)?;
                    let event = ThrottleEvent {
                        subject: row.try_get(1).map_err(store_error)?,
                        at_ms: row.try_get(2).map_err(store_error)?,
                        pending: row.try_get(3).map_err(store_error)?,
                    };
                    match keys.last_mut() {
                        Some((last, events)) if *last == key => events.push(event),
                        _ => keys.push((key, vec![event])),
                    }
                }
                Ok(keys)
            }
        }
    };
}

#[cfg(feature = "sqlite")]
pub use sqlite::SqliteThrottleStore;

#[cfg(feature = "sqlite")]
mod sqlite {
    use sqlx::sqlite::{SqliteConnection, SqlitePool};
    use tokio::sync::oneshot;

    use super::*;
    use crate::{SqliteStore, WriteFuture};

    /// The throttle's counts in an SQLite database: shared by the app processes on one server
    /// that use the same file. Its table comes with [`SqliteStore::migrate`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = std::env::temp_dir().join(format!("gmo-sqlx-throttle-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let url = format!("sqlite://{}", dir.join("shop.db").display());
    /// use std::sync::Arc;
    /// use gmo_core::guard::{CardTestingThrottle, SystemClock, ThrottleConfig};
    /// use gmo_sqlx::{SqliteStore, SqliteThrottleStore};
    ///
    /// let store = SqliteStore::connect(&url).await?;
    /// store.migrate().await?;
    /// let throttle = CardTestingThrottle::with_store(
    ///     ThrottleConfig::default(),
    ///     Arc::new(SqliteThrottleStore::from_store(&store)),
    ///     Arc::new(SystemClock),
    /// );
    /// assert!(throttle.check_attempt(Some("member-1"), None).await.is_ok());
    /// # store.pool().close().await;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    #[derive(Debug, Clone)]
    pub struct SqliteThrottleStore {
        pool: SqlitePool,
        // Its writes go through the payment store's writer (see `SqliteStore`): in its group
        // commits, never contending with it for the file's write lock.
        store: SqliteStore,
    }

    impl SqliteThrottleStore {
        /// A store on `pool` (made with [`SqliteStore::recommended_options`]), with a writer of
        /// its own. Prefer [`SqliteThrottleStore::from_store`]: two writers in one process
        /// contend for the file's write lock.
        pub fn new(pool: SqlitePool) -> Self {
            Self::from_store(&SqliteStore::new(pool))
        }

        /// A store on the payment store's pool, writing through its writer (its group commits).
        pub fn from_store(store: &SqliteStore) -> Self {
            Self {
                pool: store.pool().clone(),
                store: store.clone(),
            }
        }

        async fn run_write<T, F>(&self, work: F) -> Result<T, sqlx::Error>
        where
            T: Send + 'static,
            F: for<'c> FnOnce(&'c mut SqliteConnection) -> WriteFuture<'c, T> + Send + 'static,
        {
            self.store.write(work).await
        }

        async fn run_statement<T, F>(&self, work: F) -> Result<T, sqlx::Error>
        where
            T: Send + 'static,
            F: for<'c> FnOnce(&'c mut SqliteConnection) -> WriteFuture<'c, T> + Send + 'static,
        {
            self.store.run_statement(work).await
        }

        /// An admission in the writer: the batch's transaction holds the file's write lock
        /// (`BEGIN IMMEDIATE`) from the read of the windows to the insert of the new events.
        /// `decide` borrows from the caller, so it runs here, in the caller's task, on the
        /// windows the write sends back, and its verdict goes back to the write.
        async fn admit_locked(
            &self,
            keys: &[EventQuery],
            event: &ThrottleEvent,
            decide: &Decide<'_>,
        ) -> Result<Result<Vec<i64>, Throttled>, sqlx::Error> {
            let (windows_tx, windows_rx) = oneshot::channel::<Vec<Vec<ThrottleEvent>>>();
            let (verdict_tx, verdict_rx) = oneshot::channel::<Result<(), Throttled>>();
            let (keys, event) = (keys.to_vec(), event.clone());
            let write = self.run_write(move |conn| {
                Box::pin(async move {
                    let windows = Self::windows(conn, &keys).await?;
                    // The caller gone (its future dropped) answers nothing: nothing is added.
                    windows_tx
                        .send(windows)
                        .map_err(|_| sqlx::Error::WorkerCrashed)?;
                    match verdict_rx.await {
                        Ok(Ok(())) => Ok(Ok(Self::add(conn, &keys, &event).await?)),
                        Ok(Err(throttled)) => Ok(Err(throttled)),
                        Err(_) => Err(sqlx::Error::WorkerCrashed),
                    }
                })
            });
            let decision = async move {
                // No windows: the write failed before reading them, and answers why.
                if let Ok(windows) = windows_rx.await {
                    let _ = verdict_tx.send(decide(&windows));
                }
            };
            let (answer, ()) = tokio::join!(write, decision);
            answer
        }
    }

    impl_throttle_store!(SqliteThrottleStore, SqliteConnection);
}

#[cfg(feature = "postgres")]
pub use postgres::PostgresThrottleStore;

#[cfg(feature = "postgres")]
mod postgres {
    use sqlx::postgres::{PgConnection, PgPool};
    use sqlx::{Executor as _, Postgres, Transaction};

    use super::*;
    use crate::{PostgresStore, WriteFuture};

    /// The throttle's counts in PostgreSQL: shared by every app instance on the database. Its
    /// table comes with [`PostgresStore::migrate`].
    #[derive(Debug, Clone)]
    pub struct PostgresThrottleStore {
        pool: PgPool,
    }

    impl PostgresThrottleStore {
        /// A store on `pool`.
        pub fn new(pool: PgPool) -> Self {
            Self { pool }
        }

        /// A store on the payment store's pool.
        pub fn from_store(store: &PostgresStore) -> Self {
            Self::new(store.pool().clone())
        }

        /// PostgreSQL needs no queue: the advisory locks order the writers of each key.
        async fn run_write<T, F>(&self, work: F) -> Result<T, sqlx::Error>
        where
            F: for<'c> FnOnce(&'c mut PgConnection) -> WriteFuture<'c, T>,
        {
            crate::postgres::write_on(&self.pool, work).await
        }

        async fn run_statement<T, F>(&self, work: F) -> Result<T, sqlx::Error>
        where
            F: for<'c> FnOnce(&'c mut PgConnection) -> WriteFuture<'c, T>,
        {
            crate::postgres::write_on(&self.pool, work).await
        }

        /// An admission in one transaction holding the keys' advisory locks.
        async fn admit_locked(
            &self,
            keys: &[EventQuery],
            event: &ThrottleEvent,
            decide: &Decide<'_>,
        ) -> Result<Result<Vec<i64>, Throttled>, sqlx::Error> {
            let mut tx = self.begin(keys).await?;
            let windows = Self::windows(&mut tx, keys).await?;
            let answer = match decide(&windows) {
                Ok(()) => Ok(Self::add(&mut tx, keys, event).await?),
                Err(throttled) => Err(throttled),
            };
            tx.commit().await?;
            Ok(answer)
        }

        /// A transaction holding an advisory lock per key, taken in one order by every instance
        /// (so that two admissions on the same keys never wait for each other in a cycle).
        async fn begin(
            &self,
            keys: &[EventQuery],
        ) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
            let mut names: Vec<String> = keys
                .iter()
                .map(|q| format!("gmo-throttle:{}:{}", q.scope.as_str(), q.key))
                .collect();
            names.sort();
            names.dedup();
            let mut tx = self.pool.begin().await?;
            for name in &names {
                tx.execute(
                    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").bind(name),
                )
                .await?;
            }
            Ok(tx)
        }
    }

    impl_throttle_store!(PostgresThrottleStore, PgConnection);
}
