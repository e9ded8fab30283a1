//! Server-side sessions: a random cookie value names a signed-in user and the session's CSRF
//! token; the CSRF check of state-changing requests.
//!
//! Sessions expire ([`SessionPolicy`]): after `idle` without a request, and `max_age` after
//! sign-in however busy. The store is bounded: at `limit` sessions, a sign-in first drops the
//! expired ones, then the least recently used. Expired sessions are dropped as they are met
//! (a request naming one) and from the least recently used end at every sign-in, so memory
//! stays within the limit and shrinks back as sessions expire.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gmo_core::customer::{Customer, CustomerId};
use gmo_core::guard::{Clock, SystemClock};
use gmo_core::values::InvalidValue;
use gmo_core::web::ErrorResponse;
use subtle::ConstantTimeEq as _;

use crate::request::RequestHead;
use crate::users::{self, User};

/// The session cookie's name.
pub const COOKIE: &str = "shop_session";

pub use crate::csrf::{FORM_FIELD as CSRF_FIELD, HEADER as CSRF_HEADER};

/// A signed-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Who.
    pub user: &'static User,
    /// The token state-changing requests must present.
    pub csrf_token: String,
}

/// The session's user is the paying customer of the payment routes.
impl Customer for Session {
    fn customer_id(&self) -> Result<CustomerId, InvalidValue> {
        CustomerId::new(self.user.id)
    }
}

impl Session {
    /// Whether `presented` is this session's CSRF token (constant time).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        bool::from(self.csrf_token.as_bytes().ct_eq(presented.as_bytes()))
    }
}

/// How long sessions live and how many are kept (`SHOP_SESSION_IDLE_SECS`,
/// `SHOP_SESSION_MAX_SECS`, `SHOP_SESSION_LIMIT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused this long is over (default 30 minutes).
    pub idle: Duration,
    /// A session this old is over, however busy (default 12 hours).
    pub max_age: Duration,
    /// At most this many sessions are kept (default 100,000; at least 1): a sign-in beyond it
    /// ends the least recently used one.
    pub limit: usize,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(30 * 60),
            max_age: Duration::from_secs(12 * 60 * 60),
            limit: 100_000,
        }
    }
}

/// A kept session and its times.
#[derive(Debug)]
struct Stored {
    session: Session,
    signed_in: Instant,
    last_used: Instant,
    /// Its key in [`Store::by_use`].
    use_seq: u64,
}

/// A session id: the cookie value is its 32 lowercase hex digits (kept as the number, half the
/// memory of the text).
type SessionId = u128;

/// The session id a cookie value spells, if it spells one exactly.
fn parse_id(cookie_value: &str) -> Option<SessionId> {
    let canonical = cookie_value.len() == 32
        && cookie_value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    canonical
        .then(|| SessionId::from_str_radix(cookie_value, 16).ok())
        .flatten()
}

fn hex(value: u128) -> String {
    format!("{value:032x}")
}

/// The sessions by id, and their ids from the least to the most recently used.
#[derive(Debug, Default)]
struct Store {
    by_id: HashMap<SessionId, Stored>,
    by_use: BTreeMap<u64, SessionId>,
    next_seq: u64,
}

impl Store {
    fn remove(&mut self, id: SessionId) {
        if let Some(stored) = self.by_id.remove(&id) {
            self.by_use.remove(&stored.use_seq);
        }
    }

    /// Drops the least recently used sessions while they are expired (an idle one is always
    /// there; one over its lifetime is dropped when next named, or once idle).
    fn prune(&mut self, now: Instant, policy: &SessionPolicy) {
        while let Some((_, id)) = self.by_use.first_key_value() {
            let expired = self
                .by_id
                .get(id)
                .is_none_or(|stored| is_expired(stored, now, policy));
            if !expired {
                break;
            }
            if let Some((_, id)) = self.by_use.pop_first() {
                self.by_id.remove(&id);
            }
        }
    }

    fn mark_used(&mut self, id: SessionId, now: Instant) {
        let seq = self.next_seq;
        if let Some(stored) = self.by_id.get_mut(&id) {
            self.next_seq += 1;
            self.by_use.remove(&stored.use_seq);
            stored.use_seq = seq;
            stored.last_used = now;
            self.by_use.insert(seq, id);
        }
    }
}

fn is_expired(stored: &Stored, now: Instant, policy: &SessionPolicy) -> bool {
    now.saturating_duration_since(stored.last_used) >= policy.idle
        || now.saturating_duration_since(stored.signed_in) >= policy.max_age
}

/// All sessions, in memory, under a [`SessionPolicy`]. Cheap to clone: clones share the
/// sessions.
#[derive(Debug, Clone)]
pub struct Sessions {
    store: Arc<Mutex<Store>>,
    policy: SessionPolicy,
    clock: Arc<dyn Clock>,
}

impl Default for Sessions {
    fn default() -> Self {
        Self::new()
    }
}

fn random_hex() -> String {
    hex(rand::random::<u128>())
}

impl Sessions {
    /// No sessions, under the default [`SessionPolicy`].
    pub fn new() -> Self {
        Self::with_policy(SessionPolicy::default(), Arc::new(SystemClock))
    }

    /// No sessions, under `policy`, timed by `clock` (tests pass a
    /// [`ManualClock`](gmo_core::guard::ManualClock)). A `limit` of 0 is taken as 1.
    pub fn with_policy(policy: SessionPolicy, clock: Arc<dyn Clock>) -> Self {
        Self {
            store: Arc::default(),
            policy: SessionPolicy {
                limit: policy.limit.max(1),
                ..policy
            },
            clock,
        }
    }

    /// The policy the sessions live by.
    pub fn policy(&self) -> SessionPolicy {
        self.policy
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Signs `user_id` in: the new session's cookie value and the session. `None` for an
    /// unknown user. At the limit, expired sessions go first, then the least recently used.
    pub fn sign_in(&self, user_id: &str) -> Option<(String, Session)> {
        let user = users::user(user_id)?;
        let session = Session {
            user,
            csrf_token: random_hex(),
        };
        let id = rand::random::<SessionId>();
        let now = self.clock.now();
        let mut store = self.store();
        store.prune(now, &self.policy);
        while store.by_id.len() >= self.policy.limit {
            let Some((_, oldest)) = store.by_use.pop_first() else {
                break;
            };
            store.by_id.remove(&oldest);
        }
        let seq = store.next_seq;
        store.next_seq += 1;
        // A collision of 128 random bits does not happen; were it to, the older session ends.
        store.remove(id);
        store.by_use.insert(seq, id);
        store.by_id.insert(
            id,
            Stored {
                session: session.clone(),
                signed_in: now,
                last_used: now,
                use_seq: seq,
            },
        );
        Some((hex(id), session))
    }

    /// The live session a cookie value names (its use noted: it stays alive for another
    /// `idle`). An expired one is dropped and is `None`.
    pub fn get(&self, id: &str) -> Option<Session> {
        let id = parse_id(id)?;
        let now = self.clock.now();
        let mut store = self.store();
        let stored = store.by_id.get(&id)?;
        if is_expired(stored, now, &self.policy) {
            store.remove(id);
            return None;
        }
        let session = stored.session.clone();
        store.mark_used(id, now);
        Some(session)
    }

    /// Ends a session.
    pub fn sign_out(&self, id: &str) {
        if let Some(id) = parse_id(id) {
            self.store().remove(id);
        }
    }

    /// How many sessions are kept (expired ones not yet dropped included).
    pub fn len(&self) -> usize {
        self.store().by_id.len()
    }

    /// Whether no session is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The session a request's cookie names, with its cookie value.
    pub fn of(&self, head: &RequestHead) -> Option<(String, Session)> {
        head.cookies
            .iter()
            .find_map(|cookies| cookie_value(cookies, COOKIE))
            .and_then(|id| self.get(id).map(|s| (id.to_owned(), s)))
    }

    /// The CSRF check of a request, as far as its head tells: state-changing requests (all but
    /// GET, HEAD and OPTIONS) of a signed-in session must carry the session's token, in the
    /// `X-CSRF-Token` header (scripts) or the `_csrf` field of a form (pages). Without a session
    /// there is nothing to forge: the route itself asks to sign in.
    pub fn csrf_check(&self, head: &RequestHead) -> CsrfCheck {
        if matches!(head.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
            return CsrfCheck::Pass;
        }
        let Some((_, session)) = self.of(head) else {
            return CsrfCheck::Pass;
        };
        match &head.csrf_token {
            Some(token) if session.csrf_matches(token) => CsrfCheck::Pass,
            Some(_) => CsrfCheck::Refuse,
            None if head.is_form_body() => CsrfCheck::ReadForm(session),
            None => CsrfCheck::Refuse,
        }
    }
}

/// What the CSRF check makes of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsrfCheck {
    /// Let it through.
    Pass,
    /// Refuse it: answer [`csrf_refused`].
    Refuse,
    /// A form without the header: let it through if [`form_carries_token`] of its body.
    ReadForm(Session),
}

/// Whether a urlencoded form `body` carries `session`'s token in its `_csrf` field.
pub fn form_carries_token(session: &Session, body: &[u8]) -> bool {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == CSRF_FIELD)
        .is_some_and(|(_, token)| session.csrf_matches(&token))
}

/// The answer to a request without the session's CSRF token: `403 csrf_failed`.
pub fn csrf_refused() -> ErrorResponse {
    ErrorResponse::new(
        403,
        "csrf_failed",
        "the request lacks this session's CSRF token; reload the page",
    )
}

/// The value of cookie `name` in a `Cookie` header value.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .map(str::trim)
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `Set-Cookie` value that keeps a session: HttpOnly, SameSite=Lax (so that the browser's
/// return from 3-D Secure, a top-level navigation, still carries it), and `Secure` when the
/// shop is served over HTTPS (`secure`: its public URL is `https://…`).
pub fn set_cookie(id: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax{}",
        secure_attribute(secure)
    )
}

/// The `Set-Cookie` value that ends a session (`Secure` as [`set_cookie`]'s).
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax{}; Max-Age=0",
        secure_attribute(secure)
    )
}

fn secure_attribute(secure: bool) -> &'static str {
    if secure { "; Secure" } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_and_out() {
        let sessions = Sessions::new();
        assert!(sessions.sign_in("nobody").is_none());
        let (id, session) = sessions.sign_in("alice").unwrap();
        assert_eq!(session.user.id, "alice");
        assert_eq!(sessions.get(&id), Some(session.clone()));
        assert!(session.csrf_matches(&session.csrf_token));
        assert!(!session.csrf_matches("nope"));
        let header = format!("a=b; {COOKIE}={id}; c=d");
        assert_eq!(cookie_value(&header, COOKIE), Some(id.as_str()));
        sessions.sign_out(&id);
        assert_eq!(sessions.get(&id), None);
        assert!(sessions.is_empty());
        let (id, _) = sessions.sign_in("alice").unwrap();
        assert_eq!(id.len(), 32);
        assert!(sessions.get(&id.to_uppercase()).is_none() || id == id.to_uppercase());
        assert!(sessions.get(&format!("+{}", &id[1..])).is_none());
        assert!(sessions.get(&id[1..]).is_none());
        assert!(sessions.get("").is_none());
        assert!(sessions.get(&id).is_some());
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_over_https() {
        assert_eq!(
            set_cookie("abc", false),
            "shop_session=abc; Path=/; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            set_cookie("abc", true),
            "shop_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        assert_eq!(
            clear_cookie(true),
            "shop_session=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0"
        );
        assert!(!clear_cookie(false).contains("Secure"));
    }

    fn timed(idle: u64, max_age: u64, limit: usize) -> (Sessions, gmo_core::guard::ManualClock) {
        let clock = gmo_core::guard::ManualClock::new();
        let policy = SessionPolicy {
            idle: Duration::from_secs(idle),
            max_age: Duration::from_secs(max_age),
            limit,
        };
        (
            Sessions::with_policy(policy, Arc::new(clock.clone())),
            clock,
        )
    }

    #[test]
    fn an_idle_session_expires() {
        let (sessions, clock) = timed(60, 3600, 10);
        let (id, _) = sessions.sign_in("alice").unwrap();
        clock.advance(Duration::from_secs(59));
        assert!(sessions.get(&id).is_some(), "used within the idle time");
        clock.advance(Duration::from_secs(59));
        assert!(
            sessions.get(&id).is_some(),
            "each use restarts the idle time"
        );
        clock.advance(Duration::from_secs(60));
        assert_eq!(sessions.get(&id), None, "idle for 60 s");
        assert!(sessions.is_empty(), "and dropped");
    }

    #[test]
    fn a_busy_session_expires_at_its_lifetime() {
        let (sessions, clock) = timed(60, 300, 10);
        let (id, _) = sessions.sign_in("alice").unwrap();
        for _ in 0..9 {
            clock.advance(Duration::from_secs(30));
            assert!(sessions.get(&id).is_some());
        }
        clock.advance(Duration::from_secs(30));
        assert_eq!(sessions.get(&id), None, "300 s after sign-in");
        // The CSRF check sees no session: the route asks to sign in.
        let head = RequestHead::new(
            "GET",
            "/session",
            None,
            [("cookie", format!("{COOKIE}={id}").as_bytes())],
        );
        assert!(sessions.of(&head).is_none());
    }

    #[test]
    fn expired_sessions_are_dropped_at_the_next_sign_in() {
        let (sessions, clock) = timed(60, 3600, 1000);
        for _ in 0..500 {
            sessions.sign_in("bob").unwrap();
        }
        let (kept, _) = sessions.sign_in("alice").unwrap();
        clock.advance(Duration::from_secs(40));
        assert!(sessions.get(&kept).is_some());
        clock.advance(Duration::from_secs(40));
        let (new, _) = sessions.sign_in("carol").unwrap();
        assert_eq!(sessions.len(), 2, "the 500 idle sessions are gone");
        assert!(sessions.get(&kept).is_some() && sessions.get(&new).is_some());
    }

    #[test]
    fn forty_thousand_sign_ins_stay_within_the_limit() {
        let limit = 10_000;
        let (sessions, clock) = timed(1800, 43_200, limit);
        let (first, _) = sessions.sign_in("alice").unwrap();
        let (busy, _) = sessions.sign_in("bob").unwrap();
        let mut last = String::new();
        for i in 0..40_000 {
            clock.advance(Duration::from_millis(1));
            if i % 1000 == 0 {
                assert!(sessions.get(&busy).is_some(), "a session in use is kept");
            }
            last = sessions.sign_in("carol").unwrap().0;
            assert!(sessions.len() <= limit);
        }
        assert_eq!(sessions.len(), limit);
        assert_eq!(sessions.get(&first), None, "the least recently used went");
        assert!(sessions.get(&busy).is_some());
        assert!(sessions.get(&last).is_some());
    }

    #[test]
    fn csrf_tokens_are_required_of_signed_in_state_changes() {
        let sessions = Sessions::new();
        let (id, session) = sessions.sign_in("bob").unwrap();
        let head = |method: &str, headers: &[(&str, &str)]| {
            let cookie = format!("{COOKIE}={id}");
            let mut all = vec![("cookie", cookie.as_str())];
            all.extend_from_slice(headers);
            RequestHead::new(
                method,
                "/orders",
                None,
                all.iter().map(|(k, v)| (*k, v.as_bytes())),
            )
        };
        assert_eq!(sessions.csrf_check(&head("GET", &[])), CsrfCheck::Pass);
        assert_eq!(sessions.csrf_check(&head("POST", &[])), CsrfCheck::Refuse);
        let token = session.csrf_token.clone();
        let with = head("DELETE", &[("x-csrf-token", token.as_str())]);
        assert_eq!(sessions.csrf_check(&with), CsrfCheck::Pass);
        let wrong = head("POST", &[("x-csrf-token", "nope")]);
        assert_eq!(sessions.csrf_check(&wrong), CsrfCheck::Refuse);
        let form = head(
            "POST",
            &[("content-type", "application/x-www-form-urlencoded")],
        );
        assert_eq!(
            sessions.csrf_check(&form),
            CsrfCheck::ReadForm(session.clone())
        );
        assert!(form_carries_token(
            &session,
            format!("a=1&_csrf={token}").as_bytes()
        ));
        assert!(!form_carries_token(&session, b"_csrf=nope"));
        let anonymous = RequestHead::new("POST", "/orders", None, []);
        assert_eq!(sessions.csrf_check(&anonymous), CsrfCheck::Pass);
        assert_eq!(csrf_refused().status(), 403);
    }
}
