//! What the contract holds GMO to: the keys of each answer in GMO's order, and the shape of
//! the values GMO chooses (never the values themselves).
#![allow(unreachable_pub)]

use gmo_core::client::{Credentials, Effect, Operation};
use gmo_core::error::RequestError;
use gmo_core::values::OrderId;
use gmo_core::wire::{DecodeError, FormEncoder, Response};

/// A typed request sent through the client unchanged (CheckString verification included),
/// whose answer is also kept raw for the checks of this module.
pub struct Observed<'a, O>(pub &'a O);

/// A typed answer and the answer as GMO sent it.
pub struct Seen<T> {
    pub output: T,
    pub response: Response,
}

impl<O: Operation> Operation for Observed<'_, O> {
    type Output = Seen<O::Output>;
    const API: &'static str = O::API;
    const EFFECT: Effect = O::EFFECT;
    const VERIFIES_CHECK_STRING: bool = O::VERIFIES_CHECK_STRING;

    fn credentials(&self) -> Credentials {
        self.0.credentials()
    }

    fn order_id(&self) -> Option<&OrderId> {
        self.0.order_id()
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        self.0.encode(form)
    }

    fn expects_check_string(&self, response: &Response) -> bool {
        self.0.expects_check_string(response)
    }

    fn decode(&self, response: &Response) -> Result<Self::Output, DecodeError> {
        Ok(Seen {
            output: self.0.decode(response)?,
            response: response.clone(),
        })
    }
}

const AUTHORIZATION: &[&str] = &[
    "OrderID",
    "Forward",
    "Method",
    "PayTimes",
    "Approve",
    "TranID",
    "TranDate",
    "CheckString",
];
const TRAN_RESULT: &[&str] = &[
    "AccessID",
    "AccessPass",
    "Forward",
    "Approve",
    "TranID",
    "TranDate",
];
const TRADE: &[&str] = &[
    "Status",
    "ProcessDate",
    "JobCd",
    "AccessID",
    "AccessPass",
    "ItemCode",
    "Amount",
    "Tax",
    "SiteID",
    "MemberID",
    "CardNo",
    "Expire",
    "Method",
    "PayTimes",
    "Forward",
    "TranID",
    "Approve",
    "ClientField1",
    "ClientField2",
    "ClientField3",
];
const CARD: &[&str] = &["CardSeq", "CardNo", "Forward"];

/// The keys a success answer of `api` holds, in GMO's order (`docs/protocol.md` §2–§3). GMO may
/// append columns in newer versions: keys after these are reported, not refused.
pub fn expected_keys(api: &str, response: &Response) -> Vec<&'static str> {
    match api {
        "SaveMember" | "UpdateMember" | "DeleteMember" => vec!["MemberID"],
        "SearchMember" => vec!["MemberID", "MemberName", "DeleteFlag"],
        "SaveCard" | "TradedCard" => CARD.to_vec(),
        "DeleteCard" => vec!["CardSeq"],
        "SearchCard" => vec![
            "CardSeq",
            "DefaultFlag",
            "CardName",
            "CardNo",
            "Expire",
            "HolderName",
            "DeleteFlag",
        ],
        "SearchCardDetail" => vec![
            "CardNo",
            "Brand",
            "DomesticFlag",
            "IssuerCode",
            "DebitPrepaidFlag",
            "DebitPrepaidIssuerName",
            "ForwardFinal",
        ],
        "EntryTran" => vec!["AccessID", "AccessPass"],
        "ExecTran" if response.get("ACS") == Some("2") => vec!["ACS", "RedirectUrl"],
        "ExecTran" => [&["ACS"], AUTHORIZATION].concat(),
        "SecureTran2" => AUTHORIZATION.to_vec(),
        "Tds2Auth" => vec!["Tds2TransResult", "Tds2TransResultReason", "ChallengeUrl"],
        "Tds2Result" => vec!["Tds2TransResult", "Tds2TransResultReason"],
        "AlterTran" | "ChangeTran" => TRAN_RESULT.to_vec(),
        "SearchTrade" => [&["OrderID"], TRADE].concat(),
        "SearchTradeMulti" => [TRADE, &["PayType"]].concat(),
        _ => Vec::new(),
    }
}

/// Checks that `expected` come first, in order; answers the keys that follow them.
pub fn check_keys(api: &str, response: &Response) -> Result<Vec<String>, String> {
    let expected = expected_keys(api, response);
    let keys: Vec<&str> = response.keys().collect();
    if keys.len() < expected.len() || keys[..expected.len()] != expected[..] {
        return Err(format!(
            "{api} answered the keys {keys:?}, GMO's contract is {expected:?} first"
        ));
    }
    Ok(keys[expected.len()..]
        .iter()
        .map(|k| (*k).to_owned())
        .collect())
}

fn lower_hex(v: &str, len: usize) -> bool {
    v.len() == len
        && v.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn digits(v: &str, len: usize) -> bool {
    v.len() == len && v.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a value GMO chose has GMO's shape (`docs/protocol.md` §1.7); `None` for keys whose values
/// are ours or free text. Empty values pass: SearchTrade leaves them empty before a payment.
fn has_shape(key: &str, value: &str) -> Option<bool> {
    if value.is_empty() {
        return Some(true);
    }
    let each = |ok: fn(&str) -> bool| value.split('|').all(ok);
    Some(match key {
        "AccessID" | "AccessPass" | "t" => lower_hex(value, 32),
        "CheckString" => lower_hex(value, 32),
        "TranID" => digits(value, 28),
        "TranDate" | "ProcessDate" => digits(value, 14),
        // 7 characters: digits, possibly led by spaces (`Approve= 004536`).
        "Approve" => {
            value.len() == 7
                && value
                    .trim_start_matches(' ')
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                && !value.trim_start_matches(' ').is_empty()
        }
        "Forward" | "ForwardFinal" => {
            each(|v| v.len() == 7 && v.bytes().all(|b| b.is_ascii_alphanumeric()))
        }
        "CardNo" => each(|v| v.bytes().all(|b| b == b'*' || b.is_ascii_digit()) && v.contains('*')),
        "CardSeq" => each(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())),
        "DeleteFlag" | "DefaultFlag" => each(|v| v == "0" || v == "1"),
        "ACS" => value == "0" || value == "2",
        "Tds2TransResult" => matches!(value, "Y" | "A" | "C" | "N" | "U" | "R"),
        _ => return None,
    })
}

/// Checks the shape of every value GMO chose.
pub fn check_values(api: &str, response: &Response) -> Result<(), String> {
    for (key, value) in response.iter() {
        if has_shape(key, value) == Some(false) {
            let shown = if key.ends_with("Pass") {
                "<hidden>"
            } else {
                value
            };
            return Err(format!("{api}: {key}={shown:?} is not GMO's shape"));
        }
    }
    Ok(())
}
