//! The parts of a shop's state that are not web framework, in one value: each shop builds its
//! own `AppState` from it (the in-process test shops build a `Shop`, then the shop's state).

use gmo_core::Payments;
use gmo_core::guard::{CardTestingThrottle, ThrottleConfig};
use gmo_core::web::{NotificationRoute, TrustedProxies};

use crate::orders::OrderBook;
use crate::pages::CardFormConfig;
use crate::session_db::{SessionDb, SessionLifetime};
use crate::signin::{AdminSignIn, SignInPolicy};

/// The shop's framework-free parts. Cheap to clone: clones share their state.
#[derive(Debug, Clone)]
pub struct Shop {
    /// The payments handle.
    pub payments: Payments,
    /// The database the sessions live in.
    pub session_db: SessionDb,
    /// How long sessions live.
    pub session_lifetime: SessionLifetime,
    /// Who may sign in and from where; whether the session cookie is `Secure`.
    pub sign_in_policy: SignInPolicy,
    /// What each order bought.
    pub orders: OrderBook,
    /// token.js and the shop id, for the card form.
    pub card_form: CardFormConfig,
    /// The Content-Security-Policy of the pages.
    pub content_security_policy: String,
    /// The card-testing throttle (its clones, in the framework's throttle middleware, share it):
    /// the payments handle's, which settles the attempts it admits.
    pub throttle: CardTestingThrottle,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// The notification route's settings: the networks GMO's notifications may come from
    /// (read through `trusted_proxies`; see [`Shop::notification_route`]).
    pub notify_sources: NotificationRoute,
}

impl Shop {
    /// A shop over `payments`, with their card-testing throttle (or the default one, when they
    /// have none), no trusted proxy, the default session policy, and the demo's sign-in (anyone
    /// may choose the owner) from the payments' public URL's origin.
    pub fn new(
        payments: Payments,
        card_form: CardFormConfig,
        content_security_policy: &str,
        session_db: SessionDb,
    ) -> Self {
        let throttle = payments
            .card_testing()
            .cloned()
            .unwrap_or_else(|| CardTestingThrottle::new(ThrottleConfig::default()));
        let sign_in_policy = SignInPolicy::new(&payments.notification_url(), AdminSignIn::Demo);
        Self {
            sign_in_policy,
            payments,
            session_db,
            session_lifetime: SessionLifetime::default(),
            orders: OrderBook::new(),
            card_form,
            content_security_policy: content_security_policy.to_owned(),
            throttle,
            trusted_proxies: TrustedProxies::none(),
            notify_sources: NotificationRoute::default(),
        }
    }

    /// The notification route's settings as the framework glue mounts them: the allowed
    /// sources, read through the shop's trusted proxies.
    pub fn notification_route(&self) -> NotificationRoute {
        self.notify_sources
            .clone()
            .trusted_proxies(self.trusted_proxies.clone())
    }
}
