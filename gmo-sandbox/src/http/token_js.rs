//! `GET /ext/js/token.js`: the sandbox's token.js, the same browser API as GMO's
//! (`Multipayment.init`, `Multipayment.getToken`), which asks `POST /sandbox/tokens` of the
//! sandbox it was loaded from. A shop's page switches between GMO and the sandbox by the script
//! URL alone (GMO serves it at the same path).

use axum::http::header;
use axum::response::IntoResponse;

/// The script, `assets/token.js`.
const TOKEN_JS: &str = include_str!("../../assets/token.js");

pub(super) async fn serve() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            // Pages reload it often in development; an hour keeps it fresh enough after an
            // upgrade of the sandbox.
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        TOKEN_JS,
    )
}
