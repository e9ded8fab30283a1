//! `POST /sandbox/tokens`: what token.js's `getToken` does, as a form post answering the JSON
//! object token.js hands its callback.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;

use crate::sandbox::Sandbox;
use crate::tokens::TokenRequest;

pub(super) async fn issue(State(sandbox): State<Sandbox>, body: Bytes) -> Json<serde_json::Value> {
    let Ok(form) = gmo_core::wire::parse_form(&body) else {
        // Undecodable card data: token.js's "bad format after decryption".
        return Json(serde_json::json!({ "resultCode": "191" }));
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
    Json(match sandbox.issue_tokens_exactly(&request) {
        Ok(issued) => issued.to_json(),
        Err(error) => error.to_json(),
    })
}
