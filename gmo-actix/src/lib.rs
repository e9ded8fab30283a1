//! # gmo-actix
//!
//! Card registration and 3-D Secure checkout through GMO Payment Gateway for an existing
//! actix-web app: routes, extractors and middleware over [`gmo_core`]'s framework-free flows,
//! with the same routes, JSON bodies and statuses as gmo-axum. The merchant supplies a
//! [`PaymentStore`](gmo_core::store::PaymentStore), its current-user extractor (implementing
//! [`Customer`]) and the price of each order; card numbers never reach the app (the browser
//! turns them into GMO tokens).
//!
//! ```no_run
//! use std::future::{Ready, ready};
//! use std::sync::Arc;
//! use actix_web::{App, FromRequest, HttpRequest, HttpServer, dev::Payload};
//! use gmo_actix::{Customer, PaymentRoutes};
//! use gmo_core::{customer::CustomerId, store::MemoryStore, values::InvalidValue, Payments};
//! # use gmo_core::{Environment, GmoClient, ShopPass, values::ShopId};
//!
//! // The app's signed-in user, as its auth already extracts it.
//! struct CurrentUser { id: u64 }
//! impl FromRequest for CurrentUser {
//!     type Error = actix_web::Error;
//!     type Future = Ready<Result<Self, actix_web::Error>>;
//!     fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
//!         # let _ = req;
//!         ready(Ok(CurrentUser { id: 1 })) // the app's own session lookup
//!     }
//! }
//!
//! // What payments add:
//! impl Customer for CurrentUser {
//!     fn customer_id(&self) -> Result<CustomerId, InvalidValue> { Ok(self.id.into()) }
//! }
//!
//! # fn client() -> GmoClient { GmoClient::builder(Environment::Custom("http://127.0.0.1:9".into()))
//! #     .shop(ShopId::new("tshop00000001").unwrap(), ShopPass::new("pass")).build().unwrap() }
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // Once, outside `HttpServer::new`: its closure runs once per worker, and the workers
//!     // must share the payments handle and the card-testing throttle.
//!     let payments = Payments::builder(client(), Arc::new(MemoryStore::new()))
//!         .public_url("https://shop.example")
//!         .build()?;
//!     let payment_routes = PaymentRoutes::new(payments); // under /payments
//!
//!     HttpServer::new(move || {
//!         App::new()
//!             // … the app's own routes …
//!             // every payment route, with the card-data guard and the card-testing throttle:
//!             .configure(payment_routes.configure::<CurrentUser>())
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await?;
//!     Ok(())
//! }
//! ```
//!
//! With session and CSRF middleware in the way, place the two route sets apart: the customer
//! routes inside that middleware, the gateway routes (the 3-D Secure return, a cross-site
//! navigation, and GMO's notification) outside it. The two scopes may share the prefix and come
//! in either order. Put the guard around the whole app; actix runs the last `.wrap` first.
//!
//! ```no_run
//! # use std::future::{Ready, ready};
//! # use std::sync::Arc;
//! # use actix_web::{FromRequest, HttpRequest, dev::Payload};
//! # use gmo_actix::Customer;
//! # use gmo_core::{customer::CustomerId, store::MemoryStore, values::InvalidValue, Payments};
//! # use gmo_core::{Environment, GmoClient, ShopPass, values::ShopId};
//! # struct CurrentUser;
//! # impl FromRequest for CurrentUser {
//! #     type Error = actix_web::Error;
//! #     type Future = Ready<Result<Self, actix_web::Error>>;
//! #     fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future { ready(Ok(CurrentUser)) }
//! # }
//! # impl Customer for CurrentUser {
//! #     fn customer_id(&self) -> Result<CustomerId, InvalidValue> { Ok(1_u64.into()) }
//! # }
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! # let client = GmoClient::builder(Environment::Custom("http://127.0.0.1:9".into()))
//! #     .shop(ShopId::new("tshop00000001")?, ShopPass::new("pass")).build()?;
//! # let payments = Payments::builder(client, Arc::new(MemoryStore::new()))
//! #     .public_url("https://shop.example").build()?;
//! use actix_web::{App, HttpServer, web};
//! use gmo_actix::{CardDataGuardMiddleware, CardTestingMiddleware, customer_scope, gateway_scope};
//!
//! let throttle = CardTestingMiddleware::default(); // once, shared by the workers
//! HttpServer::new(move || {
//!     App::new()
//!         .app_data(web::Data::new(payments.clone()))
//!         .service(gateway_scope(&payments))
//!         .service(
//!             customer_scope::<CurrentUser>(payments.gateway_prefix()), // .wrap(csrf).wrap(session)
//!         )
//!         // … the app's own routes …
//!         .wrap(throttle.clone())
//!         .wrap(CardDataGuardMiddleware::default())
//! })
//! .bind(("127.0.0.1", 8080))?
//! .run()
//! .await?;
//! # Ok(()) }
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
//! Errors are `{"error": {"code": "…", "message": "…"}}` ([`Refusal`], a [`ResponseError`](actix_web::ResponseError))
//! with the statuses of [`gmo_core::web::error`]; every card failure is told only `declined`
//! unless the payments' [`MessagePolicy`](gmo_core::web::MessagePolicy)
//! ([`PaymentsBuilder::message_policy`](gmo_core::flow::PaymentsBuilder::message_policy)) says
//! otherwise.
//!
//! The pieces, for the merchant's own handlers too: [`PayingCustomer`] (the signed-in
//! customer and its id), [`ThreeDsReturn`], [`GmoNotification`], [`CardThrottle`] (the
//! throttle for a card-taking handler of the merchant's own). `web::Data<Payments>`
//! gives the handle. Each route handler is glue: it extracts, makes one call of
//! [`gmo_core::web::handlers`], and maps the answer.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod body;
mod extract;
mod middleware;
mod response;
mod router;

pub use extract::{CardThrottle, GmoNotification, PayingCustomer, ThreeDsReturn};
pub use gmo_core::customer::Customer;
pub use middleware::{
    CardDataGuardMiddleware, CardDataGuardService, CardTestingMiddleware, CardTestingService,
};
pub use response::Refusal;
pub use router::{PaymentRoutes, customer_scope, gateway_scope};
