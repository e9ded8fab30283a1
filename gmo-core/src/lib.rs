//! # gmo-core
//!
//! An exact, typed client for GMO Payment Gateway's PG Multi-Payment service (protocol type,
//! `*.idPass`), and the framework-free payment flows built on it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod error;
pub mod guard;
pub mod notification;
pub mod order;
pub mod secret;
pub mod store;
pub mod types;
pub mod wire;

pub use secret::{AccessPass, CardToken, ShopPass, SitePass};
