//! actix-web middleware: the card-data guard and the card-testing throttle. Their logic is in
//! [`gmo_core::guard`] and [`gmo_core::web`], shared with the axum adapter's tower layers.
//!
//! actix runs middleware in reverse registration order: the last `.wrap` runs first. Register
//! the throttle, then the guard, so that the guard refuses card data before anything else runs.

mod guard;
mod throttle;

pub use guard::{CardDataGuardMiddleware, CardDataGuardService};
pub use throttle::{CardTestingMiddleware, CardTestingService};
