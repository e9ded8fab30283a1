//! Sessions with `tower-sessions`, their rows in the shop's own database (its SQLite file or
//! PostgreSQL, through `tower-sessions-sqlx-store`), so that every instance on that database
//! sees every session.
//!
//! A session holds four keys: the user's id, the CSRF token, when the user signed in and when
//! the session was last seen (unix seconds). [`SignedIn`] is the extractor of the signed-in
//! user: a session unused for `idle`, or older than `max_age` since sign-in, is over (deleted,
//! its cookie removed). `seen_at` is renewed only when older than
//! [`SessionLifetime::RENEW_AFTER`], so a busy session is written at most once a minute; each
//! write also moves its row's expiry `idle` ahead, and a task deletes expired rows.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use axum::extract::{FromRequestParts, OriginalUri, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use gmo_core::customer::{Customer, CustomerId};
use gmo_core::values::InvalidValue;
use gmo_core::web::ErrorResponse;
use shop_common::pages::Viewer;
use shop_common::session_db::{MemorySessions, SessionDb, SessionLifetime};
use shop_common::users::{self, User};
use time::OffsetDateTime;
use tower_sessions::cookie::{Cookie, SameSite};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::sqlx::{self, PgPool};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::AppState;
use crate::extract::WantsJson;
use crate::handlers::error;

/// The session cookie's name.
pub const COOKIE: &str = "shop_session";

/// The session's keys.
const USER: &str = "user";
const CSRF_TOKEN: &str = "csrf_token";
const SIGNED_IN_AT: &str = "signed_in_at";
const SEEN_AT: &str = "seen_at";

/// The session store: the `tower-sessions-sqlx-store` table in the shop's database. Each row
/// expires `idle` after its last write (the session cookie itself lasts the browser session),
/// so [`SessionRows::delete_expired_every`] keeps the table as small as the sessions alive.
#[derive(Debug, Clone)]
pub struct SessionRows {
    store: Store,
    idle: Duration,
}

#[derive(Debug, Clone)]
enum Store {
    /// `memory` storage: the rows in this process (one instance).
    Memory(MemorySessions),
    /// The shop's SQLite file: `sessions` reads (and makes the table); the writes go through
    /// the payment store's writer, in its group commits (`gmo_sqlx::SqliteStore::write`).
    Sqlite {
        sessions: SqliteStore,
        writer: gmo_sqlx::SqliteStore,
    },
    /// The shop's PostgreSQL database: the crate's store, and its pool for the one-statement
    /// create.
    Postgres {
        sessions: PostgresStore,
        pool: PgPool,
    },
}

// tower-sessions-sqlx-store 0.15's tables, for the writes made here: the same rows, the same
// encoding (MessagePack of the record), read back by the crate's `load`.
const SQLITE_CREATE: &str = "INSERT INTO tower_sessions (id, data, expiry_date) VALUES (?, ?, ?) \
     ON CONFLICT (id) DO NOTHING";
const SQLITE_SAVE: &str = "INSERT INTO tower_sessions (id, data, expiry_date) VALUES (?, ?, ?) \
     ON CONFLICT (id) DO UPDATE SET data = excluded.data, expiry_date = excluded.expiry_date";
const SQLITE_DELETE: &str = "DELETE FROM tower_sessions WHERE id = ?";
const SQLITE_DELETE_EXPIRED: &str =
    "DELETE FROM tower_sessions WHERE datetime(expiry_date) < datetime('now')";
// One statement instead of the crate's transaction (an existence check, then the insert): a
// drawn id that is taken inserts nothing, and the next id is tried.
const POSTGRES_CREATE: &str = r#"INSERT INTO "tower_sessions"."session" (id, data, expiry_date)
     VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING"#;

impl SessionRows {
    /// The store on `db`, its rows living `idle` after their last write.
    pub fn new(db: &SessionDb, idle: Duration) -> Self {
        let store = match db {
            SessionDb::Memory(rows) => Store::Memory(rows.clone()),
            SessionDb::Sqlite(store) => Store::Sqlite {
                sessions: SqliteStore::new(store.pool().clone()),
                writer: store.clone(),
            },
            SessionDb::Postgres(pool) => Store::Postgres {
                sessions: PostgresStore::new(pool.clone()),
                pool: pool.clone(),
            },
        };
        Self { store, idle }
    }

    /// Creates the sessions' table if missing (on SQLite the statement waits, within the
    /// pool's busy timeout, for the payment store's writer to finish a commit).
    pub async fn migrate(&self) -> Result<(), tower_sessions_sqlx_store::sqlx::Error> {
        match &self.store {
            Store::Memory(_) => Ok(()),
            Store::Sqlite { sessions, .. } => sessions.migrate().await,
            Store::Postgres { sessions, .. } => sessions.migrate().await,
        }
    }

    /// Deletes expired rows every `period`, until the task is aborted. A failed pass (the
    /// database busy or away) is logged and the next one tries again: the deletion must not
    /// stop for good, as `ExpiredDeletion::continuously_delete_expired` does on an error.
    pub fn delete_expired_every(&self, period: Duration) -> tokio::task::JoinHandle<()> {
        let rows = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(period);
            every.tick().await;
            loop {
                every.tick().await;
                if let Err(error) = rows.delete_expired().await {
                    tracing::warn!(%error, "expired sessions not deleted");
                }
            }
        })
    }

    /// `record` with its row's expiry `idle` from now.
    fn expiring(&self, record: &Record) -> Record {
        let mut record = record.clone();
        let idle = time::Duration::try_from(self.idle).unwrap_or(time::Duration::MAX);
        record.expiry_date = OffsetDateTime::now_utc().saturating_add(idle);
        record
    }
}

/// Writes `record` (id, data, expiry, as tower-sessions-sqlx-store binds them) with `sql` in
/// the SQLite writer's next turn, or runs `sql` alone without one; answers the rows changed.
async fn write_sqlite(
    writer: &gmo_sqlx::SqliteStore,
    sql: &'static str,
    record: Option<&Record>,
) -> session_store::Result<u64> {
    let row = record
        .map(|r| Ok::<_, session_store::Error>((r.id.to_string(), stored(r)?, r.expiry_date)))
        .transpose()?;
    writer
        .write(move |conn| {
            Box::pin(async move {
                let query = match row {
                    Some((id, data, expiry)) => sqlx::query(sql).bind(id).bind(data).bind(expiry),
                    None => sqlx::query(sql),
                };
                Ok(query.execute(conn).await?.rows_affected())
            })
        })
        .await
        .map_err(backend)
}

/// Inserts `record` unless its id is taken; answers the rows inserted.
async fn postgres_create(pool: &PgPool, record: &Record) -> session_store::Result<u64> {
    let done = sqlx::query(POSTGRES_CREATE)
        .bind(record.id.to_string())
        .bind(stored(record)?)
        .bind(record.expiry_date)
        .execute(pool)
        .await
        .map_err(backend)?;
    Ok(done.rows_affected())
}

/// A record as tower-sessions-sqlx-store keeps it.
fn stored(record: &Record) -> session_store::Result<Vec<u8>> {
    rmp_serde::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))
}

fn backend(error: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

/// A record as a memory row keeps it.
fn encode(record: &Record) -> session_store::Result<Vec<u8>> {
    serde_json::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))
}

/// When a record's row expires, in unix seconds (as the SQL stores keep it).
fn unix(record: &Record) -> i64 {
    record.expiry_date.unix_timestamp()
}

#[async_trait]
impl SessionStore for SessionRows {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        *record = self.expiring(record);
        match &self.store {
            Store::Memory(rows) => {
                // A new id while the drawn one is taken, as the SQL stores do.
                while !rows.create(&record.id.to_string(), encode(record)?, unix(record)) {
                    record.id = Id::default();
                }
                Ok(())
            }
            Store::Sqlite { writer, .. } => {
                while write_sqlite(writer, SQLITE_CREATE, Some(record)).await? == 0 {
                    record.id = Id::default();
                }
                Ok(())
            }
            Store::Postgres { pool, .. } => {
                while postgres_create(pool, record).await? == 0 {
                    record.id = Id::default();
                }
                Ok(())
            }
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let record = self.expiring(record);
        match &self.store {
            Store::Memory(rows) => {
                rows.save(&record.id.to_string(), encode(&record)?, unix(&record));
                Ok(())
            }
            Store::Sqlite { writer, .. } => {
                write_sqlite(writer, SQLITE_SAVE, Some(&record)).await?;
                Ok(())
            }
            Store::Postgres { sessions, .. } => sessions.save(&record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match &self.store {
            Store::Memory(rows) => rows
                .load(&id.to_string(), OffsetDateTime::now_utc().unix_timestamp())
                .map(|data| serde_json::from_slice(&data))
                .transpose()
                .map_err(|e| session_store::Error::Decode(e.to_string())),
            Store::Sqlite { sessions, .. } => sessions.load(id).await,
            Store::Postgres { sessions, .. } => sessions.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match &self.store {
            Store::Memory(rows) => {
                rows.delete(&id.to_string());
                Ok(())
            }
            Store::Sqlite { writer, .. } => {
                let id = id.to_string();
                writer
                    .write(move |conn| {
                        Box::pin(async move {
                            sqlx::query(SQLITE_DELETE).bind(id).execute(conn).await?;
                            Ok(())
                        })
                    })
                    .await
                    .map_err(backend)
            }
            Store::Postgres { sessions, .. } => sessions.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for SessionRows {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match &self.store {
            Store::Memory(rows) => {
                rows.delete_expired(OffsetDateTime::now_utc().unix_timestamp());
                Ok(())
            }
            Store::Sqlite { writer, .. } => {
                write_sqlite(writer, SQLITE_DELETE_EXPIRED, None).await?;
                Ok(())
            }
            Store::Postgres { sessions, .. } => sessions.delete_expired().await,
        }
    }
}

/// The session layer: cookie `shop_session`, `Path=/`, `HttpOnly`, `SameSite=Lax` (the
/// browser's top-level return from 3-D Secure must carry it), `Secure` when the shop is served
/// over HTTPS; the cookie lasts the browser session, the session itself `idle` unused.
pub fn layer(rows: SessionRows, secure: bool) -> SessionManagerLayer<SessionRows> {
    SessionManagerLayer::new(rows)
        .with_name(COOKIE)
        .with_path("/")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnSessionEnd)
}

/// The `Set-Cookie` that removes the session cookie, with the cookie's attributes.
pub(crate) fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build((COOKIE, ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build();
    cookie.make_removal();
    cookie
}

/// The session cookie's `Set-Cookie` as the shop sends it, after `tower-sessions`: a removal
/// carries the cookie's attributes (`tower-sessions` writes its removal with the name and path
/// only) and is sent once (the sign-out sends its own for a request without a session); any
/// answer setting a cookie is never cached.
pub(crate) async fn finish_cookies(
    State(state): State<AppState>,
    mut response: Response,
) -> Response {
    let headers = response.headers_mut();
    let set_cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    if set_cookies.is_empty() {
        return response;
    }
    let is_session_removal = |value: &HeaderValue| {
        value
            .to_str()
            .ok()
            .and_then(|v| Cookie::parse(v).ok())
            .is_some_and(|c| c.name() == COOKIE && c.max_age() == Some(time::Duration::ZERO))
    };
    if set_cookies.iter().any(is_session_removal) {
        headers.remove(header::SET_COOKIE);
        let removal = removal_cookie(state.sign_in.secure_cookies()).to_string();
        for value in set_cookies.iter().filter(|v| !is_session_removal(v)) {
            headers.append(header::SET_COOKIE, value.clone());
        }
        if let Ok(value) = HeaderValue::from_str(&removal) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Unix seconds now.
fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// Starts a signed-in session for `user` in `session`: a new session id (the old session, if
/// any, deleted with its data: no fixation), a new CSRF token.
pub(crate) async fn sign_in(
    session: &Session,
    user: &'static User,
) -> Result<SignedIn, tower_sessions::session::Error> {
    if session.id().is_some() {
        session.cycle_id().await?;
    }
    session.clear().await;
    let csrf_token = shop_common::csrf::new_token();
    let now = now();
    session.insert(USER, user.id).await?;
    session.insert(CSRF_TOKEN, &csrf_token).await?;
    session.insert(SIGNED_IN_AT, now).await?;
    session.insert(SEEN_AT, now).await?;
    Ok(SignedIn { user, csrf_token })
}

/// The signed-in user of `session`, if any. A session over its idle time or its lifetime is
/// deleted (its cookie then removed) and is `None`; a live one has `seen_at` renewed when
/// stale.
pub(crate) async fn signed_in(
    session: &Session,
    lifetime: &SessionLifetime,
) -> Result<Option<SignedIn>, tower_sessions::session::Error> {
    let Some(user_id) = session.get::<String>(USER).await? else {
        return Ok(None);
    };
    let user = users::user(&user_id);
    let csrf_token = session.get::<String>(CSRF_TOKEN).await?;
    let signed_in_at = session.get::<u64>(SIGNED_IN_AT).await?;
    let seen_at = session.get::<u64>(SEEN_AT).await?;
    let (Some(user), Some(csrf_token), Some(signed_in_at), Some(seen_at)) =
        (user, csrf_token, signed_in_at, seen_at)
    else {
        session.flush().await?;
        return Ok(None);
    };
    let now = now();
    let unused = Duration::from_secs(now.saturating_sub(seen_at));
    let age = Duration::from_secs(now.saturating_sub(signed_in_at));
    if unused >= lifetime.idle || age >= lifetime.max_age {
        session.flush().await?;
        return Ok(None);
    }
    // Renewing is a write: at most once a minute, or twice per idle time when that is shorter
    // (else a session idle for less than a minute would end while in use).
    let renew_after = SessionLifetime::RENEW_AFTER.min(lifetime.idle / 2);
    if unused >= renew_after {
        session.insert(SEEN_AT, now).await?;
    }
    Ok(Some(SignedIn { user, csrf_token }))
}

/// The signed-in user: the shop's "current user", and the paying customer of gmo-axum's
/// routes. Without a live session, pages are sent to `/signin`; JSON clients and the payment
/// routes (called by scripts only) get `401 not_signed_in`.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Who.
    pub user: &'static User,
    /// The token the session's state-changing requests must present.
    pub csrf_token: String,
}

impl SignedIn {
    /// The pages' view of this user.
    pub(crate) fn viewer(&self) -> Viewer<'_> {
        Viewer {
            user: Some(self.user),
            csrf_token: Some(&self.csrf_token),
        }
    }

    /// The user's payment customer id.
    pub(crate) fn customer(&self) -> Result<CustomerId, InvalidValue> {
        CustomerId::new(self.user.id)
    }
}

impl Customer for SignedIn {
    fn customer_id(&self) -> Result<CustomerId, InvalidValue> {
        self.customer()
    }
}

/// `503 unavailable`: the sessions' database failed (the cause is logged, not shown).
pub(crate) fn unavailable(cause: &tower_sessions::session::Error) -> Response {
    tracing::error!(error = %cause, "sessions");
    error(&ErrorResponse::new(
        503,
        "unavailable",
        "the shop cannot reach its sessions; try again shortly",
    ))
}

/// The answer to a signed-out request for a signed-in route.
fn sign_in_first(parts: &Parts) -> Response {
    let path = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(parts.uri.path(), |original| original.0.path());
    if WantsJson::of(&parts.headers).0 || path.starts_with("/payments/") {
        error(&ErrorResponse::new(401, "not_signed_in", "sign in first"))
    } else {
        Redirect::to("/signin").into_response()
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Ok(session) = Session::from_request_parts(parts, state).await else {
            return Err(sign_in_first(parts));
        };
        match signed_in(&session, &state.session_lifetime).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(sign_in_first(parts)),
            Err(e) => Err(unavailable(&e)),
        }
    }
}

/// The signed-in user if there is one (pages that anyone may see).
#[derive(Debug, Clone)]
pub(crate) struct MaybeSignedIn(pub(crate) Option<SignedIn>);

impl MaybeSignedIn {
    /// The pages' view.
    pub(crate) fn viewer(&self) -> Viewer<'_> {
        self.0.as_ref().map(SignedIn::viewer).unwrap_or_default()
    }
}

impl FromRequestParts<AppState> for MaybeSignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Ok(session) = Session::from_request_parts(parts, state).await else {
            return Ok(Self(None));
        };
        signed_in(&session, &state.session_lifetime)
            .await
            .map(Self)
            .map_err(|e| unavailable(&e))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// The rows kept, expired or not.
    async fn rows(db: &SessionDb) -> i64 {
        match db {
            SessionDb::Memory(rows) => i64::try_from(rows.len()).unwrap(),
            SessionDb::Sqlite(store) => sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions")
                .fetch_one(store.pool())
                .await
                .unwrap(),
            SessionDb::Postgres(_) => unreachable!("not used here"),
        }
    }

    #[tokio::test]
    async fn rows_expire_idle_after_their_last_write_and_are_deleted() {
        let file = std::env::temp_dir().join(format!(
            "axum-shop-sessions-{}-{}.db",
            std::process::id(),
            OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        let sqlite = gmo_sqlx::SqliteStore::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        for db in [SessionDb::in_memory(), SessionDb::Sqlite(sqlite.clone())] {
            rows_expire_on(db).await;
        }
        assert!(sqlite.commits() >= 4, "the writes went through the writer");
        sqlite.pool().close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }

    /// The SQL stores keep expiry in whole seconds: the waits leave a second's margin.
    async fn rows_expire_on(db: SessionDb) {
        let sessions = SessionRows::new(&db, Duration::from_secs(2));
        sessions.migrate().await.unwrap();
        let record = || Record {
            id: Id::default(),
            data: HashMap::from([(USER.to_owned(), serde_json::json!("alice"))]),
            // Whatever the session layer asks for, the row lives `idle` from its last write.
            expiry_date: OffsetDateTime::now_utc() + time::Duration::days(14),
        };
        let (mut idle, mut busy) = (record(), record());
        sessions.create(&mut idle).await.unwrap();
        sessions.create(&mut busy).await.unwrap();
        assert!(idle.expiry_date <= OffsetDateTime::now_utc() + time::Duration::seconds(2));
        assert_eq!(rows(&db).await, 2);
        let loaded = sessions.load(&busy.id).await.unwrap().unwrap();
        assert_eq!(loaded.data, busy.data, "{db:?}");

        tokio::time::sleep(Duration::from_secs(2)).await;
        sessions.save(&busy).await.unwrap();
        assert_eq!(
            sessions.load(&idle.id).await.unwrap(),
            None,
            "unused for 2 s of 2"
        );
        assert!(
            sessions.load(&busy.id).await.unwrap().is_some(),
            "just written"
        );
        assert_eq!(rows(&db).await, 2, "an expired row stays until deleted");

        let deletion = sessions.delete_expired_every(Duration::from_millis(100));
        let mut waited = Duration::ZERO;
        while rows(&db).await > 1 && waited < Duration::from_secs(3) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += Duration::from_millis(100);
        }
        deletion.abort();
        assert_eq!(rows(&db).await, 1, "the expired row deleted: {db:?}");
        assert!(
            sessions.load(&busy.id).await.unwrap().is_some(),
            "the live one kept"
        );
        sessions.delete(&busy.id).await.unwrap();
        assert_eq!(rows(&db).await, 0);
    }
}
