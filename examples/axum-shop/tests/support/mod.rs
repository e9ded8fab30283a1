//! The axum shop as the scenarios' shop under test (it lives in `gmo_scenarios::shops`, beside
//! the actix one).
#![allow(dead_code, unreachable_pub, unused_imports)]

pub use gmo_scenarios::shops::AxumShop;
