//! The card-testing throttle as actix middleware.

use std::future::{Ready, ready};

use actix_web::dev::{Service, ServiceRequest, Transform, forward_ready};
use actix_web::{Error, HttpMessage};
use gmo_core::guard::{CardTestingThrottle, ThrottleConfig};
use gmo_core::web::{CardAttempts, TrustedProxies};

/// Puts the card-testing throttle, with the client's address, into every request
/// ([`CardAttempts`], read by the [`CardThrottle`](crate::CardThrottle) extractor). The payment
/// routes then admit each card attempt for the signed-in customer and the address, and count the
/// failures (see [`gmo_core::web::attempts`]); a refused attempt is `429 too_many_attempts`
/// with `Retry-After`, before GMO is called.
///
/// The client's address is the connection's peer, or behind
/// [trusted proxies](CardTestingMiddleware::trusted_proxies) the address they forwarded in
/// `X-Forwarded-For` (never actix's `ConnectionInfo::realip_remote_addr`, which believes any
/// client).
///
/// Clones share one throttle. **Build it once, outside `HttpServer::new`**, and clone it into
/// the closure: the closure runs once per worker, and a throttle built inside it would count
/// each worker's attempts apart (so allow as many attempts as there are workers). Several
/// instances share their limits through a shared store
/// ([`CardTestingThrottle::with_store`](gmo_core::guard::CardTestingThrottle::with_store)).
///
/// ```no_run
/// use actix_web::{App, HttpServer};
/// use gmo_actix::CardTestingMiddleware;
/// use gmo_core::guard::ThrottleConfig;
/// use gmo_core::web::TrustedProxies;
///
/// # async fn serve() -> std::io::Result<()> {
/// let throttle = CardTestingMiddleware::new(ThrottleConfig::default())
///     .trusted_proxies(TrustedProxies::loopback());
/// HttpServer::new(move || App::new().wrap(throttle.clone()))
///     .bind(("127.0.0.1", 8080))?
///     .run()
///     .await
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CardTestingMiddleware {
    throttle: CardTestingThrottle,
    proxies: TrustedProxies,
}

impl Default for CardTestingMiddleware {
    /// The limits of [`ThrottleConfig::default`], no trusted proxy.
    fn default() -> Self {
        Self::new(ThrottleConfig::default())
    }
}

impl CardTestingMiddleware {
    /// A middleware with a new throttle of these limits.
    pub fn new(config: ThrottleConfig) -> Self {
        Self::with_throttle(CardTestingThrottle::new(config))
    }

    /// A middleware around the throttle of `payments`
    /// ([`PaymentsBuilder::card_testing`](gmo_core::flow::PaymentsBuilder::card_testing)), or a
    /// new one of default limits: the payments then settle each attempt when its order's outcome
    /// is known (after 3-D Secure, by a notification or by reconciliation).
    pub fn for_payments(payments: &gmo_core::Payments) -> Self {
        payments
            .card_testing()
            .cloned()
            .map_or_else(Self::default, Self::with_throttle)
    }

    /// A middleware around an existing throttle (shared with the merchant's admin screen, say,
    /// which lists and unlocks keys).
    pub fn with_throttle(throttle: CardTestingThrottle) -> Self {
        Self {
            throttle,
            proxies: TrustedProxies::none(),
        }
    }

    /// Believes `X-Forwarded-For` from these proxies.
    #[must_use]
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.proxies = proxies;
        self
    }

    /// The throttle.
    pub fn throttle(&self) -> &CardTestingThrottle {
        &self.throttle
    }
}

impl<S> Transform<S, ServiceRequest> for CardTestingMiddleware
where
    S: Service<ServiceRequest, Error = Error>,
{
    type Response = S::Response;
    type Error = Error;
    type Transform = CardTestingService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CardTestingService {
            service,
            config: self.clone(),
        }))
    }
}

/// The service of [`CardTestingMiddleware`].
#[derive(Debug)]
pub struct CardTestingService<S> {
    service: S,
    config: CardTestingMiddleware,
}

impl<S> Service<ServiceRequest> for CardTestingService<S>
where
    S: Service<ServiceRequest, Error = Error>,
{
    type Response = S::Response;
    type Error = Error;
    type Future = S::Future;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let peer = req.peer_addr().map(|addr| addr.ip());
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok());
        let client_ip = self.config.proxies.client_ip(peer, forwarded);
        let attempts = CardAttempts::new(self.config.throttle.clone(), client_ip);
        req.extensions_mut().insert(attempts);
        self.service.call(req)
    }
}
