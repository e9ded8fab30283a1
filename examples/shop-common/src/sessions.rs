//! Server-side sessions: a random cookie value names a signed-in user and the session's CSRF
//! token; the CSRF check of state-changing requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use gmo_core::customer::{Customer, CustomerId};
use gmo_core::values::InvalidValue;
use gmo_core::web::ErrorResponse;
use subtle::ConstantTimeEq as _;

use crate::request::RequestHead;
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
