//! Card tokens, as GMO's token.js issues them: validation with the result codes of token.js,
//! a single use, a 30-minute life, bound to the shop.

use std::collections::HashMap;
use std::time::Duration;

use time::OffsetDateTime;

use crate::cards::{luhn_valid, mask_token_style};
use crate::clock::token_expiry;
use crate::config::TokenStyle;
use crate::ids::{random_base64_like, random_hex64};

/// What a browser gives token.js (`Multipayment.getToken`), field names as there.
///
/// ```
/// let request = gmo_sandbox::TokenRequest::card("4111111111111111", "2812").securitycode("123");
/// assert_eq!(request.expire.as_deref(), Some("2812"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenRequest {
    /// Card number, 10–16 digits.
    pub cardno: Option<String>,
    /// `YYYYMM` or `YYMM`.
    pub expire: Option<String>,
    /// 3–4 digits.
    pub securitycode: Option<String>,
    /// Half-width letters, digits and a few symbols, ≤ 50.
    pub holdername: Option<String>,
    /// How many tokens to issue (1–10).
    pub tokennumber: Option<String>,
    /// The shop (token.js's "API key").
    pub shopid: Option<String>,
}

impl TokenRequest {
    /// A request for one token for this card.
    pub fn card(cardno: impl Into<String>, expire: impl Into<String>) -> Self {
        Self {
            cardno: Some(cardno.into()),
            expire: Some(expire.into()),
            ..Self::default()
        }
    }

    /// Sets the security code.
    pub fn securitycode(mut self, code: impl Into<String>) -> Self {
        self.securitycode = Some(code.into());
        self
    }

    /// Sets the holder name.
    pub fn holdername(mut self, name: impl Into<String>) -> Self {
        self.holdername = Some(name.into());
        self
    }

    /// Sets the number of tokens.
    pub fn tokennumber(mut self, n: impl Into<String>) -> Self {
        self.tokennumber = Some(n.into());
        self
    }

    /// Sets the shop.
    pub fn shopid(mut self, shop_id: impl Into<String>) -> Self {
        self.shopid = Some(shop_id.into());
        self
    }
}

/// Tokens issued for one card: what token.js hands its callback in `tokenObject`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedTokens {
    /// The tokens (one unless `tokennumber` ≥ 2).
    pub tokens: Vec<String>,
    /// Whether `tokennumber` was given and ≥ 2, in which case token.js gives an array.
    pub as_array: bool,
    /// Expiry, `yyyy-MM-dd-HH-mm-ss` Japan time.
    pub to_be_expired_at: String,
    /// The card number with all but the first 6 and last 4 digits masked.
    pub masked_card_no: String,
    /// Whether a security code was given.
    pub is_security_code_set: bool,
}

impl IssuedTokens {
    /// The callback object of token.js: `{resultCode: "000", tokenObject: {…}}`.
    pub fn to_json(&self) -> serde_json::Value {
        let token = if self.as_array {
            serde_json::Value::from(self.tokens.clone())
        } else {
            serde_json::Value::from(self.tokens.first().cloned().unwrap_or_default())
        };
        serde_json::json!({
            "resultCode": "000",
            "tokenObject": {
                "token": token,
                "toBeExpiredAt": self.to_be_expired_at,
                "maskedCardNo": self.masked_card_no,
                "isSecurityCodeSet": self.is_security_code_set,
            }
        })
    }
}

/// A token request token.js refuses, with its result code (`"101"`, `"180"`…).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("token.js result code {code}")]
pub struct TokenError {
    /// The three-digit result code of token.js.
    pub code: &'static str,
}

impl TokenError {
    /// The callback object of token.js for an error: `{resultCode: "…"}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "resultCode": self.code })
    }
}

/// Why a token cannot be used (`EX1000301`…`304`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    Unknown,
    Used,
    Expired,
    OtherShop,
}

impl TokenProblem {
    pub(crate) fn err_info(self) -> &'static str {
        match self {
            Self::Unknown => "EX1000301",
            Self::Used => "EX1000302",
            Self::Expired => "EX1000303",
            Self::OtherShop => "EX1000304",
        }
    }
}

/// The card data behind a token.
#[derive(Debug, Clone)]
pub(crate) struct TokenCard {
    pub(crate) number: String,
    /// `YYMM`.
    pub(crate) expire: String,
    pub(crate) holder_name: String,
}

#[derive(Debug, Clone)]
struct TokenRecord {
    shop_id: String,
    card: TokenCard,
    expires_at: OffsetDateTime,
    used: bool,
}

/// How long after its expiry a token is still remembered (and answers `EX1000303`); later it
/// is forgotten (`EX1000301`), so that memory does not grow with every token ever issued.
pub(crate) const FORGET_EXPIRED_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// Tokens issued between two sweeps of forgotten tokens.
const SWEEP_EVERY: u32 = 4096;

/// The tokens of a sandbox, until a day after their expiry.
#[derive(Debug, Default)]
pub(crate) struct TokenStore {
    tokens: HashMap<String, TokenRecord>,
    issued_since_sweep: u32,
}

/// A validated request.
struct ValidRequest {
    number: String,
    expire: String,
    holder_name: String,
    count: usize,
    as_array: bool,
    security_code_set: bool,
}

/// Checks a request in token.js's order (card, expiry, security code, holder, count, shop);
/// whether the shop exists is the caller's business (`180`).
fn validate(req: &TokenRequest) -> Result<(ValidRequest, String), TokenError> {
    let err = |code| Err(TokenError { code });
    let number = match req.cardno.as_deref().filter(|s| !s.is_empty()) {
        None => return err("100"),
        Some(n) if !n.bytes().all(|b| b.is_ascii_digit()) => return err("101"),
        // A Luhn failure is reported like a number of the wrong length: "not a card number".
        Some(n) if !(10..=16).contains(&n.len()) || !luhn_valid(n) => return err("102"),
        Some(n) => n.to_owned(),
    };
    let expire = match req.expire.as_deref().filter(|s| !s.is_empty()) {
        None => return err("110"),
        Some(e) if !e.bytes().all(|b| b.is_ascii_digit()) => return err("111"),
        Some(e) if e.len() != 4 && e.len() != 6 => return err("112"),
        Some(e) => {
            let yymm = &e[e.len() - 4..];
            let month: u8 = yymm[2..].parse().unwrap_or(0);
            if !(1..=12).contains(&month) {
                return err("113");
            }
            yymm.to_owned()
        }
    };
    let security_code_set = match req.securitycode.as_deref().filter(|s| !s.is_empty()) {
        None => false,
        Some(c) if !c.bytes().all(|b| b.is_ascii_digit()) => return err("121"),
        Some(c) if !(3..=4).contains(&c.len()) => return err("122"),
        Some(_) => true,
    };
    let holder_name = match req.holdername.as_deref().filter(|s| !s.is_empty()) {
        None => String::new(),
        Some(h)
            if !h
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b" ,.-/'".contains(&b)) =>
        {
            return err("131");
        }
        Some(h) if h.len() > 50 => return err("132"),
        Some(h) => h.to_owned(),
    };
    let (count, as_array) = match req.tokennumber.as_deref().filter(|s| !s.is_empty()) {
        None => (1, false),
        Some(n) if !n.bytes().all(|b| b.is_ascii_digit()) => return err("141"),
        Some(n) => match n.parse::<usize>() {
            Ok(n @ 1..=10) => (n, n >= 2),
            _ => return err("142"),
        },
    };
    let shop_id = match req.shopid.as_deref().filter(|s| !s.is_empty()) {
        None => return err("160"),
        Some(s) if s.len() > 13 => return err("161"),
        Some(s) if !s.bytes().all(|b| b.is_ascii_alphanumeric()) => return err("162"),
        Some(s) => s.to_owned(),
    };
    Ok((
        ValidRequest {
            number,
            expire,
            holder_name,
            count,
            as_array,
            security_code_set,
        },
        shop_id,
    ))
}

impl TokenStore {
    /// Validates and issues; `shop_known` answers whether a ShopID exists (else `180`).
    pub(crate) fn issue(
        &mut self,
        req: &TokenRequest,
        shop_known: impl Fn(&str) -> bool,
        now: OffsetDateTime,
        ttl: Duration,
        style: TokenStyle,
    ) -> Result<IssuedTokens, TokenError> {
        let (valid, shop_id) = validate(req)?;
        if !shop_known(&shop_id) {
            return Err(TokenError { code: "180" });
        }
        self.issued_since_sweep += 1;
        if self.issued_since_sweep >= SWEEP_EVERY {
            self.issued_since_sweep = 0;
            self.tokens
                .retain(|_, record| now < record.expires_at + FORGET_EXPIRED_AFTER);
        }
        let expires_at = now + ttl;
        let tokens: Vec<String> = (0..valid.count)
            .map(|_| match style {
                TokenStyle::Hex => random_hex64(),
                TokenStyle::Base64Like => random_base64_like(),
            })
            .collect();
        for token in &tokens {
            self.tokens.insert(
                token.clone(),
                TokenRecord {
                    shop_id: shop_id.clone(),
                    card: TokenCard {
                        number: valid.number.clone(),
                        expire: valid.expire.clone(),
                        holder_name: valid.holder_name.clone(),
                    },
                    expires_at,
                    used: false,
                },
            );
        }
        Ok(IssuedTokens {
            tokens,
            as_array: valid.as_array,
            to_be_expired_at: token_expiry(expires_at),
            masked_card_no: mask_token_style(&valid.number),
            is_security_code_set: valid.security_code_set,
        })
    }

    /// Spends a token for `shop_id`. A known token is spent by any use of its own shop, whatever
    /// happens next (GMO's tokens are single use even when the payment fails).
    pub(crate) fn spend(
        &mut self,
        token: &str,
        shop_id: &str,
        now: OffsetDateTime,
    ) -> Result<TokenCard, TokenProblem> {
        let record = self.tokens.get_mut(token).ok_or(TokenProblem::Unknown)?;
        if record.shop_id != shop_id {
            return Err(TokenProblem::OtherShop);
        }
        if record.used {
            return Err(TokenProblem::Used);
        }
        record.used = true;
        if now >= record.expires_at {
            return Err(TokenProblem::Expired);
        }
        Ok(record.card.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_forgotten_a_day_after_expiry() {
        let mut store = TokenStore::default();
        let start = OffsetDateTime::now_utc();
        let ttl = Duration::from_secs(60);
        let request = TokenRequest::card("4111111111111111", "2812").shopid("shop");
        let old = store
            .issue(&request, |_| true, start, ttl, TokenStyle::Hex)
            .unwrap()
            .tokens
            .remove(0);
        let later = start + ttl + FORGET_EXPIRED_AFTER;
        for _ in 0..SWEEP_EVERY {
            store
                .issue(&request, |_| true, later, ttl, TokenStyle::Hex)
                .unwrap();
        }
        assert_eq!(
            store.spend(&old, "shop", later).unwrap_err(),
            TokenProblem::Unknown
        );
        assert_eq!(store.tokens.len(), usize::try_from(SWEEP_EVERY).unwrap());
    }

    fn code(req: TokenRequest) -> &'static str {
        match validate(&req) {
            Ok(_) => "000",
            Err(e) => e.code,
        }
    }

    #[test]
    fn validates_in_token_js_order() {
        let ok = TokenRequest::card("4111111111111111", "202812").shopid("tshop00000001");
        assert_eq!(code(ok.clone()), "000");
        assert_eq!(
            code(TokenRequest {
                cardno: None,
                ..ok.clone()
            }),
            "100"
        );
        assert_eq!(
            code(TokenRequest {
                cardno: Some("4111-1111".into()),
                ..ok.clone()
            }),
            "101"
        );
        assert_eq!(
            code(TokenRequest {
                cardno: Some("4111111111111112".into()),
                ..ok.clone()
            }),
            "102"
        );
        assert_eq!(
            code(TokenRequest {
                expire: Some("2813".into()),
                ..ok.clone()
            }),
            "113"
        );
        assert_eq!(code(ok.clone().securitycode("12345")), "122");
        assert_eq!(code(ok.clone().holdername("山田")), "131");
        assert_eq!(code(ok.clone().tokennumber("11")), "142");
        assert_eq!(
            code(TokenRequest {
                shopid: Some("tshop-1".into()),
                ..ok
            }),
            "162"
        );
    }
}
