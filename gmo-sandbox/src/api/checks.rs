//! Field checks shared by the APIs, each returning GMO's `ErrInfo` code. Errors are collected in
//! parameter order: format first, then existence.

use gmo_core::values::JobCd;
use gmo_core::wire::{FormFields, encode_windows_31j};

use crate::config::{ShopConfig, SiteConfig};
use crate::state::{Ledger, SeqMode};

/// The errors of one request, in the order found.
#[derive(Debug, Default)]
pub(crate) struct Errors(pub(crate) Vec<String>);

impl Errors {
    pub(crate) fn push(&mut self, info: impl Into<String>) {
        self.0.push(info.into());
    }

    /// Pushes the error of a check, if any.
    pub(crate) fn check<T>(&mut self, result: Result<T, &'static str>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(info) => {
                self.push(info);
                None
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A field's value, an empty value counting as absent (GMO's rule for optional fields).
pub(crate) fn field<'a>(form: &'a FormFields, key: &str) -> Option<&'a str> {
    form.get_non_empty(key)
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_alnum(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Byte length once encoded to Windows-31J.
pub(crate) fn cp932_len(s: &str) -> usize {
    encode_windows_31j("field", s).map_or(usize::MAX, |b| b.len())
}

/// `ShopID` + `ShopPass`: format, then the pair. The shop's errors are reported alone: nothing
/// else is checked for an unknown shop.
pub(crate) fn shop(ledger: &Ledger, form: &FormFields) -> Result<ShopConfig, Vec<String>> {
    let mut errors = Vec::new();
    match field(form, "ShopID") {
        None => errors.push("E01010001".to_owned()),
        Some(id) if id.len() > 13 || !is_alnum(id) => errors.push("E01010008".to_owned()),
        Some(_) => {}
    }
    match field(form, "ShopPass") {
        None => errors.push("E01020001".to_owned()),
        Some(p) if p.len() > 10 || !is_alnum(p) => errors.push("E01020008".to_owned()),
        Some(_) => {}
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let id = field(form, "ShopID").unwrap_or_default();
    let pass = field(form, "ShopPass").unwrap_or_default();
    match ledger.shops.get(id) {
        Some(shop) if shop.pass == pass => Ok(shop.clone()),
        _ => Err(vec!["E01030002".to_owned()]),
    }
}

/// `SiteID` + `SitePass`, like [`shop`].
pub(crate) fn site(ledger: &Ledger, form: &FormFields) -> Result<SiteConfig, Vec<String>> {
    let mut errors = Vec::new();
    match field(form, "SiteID") {
        None => errors.push("E01190001".to_owned()),
        Some(id) if id.len() > 13 || !is_alnum(id) => errors.push("E01190008".to_owned()),
        Some(_) => {}
    }
    match field(form, "SitePass") {
        None => errors.push("E01200001".to_owned()),
        Some(p) if p.len() > 20 || !is_alnum(p) => errors.push("E01200008".to_owned()),
        Some(_) => {}
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let id = field(form, "SiteID").unwrap_or_default();
    let pass = field(form, "SitePass").unwrap_or_default();
    match ledger.sites.get(id) {
        Some(site) if site.pass == pass => Ok(site.clone()),
        _ => Err(vec!["E01210002".to_owned()]),
    }
}

/// `OrderID`: 1–27 of `A-Z a-z 0-9 -`.
pub(crate) fn order_id(v: Option<&str>) -> Result<&str, &'static str> {
    match v {
        None => Err("E01040001"),
        Some(o) if o.len() > 27 => Err("E01040003"),
        Some(o) if !o.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => Err("E01040013"),
        Some(o) => Ok(o),
    }
}

fn hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `AccessID`: 32 hex.
pub(crate) fn access_id(v: Option<&str>) -> Result<&str, &'static str> {
    match v {
        None => Err("E01090001"),
        Some(a) if !hex32(a) => Err("E01090008"),
        Some(a) => Ok(a),
    }
}

/// `AccessPass`: 32 hex.
pub(crate) fn access_pass(v: Option<&str>) -> Result<&str, &'static str> {
    match v {
        None => Err("E01100001"),
        Some(a) if !hex32(a) => Err("E01100008"),
        Some(a) => Ok(a),
    }
}

/// `JobCd`: defined, and one of `allowed` for this API.
pub(crate) fn job_cd(v: Option<&str>, allowed: &[JobCd]) -> Result<JobCd, &'static str> {
    let v = v.ok_or("E01050001")?;
    match JobCd::parse(v) {
        JobCd::Other(_) => Err("E01050002"),
        job if allowed.contains(&job) => Ok(job),
        _ => Err("E01050004"),
    }
}

/// An amount: digits, at most 7 of them. `codes` = (missing, non-digit, too long).
pub(crate) fn amount(
    v: Option<&str>,
    codes: (&'static str, &'static str, &'static str),
) -> Result<u32, &'static str> {
    let v = v.ok_or(codes.0)?;
    if !is_digits(v) {
        return Err(codes.1);
    }
    if v.len() > 7 {
        return Err(codes.2);
    }
    v.parse().map_err(|_| codes.1)
}

/// `Amount`.
pub(crate) const AMOUNT: (&str, &str, &str) = ("E01060001", "E01060006", "E01060005");
/// `Tax`.
pub(crate) const TAX: (&str, &str, &str) = ("E01070001", "E01070006", "E01070005");

/// `MemberID`: ≤ 60 of `A-Z a-z 0-9 - _ . @`.
pub(crate) fn member_id(v: Option<&str>) -> Result<&str, &'static str> {
    match v {
        None => Err("E01220001"),
        Some(m) if m.len() > 60 => Err("E01220005"),
        Some(m) if gmo_core::values::MemberId::new(m).is_err() => Err("E01220008"),
        Some(m) => Ok(m),
    }
}

/// `SeqMode`: `0` (default) or `1`.
pub(crate) fn seq_mode(v: Option<&str>) -> Result<SeqMode, &'static str> {
    match v {
        None | Some("0") => Ok(SeqMode::Logical),
        Some("1") => Ok(SeqMode::Physical),
        Some(_) => Err("E01470008"),
    }
}

/// `CardSeq`: digits, at most 4.
pub(crate) fn card_seq(v: Option<&str>) -> Result<u32, &'static str> {
    let v = v.ok_or("E01230001")?;
    if !is_digits(v) || v.len() > 4 {
        return Err("E01230006");
    }
    v.parse().map_err(|_| "E01230006")
}

/// `DefaultFlag`: `0` (default) or `1`.
pub(crate) fn default_flag(v: Option<&str>) -> Result<bool, &'static str> {
    match v {
        None | Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(_) => Err("E01440008"),
    }
}

/// `CardNo` as sent: 10–16 digits (length is checked before the characters, as GMO does).
pub(crate) fn card_no(v: Option<&str>, errors: &mut Errors) -> Option<String> {
    let Some(v) = v else {
        errors.push("E01170001");
        return None;
    };
    let mut ok = true;
    if !(10..=16).contains(&v.len()) {
        errors.push("E01170011");
        ok = false;
    }
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        errors.push("E01170006");
        ok = false;
    }
    ok.then(|| v.to_owned())
}

/// `Expire` as sent: `YYMM`.
pub(crate) fn expire(v: Option<&str>) -> Result<String, &'static str> {
    let v = v.ok_or("E01180001")?;
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err("E01180006");
    }
    if v.len() != 4 {
        return Err("E01180003");
    }
    let month: u8 = v[2..].parse().map_err(|_| "E01180008")?;
    if !(1..=12).contains(&month) {
        return Err("E01180008");
    }
    Ok(v.to_owned())
}

/// `SecurityCode`: 3–4 digits when given.
pub(crate) fn security_code(v: Option<&str>) -> Result<(), &'static str> {
    match v {
        Some(c) if !(is_digits(c) && (3..=4).contains(&c.len())) => Err("E01460008"),
        _ => Ok(()),
    }
}

/// `HolderName`: ≤ 50 bytes when given.
pub(crate) fn holder_name(v: Option<&str>) -> Result<String, &'static str> {
    match v {
        Some(h) if cp932_len(h) > 50 => Err("E01480011"),
        v => Ok(v.unwrap_or_default().to_owned()),
    }
}

/// `CardName`: ≤ 10 bytes when given.
pub(crate) fn card_name(v: Option<&str>) -> Result<String, &'static str> {
    match v {
        Some(c) if cp932_len(c) > 10 => Err("E01130012"),
        v => Ok(v.unwrap_or_default().to_owned()),
    }
}

/// The card number digits of a stored number, checked against Luhn when used raw.
pub(crate) fn luhn(number: &str) -> Result<(), &'static str> {
    if crate::cards::luhn_valid(number) {
        Ok(())
    } else {
        Err("E41170099")
    }
}
