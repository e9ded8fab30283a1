//! # gmo-axum
//!
//! Card registration and 3-D Secure checkout through GMO Payment Gateway for an existing axum
//! app: routes, extractors and tower layers over [`gmo_core`]'s framework-free flows. The
//! merchant supplies a [`PaymentStore`](gmo_core::store::PaymentStore), its current-user
//! extractor (implementing [`Customer`]) and the price of each order; card numbers never reach
//! the app (the browser turns them into GMO tokens).
//!
//! ```
//! use std::sync::Arc;
//! use axum::{Router, extract::{FromRef, FromRequestParts}, http::{StatusCode, request::Parts}};
//! use gmo_axum::{CardDataGuardLayer, CardTestingLayer, Customer, customer_routes, gateway_routes};
//! use gmo_core::{customer::CustomerId, store::MemoryStore, values::InvalidValue, Payments};
//! # use gmo_core::{Environment, GmoClient, ShopPass, values::ShopId};
//!
//! // The app's state and signed-in user, as they already are.
//! #[derive(Clone)]
//! struct AppState { payments: Payments /* , db, … */ }
//! struct CurrentUser { id: u64 }
//! impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
//!     type Rejection = StatusCode;
//!     async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, StatusCode> {
//!         # let _ = parts;
//!         Ok(CurrentUser { id: 1 }) // the app's own session lookup
//!     }
//! }
//!
//! // What payments add:
//! impl FromRef<AppState> for Payments {
//!     fn from_ref(state: &AppState) -> Payments { state.payments.clone() }
//! }
//! impl Customer for CurrentUser {
//!     fn customer_id(&self) -> Result<CustomerId, InvalidValue> { Ok(self.id.into()) }
//! }
//!
//! # fn client() -> GmoClient { GmoClient::builder(Environment::Custom("http://127.0.0.1:9".into()))
//! #     .shop(ShopId::new("tshop00000001").unwrap(), ShopPass::new("pass")).build().unwrap() }
//! let payments = Payments::builder(client(), Arc::new(MemoryStore::new()))
//!     .public_url("https://shop.example")
//!     .build()?;
//! let app: Router = Router::new()
//!     // … the app's routes, then the customer routes inside its session and CSRF layers:
//!     .nest(payments.gateway_prefix(), customer_routes::<AppState, CurrentUser>())
//!     // .layer(session_layer)
//!     // outside them, the routes GMO and the issuer's page call:
//!     .merge(gateway_routes(payments.clone()))
//!     .layer(CardTestingLayer::default())
//!     .layer(CardDataGuardLayer::default())
//!     .with_state(AppState { payments });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | route | what |
//! |---|---|
//! | `GET /cards` | the signed-in customer's cards: `{"cards": [...]}` |
//! | `POST /cards` | register a card from a token (`{"token": "…"}`, JSON or form): `{"status": "registered", "card": …}` or `{"status": "redirect_to", "url": …}` |
//! | `DELETE /cards/{card_seq}` | delete a card: 204 |
//! | `POST /checkout/{order_id}` | pay a server-prepared order with `{"token": "…"}` or `{"card_seq": 0}`: `{"status": "completed", "order": …}` or `{"status": "redirect_to", "url": …}` |
//! | `POST`/`GET /3ds/{order_id}` | the 3-D Secure return (gateway route): `303` to the completion page |
//! | `POST /notify` | GMO's result notification (gateway route): `0` once stored |
//!
//! Errors are `{"error": {"code": "…", "message": "…"}}` with the statuses of
//! [`gmo_core::web::error`]; every card failure is told only `declined` unless the payments'
//! [`MessagePolicy`](gmo_core::web::MessagePolicy)
//! ([`PaymentsBuilder::message_policy`](gmo_core::flow::PaymentsBuilder::message_policy)) says
//! otherwise.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod body;
mod extract;
mod layer;
mod response;
mod router;

pub use extract::{
    CardThrottle, GmoNotification, PayingCustomer, PayingCustomerRejection, ThreeDsReturn,
};
pub use gmo_core::customer::Customer;
pub use layer::{CardDataGuardLayer, CardDataGuardService, CardTestingLayer, CardTestingService};
pub use response::Refusal;
pub use router::{customer_routes, gateway_routes, gateway_routes_with, routes};
