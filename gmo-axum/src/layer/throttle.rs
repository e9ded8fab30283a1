//! The card-testing throttle as a tower layer.

use std::net::SocketAddr;
use std::task::{Context, Poll};

use axum::extract::ConnectInfo;
use gmo_core::guard::{CardTestingThrottle, ThrottleConfig};
use gmo_core::web::{CardAttempts, TrustedProxies};
use http::Request;
use tower::{Layer, Service};

/// Puts the card-testing throttle, with the client's address, into every request
/// ([`CardAttempts`], read by the [`CardThrottle`](crate::CardThrottle) extractor). The payment
/// routes then admit each card attempt for the signed-in customer and the address, and count the
/// failures (see [`gmo_core::web::attempts`]); a refused attempt is `429 too_many_attempts`
/// with `Retry-After`, before GMO is called.
///
/// The client's address is the connection's peer (serve the app with
/// `into_make_service_with_connect_info::<SocketAddr>()`), or behind
/// [trusted proxies](CardTestingLayer::trusted_proxies) the address they forwarded. Without
/// either, attempts are limited per customer only.
///
/// Behind a reverse proxy, list it in [`trusted_proxies`](CardTestingLayer::trusted_proxies):
/// else every shopper has the proxy's address. Clones of the layer share one throttle: wrap the
/// customer and the gateway routes with the same layer (or the whole app). Several instances
/// share their limits through a shared store
/// ([`CardTestingThrottle::with_store`](gmo_core::guard::CardTestingThrottle::with_store)).
///
/// ```
/// use axum::Router;
/// use gmo_axum::CardTestingLayer;
/// use gmo_core::guard::ThrottleConfig;
/// use gmo_core::web::TrustedProxies;
///
/// let layer = CardTestingLayer::new(ThrottleConfig::default())
///     .trusted_proxies(TrustedProxies::loopback());
/// let app: Router = Router::new().layer(layer);
/// ```
#[derive(Debug, Clone)]
pub struct CardTestingLayer {
    throttle: CardTestingThrottle,
    proxies: TrustedProxies,
}

impl Default for CardTestingLayer {
    /// The limits of [`ThrottleConfig::default`], no trusted proxy.
    fn default() -> Self {
        Self::new(ThrottleConfig::default())
    }
}

impl CardTestingLayer {
    /// A layer with a new throttle of these limits.
    pub fn new(config: ThrottleConfig) -> Self {
        Self::with_throttle(CardTestingThrottle::new(config))
    }

    /// A layer around an existing throttle (shared with the merchant's admin screen, say, which
    /// lists and unlocks keys).
    pub fn with_throttle(throttle: CardTestingThrottle) -> Self {
        Self {
            throttle,
            proxies: TrustedProxies::none(),
        }
    }

    /// A layer around the throttle of `payments`
    /// ([`PaymentsBuilder::card_testing`](gmo_core::flow::PaymentsBuilder::card_testing)), or a
    /// new one of default limits: the payments then settle each attempt when its order's outcome
    /// is known (after 3-D Secure, by a notification or by reconciliation), not only when the
    /// request answers.
    pub fn for_payments(payments: &gmo_core::Payments) -> Self {
        payments
            .card_testing()
            .cloned()
            .map_or_else(Self::default, Self::with_throttle)
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

impl<S> Layer<S> for CardTestingLayer {
    type Service = CardTestingService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CardTestingService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service of [`CardTestingLayer`].
#[derive(Debug, Clone)]
pub struct CardTestingService<S> {
    inner: S,
    layer: CardTestingLayer,
}

impl<S, B> Service<Request<B>> for CardTestingService<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        let client_ip = self.layer.proxies.client_ip(peer, forwarded);
        let attempts = CardAttempts::new(self.layer.throttle.clone(), client_ip);
        request.extensions_mut().insert(attempts);
        self.inner.call(request)
    }
}
