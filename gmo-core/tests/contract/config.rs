//! What the contract suite runs against, from `GMO_CONTRACT_*` environment variables.
#![allow(unreachable_pub)]

use gmo_core::values::{ShopId, SiteId};

use crate::token_js::Card;

/// Every variable the suite reads, with its default (`None`: required, or off when optional).
pub const VARIABLES: &[(&str, Option<&str>, &str)] = &[
    (
        "GMO_CONTRACT_BASE_URL",
        None,
        "GMO's base URL, e.g. https://pt01.mul-pay.jp (unset: the suite is skipped)",
    ),
    ("GMO_CONTRACT_SHOP_ID", None, "ShopID of the test shop"),
    ("GMO_CONTRACT_SHOP_PASS", None, "its ShopPass"),
    ("GMO_CONTRACT_SITE_ID", None, "SiteID of the test site"),
    ("GMO_CONTRACT_SITE_PASS", None, "its SitePass"),
    (
        "GMO_CONTRACT_TOKEN_JS_URL",
        None,
        "GMO's token.js, loaded in headless Chromium for getToken, e.g. \
         https://stg.static.mul-pay.jp/ext/js/token.js (the sandbox: <base>/ext/js/token.js)",
    ),
    (
        "GMO_CONTRACT_CARD",
        Some("4111111111111111"),
        "a card approved without a challenge",
    ),
    (
        "GMO_CONTRACT_CHALLENGE_CARD",
        Some("4100000000005000"),
        "a card whose 3-D Secure asks for a one-time password",
    ),
    (
        "GMO_CONTRACT_OTP",
        Some("123456"),
        "the one-time password that passes the challenge",
    ),
    (
        "GMO_CONTRACT_DECLINE_CARD",
        None,
        "a card the issuer declines (unset: not checked; the sandbox's is 4100000000000407)",
    ),
    (
        "GMO_CONTRACT_EXPIRE",
        None,
        "expiry YYMM of the cards (default: December, three years ahead)",
    ),
    (
        "GMO_CONTRACT_SECURITY_CODE",
        Some("123"),
        "security code of the cards",
    ),
    (
        "GMO_CONTRACT_HOLDER_NAME",
        Some("TARO YAMADA"),
        "holdername given to getToken",
    ),
    (
        "CHROMIUM",
        Some("/usr/bin/chromium"),
        "the Chromium that runs token.js (.ci/install-browser installs it)",
    ),
    (
        "CHROMEDRIVER",
        Some("/usr/bin/chromedriver"),
        "its WebDriver, started on a free local port",
    ),
    (
        "GMO_CONTRACT_ACS",
        Some("walk"),
        "walk: drive the 3-D Secure pages when they are ones this suite can drive, else stop at \
         the redirect and say so (a failure when CI is set); redirect: always stop there",
    ),
];

/// How far the suite goes into 3-D Secure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcsMode {
    /// Drive the ACS pages, then SecureTran2.
    Walk,
    /// Stop at ExecTran's RedirectUrl.
    Redirect,
}

/// The GMO under contract.
#[derive(Debug, Clone)]
pub struct Config {
    pub base_url: String,
    pub shop_id: ShopId,
    pub shop_pass: String,
    pub site_id: SiteId,
    pub site_pass: String,
    pub token_js_url: String,
    pub card: String,
    pub challenge_card: String,
    pub otp: String,
    pub decline_card: Option<String>,
    pub expire: String,
    pub security_code: String,
    pub holder_name: String,
    pub acs: AcsMode,
    /// CI is set: whatever cannot be checked is a failure, not a note.
    pub strict: bool,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn var_or_default(name: &str) -> Option<String> {
    var(name).or_else(|| {
        VARIABLES
            .iter()
            .find(|(n, _, _)| *n == name)
            .and_then(|(_, default, _)| default.map(str::to_owned))
    })
}

/// December, three years from now: always in the future, never too far for GMO.
fn default_expire() -> String {
    let year = time::OffsetDateTime::now_utc().year() + 3;
    format!("{:02}12", year % 100)
}

impl Config {
    /// The configuration, `None` without `GMO_CONTRACT_BASE_URL`, or what is missing.
    pub fn from_env() -> Result<Option<Self>, String> {
        let Some(base_url) = var("GMO_CONTRACT_BASE_URL") else {
            return Ok(None);
        };
        let required = [
            "GMO_CONTRACT_SHOP_ID",
            "GMO_CONTRACT_SHOP_PASS",
            "GMO_CONTRACT_SITE_ID",
            "GMO_CONTRACT_SITE_PASS",
            "GMO_CONTRACT_TOKEN_JS_URL",
        ];
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|name| var(name).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "GMO_CONTRACT_BASE_URL is set but not {}",
                missing.join(", ")
            ));
        }
        let get = |name: &str| var_or_default(name).unwrap_or_default();
        let acs = match get("GMO_CONTRACT_ACS").as_str() {
            "walk" => AcsMode::Walk,
            "redirect" => AcsMode::Redirect,
            other => return Err(format!("GMO_CONTRACT_ACS={other:?}: walk or redirect")),
        };
        Ok(Some(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            shop_id: ShopId::new(get("GMO_CONTRACT_SHOP_ID"))
                .map_err(|e| format!("GMO_CONTRACT_SHOP_ID: {e}"))?,
            shop_pass: get("GMO_CONTRACT_SHOP_PASS"),
            site_id: SiteId::new(get("GMO_CONTRACT_SITE_ID"))
                .map_err(|e| format!("GMO_CONTRACT_SITE_ID: {e}"))?,
            site_pass: get("GMO_CONTRACT_SITE_PASS"),
            token_js_url: get("GMO_CONTRACT_TOKEN_JS_URL"),
            card: get("GMO_CONTRACT_CARD"),
            challenge_card: get("GMO_CONTRACT_CHALLENGE_CARD"),
            otp: get("GMO_CONTRACT_OTP"),
            decline_card: var("GMO_CONTRACT_DECLINE_CARD"),
            expire: var("GMO_CONTRACT_EXPIRE").unwrap_or_else(default_expire),
            security_code: get("GMO_CONTRACT_SECURITY_CODE"),
            holder_name: get("GMO_CONTRACT_HOLDER_NAME"),
            acs,
            strict: std::env::var_os("CI").is_some(),
        }))
    }

    /// token.js's card object for `cardno`.
    pub fn card<'a>(&'a self, cardno: &'a str) -> Card<'a> {
        Card {
            cardno,
            expire: &self.expire,
            securitycode: &self.security_code,
            holdername: &self.holder_name,
        }
    }
}
