//! Where the shop keeps its data: the payments store, the order book, the card-testing
//! throttle's counts and the sessions, together in one database (SQLite by default, PostgreSQL for several instances) or in memory.

use std::path::PathBuf;
use std::sync::Arc;

use gmo_core::guard::{MemoryThrottleStore, ThrottleConfig, ThrottleStore};
use gmo_core::store::{MemoryStore, PaymentStore};
use gmo_sqlx::{PostgresStore, PostgresThrottleStore, SqliteStore, SqliteThrottleStore};

use crate::orders::{OrderBook, OrderBookError};
use crate::session_db::SessionDb;

/// The database file's name in the data directory.
pub const SQLITE_FILE: &str = "shop.db";

/// Where the shop keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Storage {
    /// In memory: gone with the process.
    Memory,
    /// A SQLite file (the default: `data/shop.db`). One process at a time.
    Sqlite(PathBuf),
    /// A PostgreSQL database, by URL: shared by any number of shop instances.
    Postgres(String),
}

/// The storage could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The data directory could not be created.
    #[error("the data directory {0} could not be created: {1}")]
    DataDir(PathBuf, std::io::Error),
    /// The database is unreachable or refused the connection.
    #[error("the database could not be opened: {0}")]
    Connect(#[from] sqlx::Error),
    /// The payment tables could not be migrated.
    #[error("the payment tables could not be migrated: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The order book could not be opened.
    #[error(transparent)]
    OrderBook(#[from] OrderBookError),
}

/// The opened storage.
pub struct OpenStorage {
    /// The payments store.
    pub payments: Arc<dyn PaymentStore>,
    /// The shop's order book.
    pub orders: OrderBook,
    /// The card-testing throttle's counts: in the database, so that instances sharing it share
    /// the limits (in memory with `memory` storage).
    pub throttle: Arc<dyn ThrottleStore>,
    /// Where the sessions live (in memory with `memory` storage).
    pub sessions: SessionDb,
}

impl std::fmt::Debug for OpenStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenStorage")
            .field("orders", &self.orders)
            .finish_non_exhaustive()
    }
}

impl Storage {
    /// Opens the storage: creates the data directory, the database and its tables if missing.
    pub async fn open(&self) -> Result<OpenStorage, StorageError> {
        match self {
            Storage::Memory => Ok(OpenStorage {
                payments: Arc::new(MemoryStore::new()),
                orders: OrderBook::new(),
                throttle: Arc::new(MemoryThrottleStore::new(ThrottleConfig::default().max_keys)),
                sessions: SessionDb::in_memory(),
            }),
            Storage::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| StorageError::DataDir(dir.to_owned(), e))?;
                }
                let url = format!("sqlite://{}", path.display());
                let store = SqliteStore::connect(&url).await?;
                store.migrate().await?;
                Ok(OpenStorage {
                    throttle: Arc::new(SqliteThrottleStore::from_store(&store)),
                    sessions: SessionDb::Sqlite(store.clone()),
                    orders: OrderBook::on_sqlite(&store).await?,
                    payments: Arc::new(store),
                })
            }
            Storage::Postgres(url) => {
                let store = PostgresStore::connect(url).await?;
                store.migrate().await?;
                Ok(OpenStorage {
                    throttle: Arc::new(PostgresThrottleStore::from_store(&store)),
                    sessions: SessionDb::Postgres(store.pool().clone()),
                    orders: OrderBook::on_postgres(&store).await?,
                    payments: Arc::new(store),
                })
            }
        }
    }

    /// Where the data is, for the start-up message (a PostgreSQL URL without its password).
    pub fn describe(&self) -> String {
        match self {
            Storage::Memory => "memory (gone when the shop stops)".to_owned(),
            Storage::Sqlite(path) => format!("SQLite file {}", path.display()),
            Storage::Postgres(url) => {
                let shown = match url.split_once('@') {
                    Some((_, host)) => format!("postgres://…@{host}"),
                    None => url.clone(),
                };
                format!("PostgreSQL {shown}")
            }
        }
    }
}
