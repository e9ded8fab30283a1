//! # gmo-scenarios
//!
//! The example shops' behaviour, written once: a driver ([`driver::ShopUnderTest`], a
//! browser-like HTTP [`driver::Client`]), the steps of a shopper ([`shopping`]), the scenarios
//! ([`scenarios`]), a headless-Chromium harness ([`browser`]) and a recording proxy ([`tap`]).
//! A shop's test file implements `ShopUnderTest` and calls each scenario:
//!
//! ```ignore
//! #[tokio::test]
//! async fn every_test_card() {
//!     gmo_scenarios::scenarios::checkout::every_test_card::<MyShop>().await;
//! }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Scenarios are tests: a failed expectation panics with the context.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

pub mod browser;
pub mod driver;
pub mod logs;
pub mod scenarios;
pub mod shopping;
pub mod tap;
