//! The shop's own routes, one module per area. Each reads what it needs with actix's
//! extractors and the shop's own ([`SignedIn`](crate::SignedIn), `WantsJson`, `FormOrJson`),
//! and calls the payments, the order book, the catalogue and the pages directly.

pub(crate) mod account;
pub(crate) mod admin;
pub(crate) mod cards;
pub(crate) mod catalogue;
pub(crate) mod orders;
