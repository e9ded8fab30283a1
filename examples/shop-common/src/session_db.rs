//! Where the shop's sessions live: a table in the shop's own database (SQLite or PostgreSQL),
//! so that every instance on that database sees every session. The session crates (axum-shop's
//! `tower-sessions` store, actix-shop's `actix-session` store) keep their rows there; expired
//! rows are deleted by a periodic task, so the table stays as small as the sessions alive.
//!
//! With `memory` storage the sessions are rows in this process's memory ([`MemorySessions`]):
//! gone with the process, like everything else there.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use gmo_sqlx::SqliteStore;
use sqlx::postgres::PgPool;

/// Where the sessions live. Cheap to clone: clones share the pool, or the memory.
#[derive(Debug, Clone)]
pub enum SessionDb {
    /// In this process's memory (`memory` storage): one instance only.
    Memory(MemorySessions),
    /// The shop's SQLite file, through the payment store: reads on its pool, writes in its
    /// writer's turns ([`SqliteStore::write`]), so that they join its group commits instead of
    /// contending for the file's lock.
    Sqlite(SqliteStore),
    /// The shop's PostgreSQL database.
    Postgres(PgPool),
}

impl SessionDb {
    /// No sessions yet, in memory.
    pub fn in_memory() -> Self {
        Self::Memory(MemorySessions::default())
    }
}

/// Session rows in memory, as a session crate's store keeps them in a table: a key, the
/// session's data (encoded by the store) and when it expires (unix seconds). Expired rows are
/// never loaded, and [`MemorySessions::delete_expired`] drops them, so memory holds only the
/// sessions alive; and at most [`MemorySessions::LIMIT`] of those (a flood of sign-ins ends the
/// sessions closest to expiring first, instead of growing the process). Cheap to clone: clones
/// share the rows.
#[derive(Clone, Default)]
pub struct MemorySessions {
    rows: Arc<Mutex<HashMap<String, Row>>>,
}

#[derive(Debug)]
struct Row {
    data: Vec<u8>,
    expires_at: i64,
}

/// The count only: the rows hold CSRF tokens.
impl std::fmt::Debug for MemorySessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemorySessions")
            .field("rows", &self.len())
            .finish()
    }
}

impl MemorySessions {
    fn rows(&self) -> std::sync::MutexGuard<'_, HashMap<String, Row>> {
        self.rows.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The data of session `key`, unless it expired by `now`.
    pub fn load(&self, key: &str, now: i64) -> Option<Vec<u8>> {
        self.rows()
            .get(key)
            .filter(|row| row.expires_at > now)
            .map(|row| row.data.clone())
    }

    /// The most rows kept (about 30 MB of small sessions).
    pub const LIMIT: usize = 100_000;

    /// Adds session `key`; `false` (and nothing changed) when the key is taken. At
    /// [`Self::LIMIT`] rows, the expired ones go first, then the one closest to expiring.
    pub fn create(&self, key: &str, data: Vec<u8>, expires_at: i64) -> bool {
        let mut rows = self.rows();
        if rows.contains_key(key) {
            return false;
        }
        if rows.len() >= Self::LIMIT {
            let now = unix_now();
            rows.retain(|_, row| row.expires_at > now);
        }
        if rows.len() >= Self::LIMIT {
            let soonest = rows
                .iter()
                .min_by_key(|(_, row)| row.expires_at)
                .map(|(key, _)| key.clone());
            if let Some(soonest) = soonest {
                rows.remove(&soonest);
            }
        }
        rows.insert(key.to_owned(), Row { data, expires_at });
        true
    }

    /// Writes session `key`, new or not.
    pub fn save(&self, key: &str, data: Vec<u8>, expires_at: i64) {
        self.rows().insert(key.to_owned(), Row { data, expires_at });
    }

    /// Writes session `key` if it is there; `false` when it is not.
    pub fn update(&self, key: &str, data: Vec<u8>, expires_at: i64) -> bool {
        match self.rows().get_mut(key) {
            Some(row) => {
                *row = Row { data, expires_at };
                true
            }
            None => false,
        }
    }

    /// Moves session `key`'s expiry, if it is there.
    pub fn renew(&self, key: &str, expires_at: i64) {
        if let Some(row) = self.rows().get_mut(key) {
            row.expires_at = expires_at;
        }
    }

    /// Deletes session `key`.
    pub fn delete(&self, key: &str) {
        self.rows().remove(key);
    }

    /// Deletes the sessions expired by `now`; answers how many.
    pub fn delete_expired(&self, now: i64) -> usize {
        let mut rows = self.rows();
        let before = rows.len();
        rows.retain(|_, row| row.expires_at > now);
        before - rows.len()
    }

    /// How many rows are kept, expired or not.
    pub fn len(&self) -> usize {
        self.rows().len()
    }

    /// Whether no row is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

/// Unix seconds now.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        })
}

impl Default for SessionLifetime {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(30 * 60),
            max_age: Duration::from_secs(12 * 60 * 60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_live_until_they_expire_and_are_deleted_then() {
        let sessions = MemorySessions::default();
        assert!(sessions.create("a", b"1".to_vec(), 100));
        assert!(!sessions.create("a", b"2".to_vec(), 200), "a taken key");
        assert_eq!(sessions.load("a", 99).as_deref(), Some(&b"1"[..]));
        assert_eq!(sessions.load("a", 100), None, "expired at 100");
        assert!(sessions.update("a", b"3".to_vec(), 150));
        assert!(!sessions.update("b", b"3".to_vec(), 150), "not there");
        sessions.renew("a", 300);
        sessions.save("b", b"4".to_vec(), 120);
        assert_eq!(sessions.load("a", 200).as_deref(), Some(&b"3"[..]));
        assert_eq!(sessions.delete_expired(200), 1);
        assert_eq!(sessions.len(), 1);
        sessions.delete("a");
        assert!(sessions.is_empty());
        assert_eq!(format!("{sessions:?}"), "MemorySessions { rows: 0 }");
    }

    #[test]
    fn a_flood_of_sign_ins_is_bounded() {
        let sessions = MemorySessions::default();
        let far = unix_now() + 3600;
        assert!(sessions.create("expired", Vec::new(), 1));
        assert!(sessions.create("soonest", Vec::new(), far - 10));
        for n in 2..MemorySessions::LIMIT {
            assert!(sessions.create(&n.to_string(), Vec::new(), far));
        }
        assert_eq!(sessions.len(), MemorySessions::LIMIT);
        assert!(sessions.create("next", Vec::new(), far));
        assert_eq!(
            sessions.len(),
            MemorySessions::LIMIT,
            "the expired row made room"
        );
        assert!(sessions.load("soonest", 0).is_some());
        assert!(sessions.create("after", Vec::new(), far));
        assert_eq!(sessions.len(), MemorySessions::LIMIT);
        assert_eq!(
            sessions.load("soonest", 0),
            None,
            "the closest to expiring went"
        );
        assert!(sessions.load("2", 0).is_some() && sessions.load("after", 0).is_some());
    }
}
