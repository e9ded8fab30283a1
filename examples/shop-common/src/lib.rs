//! # shop-common
//!
//! Everything of the example shop that is not web-framework glue, shared by the axum and
//! actix-web shops: the catalogue with server-side prices, the users and their sessions, the
//! shop's order lines, the HTML pages, the static assets (`card-form.js`, which drives GMO's
//! token.js, and the style sheet), the Content-Security-Policy, the settings from `GMO_*`
//! and `SHOP_*` variables, the storage (SQLite file, PostgreSQL or memory), the start-up of the embedded sandbox, and the shop's own routes as plain functions
//! from a request's head and body to a [`reply::Reply`] ([`routes`], on [`shop::Shop`]), with
//! the session's CSRF check. A shop on a web framework is the glue that routes requests there,
//! mounts the payment routes of its gmo adapter, and turns replies into responses.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod admin;
pub mod catalogue;
pub mod csp;
pub mod csrf;
pub mod forms;
pub mod fulfilment;
pub mod gateway;
pub mod orders;
pub mod pages;
pub mod reply;
pub mod request;
pub mod routes;
pub mod session_db;
pub mod sessions;
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
