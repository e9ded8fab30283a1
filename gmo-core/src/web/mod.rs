//! The payment routes without a web framework: what the axum and actix-web adapters share, so
//! that each adapter handler is "extract the request's parts, call one function here, turn the
//! answer into a response".
//!
//! | module | what |
//! |---|---|
//! | [`routes`] | the route table: paths as constants, the default gateway prefix |
//! | [`body`] | the bodies of the card and checkout routes (JSON or form) |
//! | [`three_ds`] | reading the 3-D Secure return (form body or query) |
//! | [`handlers`] | one function per route: body, throttle, flow, logs |
//! | [`error`] | [`RouteError`] and [`Refusal`] (one told under the payments' [`MessagePolicy`]), the JSON error body, and the one mapping of errors to HTTP statuses |
//! | [`attempts`] | the card-testing throttle applied to a request: [`CardAttempts`] |
//! | [`client_ip`] | the client's address behind [`TrustedProxies`] |
//! | [`notify`] | the notification route's settings: allowed source networks, [`NotificationRoute`] |
//! | [`guard`] | the card-data guard applied to a request: [`scan_request`] |
//!
//! Successful answers are JSON: `GET /cards` → [`CardList`]; `POST /cards` →
//! [`CardRegistration`](crate::flow::CardRegistration) (`{"status": "registered", "card": …}`
//! or `{"status": "redirect_to", "order_id": …, "url": …}`); `POST /checkout/{order_id}` →
//! [`Confirmation`](crate::flow::Confirmation) (`{"status": "completed", "order": …}` or
//! `{"status": "redirect_to", …}`); `PUT /cards/{card_seq}` → [`CardRegistration`](crate::flow::CardRegistration)
//! as `POST /cards`; `PUT`/`POST /cards/{card_seq}/default` → the [`Card`](crate::flow::Card);
//! `DELETE /cards/{card_seq}` → 204. The 3-D Secure return
//! answers `303 See Other` to the completion page, the notification `0` as `text/plain`.

pub mod attempts;
pub mod body;
pub mod client_ip;
pub mod error;
pub mod guard;
pub mod handlers;
pub mod notify;
pub mod routes;
pub mod three_ds;

pub use crate::guard::MessagePolicy;
pub use attempts::{AttemptKind, CardAttempts};
pub use body::{BodyError, MAX_BODY_BYTES};
pub use client_ip::TrustedProxies;
pub use error::{ErrorBody, ErrorDetail, ErrorResponse, Refusal, RouteError};
pub use guard::{is_scannable_encoding, scan_head, scan_request};
pub use handlers::CardList;
pub use notify::NotificationRoute;
