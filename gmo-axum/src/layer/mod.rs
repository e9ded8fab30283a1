//! Tower layers: the card-data guard and the card-testing throttle. Both work in any tower stack
//! over `http` requests (axum's, or hyper's with any body type that can be rebuilt from bytes);
//! their logic is in [`gmo_core::guard`] and [`gmo_core::web`], shared with the actix adapter.

mod guard;
mod throttle;

pub use guard::{CardDataGuardLayer, CardDataGuardService};
pub use throttle::{CardTestingLayer, CardTestingService};
