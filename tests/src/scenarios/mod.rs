//! The scenarios, each a function generic over the shop under test.

pub mod admin;
pub mod browser;
pub mod cards;
pub mod checkout;
pub mod fulfilment;
pub mod input;
pub mod parity;
pub mod sessions;
pub mod three_ds;
pub mod throttle;
pub mod web_hygiene;
