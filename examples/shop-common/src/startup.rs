//! What a shop binary does before it serves: logs to stderr, opens its storage, builds the shop
//! with its fulfilment, starts reconciliation and the delivery of payment events, and prints its first lines on stdout (the URL first, so that a
//! script or a test can read where the shop is).

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use gmo_core::Payments;
use gmo_core::guard::{CardTestingThrottle, SystemClock, ThrottleConfig};
use tokio::task::JoinHandle;

use crate::fulfilment::Fulfilment;
use crate::gateway::{PaymentGateway, StartError};
use crate::sessions::{SessionPolicy, Sessions};
use crate::settings::ShopSettings;
use crate::shop::Shop;
use crate::signin::SignInPolicy;

/// What a shop runs beside serving requests: reconciliation, and the delivery of payment events
/// to its [`Fulfilment`]. Both stop when this is dropped (or the runtime ends).
#[derive(Debug)]
pub struct ShopTasks {
    /// Settles orders left unfinished (a shopper who left, a crash, a lost answer).
    pub reconciler: JoinHandle<()>,
    /// Hands payment events to the fulfilment: the confirmation message and "ready to ship"
    /// come only from there, whichever way the payment completed.
    pub delivery: JoinHandle<()>,
}

impl ShopTasks {
    /// Starts reconciliation every `reconcile_every` and event delivery every `deliver_every`
    /// on `payments`.
    pub fn start(payments: &Payments, reconcile_every: Duration, deliver_every: Duration) -> Self {
        Self {
            reconciler: payments.reconcile_every(reconcile_every),
            delivery: payments.deliver_events_every(deliver_every),
        }
    }
}

impl Drop for ShopTasks {
    fn drop(&mut self) {
        self.reconciler.abort();
        self.delivery.abort();
    }
}

/// The shop a binary serves at `url`: its storage opened, payments on it with the shop's
/// [`Fulfilment`] as their event handler, and its [`ShopTasks`]. Orders left unfinished by a
/// crash are settled by reconciliation once they are `reconcile_after` old; events a crash left
/// undelivered are handed over by the next delivery pass, of this instance or another.
pub async fn open_shop(
    settings: &ShopSettings,
    gateway: &PaymentGateway,
    url: &str,
) -> Result<(Shop, ShopTasks), StartError> {
    let storage = settings.storage.open().await?;
    let public_url = settings.public_url.as_deref().unwrap_or(url);
    let limits = if settings.card_throttle {
        ThrottleConfig::default()
    } else {
        ThrottleConfig::unlimited()
    };
    // The counts live with the orders: instances on one database share the limits. The
    // payments settle the attempts the shop's throttle admits.
    let throttle = CardTestingThrottle::with_store(limits, storage.throttle, Arc::new(SystemClock));
    let fulfilment = Arc::new(Fulfilment::new(storage.orders.clone()));
    let payments = gateway.payments(public_url, storage.payments, |b| {
        b.reconcile_after(settings.reconcile_after)
            .payment_methods(settings.payment_methods.clone())
            .card_testing(throttle)
            .event_handler(fulfilment)
    })?;
    let tasks = ShopTasks::start(&payments, settings.reconcile_every, settings.deliver_every);
    let mut shop = Shop::new(
        payments,
        gateway.card_form.clone(),
        &gateway.content_security_policy(),
        storage.sessions,
    );
    shop.orders = storage.orders;
    shop.session_lifetime = settings.sessions;
    let policy = SessionPolicy {
        idle: settings.sessions.idle,
        max_age: settings.sessions.max_age,
        ..SessionPolicy::default()
    };
    shop.sessions = Sessions::with_policy(policy, Arc::new(SystemClock));
    shop.sign_in_policy = SignInPolicy::new(public_url, settings.admin_sign_in.clone());
    shop.trusted_proxies = settings.trusted_proxies.clone();
    shop.notify_sources = settings.notify_sources.clone();
    Ok((shop, tasks))
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
}

/// Prints `Shop running at {url}/`, where orders are kept, then where payments go (with the
/// sandbox's test cards).
pub fn announce(
    url: &str,
    settings: &ShopSettings,
    gateway: &PaymentGateway,
) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "Shop running at {url}/")?;
    writeln!(out, "Orders: {}", settings.storage.describe())?;
    match &gateway.sandbox {
        Some(sandbox) => {
            writeln!(
                out,
                "Payments: embedded gmo-sandbox at {}",
                sandbox.base_url()
            )?;
            writeln!(
                out,
                "Test cards: 4111 1111 1111 1111 (frictionless), 4100 0000 0000 5000 (3-D Secure challenge, one-time password {}), any expiry in the future",
                gmo_sandbox::CHALLENGE_OTP
            )?;
        }
        None => writeln!(out, "Payments: GMO at {}", gateway.base_url)?,
    }
    out.flush()
}
