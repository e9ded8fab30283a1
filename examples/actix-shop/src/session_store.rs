//! actix-session's store on the shop's own database (SQLite or PostgreSQL,
//! [`SessionDb`]): every instance on that database sees every session. With `memory` storage
//! the rows are in this process ([`MemorySessions`]), expiring and deleted alike.
//!
//! A row per session in `actix_sessions`: its key (256 random bits, the cookie's content), its
//! state as JSON, and when it expires (unix seconds; the session's idle time after its last
//! write). Expired rows are never loaded, and [`ShopSessionStore::delete_expired_every`] deletes
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
use gmo_sqlx::SqliteStore;
use shop_common::session_db::{MemorySessions, SessionDb};
use sqlx::postgres::PgPool;
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

/// Runs `$body` (a read) with `$pool` bound to the database's pool, whichever kind it is.
macro_rules! on_pool {
    ($sql:expr, $pool:ident => $body:expr) => {
        match $sql {
            Sql::Sqlite(store) => {
                let $pool = store.pool();
                $body
            }
            Sql::Postgres($pool) => $body,
        }
    };
}

/// Where the rows are.
enum Rows<'a> {
    /// `memory` storage: in this process (one instance).
    Memory(&'a MemorySessions),
    /// In the shop's database.
    Sql(Sql<'a>),
}

/// The shop's database. On SQLite, through the payment store: reads on its pool, writes in
/// its writer's turns, so that they join its group commits.
#[derive(Clone, Copy)]
enum Sql<'a> {
    Sqlite(&'a SqliteStore),
    Postgres(&'a PgPool),
}

fn rows(db: &SessionDb) -> Rows<'_> {
    match db {
        SessionDb::Memory(rows) => Rows::Memory(rows),
        SessionDb::Sqlite(store) => Rows::Sql(Sql::Sqlite(store)),
        SessionDb::Postgres(pool) => Rows::Sql(Sql::Postgres(pool)),
    }
}

/// actix-session's [`SessionStore`] on the shop's session database ([`SessionDb`]). Cheap to
/// clone: clones share the pool (or the memory).
#[derive(Debug, Clone)]
pub struct ShopSessionStore {
    db: SessionDb,
}

impl ShopSessionStore {
    /// The store on `db`, its tables created if missing, and the cookie key kept there (made
    /// by the first instance to start). In memory, the key is this process's own.
    pub async fn open(db: SessionDb) -> Result<(Self, Key), sqlx::Error> {
        let Rows::Sql(sql) = rows(&db) else {
            return Ok((Self { db }, Key::generate()));
        };
        for statement in [CREATE_SESSIONS, CREATE_COOKIE_KEY] {
            // Instances starting at once on PostgreSQL may race to create a table: the loser
            // finds it made on a second try.
            if execute(sql, statement, &[]).await.is_err() {
                execute(sql, statement, &[]).await?;
            }
        }
        let fresh = hex(&rand::random::<[u8; 64]>());
        execute(sql, INSERT_COOKIE_KEY, &[Bind::Text(&fresh)]).await?;
        let stored: String = on_pool!(sql, pool => {
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
                let deleted = match rows(&db) {
                    Rows::Memory(rows) => Ok(rows.delete_expired(now()) as u64),
                    Rows::Sql(sql) => execute(sql, DELETE_EXPIRED, &[Bind::Int(now())]).await,
                };
                if let Err(error) = deleted {
                    tracing::warn!(%error, "deleting expired sessions");
                }
            }
        })
    }

    async fn insert(&self, state: &str, ttl: &Duration) -> Result<SessionKey, anyhow::Error> {
        let mut key = hex(&rand::random::<[u8; 32]>());
        match rows(&self.db) {
            Rows::Memory(rows) => {
                // 256 random bits are never drawn twice; should they be, another draw.
                while !rows.create(&key, state.as_bytes().to_vec(), expires_at(ttl)) {
                    key = hex(&rand::random::<[u8; 32]>());
                }
            }
            Rows::Sql(sql) => {
                let binds = [
                    Bind::Text(&key),
                    Bind::Text(state),
                    Bind::Int(expires_at(ttl)),
                ];
                execute(sql, INSERT, &binds).await?;
            }
        }
        Ok(SessionKey::try_from(key)?)
    }
}

impl SessionStore for ShopSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let key = session_key.as_ref();
        let state: Option<String> = match rows(&self.db) {
            Rows::Memory(rows) => rows
                .load(key, now())
                .map(String::from_utf8)
                .transpose()
                .map_err(|e| LoadError::Deserialization(e.into()))?,
            Rows::Sql(sql) => on_pool!(sql, pool => {
                sqlx::query_scalar(LOAD).bind(key).bind(now()).fetch_optional(pool).await
            })
            .map_err(|e| LoadError::Other(e.into()))?,
        };
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
        let updated = match rows(&self.db) {
            Rows::Memory(rows) => rows.update(
                session_key.as_ref(),
                state.as_bytes().to_vec(),
                expires_at(ttl),
            ),
            Rows::Sql(sql) => {
                let binds = [
                    Bind::Text(session_key.as_ref()),
                    Bind::Text(&state),
                    Bind::Int(expires_at(ttl)),
                ];
                execute(sql, UPDATE, &binds)
                    .await
                    .map_err(|e| UpdateError::Other(e.into()))?
                    > 0
            }
        };
        if !updated {
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
        match rows(&self.db) {
            Rows::Memory(rows) => rows.renew(session_key.as_ref(), expires_at(ttl)),
            Rows::Sql(sql) => {
                let binds = [Bind::Text(session_key.as_ref()), Bind::Int(expires_at(ttl))];
                execute(sql, UPDATE_TTL, &binds).await?;
            }
        }
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        match rows(&self.db) {
            Rows::Memory(rows) => rows.delete(session_key.as_ref()),
            Rows::Sql(sql) => {
                execute(sql, DELETE, &[Bind::Text(session_key.as_ref())]).await?;
            }
        }
        Ok(())
    }
}

/// A query parameter.
#[derive(Debug, Clone, Copy)]
enum Bind<'a> {
    Text(&'a str),
    Int(i64),
}

/// Runs the write `sql` with `binds` (`$1`, `$2`, … on both databases; on SQLite in the
/// payment store's writer); answers the rows it changed.
async fn execute(db: Sql<'_>, sql: &'static str, binds: &[Bind<'_>]) -> Result<u64, sqlx::Error> {
    match db {
        Sql::Sqlite(store) => {
            let binds: Vec<Owned> = binds.iter().map(Owned::from).collect();
            store
                .write(move |conn| {
                    Box::pin(async move {
                        let mut query = sqlx::query(sql);
                        for bind in binds {
                            query = match bind {
                                Owned::Text(text) => query.bind(text),
                                Owned::Int(int) => query.bind(int),
                            };
                        }
                        Ok(query.execute(conn).await?.rows_affected())
                    })
                })
                .await
        }
        Sql::Postgres(pool) => {
            let mut query = sqlx::query(sql);
            for bind in binds {
                query = match *bind {
                    Bind::Text(text) => query.bind(text),
                    Bind::Int(int) => query.bind(int),
                };
            }
            query.execute(pool).await.map(|done| done.rows_affected())
        }
    }
}

/// A [`Bind`] that the SQLite writer's task can own.
enum Owned {
    Text(String),
    Int(i64),
}

impl From<&Bind<'_>> for Owned {
    fn from(bind: &Bind<'_>) -> Self {
        match *bind {
            Bind::Text(text) => Self::Text(text.to_owned()),
            Bind::Int(int) => Self::Int(int),
        }
    }
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

    /// How many rows are kept, expired or not.
    async fn kept(db: &SessionDb) -> i64 {
        match rows(db) {
            Rows::Memory(rows) => i64::try_from(rows.len()).unwrap(),
            Rows::Sql(sql) => on_pool!(sql, pool => {
                sqlx::query_scalar("SELECT COUNT(*) FROM actix_sessions")
                    .fetch_one(pool)
                    .await
                    .unwrap()
            }),
        }
    }

    #[tokio::test]
    async fn sessions_are_saved_loaded_renewed_and_deleted() {
        let file = std::env::temp_dir().join(format!(
            "actix-shop-sessions-{}-{}.db",
            std::process::id(),
            now()
        ));
        let sqlite = SqliteStore::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        let (_, key) = ShopSessionStore::open(SessionDb::Sqlite(sqlite.clone()))
            .await
            .unwrap();
        let (_, again) = ShopSessionStore::open(SessionDb::Sqlite(sqlite.clone()))
            .await
            .unwrap();
        assert!(key == again, "the cookie key is kept in the database");
        for db in [SessionDb::in_memory(), SessionDb::Sqlite(sqlite.clone())] {
            sessions_live_on(db).await;
        }
        assert!(sqlite.commits() >= 4, "the writes went through the writer");
        sqlite.pool().close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
        assert_eq!(unhex(&hex(&[0, 1, 254, 255])), Some(vec![0, 1, 254, 255]));
        assert_eq!(unhex("abc"), None);
    }

    async fn sessions_live_on(db: SessionDb) {
        let (store, _) = ShopSessionStore::open(db.clone()).await.unwrap();
        let state = HashMap::from([("user".to_owned(), "\"alice\"".to_owned())]);
        let minute = Duration::seconds(60);
        let saved = store.save(state.clone(), &minute).await.unwrap();
        assert_eq!(saved.as_ref().len(), 64);
        assert_eq!(store.load(&saved).await.unwrap(), Some(state.clone()));
        let kept_key = SessionKey::try_from(saved.as_ref().to_owned()).unwrap();
        let updated = store
            .update(kept_key, HashMap::new(), &minute)
            .await
            .unwrap();
        assert_eq!(updated.as_ref(), saved.as_ref());
        assert_eq!(store.load(&saved).await.unwrap(), Some(HashMap::new()));

        store
            .update_ttl(&saved, &Duration::seconds(-1))
            .await
            .unwrap();
        assert_eq!(store.load(&saved).await.unwrap(), None, "expired");
        assert_eq!(kept(&db).await, 1, "until deleted");
        let sweeper = store.delete_expired_every(StdDuration::from_secs(3600));
        tokio::time::sleep(StdDuration::from_millis(100)).await;
        sweeper.abort();
        assert_eq!(kept(&db).await, 0, "the expired row was deleted: {db:?}");

        let gone = SessionKey::try_from(saved.as_ref().to_owned()).unwrap();
        let renewed = store.update(gone, state.clone(), &minute).await.unwrap();
        assert_ne!(
            renewed.as_ref(),
            saved.as_ref(),
            "a deleted session comes back anew"
        );
        store.delete(&renewed).await.unwrap();
        assert_eq!(store.load(&renewed).await.unwrap(), None);
        assert_eq!(kept(&db).await, 0);
    }
}
