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
    let Ok(form) = gmo_core::wire::parse_form(&body) else {
        // Undecodable card data: token.js's "bad format after decryption".
        return (
            [ALLOW_ANY_ORIGIN],
            Json(serde_json::json!({ "resultCode": "191" })),
        );
    };
    let get = |key: &str| form.get(key).map(str::to_owned);
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
