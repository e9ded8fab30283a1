//! What every handler shares: the payments handle, the order book, the pages' settings, the
//! sign-in rules and the sessions' lifetime.

use gmo_core::Payments;
use gmo_core::guard::CardTestingThrottle;
use gmo_core::web::{NotificationRoute, TrustedProxies};
use shop_common::orders::OrderBook;
use shop_common::pages::CardFormConfig;
use shop_common::session_db::SessionLifetime;
use shop_common::shop::Shop;
use shop_common::signin::SignInPolicy;

/// The shop's state, in `web::Data<AppState>` for its handlers. Cheap to clone: clones share
/// the payments, the order book and the throttle's counts.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The payments handle.
    pub payments: Payments,
    /// What each order bought.
    pub orders: OrderBook,
    /// token.js and the shop id, for the card form.
    pub card_form: CardFormConfig,
    /// The Content-Security-Policy of the pages.
    pub content_security_policy: String,
    /// Who may sign in and from where; whether the session cookie is `Secure`.
    pub sign_in_policy: SignInPolicy,
    /// How long sessions live.
    pub session_lifetime: SessionLifetime,
    /// The card-testing throttle (the payments' own: it settles the attempts it admits).
    pub throttle: CardTestingThrottle,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// The networks GMO's notifications may come from, read through `trusted_proxies`.
    pub notification_route: NotificationRoute,
}

/// The state of a shop assembled elsewhere (the in-process test shops build a `Shop`).
impl From<Shop> for AppState {
    fn from(shop: Shop) -> Self {
        Self {
            notification_route: shop.notification_route(),
            payments: shop.payments,
            orders: shop.orders,
            card_form: shop.card_form,
            content_security_policy: shop.content_security_policy,
            sign_in_policy: shop.sign_in_policy,
            session_lifetime: shop.session_lifetime,
            throttle: shop.throttle,
            trusted_proxies: shop.trusted_proxies,
        }
    }
}
