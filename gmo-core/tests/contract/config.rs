//! What the contract suite runs against, from `GMO_CONTRACT_*` environment variables, and the
//! one-time tokens it gets from the token endpoint they name.
#![allow(unreachable_pub)]

use gmo_core::CardToken;
use gmo_core::types::{ShopId, SiteId};
use gmo_core::wire::FormEncoder;

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
        "GMO_CONTRACT_TOKEN_URL",
        None,
        "token endpoint: form fields cardno, expire, securitycode, tokennumber, shopid in, \
         token.js's callback object out (the sandbox: <base>/sandbox/tokens)",
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
    pub token_url: String,
    pub card: String,
    pub challenge_card: String,
    pub otp: String,
    pub decline_card: Option<String>,
    pub expire: String,
    pub security_code: String,
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
            "GMO_CONTRACT_TOKEN_URL",
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
            token_url: get("GMO_CONTRACT_TOKEN_URL"),
            card: get("GMO_CONTRACT_CARD"),
            challenge_card: get("GMO_CONTRACT_CHALLENGE_CARD"),
            otp: get("GMO_CONTRACT_OTP"),
            decline_card: var("GMO_CONTRACT_DECLINE_CARD"),
            expire: var("GMO_CONTRACT_EXPIRE").unwrap_or_else(default_expire),
            security_code: get("GMO_CONTRACT_SECURITY_CODE"),
            acs,
            strict: std::env::var_os("CI").is_some(),
        }))
    }

    /// A one-time token for `card` from the token endpoint, as token.js would get it.
    pub async fn token(&self, http: &reqwest::Client, card: &str) -> Result<CardToken, String> {
        let form = [
            ("cardno", card),
            ("expire", self.expire.as_str()),
            ("securitycode", self.security_code.as_str()),
            ("tokennumber", "1"),
            ("shopid", self.shop_id.as_str()),
        ];
        let mut body = FormEncoder::new();
        for (name, value) in form {
            body.push(name, value)
                .map_err(|e| format!("token request: {e}"))?;
        }
        let body = body.finish();
        let answer = http
            .post(&self.token_url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("token endpoint: {e}"))?;
        let status = answer.status();
        let bytes = answer
            .bytes()
            .await
            .map_err(|e| format!("token endpoint: {e}"))?;
        let json: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("token endpoint (HTTP {status}) answered no JSON: {e}"))?;
        // token.js's object: a string, or (newer scripts) a one-element array.
        let first = |v: &serde_json::Value| {
            v.as_str()
                .or_else(|| v.get(0).and_then(|v| v.as_str()))
                .map(str::to_owned)
        };
        match first(&json["resultCode"]).as_deref() {
            Some("000") => {}
            code => return Err(format!("token endpoint answered resultCode {code:?}")),
        }
        first(&json["tokenObject"]["token"])
            .filter(|t| !t.is_empty())
            .map(CardToken::new)
            .ok_or_else(|| "token endpoint answered 000 without tokenObject.token".to_owned())
    }
}
