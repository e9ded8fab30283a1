//! The shop's settings: by default an embedded sandbox; with `GMO_*` variables, GMO itself.
//!
//! | variable | default | what |
//! |---|---|---|
//! | `PORT` | `3000` | the port on 127.0.0.1 (`0`: any free port) |
//! | `SHOP_PUBLIC_URL` | `http://127.0.0.1:<port>` | the shop's URL as browsers see it (the 3-D Secure return URL is built on it; sign-ins from another origin are refused; `https://…` makes the session cookie `Secure`) |
//! | `GMO_BASE_URL` | — | set it to use GMO instead of the embedded sandbox, e.g. `https://pt01.mul-pay.jp` (test environment) |
//! | `GMO_SHOP_ID`, `GMO_SHOP_PASS` | — | the shop's credentials (required with `GMO_BASE_URL`) |
//! | `GMO_SITE_ID`, `GMO_SITE_PASS` | — | the site's credentials (required with `GMO_BASE_URL`: saved cards need them) |
//! | `GMO_TOKEN_JS_URL` | `https://stg.static.mul-pay.jp/ext/js/token.js` | GMO's token.js |
//! | `GMO_REQUEST_TIMEOUT_SECS` | `60` (`10` with the embedded sandbox) | how long one GMO call may take (at most half of `SHOP_RECONCILE_AFTER_SECS`) |
//! | `GMO_MAX_CONNECTIONS` | `64` | GMO calls in flight at once; more wait their turn, at most the request timeout (GMO limits connections per shop: ask for yours) |
//! | `SHOP_DATA_DIR` | `data` | the directory of the SQLite file `shop.db` (orders survive a restart) |
//! | `SHOP_DATABASE_URL` | — | instead of the SQLite file: `postgres://…` (shared by several instances), `sqlite://path`, or `memory` |
//! | `SHOP_RECONCILE_EVERY_SECS` | `60` | how often reconciliation runs |
//! | `SHOP_RECONCILE_AFTER_SECS` | `1800` | how long an unfinished order waits before reconciliation settles it with GMO |
//! | `SHOP_DELIVER_EVERY_SECS` | `1` | how often payment events are handed to the shop's fulfilment (the confirmation message and "ready to ship"); every instance delivers, each event is acted on once |
//! | `SHOP_NOTIFY_SOURCES` | — (every source) | the networks GMO's result notifications may come from: GMO's published sending addresses, which you fill in from GMO's documentation (others are answered `403`) |
//! | `SHOP_PAY_TIMES` | — (lump sum only) | the numbers of instalments shoppers may choose at checkout, comma-separated (`3,6,12`: each 2 to 99, as the shop's card contract allows); lump sum is always offered |
//! | `SHOP_CARD_THROTTLE` | `on` | `off` lifts the card-testing limits (for load tests, whose shoppers are the three demo customers on one address; never in production) |
//! | `SHOP_TRUSTED_PROXIES` | `127.0.0.0/8, ::1` | the reverse proxies whose `X-Forwarded-For` names the client, for the card-testing throttle and the notification sources: comma-separated addresses or CIDRs (`10.0.0.0/8, 2001:db8::/32`); `none` trusts no proxy. The shop listens on 127.0.0.1, so its proxy is local: without this every shopper would share the proxy's address for the card-testing limits |
//! | `SHOP_SESSION_IDLE_SECS` | `1800` | a session unused this long is over |
//! | `SHOP_SESSION_MAX_SECS` | `43200` | a session this old is over, however busy |
//! | `SHOP_DEMO` | `on` | the demo sign-in: anyone may choose the shop owner (admin). `off`: the owner is not offered and signs in only with `SHOP_ADMIN_TOKEN` |
//! | `SHOP_ADMIN_TOKEN` | — | with `SHOP_DEMO=off`, the operator's secret (at least 16 characters) the owner signs in with, as the `admin_token` field of `POST /signin` (the sign-in page's admin form); unset: the owner cannot sign in |
//!
//! Passwords and the admin token are held as [`ShopPass`]/[`SitePass`]/[`AdminToken`]: never
//! printed.

use std::path::PathBuf;
use std::time::Duration;

use gmo_core::flow::PaymentMethods;
use gmo_core::secret::{ShopPass, SitePass};
use gmo_core::web::{NotificationRoute, TrustedProxies};

use crate::session_db::SessionLifetime;
use crate::signin::{AdminSignIn, AdminToken};
use crate::storage::{SQLITE_FILE, Storage};

/// GMO's test environment's token.js.
pub const GMO_TEST_TOKEN_JS: &str = "https://stg.static.mul-pay.jp/ext/js/token.js";

/// Where payments go.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Gateway {
    /// An in-process gmo-sandbox, started with the shop.
    Embedded,
    /// GMO (its test environment, normally).
    Gmo(GmoSettings),
}

/// The credentials and URLs of a GMO shop.
#[derive(Debug, Clone)]
pub struct GmoSettings {
    /// The protocol base URL, e.g. `https://pt01.mul-pay.jp`.
    pub base_url: String,
    /// `ShopID`.
    pub shop_id: String,
    /// `ShopPass`.
    pub shop_pass: ShopPass,
    /// `SiteID`.
    pub site_id: String,
    /// `SitePass`.
    pub site_pass: SitePass,
    /// GMO's token.js.
    pub token_js_url: String,
}

/// The shop's settings.
#[derive(Debug, Clone)]
pub struct ShopSettings {
    /// The port to bind on 127.0.0.1.
    pub port: u16,
    /// The shop's public URL, if set (else `http://127.0.0.1:<bound port>`).
    pub public_url: Option<String>,
    /// Where payments go.
    pub gateway: Gateway,
    /// How long one GMO call may take (`None`: the gateway's default, 60 s for GMO, 10 s for
    /// the embedded sandbox).
    pub request_timeout: Option<Duration>,
    /// How many GMO calls may be in flight at once (`GMO_MAX_CONNECTIONS`; `None`: the
    /// client's default, [`gmo_core::client::DEFAULT_MAX_CONNECTIONS`]).
    pub max_connections: Option<usize>,
    /// Where orders are kept.
    pub storage: Storage,
    /// How often reconciliation runs.
    pub reconcile_every: Duration,
    /// How long an unfinished order waits before reconciliation settles it.
    pub reconcile_after: Duration,
    /// How often payment events are handed to the fulfilment (`SHOP_DELIVER_EVERY_SECS`).
    pub deliver_every: Duration,
    /// Whether the card-testing throttle limits attempts (`SHOP_CARD_THROTTLE`, on unless
    /// `off`).
    pub card_throttle: bool,
    /// Proxies whose `X-Forwarded-For` is believed, for the throttle and the notification
    /// sources (`SHOP_TRUSTED_PROXIES`, addresses and networks; loopback by default, `none`:
    /// none).
    pub trusted_proxies: TrustedProxies,
    /// The networks GMO's result notifications may come from (`SHOP_NOTIFY_SOURCES`: GMO's
    /// published sending addresses, which the merchant fills in; empty: every source).
    pub notify_sources: NotificationRoute,
    /// The payment methods offered at checkout: lump sum, and instalments in the numbers of
    /// payments of `SHOP_PAY_TIMES`.
    pub payment_methods: PaymentMethods,
    /// How long sessions live (`SHOP_SESSION_IDLE_SECS`, `SHOP_SESSION_MAX_SECS`).
    pub sessions: SessionLifetime,
    /// How the owner signs in: by choice in the demo (`SHOP_DEMO=on`, the default), else with
    /// `SHOP_ADMIN_TOKEN`.
    pub admin_sign_in: AdminSignIn,
}

/// A setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A variable has an unusable value.
    #[error("{0} is not valid: {1}")]
    Invalid(&'static str, &'static str),
    /// `GMO_BASE_URL` is set but a credential is missing.
    #[error("{0} is required when GMO_BASE_URL is set")]
    Missing(&'static str),
}

impl ShopSettings {
    /// From the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// From any source of variables (tests pass a map).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let port = match get("PORT") {
            Some(p) => p
                .trim()
                .parse()
                .map_err(|_| SettingsError::Invalid("PORT", "a port number from 0 to 65535"))?,
            None => 3000,
        };
        let public_url = get("SHOP_PUBLIC_URL")
            .map(|url| url.trim_end_matches('/').to_owned())
            .map(|url| {
                if url.starts_with("http://") || url.starts_with("https://") {
                    Ok(url)
                } else {
                    Err(SettingsError::Invalid("SHOP_PUBLIC_URL", "an http(s) URL"))
                }
            })
            .transpose()?;
        // A whole number of seconds, at least 1, when set.
        let seconds = |name: &'static str| {
            get(name)
                .map(|s| match s.trim().parse() {
                    Ok(secs) if secs > 0 => Ok(Duration::from_secs(secs)),
                    _ => Err(SettingsError::Invalid(
                        name,
                        "a whole number of seconds, at least 1",
                    )),
                })
                .transpose()
        };
        let gateway = match get("GMO_BASE_URL") {
            None => Gateway::Embedded,
            Some(base_url) => {
                let required = |name: &'static str| get(name).ok_or(SettingsError::Missing(name));
                Gateway::Gmo(GmoSettings {
                    base_url: base_url.trim_end_matches('/').to_owned(),
                    shop_id: required("GMO_SHOP_ID")?,
                    shop_pass: ShopPass::new(required("GMO_SHOP_PASS")?),
                    site_id: required("GMO_SITE_ID")?,
                    site_pass: SitePass::new(required("GMO_SITE_PASS")?),
                    token_js_url: get("GMO_TOKEN_JS_URL")
                        .unwrap_or_else(|| GMO_TEST_TOKEN_JS.to_owned()),
                })
            }
        };
        let storage = match get("SHOP_DATABASE_URL") {
            Some(url) => storage_at(url.trim())?,
            None => Storage::Sqlite(
                PathBuf::from(get("SHOP_DATA_DIR").unwrap_or_else(|| "data".to_owned()))
                    .join(SQLITE_FILE),
            ),
        };
        Ok(Self {
            port,
            public_url,
            gateway,
            request_timeout: seconds("GMO_REQUEST_TIMEOUT_SECS")?,
            max_connections: get("GMO_MAX_CONNECTIONS")
                .map(|n| match n.trim().parse::<usize>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(SettingsError::Invalid(
                        "GMO_MAX_CONNECTIONS",
                        "a whole number, at least 1",
                    )),
                })
                .transpose()?,
            storage,
            reconcile_every: seconds("SHOP_RECONCILE_EVERY_SECS")?
                .unwrap_or(Duration::from_secs(60)),
            reconcile_after: seconds("SHOP_RECONCILE_AFTER_SECS")?
                .unwrap_or(Duration::from_secs(30 * 60)),
            deliver_every: seconds("SHOP_DELIVER_EVERY_SECS")?.unwrap_or(Duration::from_secs(1)),
            // The shop listens on 127.0.0.1: the proxy in front of it is local, and believed
            // unless told otherwise (else every shopper would have the proxy's address).
            trusted_proxies: match get("SHOP_TRUSTED_PROXIES").as_deref().map(str::trim) {
                None => TrustedProxies::loopback(),
                Some("none") => TrustedProxies::none(),
                Some(list) => TrustedProxies::parse(list).map_err(|_| {
                    SettingsError::Invalid(
                        "SHOP_TRUSTED_PROXIES",
                        "addresses or networks, comma-separated, or none",
                    )
                })?,
            },
            notify_sources: NotificationRoute::default()
                .sources(&get("SHOP_NOTIFY_SOURCES").unwrap_or_default())
                .map_err(|_| {
                    SettingsError::Invalid(
                        "SHOP_NOTIFY_SOURCES",
                        "addresses or networks, comma-separated",
                    )
                })?,
            payment_methods: match get("SHOP_PAY_TIMES") {
                None => PaymentMethods::lump_sum_only(),
                Some(list) => PaymentMethods::lump_sum_only().installments(pay_times(&list)?),
            },
            card_throttle: match get("SHOP_CARD_THROTTLE").as_deref().map(str::trim) {
                None | Some("on") => true,
                Some("off") => false,
                Some(_) => return Err(SettingsError::Invalid("SHOP_CARD_THROTTLE", "on or off")),
            },
            sessions: {
                let defaults = SessionLifetime::default();
                SessionLifetime {
                    idle: seconds("SHOP_SESSION_IDLE_SECS")?.unwrap_or(defaults.idle),
                    max_age: seconds("SHOP_SESSION_MAX_SECS")?.unwrap_or(defaults.max_age),
                }
            },
            admin_sign_in: {
                let token = get("SHOP_ADMIN_TOKEN")
                    .map(|t| {
                        AdminToken::new(t.trim()).ok_or(SettingsError::Invalid(
                            "SHOP_ADMIN_TOKEN",
                            "at least 16 characters",
                        ))
                    })
                    .transpose()?;
                match get("SHOP_DEMO").as_deref().map(str::trim) {
                    None | Some("on") => AdminSignIn::Demo,
                    Some("off") => AdminSignIn::Token(token),
                    Some(_) => return Err(SettingsError::Invalid("SHOP_DEMO", "on or off")),
                }
            },
        })
    }
}

/// `SHOP_PAY_TIMES`: numbers of payments from 2 to 99, comma-separated.
fn pay_times(list: &str) -> Result<Vec<u8>, SettingsError> {
    list.split(',')
        .map(|n| match n.trim().parse::<u8>() {
            Ok(n @ 2..=99) => Ok(n),
            _ => Err(SettingsError::Invalid(
                "SHOP_PAY_TIMES",
                "numbers of payments from 2 to 99, comma-separated",
            )),
        })
        .collect()
}

/// `SHOP_DATABASE_URL`'s storage.
fn storage_at(url: &str) -> Result<Storage, SettingsError> {
    if url == "memory" {
        Ok(Storage::Memory)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Storage::Postgres(url.to_owned()))
    } else if let Some(path) = url.strip_prefix("sqlite://").filter(|p| !p.is_empty()) {
        Ok(Storage::Sqlite(PathBuf::from(path)))
    } else {
        Err(SettingsError::Invalid(
            "SHOP_DATABASE_URL",
            "postgres://…, sqlite://path or memory",
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<ShopSettings, SettingsError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ShopSettings::from_vars(|name| map.get(name).cloned())
    }

    #[test]
    fn notification_sources_and_trusted_proxies() {
        let s = settings(&[]).unwrap();
        assert!(!s.notify_sources.is_restricted());
        assert_eq!(s.trusted_proxies, TrustedProxies::loopback());
        let s = settings(&[
            ("SHOP_NOTIFY_SOURCES", "192.0.2.0/28, 198.51.100.17"),
            ("SHOP_TRUSTED_PROXIES", "127.0.0.1"),
        ])
        .unwrap();
        assert!(s.notify_sources.admits("192.0.2.3".parse().ok(), []));
        assert!(!s.notify_sources.admits("192.0.2.30".parse().ok(), []));
        assert!(s.trusted_proxies.is_trusted("127.0.0.1".parse().unwrap()));
        assert!(matches!(
            settings(&[("SHOP_NOTIFY_SOURCES", "192.0.2.0/40")]),
            Err(SettingsError::Invalid("SHOP_NOTIFY_SOURCES", _))
        ));
        assert!(matches!(
            settings(&[("SHOP_TRUSTED_PROXIES", "proxy.local")]),
            Err(SettingsError::Invalid("SHOP_TRUSTED_PROXIES", _))
        ));
    }

    #[test]
    fn instalments_are_offered_as_set() {
        use gmo_core::values::Method;
        let s = settings(&[]).unwrap();
        assert_eq!(s.payment_methods.offered(), [Method::Lump]);
        let s = settings(&[("SHOP_PAY_TIMES", "12, 3,6")]).unwrap();
        assert_eq!(s.payment_methods.installment_pay_times(), [3, 6, 12]);
        for bad in ["1", "3,x", "100", "3,,6"] {
            assert!(
                matches!(
                    settings(&[("SHOP_PAY_TIMES", bad)]),
                    Err(SettingsError::Invalid("SHOP_PAY_TIMES", _))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn embedded_by_default_gmo_with_credentials() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.port, 3000);
        assert!(matches!(s.gateway, Gateway::Embedded));
        assert_eq!(settings(&[("PORT", "0")]).unwrap().port, 0);
        assert!(settings(&[("PORT", "http")]).is_err());
        assert_eq!(s.storage, Storage::Sqlite(PathBuf::from("data/shop.db")));
        assert_eq!(s.reconcile_every, Duration::from_secs(60));
        assert_eq!(s.reconcile_after, Duration::from_secs(1800));
        assert_eq!(s.deliver_every, Duration::from_secs(1));
        assert!(s.card_throttle);
        assert!(
            !settings(&[("SHOP_CARD_THROTTLE", "off")])
                .unwrap()
                .card_throttle
        );
        assert!(settings(&[("SHOP_CARD_THROTTLE", "no")]).is_err());
        assert_eq!(s.trusted_proxies, TrustedProxies::loopback());
        let proxies =
            |list: &str| settings(&[("SHOP_TRUSTED_PROXIES", list)]).map(|s| s.trusted_proxies);
        assert_eq!(proxies("none").unwrap(), TrustedProxies::none());
        let behind = proxies("10.0.0.0/8, 2001:db8::/32").unwrap();
        assert!(behind.is_trusted("10.1.2.3".parse().unwrap()));
        assert!(!behind.is_trusted("127.0.0.1".parse().unwrap()));
        assert!(proxies("10.0.0.0/33").is_err());
        assert!(proxies("proxy.internal").is_err());
        assert_eq!(
            settings(&[("GMO_BASE_URL", "https://pt01.mul-pay.jp")]).unwrap_err(),
            SettingsError::Missing("GMO_SHOP_ID")
        );
        let s = settings(&[
            ("GMO_BASE_URL", "https://pt01.mul-pay.jp/"),
            ("GMO_SHOP_ID", "tshop00000001"),
            ("GMO_SHOP_PASS", "secret-pass"),
            ("GMO_SITE_ID", "tsite00000001"),
            ("GMO_SITE_PASS", "site-secret"),
            ("SHOP_PUBLIC_URL", "https://shop.example/"),
        ])
        .unwrap();
        let Gateway::Gmo(gmo) = &s.gateway else {
            panic!("GMO expected")
        };
        assert_eq!(gmo.base_url, "https://pt01.mul-pay.jp");
        assert_eq!(gmo.token_js_url, GMO_TEST_TOKEN_JS);
        assert_eq!(s.public_url.as_deref(), Some("https://shop.example"));
        assert!(!format!("{s:?}").contains("secret"));
    }

    #[test]
    fn sessions_expire_as_set() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.sessions, SessionLifetime::default());
        assert_eq!(s.sessions.idle, Duration::from_secs(1800));
        assert_eq!(s.sessions.max_age, Duration::from_secs(43_200));
        let s = settings(&[
            ("SHOP_SESSION_IDLE_SECS", "60"),
            ("SHOP_SESSION_MAX_SECS", "600"),
        ])
        .unwrap();
        assert_eq!(
            s.sessions,
            SessionLifetime {
                idle: Duration::from_secs(60),
                max_age: Duration::from_secs(600),
            }
        );
        for (name, bad) in [
            ("SHOP_SESSION_IDLE_SECS", "0"),
            ("SHOP_SESSION_MAX_SECS", "x"),
        ] {
            assert!(
                matches!(settings(&[(name, bad)]), Err(SettingsError::Invalid(n, _)) if n == name),
                "{name}={bad}"
            );
        }
    }

    #[test]
    fn the_owner_is_chosen_only_in_the_demo() {
        assert_eq!(settings(&[]).unwrap().admin_sign_in, AdminSignIn::Demo);
        assert_eq!(
            settings(&[
                ("SHOP_DEMO", "on"),
                ("SHOP_ADMIN_TOKEN", "0123456789abcdef")
            ])
            .unwrap()
            .admin_sign_in,
            AdminSignIn::Demo
        );
        assert_eq!(
            settings(&[("SHOP_DEMO", "off")]).unwrap().admin_sign_in,
            AdminSignIn::Token(None)
        );
        let s = settings(&[
            ("SHOP_DEMO", "off"),
            ("SHOP_ADMIN_TOKEN", "an-operator-secret"),
        ])
        .unwrap();
        assert_eq!(
            s.admin_sign_in,
            AdminSignIn::Token(AdminToken::new("an-operator-secret"))
        );
        assert!(!format!("{s:?}").contains("operator-secret"));
        assert!(settings(&[("SHOP_DEMO", "yes")]).is_err());
        assert!(matches!(
            settings(&[("SHOP_DEMO", "off"), ("SHOP_ADMIN_TOKEN", "short")]),
            Err(SettingsError::Invalid("SHOP_ADMIN_TOKEN", _))
        ));
    }

    #[test]
    fn storage_from_data_dir_or_database_url() {
        let storage = |vars: &[(&str, &str)]| settings(vars).map(|s| s.storage);
        assert_eq!(
            storage(&[("SHOP_DATA_DIR", "/var/lib/shop")]).unwrap(),
            Storage::Sqlite(PathBuf::from("/var/lib/shop/shop.db"))
        );
        assert_eq!(
            storage(&[("SHOP_DATABASE_URL", "postgres://shop@db/shop")]).unwrap(),
            Storage::Postgres("postgres://shop@db/shop".to_owned())
        );
        assert_eq!(
            storage(&[("SHOP_DATABASE_URL", "sqlite:///tmp/a.db")]).unwrap(),
            Storage::Sqlite(PathBuf::from("/tmp/a.db"))
        );
        assert_eq!(
            storage(&[("SHOP_DATABASE_URL", "memory")]).unwrap(),
            Storage::Memory
        );
        assert_eq!(
            storage(&[("SHOP_DATABASE_URL", "mysql://x")]).unwrap_err(),
            SettingsError::Invalid("SHOP_DATABASE_URL", "postgres://…, sqlite://path or memory")
        );
        assert!(settings(&[("SHOP_RECONCILE_EVERY_SECS", "0")]).is_err());
        assert!(settings(&[("SHOP_RECONCILE_AFTER_SECS", "soon")]).is_err());
        assert!(settings(&[("SHOP_DELIVER_EVERY_SECS", "0")]).is_err());
        let s = settings(&[("SHOP_DELIVER_EVERY_SECS", "5")]).unwrap();
        assert_eq!(s.deliver_every, Duration::from_secs(5));
        let timeout =
            |secs: &str| settings(&[("GMO_REQUEST_TIMEOUT_SECS", secs)]).map(|s| s.request_timeout);
        assert_eq!(timeout("5").unwrap(), Some(Duration::from_secs(5)));
        assert_eq!(timeout("").unwrap(), None);
        assert!(timeout("0").is_err());
        let s = settings(&[("SHOP_RECONCILE_AFTER_SECS", "2")]).unwrap();
        assert_eq!(s.reconcile_after, Duration::from_secs(2));
    }
}
