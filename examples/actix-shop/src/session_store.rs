//! actix-session's store on the shop's own database (SQLite or PostgreSQL,
//! [`SessionDb`]): every instance on that database sees every session.
//!
//! A row per session in `actix_sessions`: its key (256 random bits, the cookie's content), its
//! state as JSON, and when it expires (unix seconds; the session's idle time after its last
//! write). Expired rows are never loaded, and [`SqlSessionStore::delete_expired_every`] deletes
//! them, so the table stays as small as the sessions alive.
//!
//! The cookie is also encrypted with a key (actix-session asks for one): it is made once and
//! kept in `actix_session_cookie_key` in the same database, so that every instance, and the
//! shop after a restart, reads the cookies of the others.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration as StdDuration, SystemTime, UNIX_EPOCH};

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::Key;
use actix_web::cookie::time::Duration;
use shop_common::session_db::SessionDb;
use tokio::task::JoinHandle;

const CREATE_SESSIONS: &str = "CREATE TABLE IF NOT EXISTS actix_sessions \
    (key TEXT PRIMARY KEY, state TEXT NOT NULL, expires_at BIGINT NOT NULL)";
const CREATE_COOKIE_KEY: &str = "CREATE TABLE IF NOT EXISTS actix_session_cookie_key \
    (id INTEGER PRIMARY KEY, key TEXT NOT NULL)";
// The first instance's key wins; the others read it.
const INSERT_COOKIE_KEY: &str =
    "INSERT INTO actix_session_cookie_key (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING";
const SELECT_COOKIE_KEY: &str = "SELECT key FROM actix_session_cookie_key WHERE id = 1";
const LOAD: &str = "SELECT state FROM actix_sessions WHERE key = $1 AND expires_at > $2";
const INSERT: &str = "INSERT INTO actix_sessions (key, state, expires_at) VALUES ($1, $2, $3)";
const UPDATE: &str = "UPDATE actix_sessions SET state = $2, expires_at = $3 WHERE key = $1";
const UPDATE_TTL: &str = "UPDATE actix_sessions SET expires_at = $2 WHERE key = $1";
const DELETE: &str = "DELETE FROM actix_sessions WHERE key = $1";
const DELETE_EXPIRED: &str = "DELETE FROM actix_sessions WHERE expires_at <= $1";

/// Runs `$body` with `$pool` bound to the database's pool, whichever kind it is.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            SessionDb::Sqlite($pool) => $body,
            SessionDb::Postgres($pool) => $body,
        }
    };
}

/// actix-session's [`SessionStore`] on the shop's database. Cheap to clone: clones share the
/// pool.
#[derive(Debug, Clone)]
pub struct SqlSessionStore {
    db: SessionDb,
}

impl SqlSessionStore {
    /// The store on `db`, its tables created if missing, and the cookie key kept there (made
    /// by the first instance to start).
    pub async fn open(db: SessionDb) -> Result<(Self, Key), sqlx::Error> {
        for statement in [CREATE_SESSIONS, CREATE_COOKIE_KEY] {
            // Instances starting at once on PostgreSQL may race to create a table: the loser
            // finds it made on a second try.
            if execute(&db, statement, &[]).await.is_err() {
                execute(&db, statement, &[]).await?;
            }
        }
        let fresh = hex(&rand::random::<[u8; 64]>());
        execute(&db, INSERT_COOKIE_KEY, &[Bind::Text(&fresh)]).await?;
        let stored: String = on_pool!(&db, pool => {
            sqlx::query_scalar(SELECT_COOKIE_KEY).fetch_one(pool).await
        })?;
        let key = unhex(&stored)
            .and_then(|bytes| Key::try_from(bytes.as_slice()).ok())
            .ok_or_else(|| {
                sqlx::Error::Protocol("actix_session_cookie_key holds no usable key".into())
            })?;
        Ok((Self { db }, key))
    }

    /// Deletes the expired sessions now, then every `period`, until the handle is aborted.
    pub fn delete_expired_every(&self, period: StdDuration) -> JoinHandle<()> {
        let db = self.db.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            loop {
                ticks.tick().await;
                if let Err(error) = execute(&db, DELETE_EXPIRED, &[Bind::Int(now())]).await {
                    tracing::warn!(%error, "deleting expired sessions");
                }
            }
        })
    }

    async fn insert(&self, state: &str, ttl: &Duration) -> Result<SessionKey, anyhow::Error> {
        let key = hex(&rand::random::<[u8; 32]>());
        let binds = [
            Bind::Text(&key),
            Bind::Text(state),
            Bind::Int(expires_at(ttl)),
        ];
        execute(&self.db, INSERT, &binds).await?;
        Ok(SessionKey::try_from(key)?)
    }
}

impl SessionStore for SqlSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let key = session_key.as_ref();
        let state: Option<String> = on_pool!(&self.db, pool => {
            sqlx::query_scalar(LOAD).bind(key).bind(now()).fetch_optional(pool).await
        })
        .map_err(|e| LoadError::Other(e.into()))?;
        state
            .map(|state| serde_json::from_str(&state))
            .transpose()
            .map_err(|e| LoadError::Deserialization(e.into()))
    }

    async fn save(
        &self,
        session_state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, SaveError> {
        let state = serde_json::to_string(&session_state)
            .map_err(|e| SaveError::Serialization(e.into()))?;
        self.insert(&state, ttl).await.map_err(SaveError::Other)
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let state = serde_json::to_string(&session_state)
            .map_err(|e| UpdateError::Serialization(e.into()))?;
        let binds = [
            Bind::Text(session_key.as_ref()),
            Bind::Text(&state),
            Bind::Int(expires_at(ttl)),
        ];
        let updated = execute(&self.db, UPDATE, &binds)
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        if updated == 0 {
            // Deleted meanwhile (signed out elsewhere, or expired and swept): a new session.
            return self.insert(&state, ttl).await.map_err(UpdateError::Other);
        }
        Ok(session_key)
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        ttl: &Duration,
    ) -> Result<(), anyhow::Error> {
        let binds = [Bind::Text(session_key.as_ref()), Bind::Int(expires_at(ttl))];
        execute(&self.db, UPDATE_TTL, &binds).await?;
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        execute(&self.db, DELETE, &[Bind::Text(session_key.as_ref())]).await?;
        Ok(())
    }
}

/// A query parameter.
#[derive(Debug, Clone, Copy)]
enum Bind<'a> {
    Text(&'a str),
    Int(i64),
}

/// Runs `sql` with `binds` (`$1`, `$2`, … on both databases); answers the rows it changed.
async fn execute(db: &SessionDb, sql: &str, binds: &[Bind<'_>]) -> Result<u64, sqlx::Error> {
    on_pool!(db, pool => {
        let mut query = sqlx::query(sql);
        for bind in binds {
            query = match *bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(int) => query.bind(int),
            };
        }
        query.execute(pool).await.map(|done| done.rows_affected())
    })
}

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX)
}

fn expires_at(ttl: &Duration) -> i64 {
    now().saturating_add(ttl.whole_seconds())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sessions_are_saved_loaded_renewed_and_deleted() {
        let db = SessionDb::in_memory().await.unwrap();
        let (store, key) = SqlSessionStore::open(db.clone()).await.unwrap();
        let (_, again) = SqlSessionStore::open(db.clone()).await.unwrap();
        assert!(key == again, "the cookie key is kept");
        let state = HashMap::from([("user".to_owned(), "\"alice\"".to_owned())]);
        let minute = Duration::seconds(60);
        let saved = store.save(state.clone(), &minute).await.unwrap();
        assert_eq!(saved.as_ref().len(), 64);
        assert_eq!(store.load(&saved).await.unwrap(), Some(state.clone()));
        let kept = SessionKey::try_from(saved.as_ref().to_owned()).unwrap();
        let updated = store.update(kept, HashMap::new(), &minute).await.unwrap();
        assert_eq!(updated.as_ref(), saved.as_ref());
        assert_eq!(store.load(&saved).await.unwrap(), Some(HashMap::new()));

        store
            .update_ttl(&saved, &Duration::seconds(-1))
            .await
            .unwrap();
        assert_eq!(store.load(&saved).await.unwrap(), None, "expired");
        let sweeper = store.delete_expired_every(StdDuration::from_secs(3600));
        tokio::time::sleep(StdDuration::from_millis(100)).await;
        sweeper.abort();
        let binds = [Bind::Text(saved.as_ref()), Bind::Int(0)];
        let rows = execute(&db, UPDATE_TTL, &binds).await.unwrap();
        assert_eq!(rows, 0, "the expired row was deleted");

        let other = store.save(state, &minute).await.unwrap();
        store.delete(&other).await.unwrap();
        assert_eq!(store.load(&other).await.unwrap(), None);
        assert_eq!(unhex(&hex(&[0, 1, 254, 255])), Some(vec![0, 1, 254, 255]));
        assert_eq!(unhex("abc"), None);
    }
}
