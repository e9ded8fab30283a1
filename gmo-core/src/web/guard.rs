//! The card-data guard applied to one request: which parts are scanned, and how a refusal is
//! recorded.
//!
//! The adapters' guard layers call [`scan_head`] first (path, query, headers and cookies: a
//! refusal costs no body read), then [`scan_request`]'s body scan on bodies up to
//! [`GuardConfig::max_body_bytes`](crate::guard::GuardConfig::max_body_bytes), or a
//! [`BodyScanner`](crate::guard::BodyScanner) on larger ones as they stream through, logging its
//! refusal with [`log_refusal`].

use crate::guard::{CardDataFound, CardDataGuard};

/// Scans what comes before the body: the path, the query string and every header (cookies
/// one by one). Logs a refusal like [`scan_request`].
pub fn scan_head<'h>(
    guard: &CardDataGuard,
    path: &str,
    query: Option<&str>,
    headers: impl IntoIterator<Item = (&'h str, &'h [u8])>,
) -> Result<(), CardDataFound> {
    let result = guard
        .check_path(path)
        .and_then(|()| query.map_or(Ok(()), |q| guard.check_query(q)))
        .and_then(|()| guard.check_headers(headers));
    if let Err(found) = &result {
        log_refusal(found);
    }
    result
}

/// Whether a body with this `Content-Encoding` header can be scanned: none, or `identity`.
pub fn is_scannable_encoding(content_encoding: Option<&str>) -> bool {
    content_encoding.is_none_or(|e| {
        e.split(',')
            .all(|e| e.trim().eq_ignore_ascii_case("identity") || e.trim().is_empty())
    })
}

/// Logs a refusal: where the card number was, never what.
pub fn log_refusal(found: &CardDataFound) {
    tracing::warn!(
        location = %found.location(),
        field = found.field().unwrap_or(""),
        "request refused: it carried what looks like a card number"
    );
}

/// Scans the parts of a request that can carry what a browser sent: the path, the query string
/// and the body (by its content type). The first card number found refuses the request; the
/// refusal is logged with where it was found, never what.
///
/// ```
/// use gmo_core::guard::{CardDataGuard, GuardConfig};
/// use gmo_core::web::scan_request;
///
/// let guard = CardDataGuard::new(GuardConfig::default());
/// assert!(scan_request(&guard, "/payments/cards", None, Some("application/json"), br#"{"token":"t"}"#).is_ok());
/// let found = scan_request(&guard, "/shop/orders", Some("tel=09012345678"), Some("application/json"),
///     br#"{"card":"4111 1111 1111 1111"}"#).unwrap_err();
/// assert_eq!(found.field(), Some("card"));
/// ```
pub fn scan_request(
    guard: &CardDataGuard,
    path: &str,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), CardDataFound> {
    let result = guard
        .check_path(path)
        .and_then(|()| query.map_or(Ok(()), |q| guard.check_query(q)))
        .and_then(|()| guard.check_body(content_type, body));
    if let Err(found) = &result {
        log_refusal(found);
    }
    result
}
