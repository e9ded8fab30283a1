//! The shop's side of an order: what was bought, by whom. The payment side (amount, state) is
//! the payments store's. The book lives in memory, or in the payments store's database (tables
//! `shop_orders`, `shop_emails`, `shop_ready_to_ship`), so that a restarted shop, or another
//! instance, sees it.
//!
//! In a database the book uses the payments store's connections rather than a pool of its own:
//! on PostgreSQL the store's pool; on SQLite the store's pool for reads and the store's writer for
//! writes ([`SqliteStore::write`]), so that the book's inserts are committed in the same group
//! commits as the payment writes instead of contending with them for SQLite's one write lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use gmo_core::values::OrderId;
use gmo_sqlx::{PostgresStore, SqliteStore};
use sqlx::PgPool;
use sqlx::Row as _;

use crate::catalogue::{self, Line};
use crate::users;

/// One order's goods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopOrder {
    /// The payment order.
    pub order_id: OrderId,
    /// The buyer's user id.
    pub user_id: &'static str,
    /// What was bought.
    pub line: Line,
}

/// The order book could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("the shop's order book is unavailable: {0}")]
pub struct OrderBookError(#[from] sqlx::Error);

/// Every order's goods. Cheap to clone: clones share the book.
#[derive(Debug, Clone)]
pub struct OrderBook {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Memory(Arc<Mutex<Memory>>),
    Database(Database),
}

/// The payments store's database. One SQL text serves both: `$n` placeholders.
#[derive(Debug, Clone)]
enum Database {
    Postgres(PgPool),
    Sqlite(SqliteStore),
}

/// Runs `$body` with `$pool` bound to the database's pool (reads, and PostgreSQL's writes).
macro_rules! with_pool {
    ($database:expr, $pool:ident => $body:expr) => {
        match $database {
            Database::Postgres($pool) => $body,
            Database::Sqlite(store) => {
                let $pool = store.pool();
                $body
            }
        }
    };
}

#[derive(Debug, Default)]
struct Memory {
    orders: Vec<ShopOrder>,
    index: HashMap<String, usize>,
    emails: Vec<Email>,
    // The event ids of `emails`: a repeated event is found without a scan.
    email_events: std::collections::HashSet<String>,
    ready_to_ship: std::collections::HashSet<String>,
}

/// A message the shop sent a buyer (written to the book: the demo has no mail server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The payment event that made it: one message per event, however often it is handed over.
    pub event_id: String,
    /// The order.
    pub order_id: String,
    /// The buyer.
    pub user_id: String,
    /// Its subject line.
    pub subject: String,
}

const CREATE_TABLES: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS shop_orders (
    order_id   TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    product    TEXT NOT NULL,
    quantity   BIGINT NOT NULL,
    created_at BIGINT NOT NULL
)",
    "CREATE INDEX IF NOT EXISTS shop_orders_by_user ON shop_orders (user_id, created_at)",
    "CREATE TABLE IF NOT EXISTS shop_emails (
    event_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    subject  TEXT NOT NULL,
    sent_at  BIGINT NOT NULL
)",
    "CREATE TABLE IF NOT EXISTS shop_ready_to_ship (
    order_id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL
)",
];
const INSERT: &str = "INSERT INTO shop_orders (order_id, user_id, product, quantity, created_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (order_id) DO NOTHING";
const SELECT_ONE: &str =
    "SELECT order_id, user_id, product, quantity FROM shop_orders WHERE order_id = $1";
const SELECT_OF_USER: &str = "SELECT order_id, user_id, product, quantity FROM shop_orders \
     WHERE user_id = $1 ORDER BY created_at DESC";
const SELECT_ALL: &str =
    "SELECT order_id, user_id, product, quantity FROM shop_orders ORDER BY created_at DESC";
const INSERT_EMAIL: &str = "INSERT INTO shop_emails (event_id, order_id, user_id, subject, sent_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING";
const INSERT_READY: &str = "INSERT INTO shop_ready_to_ship (order_id, event_id) VALUES ($1, $2) \
     ON CONFLICT (order_id) DO NOTHING";
/// PostgreSQL: the message and the mark in one statement (one round trip, one commit); the mark
/// only if the message is new.
const INSERT_EMAIL_AND_READY: &str = "WITH sent AS (INSERT INTO shop_emails \
     (event_id, order_id, user_id, subject, sent_at) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (event_id) DO NOTHING RETURNING order_id, event_id) \
     INSERT INTO shop_ready_to_ship (order_id, event_id) SELECT order_id, event_id FROM sent \
     ON CONFLICT (order_id) DO NOTHING";
const SELECT_EMAILS: &str = "SELECT event_id, order_id, user_id, subject FROM shop_emails \
     ORDER BY sent_at DESC, event_id";
const SELECT_READY: &str = "SELECT order_id FROM shop_ready_to_ship WHERE order_id = $1";

impl Default for OrderBook {
    fn default() -> Self {
        Self::new()
    }
}

impl OrderBook {
    /// An empty book in memory: gone with the process.
    pub fn new() -> Self {
        Self {
            backend: Backend::Memory(Arc::default()),
        }
    }

    /// The book in the PostgreSQL database of `store`, on its pool; tables created if missing.
    pub async fn on_postgres(store: &PostgresStore) -> Result<Self, OrderBookError> {
        let pool = store.pool().clone();
        for create in CREATE_TABLES {
            sqlx::query(create).execute(&pool).await?;
        }
        Ok(Self {
            backend: Backend::Database(Database::Postgres(pool)),
        })
    }

    /// The book in the SQLite file of `store`, written through the store's writer; tables
    /// created if missing.
    pub async fn on_sqlite(store: &SqliteStore) -> Result<Self, OrderBookError> {
        store
            .write(|conn| {
                Box::pin(async move {
                    for create in CREATE_TABLES {
                        sqlx::query(create).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .await?;
        Ok(Self {
            backend: Backend::Database(Database::Sqlite(store.clone())),
        })
    }

    /// The transactions the SQLite store's writer committed (the payment writes and this
    /// book's, together), for the shop's metrics; `None` elsewhere.
    pub fn sqlite_commits(&self) -> Option<u64> {
        match &self.backend {
            Backend::Database(Database::Sqlite(store)) => Some(store.commits()),
            _ => None,
        }
    }

    /// Records an order, unless one is recorded under its id already (an owner's charge
    /// submitted twice): the first stays.
    pub async fn insert(&self, order: ShopOrder) -> Result<(), OrderBookError> {
        let database = match &self.backend {
            Backend::Memory(memory) => {
                let mut memory = memory.lock().unwrap_or_else(PoisonError::into_inner);
                if memory.index.contains_key(order.order_id.as_str()) {
                    return Ok(());
                }
                let at = memory.orders.len();
                memory.index.insert(order.order_id.as_str().to_owned(), at);
                memory.orders.push(order);
                return Ok(());
            }
            Backend::Database(database) => database,
        };
        // The same statement for either database (the query's type names its database).
        macro_rules! insert {
            () => {
                sqlx::query(INSERT)
                    .bind(order.order_id.as_str().to_owned())
                    .bind(order.user_id)
                    .bind(order.line.product.id)
                    .bind(i64::from(order.line.quantity))
                    .bind(now_micros())
            };
        }
        match database {
            Database::Postgres(pool) => {
                insert!().execute(pool).await?;
            }
            Database::Sqlite(store) => {
                let insert = insert!();
                store
                    .write(move |conn| {
                        Box::pin(async move {
                            insert.execute(&mut *conn).await?;
                            Ok(())
                        })
                    })
                    .await?;
            }
        }
        Ok(())
    }

    /// An order's goods.
    pub async fn get(&self, order_id: &str) -> Result<Option<ShopOrder>, OrderBookError> {
        match &self.backend {
            Backend::Memory(memory) => {
                let memory = memory.lock().unwrap_or_else(PoisonError::into_inner);
                let found = memory
                    .index
                    .get(order_id)
                    .and_then(|&at| memory.orders.get(at));
                Ok(found.cloned())
            }
            Backend::Database(database) => with_pool!(database, pool => {
                let row = sqlx::query(SELECT_ONE)
                    .bind(order_id)
                    .fetch_optional(pool)
                    .await?;
                Ok(row.as_ref().and_then(from_row))
            }),
        }
    }

    /// A user's orders, newest first.
    pub async fn of_user(&self, user_id: &str) -> Result<Vec<ShopOrder>, OrderBookError> {
        match &self.backend {
            Backend::Memory(_) => Ok(self
                .all()
                .await?
                .into_iter()
                .filter(|o| o.user_id == user_id)
                .collect()),
            Backend::Database(database) => with_pool!(database, pool => {
                let rows = sqlx::query(SELECT_OF_USER).bind(user_id).fetch_all(pool).await?;
                Ok(rows.iter().filter_map(from_row).collect())
            }),
        }
    }

    /// Every order, newest first.
    pub async fn all(&self) -> Result<Vec<ShopOrder>, OrderBookError> {
        match &self.backend {
            Backend::Memory(memory) => {
                let memory = memory.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(memory.orders.iter().rev().cloned().collect())
            }
            Backend::Database(database) => with_pool!(database, pool => {
                let rows = sqlx::query(SELECT_ALL).fetch_all(pool).await?;
                Ok(rows.iter().filter_map(from_row).collect())
            }),
        }
    }
}

impl OrderBook {
    /// Sends the buyer the confirmation of a paid order and marks it ready to ship, once per
    /// payment event (`event_id`): a second hand-over of the same event changes nothing. Both
    /// or neither are written.
    pub async fn confirm_paid(&self, email: Email) -> Result<(), OrderBookError> {
        let database = match &self.backend {
            Backend::Memory(memory) => {
                let mut memory = memory.lock().unwrap_or_else(PoisonError::into_inner);
                if !memory.email_events.insert(email.event_id.clone()) {
                    return Ok(());
                }
                memory.ready_to_ship.insert(email.order_id.clone());
                memory.emails.push(email);
                return Ok(());
            }
            Backend::Database(database) => database,
        };
        // The message's columns, for either database (the query's type names its database).
        macro_rules! insert {
            ($sql:expr) => {
                sqlx::query($sql)
                    .bind(email.event_id.clone())
                    .bind(email.order_id.clone())
                    .bind(email.user_id.clone())
                    .bind(email.subject.clone())
                    .bind(now_micros())
            };
        }
        match database {
            Database::Postgres(pool) => {
                insert!(INSERT_EMAIL_AND_READY).execute(pool).await?;
            }
            Database::Sqlite(store) => {
                // SQLite has no INSERT in a WITH: two statements in one write of the store's
                // writer, which commits both or neither.
                let send = insert!(INSERT_EMAIL);
                let ready = sqlx::query(INSERT_READY)
                    .bind(email.order_id.clone())
                    .bind(email.event_id.clone());
                store
                    .write(move |conn| {
                        Box::pin(async move {
                            if send.execute(&mut *conn).await?.rows_affected() == 1 {
                                ready.execute(&mut *conn).await?;
                            }
                            Ok(())
                        })
                    })
                    .await?;
            }
        }
        Ok(())
    }

    /// Every message sent, newest first.
    pub async fn emails(&self) -> Result<Vec<Email>, OrderBookError> {
        match &self.backend {
            Backend::Memory(memory) => {
                let memory = memory.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(memory.emails.iter().rev().cloned().collect())
            }
            Backend::Database(database) => with_pool!(database, pool => {
                let rows = sqlx::query(SELECT_EMAILS).fetch_all(pool).await?;
                rows.iter()
                    .map(|row| {
                        Ok(Email {
                            event_id: row.try_get("event_id")?,
                            order_id: row.try_get("order_id")?,
                            user_id: row.try_get("user_id")?,
                            subject: row.try_get("subject")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(OrderBookError::from)
            }),
        }
    }

    /// Whether the order is paid and handed to the warehouse.
    pub async fn is_ready_to_ship(&self, order_id: &str) -> Result<bool, OrderBookError> {
        match &self.backend {
            Backend::Memory(memory) => Ok(memory
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .ready_to_ship
                .contains(order_id)),
            Backend::Database(database) => with_pool!(database, pool => {
                let row = sqlx::query(SELECT_READY)
                    .bind(order_id)
                    .fetch_optional(pool)
                    .await?;
                Ok(row.is_some())
            }),
        }
    }
}

/// Now, in unix microseconds.
fn now_micros() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

/// A stored row, or `None` for a row this shop cannot read (a user or product it no longer
/// has): the order stays in the payments store, only its goods are not shown.
fn from_row<R: sqlx::Row>(row: &R) -> Option<ShopOrder>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'static str: sqlx::ColumnIndex<R>,
{
    let read = || -> Result<Option<ShopOrder>, sqlx::Error> {
        let order_id: String = row.try_get("order_id")?;
        let user_id: String = row.try_get("user_id")?;
        let product: String = row.try_get("product")?;
        let quantity: i64 = row.try_get("quantity")?;
        Ok((|| {
            Some(ShopOrder {
                order_id: OrderId::new(order_id).ok()?,
                user_id: users::user(&user_id)?.id,
                line: Line {
                    product: catalogue::product(&product)?,
                    quantity: u32::try_from(quantity).ok()?,
                },
            })
        })())
    };
    match read() {
        Ok(Some(order)) => Some(order),
        Ok(None) | Err(_) => {
            tracing::warn!("a shop_orders row cannot be read; skipped");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: &str, user: &'static str, product: &str, quantity: u32) -> ShopOrder {
        ShopOrder {
            order_id: OrderId::new(id).unwrap(),
            user_id: user,
            line: Line {
                product: catalogue::product(product).unwrap(),
                quantity,
            },
        }
    }

    async fn keeps_orders_newest_first(book: &OrderBook) {
        let first = order("o-1", "alice", "matcha", 2);
        let second = order("o-2", "bob", "matcha", 1);
        let third = order("o-3", "alice", "matcha", 3);
        for o in [&first, &second, &third] {
            book.insert(o.clone()).await.unwrap();
            // Distinct timestamps: the database orders by them.
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        assert_eq!(book.get("o-2").await.unwrap(), Some(second.clone()));
        assert_eq!(book.get("o-9").await.unwrap(), None);
        assert_eq!(
            book.of_user("alice").await.unwrap(),
            [third.clone(), first.clone()]
        );
        assert_eq!(book.all().await.unwrap(), [third, second, first]);
    }

    fn email(event_id: &str, order_id: &str) -> Email {
        Email {
            event_id: event_id.to_owned(),
            order_id: order_id.to_owned(),
            user_id: "alice".to_owned(),
            subject: format!("Thank you for your order {order_id}"),
        }
    }

    /// One message per event, the order ready to ship once, whichever event comes first.
    async fn confirms_each_event_once(book: &OrderBook) {
        assert!(!book.is_ready_to_ship("o-1").await.unwrap());
        book.confirm_paid(email("ev-1", "o-1")).await.unwrap();
        book.confirm_paid(email("ev-1", "o-1")).await.unwrap();
        assert!(book.is_ready_to_ship("o-1").await.unwrap());
        assert_eq!(book.emails().await.unwrap(), [email("ev-1", "o-1")]);
        // Another event of the same order (a later payment event): its own message, still
        // one mark.
        book.confirm_paid(email("ev-2", "o-1")).await.unwrap();
        assert_eq!(book.emails().await.unwrap().len(), 2);
        assert!(book.is_ready_to_ship("o-1").await.unwrap());
        assert!(!book.is_ready_to_ship("o-2").await.unwrap());
    }

    #[tokio::test]
    async fn in_memory() {
        confirms_each_event_once(&OrderBook::new()).await;
        keeps_orders_newest_first(&OrderBook::new()).await;
    }

    #[tokio::test]
    async fn in_a_sqlite_file_across_reopening() {
        let dir = std::env::temp_dir().join(format!("shop-orders-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/orders.db?mode=rwc", dir.display());
        let store = SqliteStore::connect(&url).await.unwrap();
        let book = OrderBook::on_sqlite(&store).await.unwrap();
        let commits = store.commits();
        keeps_orders_newest_first(&book).await;
        confirms_each_event_once(&book).await;
        // Every write of the book went through the payments store's writer.
        assert!(store.commits() >= commits + 3, "{}", store.commits());
        assert_eq!(book.sqlite_commits(), Some(store.commits()));
        store.pool().close().await;
        let reopened = OrderBook::on_sqlite(&SqliteStore::connect(&url).await.unwrap())
            .await
            .unwrap();
        assert_eq!(reopened.all().await.unwrap().len(), 3);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// On PostgreSQL (with `GMO_TEST_DATABASE_URL`), in a schema of its own: the paid-order
    /// message and its mark are one statement.
    #[tokio::test]
    async fn in_postgres_on_the_store_s_pool() {
        let Ok(url) = std::env::var("GMO_TEST_DATABASE_URL") else {
            eprintln!("GMO_TEST_DATABASE_URL unset: skipped");
            return;
        };
        let schema = format!("shop_book_{}", std::process::id());
        let admin = PgPool::connect(&url).await.unwrap();
        sqlx::raw_sql(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .execute(&admin)
        .await
        .unwrap();
        let sep = if url.contains('?') { '&' } else { '?' };
        let store = PostgresStore::connect(&format!("{url}{sep}options=-csearch_path%3D{schema}"))
            .await
            .unwrap();
        let book = OrderBook::on_postgres(&store).await.unwrap();
        assert_eq!(book.sqlite_commits(), None);
        keeps_orders_newest_first(&book).await;
        confirms_each_event_once(&book).await;
        store.pool().close().await;
        sqlx::raw_sql(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&admin)
            .await
            .unwrap();
    }
}
