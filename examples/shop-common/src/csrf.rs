//! The shop's CSRF defence: the synchronizer token pattern (OWASP's first recommendation for
//! stateful apps). Each session holds a random token made at sign-in; a state-changing request
//! of a signed-in session (any method but GET, HEAD and OPTIONS) must present it, in the
//! [`HEADER`] (scripts, which read it from `GET /session`) or the [`FORM_FIELD`] of a form (the
//! pages put it in every form). Sign-in, which has no session yet, is guarded by its origin
//! check instead ([`crate::signin`]). Each shop keeps the token in its framework's session and
//! checks it in a middleware; what the token is and how it is compared lives here.

use gmo_core::web::ErrorResponse;
use subtle::ConstantTimeEq as _;

/// The header a script sends the token in.
pub const HEADER: &str = "x-csrf-token";

/// The form field a page sends the token in.
pub const FORM_FIELD: &str = "_csrf";

/// A new token: 128 random bits as 32 lowercase hex digits.
pub fn new_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Whether `presented` is the session's `expected` token (compared in constant time).
pub fn matches(expected: &str, presented: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

/// Whether a method changes state, so needs the token.
pub fn is_state_changing(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// The token in the [`FORM_FIELD`] of a urlencoded form `body`, if any.
pub fn form_token(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == FORM_FIELD)
        .map(|(_, token)| token.into_owned())
}

/// The answer to a request without the session's token: `403 csrf_failed`.
pub fn refused() -> ErrorResponse {
    ErrorResponse::new(
        403,
        "csrf_failed",
        "the request lacks this session's CSRF token; reload the page",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let token = new_token();
        assert_eq!(token.len(), 32);
        assert_ne!(token, new_token());
        assert!(matches(&token, &token));
        assert!(!matches(&token, &token[..31]));
        assert!(!matches("", ""));
        assert_eq!(form_token(b"a=1&_csrf=t%20x").as_deref(), Some("t x"));
        assert_eq!(form_token(b"a=1"), None);
        assert!(is_state_changing("POST") && !is_state_changing("HEAD"));
        assert_eq!(refused().status(), 403);
    }
}
