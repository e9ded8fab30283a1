//! Control and inspection over HTTP, in JSON, under `/sandbox/`: what the library's inspection
//! and control methods do, for tests that drive the sandbox from outside (another language, a
//! browser test, the binary).
//!
//! Request bodies are JSON whatever their `Content-Type` (so that a bare `curl -d` works); an
//! empty body stands for `{}`. Errors answer `{"error": "…"}` with 400 (bad request), 404
//! (unknown order, member or shop) or 409 (the clock cannot be moved).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::api::Api;
use crate::faults::{Fault, FaultKind, FaultStatus, FiredFault, Trigger};
use crate::notifications::NotifyError;
use crate::sandbox::Sandbox;

/// The `/sandbox/*` routes (the token endpoint `/sandbox/tokens` is routed apart).
pub(super) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/sandbox/calls", get(calls))
        .route("/sandbox/transactions/{order_id}", get(transaction))
        .route("/sandbox/members/{member_id}", get(member))
        .route("/sandbox/state-changes", get(state_changes))
        .route(
            "/sandbox/faults",
            get(faults).post(add_fault).delete(clear_faults),
        )
        .route("/sandbox/latency", get(latency).put(set_latency))
        .route("/sandbox/notifications", get(notifications))
        .route("/sandbox/notifications/test", post(connectivity_test))
        .route("/sandbox/notifications/url", put(set_notify_url))
        .route("/sandbox/clock/advance", post(advance_clock))
        .route("/sandbox/reset", post(reset))
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

/// Reads a JSON body; empty means `{}`.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, serde_json::Error> {
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(text)
}

// ---------------------------------------------------------------------------------------------
// Inspection

/// `GET /sandbox/calls`: `{"by_api": {"EntryTran": 3, …}, "by_order": {"order-1": 2, …}}`.
async fn calls(State(sandbox): State<Sandbox>) -> Json<Value> {
    Json(json!({
        "by_api": sandbox.call_counts(),
        "by_order": sandbox.call_counts_by_order(),
    }))
}

#[derive(Debug, Deserialize)]
struct ShopQuery {
    shop_id: Option<String>,
}

/// `GET /sandbox/transactions/{order_id}[?shop_id=…]`: the transaction (first shop by default).
async fn transaction(
    State(sandbox): State<Sandbox>,
    Path(order_id): Path<String>,
    Query(query): Query<ShopQuery>,
) -> Response {
    let shop_id = query
        .shop_id
        .unwrap_or_else(|| sandbox.shop_id().to_owned());
    match sandbox.transaction_of(&shop_id, &order_id) {
        Some(snapshot) => Json(snapshot).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            format_args!("no order {order_id} in shop {shop_id}"),
        ),
    }
}

#[derive(Debug, Deserialize)]
struct SiteQuery {
    site_id: Option<String>,
}

/// `GET /sandbox/members/{member_id}[?site_id=…]`: the member and its cards, masked.
async fn member(
    State(sandbox): State<Sandbox>,
    Path(member_id): Path<String>,
    Query(query): Query<SiteQuery>,
) -> Response {
    let site_id = query
        .site_id
        .unwrap_or_else(|| sandbox.site_id().to_owned());
    match sandbox.member_of(&site_id, &member_id) {
        Some(snapshot) => Json(snapshot).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            format_args!("no member {member_id} in site {site_id}"),
        ),
    }
}

/// `GET /sandbox/state-changes`: the recent state changes, oldest first.
async fn state_changes(State(sandbox): State<Sandbox>) -> Json<Value> {
    Json(json!(sandbox.state_changes()))
}

// ---------------------------------------------------------------------------------------------
// Faults and latency

/// The body of `POST /sandbox/faults`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    /// One of [`FaultKind::NAMES`].
    kind: String,
    /// An API name (default: every API).
    api: Option<String>,
    /// Fire on the next `count` matching calls (default 1).
    count: Option<u32>,
    /// Or fire with this probability…
    probability: Option<f64>,
    /// …drawn from a generator with this seed (default 0).
    seed: Option<u64>,
    /// The delay of a `latency` fault.
    latency_ms: Option<u64>,
}

impl FaultRequest {
    fn fault(self) -> Result<Fault, String> {
        let latency = match (self.kind.as_str(), self.latency_ms) {
            ("latency", None) => return Err("a latency fault needs latency_ms".to_owned()),
            (_, ms) => Duration::from_millis(ms.unwrap_or(0)),
        };
        let kind = FaultKind::from_name(&self.kind, latency).ok_or_else(|| {
            format!(
                "unknown fault kind {:?}; expected one of {}",
                self.kind,
                FaultKind::NAMES.join(", ")
            )
        })?;
        let mut fault = Fault::new(kind);
        if let Some(api) = &self.api {
            let api = Api::ALL
                .iter()
                .copied()
                .find(|a| a.name() == api)
                .ok_or_else(|| format!("unknown API {api:?}"))?;
            fault = fault.on(api);
        }
        match (self.count, self.probability) {
            (Some(_), Some(_)) => Err("give count or probability, not both".to_owned()),
            (_, Some(p)) if !(0.0..=1.0).contains(&p) => {
                Err("probability must be between 0 and 1".to_owned())
            }
            (_, Some(p)) => Ok(fault.with_probability(p, self.seed.unwrap_or(0))),
            (count, None) => Ok(fault.times(count.unwrap_or(1))),
        }
    }
}

fn fault_json(fault: &Fault) -> Value {
    let mut value = json!({
        "kind": fault.kind().name(),
        "api": fault.api().map(Api::name),
    });
    if let FaultKind::Latency(latency) = fault.kind() {
        value["latency_ms"] = json!(latency.as_millis());
    }
    match fault.trigger() {
        Trigger::Next(n) => value["count"] = json!(n),
        Trigger::Probability { p, seed } => {
            value["probability"] = json!(p);
            value["seed"] = json!(seed);
        }
    }
    value
}

fn status_json(status: &FaultStatus) -> Value {
    let mut value = fault_json(&status.fault);
    value["id"] = json!(status.id);
    value["remaining"] = json!(status.remaining);
    value["fired"] = json!(status.fired);
    value
}

fn fired_json(fired: &FiredFault) -> Value {
    json!({
        "fault_id": fired.fault_id,
        "kind": fired.kind.name(),
        "api": fired.api.name(),
        "order_id": fired.order_id,
    })
}

/// `GET /sandbox/faults`: `{"faults": [armed faults with counters], "fired": [what fired]}`.
async fn faults(State(sandbox): State<Sandbox>) -> Json<Value> {
    let armed: Vec<Value> = sandbox.faults().iter().map(status_json).collect();
    let fired: Vec<Value> = sandbox.fired_faults().iter().map(fired_json).collect();
    Json(json!({ "faults": armed, "fired": fired }))
}

/// `POST /sandbox/faults` with a [`FaultRequest`]: arms it; answers `{"id": n}`.
async fn add_fault(State(sandbox): State<Sandbox>, bytes: Bytes) -> Response {
    let request: FaultRequest = match body(&bytes) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    match request.fault() {
        Ok(fault) => Json(json!({ "id": sandbox.add_fault(fault) })).into_response(),
        Err(message) => error(StatusCode::BAD_REQUEST, message),
    }
}

/// `DELETE /sandbox/faults`: disarms every fault.
async fn clear_faults(State(sandbox): State<Sandbox>) -> Json<Value> {
    sandbox.clear_faults();
    Json(json!({}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LatencyRequest {
    ms: u64,
}

/// `GET /sandbox/latency`: `{"ms": n}`.
async fn latency(State(sandbox): State<Sandbox>) -> Json<Value> {
    Json(json!({ "ms": sandbox.latency().as_millis() }))
}

/// `PUT /sandbox/latency` with `{"ms": n}`: the delay added to every API call.
async fn set_latency(State(sandbox): State<Sandbox>, bytes: Bytes) -> Response {
    match body::<LatencyRequest>(&bytes) {
        Ok(request) => {
            sandbox.set_latency(Duration::from_millis(request.ms));
            Json(json!({ "ms": request.ms })).into_response()
        }
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

// ---------------------------------------------------------------------------------------------
// Notifications

/// `GET /sandbox/notifications`: every delivery with its attempts and outcome.
async fn notifications(State(sandbox): State<Sandbox>) -> Json<Value> {
    Json(json!(sandbox.notifications()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectivityTestRequest {
    shop_id: Option<String>,
}

/// `POST /sandbox/notifications/test` with `{"shop_id": …}` (optional): sends the connectivity
/// test; answers `{"id": n}`, the delivery's id.
async fn connectivity_test(State(sandbox): State<Sandbox>, bytes: Bytes) -> Response {
    let request: ConnectivityTestRequest = match body(&bytes) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let shop_id = request
        .shop_id
        .unwrap_or_else(|| sandbox.shop_id().to_owned());
    match sandbox.send_connectivity_test_for(&shop_id) {
        Ok(id) => Json(json!({ "id": id })).into_response(),
        Err(e @ NotifyError::UnknownShop(_)) => error(StatusCode::NOT_FOUND, e),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifyUrlRequest {
    url: Option<String>,
}

/// `PUT /sandbox/notifications/url` with `{"url": "…"}` or `{"url": null}`: the notification URL
/// of the shops without their own.
async fn set_notify_url(State(sandbox): State<Sandbox>, bytes: Bytes) -> Response {
    match body::<NotifyUrlRequest>(&bytes) {
        Ok(request) => {
            sandbox.set_notify_url(request.url.clone());
            Json(json!({ "url": request.url })).into_response()
        }
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

// ---------------------------------------------------------------------------------------------
// Clock and reset

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceRequest {
    seconds: u64,
}

/// `POST /sandbox/clock/advance` with `{"seconds": n}`: moves a manual clock forward (409 for
/// the system clock).
async fn advance_clock(State(sandbox): State<Sandbox>, bytes: Bytes) -> Response {
    let request: AdvanceRequest = match body(&bytes) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    if sandbox.advance_clock(Duration::from_secs(request.seconds)) {
        Json(json!({ "advanced_seconds": request.seconds })).into_response()
    } else {
        error(
            StatusCode::CONFLICT,
            "the sandbox runs on the system clock, which cannot be moved",
        )
    }
}

/// `POST /sandbox/reset`: back to the state the sandbox was spawned in.
async fn reset(State(sandbox): State<Sandbox>) -> Json<Value> {
    sandbox.reset();
    Json(json!({}))
}
