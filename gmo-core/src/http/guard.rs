//! The card-data guard applied to one request: which parts are scanned, and how a refusal is
//! recorded.

use crate::guard::{CardDataFound, CardDataGuard};

/// Scans the parts of a request that can carry what a browser sent: the path, the query string
/// and the body (by its content type). The first card number found refuses the request; the
/// refusal is logged with where it was found, never what.
///
/// ```
/// use gmo_core::guard::{CardDataGuard, GuardConfig};
/// use gmo_core::http::scan_request;
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
        tracing::warn!(
            location = %found.location(),
            field = found.field().unwrap_or(""),
            "request refused: it carried what looks like a card number"
        );
    }
    result
}
