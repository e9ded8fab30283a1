//! Who may sign in, and from where: the same-origin check of `POST /signin` (no login CSRF),
//! the session cookie's `Secure` attribute, and the owner's sign-in (by choice only in the demo,
//! else with `SHOP_ADMIN_TOKEN`).
//!
//! A browser sends `Origin` on every cross-site POST (and `Sec-Fetch-Site` with it, where it
//! knows it): a sign-in whose `Origin` (or, without one, `Referer`) is not the shop's public
//! origin, or that a browser marks `cross-site` or `same-site`, is refused with
//! `403 cross_site_sign_in`. A request with none of these headers is not a browser's (curl, a
//! script, the test driver): a forged form cannot leave them out, so it is accepted.

use std::fmt;

use gmo_core::web::ErrorResponse;
use subtle::ConstantTimeEq as _;

use crate::users::User;

/// The operator's secret for the owner's sign-in when the demo is off (`SHOP_ADMIN_TOKEN`).
/// Never printed; compared in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken(String);

impl AdminToken {
    /// The shortest token accepted.
    pub const MIN_LEN: usize = 16;

    /// A token of at least [`AdminToken::MIN_LEN`] characters; `None` if shorter.
    pub fn new(token: impl Into<String>) -> Option<Self> {
        let token = token.into();
        (token.chars().count() >= Self::MIN_LEN).then_some(Self(token))
    }

    /// Whether `presented` is this token (constant time in the token's content).
    pub fn matches(&self, presented: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(presented.as_bytes()))
    }
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken(…)")
    }
}

/// How the shop's owner (an admin user) signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminSignIn {
    /// The demo (`SHOP_DEMO=on`, the default): anyone may choose the owner.
    Demo,
    /// Not in the demo: only with the operator's token, sent as the `admin_token` field;
    /// `None`: the owner cannot sign in at all.
    Token(Option<AdminToken>),
}

/// The form field (or JSON member) the owner's token is sent in.
pub const ADMIN_TOKEN_FIELD: &str = "admin_token";

/// Why a sign-in is refused before any session is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignInRefusal {
    /// A browser sent it from another site (login CSRF).
    #[error("sign-in is only accepted from the shop's own pages")]
    CrossSite,
    /// The owner, chosen without the operator's token outside the demo.
    #[error("the shop owner signs in with the operator's admin token")]
    AdminTokenRequired,
}

impl SignInRefusal {
    /// The JSON error code: `cross_site_sign_in` or `admin_token_required`.
    pub fn code(self) -> &'static str {
        match self {
            Self::CrossSite => "cross_site_sign_in",
            Self::AdminTokenRequired => "admin_token_required",
        }
    }

    /// The answer: `403` with the code.
    pub fn answer(self) -> ErrorResponse {
        ErrorResponse::new(403, self.code(), self.to_string())
    }
}

/// The shop's sign-in rules: its public origin, and how the owner signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInPolicy {
    /// `scheme://host[:port]` of the shop's public URL, lowercase, default port left out.
    origin: String,
    /// How the owner signs in.
    pub admin: AdminSignIn,
}

impl SignInPolicy {
    /// The rules of a shop at `public_url` (`http(s)://host[:port][/…]`), the owner signing in
    /// as `admin` says.
    pub fn new(public_url: &str, admin: AdminSignIn) -> Self {
        Self {
            origin: origin_of(public_url).unwrap_or_default(),
            admin,
        }
    }

    /// The shop's public origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Whether the session cookie is `Secure`: the shop is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.origin.starts_with("https://")
    }

    /// Whether the sign-in page offers the owner as a choice.
    pub fn offers_owner(&self) -> bool {
        self.admin == AdminSignIn::Demo
    }

    /// Whether the sign-in page offers the owner's sign-in with the token.
    pub fn takes_admin_token(&self) -> bool {
        matches!(self.admin, AdminSignIn::Token(Some(_)))
    }

    /// The same-origin check of a sign-in request (see the module docs), from its
    /// `Sec-Fetch-Site`, `Origin` and `Referer` headers.
    pub fn check_origin(
        &self,
        sec_fetch_site: Option<&str>,
        origin: Option<&str>,
        referer: Option<&str>,
    ) -> Result<(), SignInRefusal> {
        if let Some(site) = sec_fetch_site {
            let site = site.trim();
            if site.eq_ignore_ascii_case("cross-site") || site.eq_ignore_ascii_case("same-site") {
                return Err(SignInRefusal::CrossSite);
            }
        }
        let from = match (origin, referer) {
            (Some(origin), _) => origin,
            (None, Some(referer)) => referer,
            (None, None) => return Ok(()),
        };
        // `Origin: null` (a sandboxed frame, a redirect across sites) has no origin: refused.
        match origin_of(from.trim()) {
            Some(origin) if !self.origin.is_empty() && origin == self.origin => Ok(()),
            _ => Err(SignInRefusal::CrossSite),
        }
    }

    /// Whether `user` may sign in with these `fields` (the owner outside the demo needs the
    /// operator's token in [`ADMIN_TOKEN_FIELD`]).
    pub fn check_user(
        &self,
        user: &User,
        fields: &[(String, String)],
    ) -> Result<(), SignInRefusal> {
        if !user.admin {
            return Ok(());
        }
        let presented = fields
            .iter()
            .find(|(k, _)| k == ADMIN_TOKEN_FIELD)
            .map(|(_, v)| v.as_str());
        match (&self.admin, presented) {
            (AdminSignIn::Demo, _) => Ok(()),
            (AdminSignIn::Token(Some(token)), Some(presented)) if token.matches(presented) => {
                Ok(())
            }
            (AdminSignIn::Token(_), _) => Err(SignInRefusal::AdminTokenRequired),
        }
    }
}

/// The origin of a URL: `scheme://host[:port]`, scheme and host lowercase, the scheme's default
/// port left out, as browsers send it in `Origin`. `None` for what is not an http(s) URL.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials in a URL are not part of its origin.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.is_empty() {
        return None;
    }
    let host_port = host_port.to_ascii_lowercase();
    let host_port = host_port.strip_suffix(default_port).unwrap_or(&host_port);
    Some(format!("{scheme}://{host_port}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users;

    /// The named header's value.
    fn header<'h>(headers: &[(&str, &'h str)], name: &str) -> Option<&'h str> {
        headers.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }

    #[test]
    fn origins_are_as_browsers_send_them() {
        assert_eq!(
            origin_of("https://Shop.Example:443/x?y").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3000").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(
            origin_of("http://u:p@shop.example:80/").as_deref(),
            Some("http://shop.example")
        );
        assert_eq!(origin_of("null"), None);
        assert_eq!(origin_of("ftp://shop.example"), None);
        assert_eq!(origin_of("https://"), None);
    }

    #[test]
    fn only_same_origin_browsers_and_non_browsers_sign_in() {
        let policy = SignInPolicy::new("https://shop.example/", AdminSignIn::Demo);
        assert!(policy.secure_cookies());
        assert!(!SignInPolicy::new("http://127.0.0.1:3000", AdminSignIn::Demo).secure_cookies());
        let ok = |h: &[(&str, &str)]| {
            policy.check_origin(
                header(h, "sec-fetch-site"),
                header(h, "origin"),
                header(h, "referer"),
            )
        };
        assert_eq!(ok(&[]), Ok(()), "no browser headers: curl, scripts");
        assert_eq!(ok(&[("origin", "https://shop.example")]), Ok(()));
        assert_eq!(ok(&[("origin", "https://SHOP.example:443")]), Ok(()));
        assert_eq!(
            ok(&[("referer", "https://shop.example/signin")]),
            Ok(()),
            "Referer without Origin"
        );
        assert_eq!(
            ok(&[
                ("origin", "https://shop.example"),
                ("sec-fetch-site", "same-origin")
            ]),
            Ok(())
        );
        for foreign in [
            &[("origin", "https://evil.example")][..],
            &[("origin", "null")],
            &[("origin", "http://shop.example")],
            &[("origin", "https://shop.example.evil.example")],
            &[("referer", "https://evil.example/shop.example")],
            &[("sec-fetch-site", "cross-site")],
            &[("sec-fetch-site", "same-site")],
            &[
                ("origin", "https://shop.example"),
                ("sec-fetch-site", "cross-site"),
            ],
            &[
                ("origin", "https://evil.example"),
                ("referer", "https://shop.example/signin"),
            ],
        ] {
            assert_eq!(ok(foreign), Err(SignInRefusal::CrossSite), "{foreign:?}");
        }
        assert_eq!(SignInRefusal::CrossSite.answer().status(), 403);
        assert_eq!(SignInRefusal::CrossSite.code(), "cross_site_sign_in");
    }

    #[test]
    fn the_owner_is_chosen_only_in_the_demo() {
        let owner = users::user("owner").unwrap();
        let alice = users::user("alice").unwrap();
        let none: &[(String, String)] = &[];
        let with = |token: &str| vec![(ADMIN_TOKEN_FIELD.to_owned(), token.to_owned())];
        let demo = SignInPolicy::new("http://127.0.0.1:3000", AdminSignIn::Demo);
        assert!(demo.offers_owner() && !demo.takes_admin_token());
        assert_eq!(demo.check_user(owner, none), Ok(()));

        let token = AdminToken::new("a-long-operator-secret").unwrap();
        assert!(!format!("{token:?}").contains("secret"));
        assert!(AdminToken::new("short").is_none());
        let guarded = SignInPolicy::new("http://x", AdminSignIn::Token(Some(token)));
        assert!(!guarded.offers_owner() && guarded.takes_admin_token());
        assert_eq!(guarded.check_user(alice, none), Ok(()));
        assert_eq!(
            guarded.check_user(owner, none),
            Err(SignInRefusal::AdminTokenRequired)
        );
        assert_eq!(
            guarded.check_user(owner, &with("a-long-operator-secreT")),
            Err(SignInRefusal::AdminTokenRequired)
        );
        assert_eq!(
            guarded.check_user(owner, &with("a-long-operator-secret")),
            Ok(())
        );

        let closed = SignInPolicy::new("http://x", AdminSignIn::Token(None));
        assert!(!closed.offers_owner() && !closed.takes_admin_token());
        assert_eq!(
            closed.check_user(owner, &with("")),
            Err(SignInRefusal::AdminTokenRequired)
        );
    }
}
