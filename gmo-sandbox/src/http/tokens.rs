//! `POST /sandbox/tokens`: what token.js's `getToken` does, as a form post answering the JSON
//! object token.js hands its callback.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;

use crate::sandbox::Sandbox;
use crate::tokens::TokenRequest;

/// Any page may ask for tokens (token.js runs on the merchant's origin); a form post is a simple
/// cross-origin request, so the answer only needs to allow every origin.
const ALLOW_ANY_ORIGIN: (header::HeaderName, &str) = (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");

pub(super) async fn issue(
    State(sandbox): State<Sandbox>,
    body: Bytes,
) -> (
    [(header::HeaderName, &'static str); 1],
    Json<serde_json::Value>,
) {
    // Every field takes ASCII only, so the charset only decides how a wrong character is read:
    // browsers (token.js) send UTF-8, protocol clients Windows-31J. Read as UTF-8, anything else
    // turns into replacement characters, and either way the field answers its own code (a
    // non-ASCII holder name `131`, as GMO's token.js does).
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |key: &str| {
        form.iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value.clone())
    };
    let request = TokenRequest {
        cardno: get("cardno"),
        expire: get("expire"),
        securitycode: get("securitycode"),
        holdername: get("holdername"),
        tokennumber: get("tokennumber"),
        shopid: get("shopid"),
    };
    let answer = match sandbox.issue_tokens_exactly(&request) {
        Ok(issued) => issued.to_json(),
        Err(error) => error.to_json(),
    };
    ([ALLOW_ANY_ORIGIN], Json(answer))
}
