//! # gmo-core
//!
//! An exact, typed client for GMO Payment Gateway's PG Multi-Payment service (protocol type,
//! `*.idPass`), and the framework-free payment flows built on it.
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
pub mod flow;
pub mod guard;
pub mod http;
pub mod notification;
pub mod order;
pub mod secret;
pub mod store;
pub mod types;
pub mod values;
pub mod wire;

pub use client::{Environment, GmoClient, GmoClientBuilder};
pub use error::{ErrorKind, GmoError};
pub use flow::{PaymentError, Payments};
pub use secret::{AccessPass, CardToken, ShopPass, SitePass};
