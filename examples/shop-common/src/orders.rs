//! The shop's side of an order: what was bought, by whom. The payment side (amount, state) is
//! the payments store's. The book lives in memory, or in the shop's database beside the payment
//! tables (table `shop_orders`), so that a restarted shop, or another instance, sees it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use gmo_core::types::OrderId;
use sqlx::AnyPool;
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
    // One SQL text serves PostgreSQL and SQLite: sqlx's `Any` driver, `$n` placeholders.
    Database(AnyPool),
}

#[derive(Debug, Default)]
struct Memory {
    orders: Vec<ShopOrder>,
    index: HashMap<String, usize>,
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS shop_orders (
    order_id   TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    product    TEXT NOT NULL,
    quantity   BIGINT NOT NULL,
    created_at BIGINT NOT NULL
)";
const CREATE_USER_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS shop_orders_by_user ON shop_orders (user_id, created_at)";
const INSERT: &str = "INSERT INTO shop_orders (order_id, user_id, product, quantity, created_at) \
     VALUES ($1, $2, $3, $4, $5)";
const COLUMNS: &str = "SELECT order_id, user_id, product, quantity FROM shop_orders";

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

    /// The book in the database at `url` (`postgres://…` or `sqlite://…`), its table created if
    /// missing.
    pub async fn connect(url: &str) -> Result<Self, OrderBookError> {
        sqlx::any::install_default_drivers();
        let pool = AnyPool::connect(url).await?;
        sqlx::query(CREATE_TABLE).execute(&pool).await?;
        sqlx::query(CREATE_USER_INDEX).execute(&pool).await?;
        Ok(Self {
            backend: Backend::Database(pool),
        })
    }

    /// Records an order.
    pub async fn insert(&self, order: ShopOrder) -> Result<(), OrderBookError> {
        match &self.backend {
            Backend::Memory(memory) => {
                let mut memory = memory.lock().unwrap_or_else(PoisonError::into_inner);
                let at = memory.orders.len();
                memory.index.insert(order.order_id.as_str().to_owned(), at);
                memory.orders.push(order);
            }
            Backend::Database(pool) => {
                let now = time::OffsetDateTime::now_utc();
                let micros = i64::try_from(now.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX);
                sqlx::query(INSERT)
                    .bind(order.order_id.as_str())
                    .bind(order.user_id)
                    .bind(order.line.product.id)
                    .bind(i64::from(order.line.quantity))
                    .bind(micros)
                    .execute(pool)
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
            Backend::Database(pool) => {
                let row = sqlx::query(&format!("{COLUMNS} WHERE order_id = $1"))
                    .bind(order_id)
                    .fetch_optional(pool)
                    .await?;
                Ok(row.and_then(|row| from_row(&row)))
            }
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
            Backend::Database(pool) => {
                let query = format!("{COLUMNS} WHERE user_id = $1 ORDER BY created_at DESC");
                let rows = sqlx::query(&query).bind(user_id).fetch_all(pool).await?;
                Ok(rows.iter().filter_map(from_row).collect())
            }
        }
    }

    /// Every order, newest first.
    pub async fn all(&self) -> Result<Vec<ShopOrder>, OrderBookError> {
        match &self.backend {
            Backend::Memory(memory) => {
                let memory = memory.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(memory.orders.iter().rev().cloned().collect())
            }
            Backend::Database(pool) => {
                let query = format!("{COLUMNS} ORDER BY created_at DESC");
                let rows = sqlx::query(&query).fetch_all(pool).await?;
                Ok(rows.iter().filter_map(from_row).collect())
            }
        }
    }
}

/// A stored row, or `None` for a row this shop cannot read (a user or product it no longer
/// has): the order stays in the payments store, only its goods are not shown.
fn from_row(row: &sqlx::any::AnyRow) -> Option<ShopOrder> {
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

    #[tokio::test]
    async fn in_memory() {
        keeps_orders_newest_first(&OrderBook::new()).await;
    }

    #[tokio::test]
    async fn in_a_sqlite_file_across_reopening() {
        let dir = std::env::temp_dir().join(format!("shop-orders-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/orders.db?mode=rwc", dir.display());
        keeps_orders_newest_first(&OrderBook::connect(&url).await.unwrap()).await;
        let reopened = OrderBook::connect(&url).await.unwrap();
        assert_eq!(reopened.all().await.unwrap().len(), 3);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
