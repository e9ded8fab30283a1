//! The signed-in user, kept in actix-session's session: the user's id, the session's CSRF
//! token, when they signed in and when the session was last seen (unix seconds).
//!
//! A session unused for the idle time, or older than the maximum age since sign-in however
//! busy, is over: it is purged (its row deleted, its cookie removed) and the request is signed
//! out. `seen_at` is renewed only once it is a minute old
//! ([`SessionLifetime::RENEW_AFTER`]): renewing is a write (which also extends the row's
//! expiry), so a busy session is written at most once a minute.

use std::future::{Ready, ready};

use actix_session::{Session, SessionExt as _, SessionInsertError};
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::web::Data;
use actix_web::{Error, FromRequest, HttpRequest, HttpResponse};
use gmo_core::customer::{Customer, CustomerId};
use gmo_core::values::InvalidValue;
use gmo_core::web::ErrorResponse;
use shop_common::pages::Viewer;
use shop_common::session_db::SessionLifetime;
use shop_common::users::{self, User};

use crate::extract::wants_json;
use crate::respond;
use crate::session_store::now;
use crate::state::AppState;

/// The session's keys.
const USER: &str = "user";
const CSRF_TOKEN: &str = "csrf_token";
const SIGNED_IN_AT: &str = "signed_in_at";
const SEEN_AT: &str = "seen_at";

/// The signed-in user: the shop's "current user", and the paying customer of gmo-actix's
/// routes. As an extractor, a request without a live session is refused: pages are sent to
/// `/signin`, JSON clients and the payment routes get `401 not_signed_in`. Take
/// `Option<SignedIn>` where signing in is optional.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Who.
    pub user: &'static User,
    /// The token the session's state-changing requests must present.
    pub csrf_token: String,
    customer: CustomerId,
}

impl SignedIn {
    /// The live session's user, if any (an expired session is purged; a stale `seen_at`
    /// renewed).
    pub(crate) fn of(session: &Session, lifetime: SessionLifetime) -> Option<Self> {
        if session.entries().is_empty() {
            return None;
        }
        let live = Self::read(session, lifetime);
        if live.is_none() {
            session.purge();
        }
        live
    }

    fn read(session: &Session, lifetime: SessionLifetime) -> Option<Self> {
        let user = users::user(&session.get::<String>(USER).ok()??)?;
        let csrf_token = session.get::<String>(CSRF_TOKEN).ok()??;
        let signed_in_at = session.get::<i64>(SIGNED_IN_AT).ok()??;
        let seen_at = session.get::<i64>(SEEN_AT).ok()??;
        let now = now();
        let older_than = |at: i64, limit: std::time::Duration| {
            now.saturating_sub(at) >= i64::try_from(limit.as_secs()).unwrap_or(i64::MAX)
        };
        if older_than(signed_in_at, lifetime.max_age) || older_than(seen_at, lifetime.idle) {
            return None;
        }
        if older_than(seen_at, SessionLifetime::RENEW_AFTER) {
            // Were the write to fail, the session would only expire a little sooner.
            let _ = session.insert(SEEN_AT, now);
        }
        let customer = CustomerId::new(user.id).ok()?;
        Some(Self {
            user,
            csrf_token,
            customer,
        })
    }

    /// Signs `user` in on `session`: a new session id (no fixation), the old one's data gone,
    /// a new CSRF token.
    pub(crate) fn sign_in(
        session: &Session,
        user: &'static User,
    ) -> Result<Self, SessionInsertError> {
        let customer = CustomerId::new(user.id).map_err(|e| {
            // The demo users' ids are valid customer ids: not reached.
            SessionInsertError::from(anyhow::anyhow!("{e}"))
        })?;
        session.renew();
        session.clear();
        let csrf_token = shop_common::csrf::new_token();
        let now = now();
        session.insert(USER, user.id)?;
        session.insert(CSRF_TOKEN, &csrf_token)?;
        session.insert(SIGNED_IN_AT, now)?;
        session.insert(SEEN_AT, now)?;
        Ok(Self {
            user,
            csrf_token,
            customer,
        })
    }

    /// The payment customer.
    pub(crate) fn customer(&self) -> &CustomerId {
        &self.customer
    }

    /// The pages' view of the user.
    pub(crate) fn viewer(&self) -> Viewer<'_> {
        Viewer {
            user: Some(self.user),
            csrf_token: Some(&self.csrf_token),
        }
    }

    /// `{"user", "name", "admin", "csrf_token"}`.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "user": self.user.id,
            "name": self.user.name,
            "admin": self.user.admin,
            "csrf_token": self.csrf_token,
        })
    }
}

/// The pages' view of a visitor, signed in or not.
pub(crate) fn viewer(user: Option<&SignedIn>) -> Viewer<'_> {
    user.map(SignedIn::viewer).unwrap_or_default()
}

/// The sessions' lifetime of the app serving `req`.
pub(crate) fn lifetime(req: &HttpRequest) -> SessionLifetime {
    req.app_data::<Data<AppState>>()
        .map(|state| state.session_lifetime)
        .unwrap_or_default()
}

impl FromRequest for SignedIn {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::of(&req.get_session(), lifetime(req)).ok_or_else(|| {
            InternalError::from_response("not signed in", sign_in_first(req)).into()
        }))
    }
}

/// The signed-in user is the paying customer of the payment routes.
impl Customer for SignedIn {
    fn customer_id(&self) -> Result<CustomerId, InvalidValue> {
        Ok(self.customer.clone())
    }
}

/// The answer to a signed-out request for a signed-in route: JSON clients (and the payment
/// routes, which only scripts call) get `401 not_signed_in`, pages a redirect to `/signin`.
fn sign_in_first(req: &HttpRequest) -> HttpResponse {
    if wants_json(req.headers()) || req.path().starts_with("/payments/") {
        respond::error(&ErrorResponse::new(401, "not_signed_in", "sign in first"))
    } else {
        respond::redirect("/signin")
    }
}
