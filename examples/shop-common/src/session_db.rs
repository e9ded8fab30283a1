//! Where the shop's sessions live: a table in the shop's own database (SQLite or PostgreSQL),
//! so that every instance on that database sees every session. The session crates (axum-shop's
//! `tower-sessions` store, actix-shop's `actix-session` store) keep their rows there; expired
//! rows are deleted by a periodic task, so the table stays as small as the sessions alive.
//!
//! With `memory` storage the sessions are in an in-memory SQLite database of one connection:
//! gone with the process, like everything else there.

use std::time::Duration;

use sqlx::postgres::PgPool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

/// The database the sessions live in. Cheap to clone: clones share the pool.
#[derive(Debug, Clone)]
pub enum SessionDb {
    /// A SQLite database: the shop's file, or one in memory.
    Sqlite(SqlitePool),
    /// The shop's PostgreSQL database.
    Postgres(PgPool),
}

impl SessionDb {
    /// A new SQLite database in memory, on one connection that is never closed (an in-memory
    /// database lives as long as its connection).
    pub async fn in_memory() -> Result<Self, sqlx::Error> {
        let pool = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(SqliteConnectOptions::new().in_memory(true))
            .await?;
        Ok(Self::Sqlite(pool))
    }
}

/// How long sessions live (`SHOP_SESSION_IDLE_SECS`, `SHOP_SESSION_MAX_SECS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetime {
    /// A session unused this long is over (default 30 minutes).
    pub idle: Duration,
    /// A session this old is over, however busy (default 12 hours).
    pub max_age: Duration,
}

impl SessionLifetime {
    /// How stale a session's "last used" mark may get before a request renews it: renewing
    /// is a write, so a busy session is written at most once a minute (and its idle limit is
    /// kept to within that minute).
    pub const RENEW_AFTER: Duration = Duration::from_secs(60);
}

impl Default for SessionLifetime {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(30 * 60),
            max_age: Duration::from_secs(12 * 60 * 60),
        }
    }
}
