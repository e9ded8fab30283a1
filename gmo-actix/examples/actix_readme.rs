//! The root README's "actix-web in 15 lines", compiled: the README's lines stand here in its layout
//! (gmo-scenarios' `readme` test checks it), inside the app they go into, so that a renamed
//! item breaks the build instead of the README.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::middleware::NormalizePath;
use actix_web::{App, FromRequest, HttpRequest, HttpServer, web};
use gmo_core::customer::CustomerId;
use gmo_core::guard::{CardTestingThrottle, ThrottleConfig};
use gmo_core::store::{MemoryStore, PaymentStore};
use gmo_core::values::{InvalidValue, ShopId, SiteId};
use gmo_core::{Environment, GmoClient, Payments, ShopPass, SitePass};

/// The app's own signed-in user, with its own extractor.
struct CurrentUser {
    id: u64,
}

impl FromRequest for CurrentUser {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(_req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        // The app reads its session here.
        ready(Ok(Self { id: 1 }))
    }
}

// The README's items, at the module's level, in the README's layout; its statements are in `main`.
#[rustfmt::skip]
use gmo_actix::{CardDataGuardMiddleware, CardTestingMiddleware, Customer, customer_scope, gateway_scope};
#[rustfmt::skip]
impl Customer for CurrentUser {                                              // the app's own FromRequest user
    fn customer_id(&self) -> Result<CustomerId, InvalidValue> { Ok(self.id.into()) }
}

// The README's lines keep the README's layout. The stand-ins for the app's middleware are
// `Copy`; an app's session middleware is not, hence the README's clones.
#[rustfmt::skip]
#[allow(clippy::clone_on_copy)]
#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // What the app has before the README's lines: its store and credentials, and its own
    // session and CSRF middleware (stand-ins here).
    let (shop_id, shop_pass) = (ShopId::new("tshop00000001")?, ShopPass::new("shoppass01"));
    let (site_id, site_pass) = (SiteId::new("tsite00000001")?, SitePass::new("sitepass01"));
    let store: Arc<dyn PaymentStore> = Arc::new(MemoryStore::new());
    let (csrf, session) = (NormalizePath::trim(), NormalizePath::trim());

    let payments = Payments::builder(GmoClient::builder(Environment::Test).shop(shop_id, shop_pass).site(site_id, site_pass).build()?, store)
        .public_url("https://shop.example")
        .card_testing(CardTestingThrottle::new(ThrottleConfig::default())).build()?;
    let throttle = CardTestingMiddleware::for_payments(&payments);                 // shared by the workers
    HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(payments.clone()))
            .service(gateway_scope(&payments))                                // outside session and CSRF: the issuer's page and GMO call these
            .service(customer_scope::<CurrentUser>(payments.gateway_prefix()).wrap(csrf.clone()).wrap(session.clone()))   // inside the app's own
            .wrap(throttle.clone())
            .wrap(CardDataGuardMiddleware::default())                           // actix runs the last .wrap first
    })
    // What the app does after them: serve (here, stop at once).
    .bind(("127.0.0.1", 0))?
    .run()
    .handle()
    .stop(false)
    .await;
    Ok(())
}
