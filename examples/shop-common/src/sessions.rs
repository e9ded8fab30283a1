//! Server-side sessions: a random cookie value names a signed-in user and the session's CSRF
//! token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use subtle::ConstantTimeEq as _;

use crate::users::{self, User};

/// The session cookie's name.
pub const COOKIE: &str = "shop_session";

/// The header a script sends the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The form field a page sends the CSRF token in.
pub const CSRF_FIELD: &str = "_csrf";

/// A signed-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Who.
    pub user: &'static User,
    /// The token state-changing requests must present.
    pub csrf_token: String,
}

impl Session {
    /// Whether `presented` is this session's CSRF token (constant time).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        bool::from(self.csrf_token.as_bytes().ct_eq(presented.as_bytes()))
    }
}

/// All sessions, in memory. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Sessions {
    by_id: Arc<Mutex<HashMap<String, Session>>>,
}

fn random_hex() -> String {
    format!("{:032x}", rand::random::<u128>())
}

impl Sessions {
    /// No sessions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Signs `user_id` in: the new session's cookie value and the session. `None` for an
    /// unknown user.
    pub fn sign_in(&self, user_id: &str) -> Option<(String, Session)> {
        let user = users::user(user_id)?;
        let session = Session {
            user,
            csrf_token: random_hex(),
        };
        let id = random_hex();
        self.by_id
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), session.clone());
        Some((id, session))
    }

    /// The session a cookie value names.
    pub fn get(&self, id: &str) -> Option<Session> {
        self.by_id
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    /// Ends a session.
    pub fn sign_out(&self, id: &str) {
        self.by_id
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
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
/// return from 3-D Secure, a top-level navigation, still carries it).
pub fn set_cookie(id: &str) -> String {
    format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax")
}

/// The `Set-Cookie` value that ends a session.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
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
    }
}
