//! What a shop binary does before it serves: logs to stderr, and its first lines on stdout
//! (the URL first, so that a script or a test can read where the shop is).

use std::io::Write as _;

use crate::gateway::PaymentGateway;

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
}

/// Prints `Shop running at {url}/`, then where payments go (with the sandbox's test cards).
pub fn announce(url: &str, gateway: &PaymentGateway) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "Shop running at {url}/")?;
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
