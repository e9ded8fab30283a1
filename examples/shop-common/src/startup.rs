//! What a shop binary does besides serving: logs to stderr, runs its background tasks, and
//! prints its first lines on stdout (the URL first, so that a script or a test can read where
//! the shop is).

use std::io::Write as _;
use std::time::Duration;

use gmo_core::Payments;
use tokio::task::JoinHandle;

use crate::gateway::PaymentGateway;
use crate::settings::ShopSettings;

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
