//! # shop-common
//!
//! What the axum and actix-web example shops share that is not web framework: the catalogue
//! with server-side prices ([`catalogue`]), the demo users ([`users`]), the order book and the
//! fulfilment that writes confirmations from payment events ([`orders`], [`fulfilment`]), the
//! pages as askama templates ([`pages`]) and the static assets (`card-form.js`, which drives
//! GMO's token.js, and the style sheet), the Content-Security-Policy and the shop's headers
//! ([`csp`]), the settings from `GMO_*` and `SHOP_*` variables ([`settings`]), the storage
//! (payments, orders, throttle counts and sessions in one SQLite or PostgreSQL database, or in
//! memory: [`storage`], [`session_db`]), the gateway (GMO or the embedded sandbox:
//! [`gateway`]), and a few framework-free rules both shops apply the same way: the sign-in
//! origin check and admin token ([`signin`]), the CSRF token ([`csrf`]), form-or-JSON bodies
//! ([`forms`]).
//!
//! The shops' handlers, extractors, sessions and routers are each shop's own: see
//! `examples/axum-shop` and `examples/actix-shop`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod catalogue;
pub mod csp;
pub mod csrf;
pub mod forms;
pub mod fulfilment;
pub mod gateway;
pub mod orders;
pub mod pages;
pub mod session_db;
pub mod settings;
pub mod shop;
pub mod signin;
pub mod startup;
pub mod storage;
pub mod users;

/// The static assets, embedded in the binary.
pub mod assets {
    /// `card-form.js`: hands the card fields to token.js and posts the token to the shop.
    pub const CARD_FORM_JS: &str = include_str!("../assets/card-form.js");
    /// The style sheet.
    pub const STYLE_CSS: &str = include_str!("../assets/style.css");
}
