//! `gmo-sandbox`: serves a GMO sandbox until interrupted. The first line on stdout is its base
//! URL; logs go to stderr (`RUST_LOG` filters them, default `info`).
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use gmo_sandbox::{
    ApprovePadding, ContentTypeVariant, DEFAULT_HISTORY_LIMIT, DEFAULT_MAX_CARDS_PER_MEMBER,
    DEFAULT_NOTIFICATION_INTERVAL, DEFAULT_NOTIFICATION_RETRIES, DEFAULT_NOTIFICATION_TIMEOUT,
    DEFAULT_SHOP_ID, DEFAULT_SHOP_PASS, DEFAULT_SITE_ID, DEFAULT_SITE_PASS,
    DEFAULT_SLOW_CARD_DELAY, ManualClock, Sandbox, SandboxBuilder, ShopConfig, SiteConfig,
    TokenStyle,
};

/// The address the binary listens on unless told otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:8085";

/// The command line.
#[derive(Debug, Clone, PartialEq)]
struct Options {
    listen: SocketAddr,
    shop_id: String,
    shop_pass: String,
    site_id: String,
    site_pass: String,
    accept_card_numbers: bool,
    notify_url: Option<String>,
    notify_retries: u32,
    notify_interval: Duration,
    notify_timeout: Duration,
    latency: Duration,
    slow_card_delay: Duration,
    token_style: TokenStyle,
    max_cards_per_member: usize,
    history_limit: usize,
    manual_clock: bool,
    content_type: ContentTypeVariant,
    approve_padding: ApprovePadding,
    variant_seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8085)),
            shop_id: DEFAULT_SHOP_ID.to_owned(),
            shop_pass: DEFAULT_SHOP_PASS.to_owned(),
            site_id: DEFAULT_SITE_ID.to_owned(),
            site_pass: DEFAULT_SITE_PASS.to_owned(),
            accept_card_numbers: false,
            notify_url: None,
            notify_retries: DEFAULT_NOTIFICATION_RETRIES,
            notify_interval: DEFAULT_NOTIFICATION_INTERVAL,
            notify_timeout: DEFAULT_NOTIFICATION_TIMEOUT,
            latency: Duration::ZERO,
            slow_card_delay: DEFAULT_SLOW_CARD_DELAY,
            token_style: TokenStyle::Hex,
            max_cards_per_member: DEFAULT_MAX_CARDS_PER_MEMBER,
            history_limit: DEFAULT_HISTORY_LIMIT,
            manual_clock: false,
            content_type: ContentTypeVariant::Windows31J,
            approve_padding: ApprovePadding::Never,
            variant_seed: 0,
        }
    }
}

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Command {
    Serve(Box<Options>),
    Help,
    Version,
}

fn help() -> String {
    format!(
        "gmo-sandbox {version}: an offline GMO Payment Gateway (protocol type) simulator.

Prints its base URL on the first line of stdout, then serves until interrupted. Logs go to
stderr (filter with RUST_LOG, default info).

Usage: gmo-sandbox [OPTIONS]

Options:
  --listen <ADDR>               Address to listen on [default: {DEFAULT_LISTEN}] (port 0: any free port)
  --shop-id <ID>                ShopID [default: {DEFAULT_SHOP_ID}]
  --shop-pass <PASS>            ShopPass [default: {DEFAULT_SHOP_PASS}]
  --site-id <ID>                SiteID, linked to the shop [default: {DEFAULT_SITE_ID}]
  --site-pass <PASS>            SitePass [default: {DEFAULT_SITE_PASS}]
  --accept-card-numbers         Let the shop send raw card numbers instead of tokens [default: off]
  --notify-url <URL>            Where result notifications are posted [default: none, no notification]
  --notify-retries <N>          Re-sends of a refused notification [default: {retries}]
  --notify-interval-ms <MS>     Wait between notification attempts [default: {interval}]
  --notify-timeout-ms <MS>      Time allowed to one notification attempt [default: {timeout}]
  --latency-ms <MS>             Delay added to every API call [default: 0]
  --slow-card-delay-ms <MS>     How long the slow test card keeps the issuer busy [default: {slow}]
  --token-style <hex|base64>    Token strings: 64 hex characters, or Base64-like with +, / and = [default: hex]
  --max-cards-per-member <N>    Cards a member may hold [default: {max_cards}]
  --history-limit <N>           State changes, deliveries and fired faults kept for inspection [default: {history}]
  --manual-clock                Freeze the clock at start; move it with POST /sandbox/clock/advance [default: off]
  --content-type <VARIANT>      Content-Type of API answers: Windows-31J, windows-31j, Shift_JIS or random [default: Windows-31J]
  --approve-padding <WHEN>      Approval numbers as a space and 6 digits (\" 004536\"): never, always or random [default: never]
  --variant-seed <N>            Seed of the random content types and paddings [default: 0]
  -h, --help                    Print this help
  -V, --version                 Print the version
",
        version = env!("CARGO_PKG_VERSION"),
        retries = DEFAULT_NOTIFICATION_RETRIES,
        interval = DEFAULT_NOTIFICATION_INTERVAL.as_millis(),
        timeout = DEFAULT_NOTIFICATION_TIMEOUT.as_millis(),
        slow = DEFAULT_SLOW_CARD_DELAY.as_millis(),
        max_cards = DEFAULT_MAX_CARDS_PER_MEMBER,
        history = DEFAULT_HISTORY_LIMIT,
    )
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value)),
            _ => (arg.clone(), None),
        };
        let inline = inline.map(str::to_owned);
        let mut value = || -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => args.next().ok_or_else(|| format!("{flag} needs a value")),
            }
        };
        fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
            text.parse()
                .map_err(|_| format!("{flag}: {text:?} is not a valid number"))
        }
        let millis = |flag: &str, text: &str| number::<u64>(flag, text).map(Duration::from_millis);
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--listen" => {
                let text = value()?;
                options.listen = text.parse().map_err(|_| {
                    format!("--listen: {text:?} is not an address like 127.0.0.1:8085")
                })?;
            }
            "--shop-id" => options.shop_id = value()?,
            "--shop-pass" => options.shop_pass = value()?,
            "--site-id" => options.site_id = value()?,
            "--site-pass" => options.site_pass = value()?,
            "--accept-card-numbers" => options.accept_card_numbers = true,
            "--notify-url" => options.notify_url = Some(value()?),
            "--notify-retries" => options.notify_retries = number(&flag, &value()?)?,
            "--notify-interval-ms" => options.notify_interval = millis(&flag, &value()?)?,
            "--notify-timeout-ms" => options.notify_timeout = millis(&flag, &value()?)?,
            "--latency-ms" => options.latency = millis(&flag, &value()?)?,
            "--slow-card-delay-ms" => options.slow_card_delay = millis(&flag, &value()?)?,
            "--token-style" => {
                options.token_style = match value()?.as_str() {
                    "hex" => TokenStyle::Hex,
                    "base64" => TokenStyle::Base64Like,
                    other => return Err(format!("--token-style: {other:?} is not hex or base64")),
                }
            }
            "--max-cards-per-member" => options.max_cards_per_member = number(&flag, &value()?)?,
            "--history-limit" => options.history_limit = number(&flag, &value()?)?,
            "--manual-clock" => options.manual_clock = true,
            "--content-type" => {
                let text = value()?;
                options.content_type = match text.as_str() {
                    "random" => ContentTypeVariant::Random,
                    // The charset as GMO spells it in the header, case included.
                    label => ContentTypeVariant::FIXED
                        .iter()
                        .find(|(_, header)| header.strip_prefix("text/plain;charset=") == Some(label))
                        .map(|(variant, _)| *variant)
                        .ok_or_else(|| {
                            format!(
                                "--content-type: {label:?} is not Windows-31J, windows-31j, Shift_JIS or random"
                            )
                        })?,
                }
            }
            "--approve-padding" => {
                options.approve_padding = match value()?.as_str() {
                    "never" => ApprovePadding::Never,
                    "always" => ApprovePadding::Always,
                    "random" => ApprovePadding::Random,
                    other => {
                        return Err(format!(
                            "--approve-padding: {other:?} is not never, always or random"
                        ));
                    }
                }
            }
            "--variant-seed" => options.variant_seed = number(&flag, &value()?)?,
            other => return Err(format!("unknown option {other:?} (see --help)")),
        }
        if inline.is_some()
            && matches!(
                flag.as_str(),
                "--accept-card-numbers" | "--manual-clock" | "-h" | "--help"
            )
        {
            return Err(format!("{flag} takes no value"));
        }
    }
    Ok(Command::Serve(Box::new(options)))
}

fn builder(options: &Options) -> SandboxBuilder {
    let mut shop = ShopConfig::new(&options.shop_id, &options.shop_pass)
        .accept_card_numbers(options.accept_card_numbers);
    if let Some(url) = &options.notify_url {
        shop = shop.notify_url(url);
    }
    let mut builder = Sandbox::builder()
        .listen(options.listen)
        .shop(shop)
        .site(SiteConfig::new(
            &options.site_id,
            &options.site_pass,
            &options.shop_id,
        ))
        .notification_retries(options.notify_retries, options.notify_interval)
        .notification_timeout(options.notify_timeout)
        .latency(options.latency)
        .slow_card_delay(options.slow_card_delay)
        .token_style(options.token_style)
        .max_cards_per_member(options.max_cards_per_member)
        .history_limit(options.history_limit)
        .content_type_variant(options.content_type)
        .approve_padding(options.approve_padding)
        .variant_seed(options.variant_seed);
    if options.manual_clock {
        builder = builder.clock(ManualClock::starting_now());
    }
    builder
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Serve(options)) => options,
        Ok(Command::Help) => {
            print!("{}", help());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("gmo-sandbox {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("gmo-sandbox: {message}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let sandbox = match builder(&options).spawn().await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("gmo-sandbox: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        shop_id = %options.shop_id,
        site_id = %options.site_id,
        notify_url = options.notify_url.as_deref().unwrap_or("none"),
        latency_ms = options.latency.as_millis(),
        "gmo-sandbox ready"
    );
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{}", sandbox.base_url())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    if let Err(error) = tokio::signal::ctrl_c().await {
        tracing::warn!(%error, "cannot wait for Ctrl-C; serving until killed");
        std::future::pending::<()>().await;
    }
    tracing::info!("gmo-sandbox stopping");
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn defaults_and_flags() {
        assert_eq!(parse(&[]), Ok(Command::Serve(Box::default())));
        assert_eq!(DEFAULT_LISTEN.parse(), Ok(Options::default().listen));
        let Ok(Command::Serve(options)) = parse(&[
            "--listen=127.0.0.1:0",
            "--shop-id",
            "tshop1",
            "--notify-url",
            "http://127.0.0.1:9/n",
            "--latency-ms",
            "25",
            "--token-style=base64",
            "--accept-card-numbers",
            "--content-type",
            "windows-31j",
            "--approve-padding=random",
            "--variant-seed",
            "19",
        ]) else {
            panic!("not parsed");
        };
        assert_eq!(options.listen.port(), 0);
        assert_eq!(options.shop_id, "tshop1");
        assert_eq!(options.notify_url.as_deref(), Some("http://127.0.0.1:9/n"));
        assert_eq!(options.latency, Duration::from_millis(25));
        assert_eq!(options.token_style, TokenStyle::Base64Like);
        assert!(options.accept_card_numbers);
        assert_eq!(
            options.content_type,
            ContentTypeVariant::LowercaseWindows31J
        );
        assert_eq!(options.approve_padding, ApprovePadding::Random);
        assert_eq!(options.variant_seed, 19);
        for (label, variant) in [
            ("Windows-31J", ContentTypeVariant::Windows31J),
            ("Shift_JIS", ContentTypeVariant::ShiftJis),
            ("random", ContentTypeVariant::Random),
        ] {
            let Ok(Command::Serve(options)) = parse(&["--content-type", label]) else {
                panic!("{label} not parsed");
            };
            assert_eq!(options.content_type, variant);
        }
        assert_eq!(parse(&["-h"]), Ok(Command::Help));
    }

    #[test]
    fn refuses_bad_flags() {
        assert!(parse(&["--nope"]).unwrap_err().contains("unknown option"));
        assert!(parse(&["--latency-ms", "x"]).is_err());
        assert!(parse(&["--listen"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--listen", "localhost"]).is_err());
        assert!(parse(&["--manual-clock=yes"]).is_err());
        assert!(parse(&["--token-style", "b32"]).is_err());
        assert!(parse(&["--content-type", "shift_jis"]).is_err());
        assert!(parse(&["--approve-padding", "sometimes"]).is_err());
    }

    #[test]
    fn help_lists_every_flag() {
        let help = help();
        for flag in [
            "--listen",
            "--shop-id",
            "--shop-pass",
            "--site-id",
            "--site-pass",
            "--accept-card-numbers",
            "--notify-url",
            "--notify-retries",
            "--notify-interval-ms",
            "--notify-timeout-ms",
            "--latency-ms",
            "--slow-card-delay-ms",
            "--token-style",
            "--max-cards-per-member",
            "--history-limit",
            "--manual-clock",
            "--content-type",
            "--approve-padding",
            "--variant-seed",
        ] {
            assert!(help.contains(flag), "{flag}");
        }
    }
}
