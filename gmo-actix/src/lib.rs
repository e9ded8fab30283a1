//! gmo-actix: placeholder docs, written below.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod body;
mod extract;
mod middleware;
mod response;
mod router;

pub use extract::{CardThrottle, GmoNotification, Messages, PayingCustomer, ThreeDsReturn};
pub use gmo_core::customer::Customer;
pub use middleware::{
    CardDataGuardMiddleware, CardDataGuardService, CardTestingMiddleware, CardTestingService,
};
pub use response::ApiError;
pub use router::{PaymentRoutes, customer_scope, gateway_scope};
