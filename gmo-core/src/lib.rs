//! # gmo-core
//!
//! An exact, typed client for GMO Payment Gateway's PG Multi-Payment service (PG
//! マルチペイメントサービス, protocol type `*.idPass`), and the framework-free payment flows built on
//! it: card registration and checkout with EMV 3-D Secure 2.0, the 3-D Secure return, result
//! notifications, capture, void, refund, amount change and reconciliation, each money-moving call
//! run at most once per order.
//!
//! | layer | modules |
//! |---|---|
//! | wire | [`wire`]: the Windows-31J form codec, shared with the sandbox |
//! | client | [`GmoClient`], [`api`] (one typed request per GMO API), [`error`] (typed, classified errors and the code catalogue), [`values`] (every field value, validated), [`secret`], [`check_string`] |
//! | flows | [`Payments`] in [`flow`], [`order`] (the order state machine), [`store`] (the [`PaymentStore`](store::PaymentStore) trait and [`MemoryStore`](store::MemoryStore)), [`notification`], [`event`] |
//! | web | [`web`]: the payment routes without a web framework, which the axum and actix-web adapters share; [`guard`]: the card-data guard and the card-testing throttle; [`customer`]: who is paying |
//!
//! ## What never touches the merchant's server
//!
//! Card numbers, expiry dates and security codes go from the browser to GMO's token JS; the
//! server sees a single-use token ([`CardToken`]) that is passed to GMO once and never stored. No
//! request type of this crate can carry a card number ([`api::SaveCard`] and [`api::ExecTran`]
//! take a token or a stored card), no stored type can hold one, and no `Debug`, `Display`, log line
//! or error of this crate prints a secret: [`ShopPass`], [`SitePass`], [`AccessPass`] and
//! [`CardToken`] are redacted.
//!
//! ## Exactly once
//!
//! GMO's protocol has no idempotency keys. The flows claim an order with a compare-and-set in the
//! store before every money-moving call, so only one request makes it; an answer that is lost
//! (timeout, dropped connection, HTTP 5xx, unreadable body, GMO's own "outcome unknown" codes)
//! is looked up with SearchTrade, never retried blind, and reconciliation settles whatever is
//! left. See [`flow`] for a whole checkout as a runnable example, and [`store`] for implementing
//! the store.
//!
//! ## Where GMO's behaviour is not public
//!
//! GMO's specification is not public. What this crate relies on, and how sure each fact is, is
//! written down in the project's protocol notes (`docs/protocol.md` in the repository); where a
//! fact is unknown, the choice is documented at the item concerned, and the choices that matter
//! to a merchant are settings ([`flow::PaymentsBuilder`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Library code paths that input can reach never unwrap; tests may (clippy.toml).
#![warn(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod check_string;
pub mod client;
pub mod customer;
pub mod error;
pub mod event;
pub mod flow;
pub mod guard;
pub mod notification;
pub mod order;
pub mod secret;
pub mod store;
pub mod values;
pub mod web;
pub mod wire;

pub use client::{Environment, GmoClient, GmoClientBuilder};
pub use error::{ErrorKind, GmoError};
pub use flow::{PaymentError, Payments};
pub use secret::{AccessPass, CardToken, ShopPass, SitePass};
