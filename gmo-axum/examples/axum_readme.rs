//! The root README's "axum in 15 lines", compiled: the README's lines stand here in its layout
//! (gmo-scenarios' `readme` test checks it), inside the app they go into, so that a renamed
//! item breaks the build instead of the README.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use gmo_core::customer::CustomerId;
use gmo_core::event::{EventKind, PaymentEvent};
use gmo_core::flow::{HandlerError, PaymentEventHandler};
use gmo_core::guard::{CardTestingThrottle, ThrottleConfig};
use gmo_core::store::{MemoryStore, PaymentStore};
use gmo_core::values::{InvalidValue, ShopId, SiteId};
use gmo_core::{Environment, GmoClient, Payments, ShopPass, SitePass};

/// The app's own state.
#[derive(Clone)]
struct AppState {
    payments: Payments,
}

/// The app's own signed-in user, with its own extractor.
struct CurrentUser {
    id: u64,
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = StatusCode;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // The app reads its session here.
        Ok(Self { id: 1 })
    }
}

struct Fulfilment;
#[async_trait::async_trait]
impl PaymentEventHandler for Fulfilment {
    async fn handle(&self, event: &PaymentEvent) -> Result<(), HandlerError> {
        if event.kind == EventKind::Authorized {
            // in one transaction: skip if event.id was seen; mail the buyer; mark the order ready to ship
        }
        Ok(())
    }
}

// The README's items, at the module's level, in the README's layout; its statements are in `main`.
#[rustfmt::skip]
use gmo_axum::{CardDataGuardLayer, CardTestingLayer, Customer, customer_routes, gateway_routes};
#[rustfmt::skip]
impl axum::extract::FromRef<AppState> for gmo_core::Payments {
    fn from_ref(state: &AppState) -> Self { state.payments.clone() }        // + `payments` in AppState
}
#[rustfmt::skip]
impl Customer for CurrentUser {                                              // the app's own user extractor
    fn customer_id(&self) -> Result<CustomerId, InvalidValue> { Ok(self.id.into()) }
}

// The README's lines keep the README's layout.
#[rustfmt::skip]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // What the app has before the README's lines.
    let (shop_id, shop_pass) = (ShopId::new("tshop00000001")?, ShopPass::new("shoppass01"));
    let (site_id, site_pass) = (SiteId::new("tsite00000001")?, SitePass::new("sitepass01"));
    let store: Arc<dyn PaymentStore> = Arc::new(MemoryStore::new());
    let app: Router<AppState> = Router::new();
    let session_layer = tower::layer::util::Identity::new();

    let payments = Payments::builder(GmoClient::builder(Environment::Test).shop(shop_id, shop_pass).site(site_id, site_pass).build()?, store)
        .public_url("https://shop.example")
        .card_testing(CardTestingThrottle::new(ThrottleConfig::default()))     // its attempts end with their orders
        .event_handler(Arc::new(Fulfilment)).build()?;                          // the app's PaymentEventHandler (below)
    payments.reconcile_every(Duration::from_secs(60));                          // lost answers, closed tabs, crashes
    payments.deliver_events_every(Duration::from_secs(1));                      // events to the handler, each once
    let app = app
        .nest(payments.gateway_prefix(), customer_routes::<AppState, CurrentUser>()) // inside the session and CSRF layers
        .layer(session_layer)                                                   // (the app's own)
        .merge(gateway_routes(payments.clone()))                                // outside them: the issuer's page and GMO call these
        .layer(CardTestingLayer::for_payments(&payments))                      // the throttle the payments settle
        .layer(CardDataGuardLayer::default());

    // What the app does after them: serve.
    let _app: Router = app.with_state(AppState { payments });
    Ok(())
}
