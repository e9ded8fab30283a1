//! Shop API: card transactions, `docs/protocol.md` §3 and §5.
//!
//! A payment is [`EntryTran`] (register the order; keep the AccessID and AccessPass) then
//! [`ExecTran`] (authorise), which answers either an authorisation or a 3-D Secure redirect.
//! Later, [`AlterTran`] captures, voids or refunds, [`ChangeTran`] changes the amount, and
//! [`SearchTrade`] tells the state, which is how an unknown outcome is resolved.
//!
//! ```no_run
//! use gmo_core::api::{CardSource, EntryTran, ExecTran, ExecTranOutcome};
//! use gmo_core::values::{Method, OrderId};
//! use gmo_core::values::Amount;
//! use gmo_core::CardToken;
//! # async fn run(client: gmo_core::GmoClient, token: String) -> Result<(), Box<dyn std::error::Error>> {
//! let order_id = OrderId::new("order-2026-0001")?;
//! let entry = client.send(&EntryTran::auth(order_id.clone(), Amount::new(1_200)?)).await?;
//! let mut exec = ExecTran::new(
//!     entry.access_id,
//!     entry.access_pass,
//!     order_id,
//!     CardSource::Token(CardToken::new(token)),
//! );
//! exec.method = Some(Method::Lump);
//! match client.send(&exec).await? {
//!     ExecTranOutcome::Authorized(auth) => println!("approved: {}", auth.approve),
//!     ExecTranOutcome::ThreeDSecure { redirect_url } => println!("send the browser to {redirect_url}"),
//! }
//! # Ok(()) }
//! ```

use super::fields::{
    optional, optional_string, parse_method, parse_optional, parse_required, push_access,
    push_method, push_token, required,
};
use super::risk_data::Tds2Data;
use crate::client::{Credentials, Effect, Operation};
use crate::error::RequestError;
use crate::secret::{AccessPass, CardToken};
use crate::values::{
    AccessId, CallbackType, InvalidValue, JobCd, MemberId, Method, OrderId, SeqMode, Status,
    TdRequired, Tds2Type,
};
use crate::values::{
    Amount, CardExpiry, CardSeq, ClientField, DisplayInfo, GmoTimestamp, RetUrl, Tax, TdTenantName,
    checked_total,
};
use crate::wire::{DecodeError, FormEncoder, Response};

fn push_amounts(
    form: &mut FormEncoder,
    amount: Amount,
    tax: Option<Tax>,
) -> Result<(), RequestError> {
    checked_total(amount, tax)?;
    form.push("Amount", &amount.to_string())?;
    if let Some(tax) = tax {
        form.push("Tax", &tax.to_string())?;
    }
    Ok(())
}

fn invalid(field: &'static str, rule: &'static str) -> RequestError {
    InvalidValue { field, rule }.into()
}

fn decode_access_id(response: &Response) -> Result<AccessId, DecodeError> {
    parse_required(response, "AccessID", "32 lowercase hex characters", |v| {
        AccessId::new(v).ok()
    })
}

fn decode_timestamp(response: &Response, field: &'static str) -> Result<GmoTimestamp, DecodeError> {
    parse_required(response, field, "yyyyMMddHHmmss", GmoTimestamp::parse)
}

// ---------------------------------------------------------------------------------------------
// EntryTran

/// 3-D Secure 2.0 settings of a transaction, sent with EntryTran (`TdFlag=2`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThreeDSecureEntry {
    /// What to do when the issuer does not support 3-D Secure 2.0 (`Tds2Type`).
    pub tds2_type: Option<Tds2Type>,
    /// Whether 3-D Secure is mandatory (`TdRequired`).
    pub td_required: Option<TdRequired>,
    /// The shop name shown on the authentication page (`TdTenantName`).
    pub tenant_name: Option<TdTenantName>,
}

impl ThreeDSecureEntry {
    /// 3-D Secure 2.0 with GMO's defaults.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Registers a transaction (`EntryTran`): answers the AccessID and AccessPass that every later
/// call on it needs. An OrderID already used is `E01040010`
/// ([`crate::GmoError::is_duplicate_order`]): look the order up with [`SearchTrade`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EntryTran {
    /// The merchant's order number, unique in the shop forever.
    pub order_id: OrderId,
    /// `CHECK`, `CAPTURE`, `AUTH` or `SAUTH`.
    pub job_cd: JobCd,
    /// The amount; required unless `job_cd` is `CHECK`, absent for `CHECK`.
    pub amount: Option<Amount>,
    /// Tax and shipping, charged on top of the amount.
    pub tax: Option<Tax>,
    /// 3-D Secure 2.0 (`TdFlag=2`), or none (`TdFlag` omitted, GMO's default 0).
    pub three_d_secure: Option<ThreeDSecureEntry>,
}

impl EntryTran {
    fn with_job(order_id: OrderId, job_cd: JobCd, amount: Option<Amount>) -> Self {
        Self {
            order_id,
            job_cd,
            amount,
            tax: None,
            three_d_secure: None,
        }
    }

    /// A validity check of a card, without amount (`JobCd=CHECK`).
    pub fn check(order_id: OrderId) -> Self {
        Self::with_job(order_id, JobCd::Check, None)
    }

    /// An authorisation to capture later (`JobCd=AUTH`, 仮売上).
    pub fn auth(order_id: OrderId, amount: Amount) -> Self {
        Self::with_job(order_id, JobCd::Auth, Some(amount))
    }

    /// An authorisation captured at once (`JobCd=CAPTURE`, 即時売上).
    pub fn capture(order_id: OrderId, amount: Amount) -> Self {
        Self::with_job(order_id, JobCd::Capture, Some(amount))
    }

    /// A simple authorisation (`JobCd=SAUTH`, 簡易オーソリ; contract-specific).
    pub fn sauth(order_id: OrderId, amount: Amount) -> Self {
        Self::with_job(order_id, JobCd::Sauth, Some(amount))
    }

    /// Adds tax and shipping.
    pub fn with_tax(mut self, tax: Tax) -> Self {
        self.tax = Some(tax);
        self
    }

    /// Asks for 3-D Secure 2.0.
    pub fn with_three_d_secure(mut self, settings: ThreeDSecureEntry) -> Self {
        self.three_d_secure = Some(settings);
        self
    }
}

/// The answer of EntryTran.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EntryResult {
    /// The transaction's id.
    pub access_id: AccessId,
    /// The transaction's password: keep it server-side, as carefully as a password.
    pub access_pass: AccessPass,
}

impl Operation for EntryTran {
    type Output = EntryResult;
    const API: &'static str = "EntryTran";
    const EFFECT: Effect = Effect::MovesMoney;

    fn credentials(&self) -> Credentials {
        Credentials::Shop
    }

    fn order_id(&self) -> Option<&OrderId> {
        Some(&self.order_id)
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        form.push("OrderID", self.order_id.as_str())?;
        form.push("JobCd", self.job_cd.as_str())?;
        match (&self.job_cd, self.amount) {
            (JobCd::Check, None) => {
                if self.tax.is_some() {
                    return Err(invalid("Tax", "absent for JobCd CHECK"));
                }
            }
            (JobCd::Check, Some(_)) => return Err(invalid("Amount", "absent for JobCd CHECK")),
            (JobCd::Auth | JobCd::Capture | JobCd::Sauth, Some(amount)) => {
                push_amounts(form, amount, self.tax)?;
            }
            (JobCd::Auth | JobCd::Capture | JobCd::Sauth, None) => {
                return Err(invalid("Amount", "present unless JobCd is CHECK"));
            }
            _ => return Err(invalid("JobCd", "CHECK, CAPTURE, AUTH or SAUTH")),
        }
        if let Some(tds) = &self.three_d_secure {
            form.push("TdFlag", "2")?;
            form.push_opt(
                "TdTenantName",
                tds.tenant_name.as_ref().map(TdTenantName::encoded),
            )?;
            form.push_opt("Tds2Type", tds.tds2_type.map(Tds2Type::code))?;
            form.push_opt("TdRequired", tds.td_required.map(TdRequired::code))?;
        }
        Ok(())
    }

    fn decode(&self, response: &Response) -> Result<EntryResult, DecodeError> {
        Ok(EntryResult {
            access_id: decode_access_id(response)?,
            access_pass: AccessPass::new(required(response, "AccessPass")?),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// ExecTran

/// The card an ExecTran charges.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CardSource {
    /// A one-time token made by GMO's token.js in the browser.
    Token(CardToken),
    /// A card stored on a member (the client adds the site's credentials).
    StoredCard {
        /// The member.
        member_id: MemberId,
        /// How `card_seq` is read.
        seq_mode: SeqMode,
        /// The card.
        card_seq: CardSeq,
    },
}

/// The merchant's free fields of a transaction, and whether the answer echoes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientFields {
    /// `ClientField1`.
    pub field1: Option<ClientField>,
    /// `ClientField2`.
    pub field2: Option<ClientField>,
    /// `ClientField3`.
    pub field3: Option<ClientField>,
    /// Ask GMO to echo the three fields in the answer (`ClientFieldFlag=1`).
    pub echo: bool,
}

impl ClientFields {
    /// No free field.
    pub fn new() -> Self {
        Self::default()
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        form.push_opt(
            "ClientField1",
            self.field1.as_ref().map(ClientField::as_str),
        )?;
        form.push_opt(
            "ClientField2",
            self.field2.as_ref().map(ClientField::as_str),
        )?;
        form.push_opt(
            "ClientField3",
            self.field3.as_ref().map(ClientField::as_str),
        )?;
        if self.echo {
            form.push("ClientFieldFlag", "1")?;
        }
        Ok(())
    }
}

/// 3-D Secure 2.0 parameters of an ExecTran (the transaction was registered with
/// [`ThreeDSecureEntry`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThreeDSecureExec {
    /// Where the browser comes back after authentication (`RetUrl`).
    pub ret_url: RetUrl,
    /// How it comes back (`CallbackType`); GMO's default is a POST.
    pub callback_type: Option<CallbackType>,
    /// Risk data for the issuer (`Tds2*`), all optional.
    pub data: Tds2Data,
}

impl ThreeDSecureExec {
    /// Returns the browser to `ret_url`, without risk data.
    pub fn new(ret_url: RetUrl) -> Self {
        Self {
            ret_url,
            callback_type: None,
            data: Tds2Data::new(),
        }
    }
}

/// Runs the authorisation of a registered transaction (`ExecTran`).
///
/// Answers [`ExecTranOutcome::Authorized`] (`ACS=0`), or [`ExecTranOutcome::ThreeDSecure`]
/// (`ACS=2`) when the browser must go through 3-D Secure first (then call
/// [`super::SecureTran2`]). Never retried; after an unknown outcome, look the order up with
/// [`SearchTrade`]. A second ExecTran on the same transaction is "already executed"
/// ([`crate::GmoError::is_already_executed`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExecTran {
    /// From EntryTran.
    pub access_id: AccessId,
    /// From EntryTran.
    pub access_pass: AccessPass,
    /// The same OrderID as at EntryTran.
    pub order_id: OrderId,
    /// How the customer pays; required for AUTH, CAPTURE and SAUTH, absent for CHECK.
    pub method: Option<Method>,
    /// The card.
    pub card: CardSource,
    /// Free fields.
    pub client_fields: ClientFields,
    /// Text for the card statement (`DisplayInfo`).
    pub display_info: Option<DisplayInfo>,
    /// 3-D Secure 2.0 parameters, when the transaction was registered with it.
    pub three_d_secure: Option<ThreeDSecureExec>,
}

impl ExecTran {
    /// Charges `card` for the transaction, with no method (set [`Self::method`] unless the
    /// transaction is a CHECK).
    pub fn new(
        access_id: AccessId,
        access_pass: AccessPass,
        order_id: OrderId,
        card: CardSource,
    ) -> Self {
        Self {
            access_id,
            access_pass,
            order_id,
            method: None,
            card,
            client_fields: ClientFields::new(),
            display_info: None,
            three_d_secure: None,
        }
    }
}

/// An authorisation, as ExecTran (`ACS=0`) and SecureTran2 answer it. Its CheckString has been
/// verified by the client.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Authorization {
    /// The order.
    pub order_id: OrderId,
    /// `Forward`: the card company's routing code.
    pub forward: String,
    /// The method as GMO echoes it; `None` for a CHECK.
    pub method: Option<Method>,
    /// The approval number, verbatim: 7 characters, possibly space-padded (`0000000` for a
    /// CHECK). Trim it only for display.
    pub approve: String,
    /// `TranID`: 28 digits.
    pub tran_id: String,
    /// When GMO processed it.
    pub tran_date: GmoTimestamp,
    /// The verified CheckString.
    pub check_string: String,
    /// `ClientField1..3`, when ExecTran asked for them to be echoed.
    pub client_fields: Option<[String; 3]>,
}

impl Authorization {
    pub(crate) fn from_response(response: &Response) -> Result<Self, DecodeError> {
        let client_fields = match (
            response.get("ClientField1"),
            response.get("ClientField2"),
            response.get("ClientField3"),
        ) {
            (None, None, None) => None,
            (a, b, c) => Some([a, b, c].map(|v| v.unwrap_or("").to_owned())),
        };
        Ok(Self {
            order_id: parse_required(response, "OrderID", "an order id", |v| OrderId::new(v).ok())?,
            forward: required(response, "Forward")?.to_owned(),
            method: parse_method(response)?,
            approve: required(response, "Approve")?.to_owned(),
            tran_id: required(response, "TranID")?.to_owned(),
            tran_date: decode_timestamp(response, "TranDate")?,
            check_string: required(response, "CheckString")?.to_owned(),
            client_fields,
        })
    }
}

/// What ExecTran answered. Exhaustive on purpose: a caller must handle both answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecTranOutcome {
    /// `ACS=0`: authorised (or checked) without 3-D Secure.
    Authorized(Authorization),
    /// `ACS=2`: send the browser to `redirect_url` (exactly as given) for 3-D Secure 2.0, then
    /// call SecureTran2 when it comes back to `RetUrl`.
    ThreeDSecure {
        /// GMO's URL, verbatim.
        redirect_url: String,
    },
}

impl Operation for ExecTran {
    type Output = ExecTranOutcome;
    const API: &'static str = "ExecTran";
    const EFFECT: Effect = Effect::MovesMoney;
    const VERIFIES_CHECK_STRING: bool = true;

    fn credentials(&self) -> Credentials {
        match self.card {
            CardSource::Token(_) => Credentials::None,
            CardSource::StoredCard { .. } => Credentials::Site,
        }
    }

    fn order_id(&self) -> Option<&OrderId> {
        Some(&self.order_id)
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        push_access(form, &self.access_id, &self.access_pass)?;
        form.push("OrderID", self.order_id.as_str())?;
        if let Some(method) = self.method {
            push_method(form, method)?;
        }
        match &self.card {
            CardSource::Token(token) => push_token(form, token)?,
            CardSource::StoredCard {
                member_id,
                seq_mode,
                card_seq,
            } => {
                form.push("MemberID", member_id.as_str())?;
                form.push("SeqMode", seq_mode.code())?;
                form.push("CardSeq", &card_seq.to_string())?;
            }
        }
        self.client_fields.encode(form)?;
        form.push_opt(
            "DisplayInfo",
            self.display_info.as_ref().map(DisplayInfo::as_str),
        )?;
        if let Some(tds) = &self.three_d_secure {
            form.push("RetUrl", tds.ret_url.as_str())?;
            form.push_opt("CallbackType", tds.callback_type.map(CallbackType::code))?;
            tds.data.encode(form)?;
        }
        Ok(())
    }

    fn expects_check_string(&self, response: &Response) -> bool {
        response.get("ACS") == Some("0")
    }

    fn decode(&self, response: &Response) -> Result<ExecTranOutcome, DecodeError> {
        match required(response, "ACS")? {
            "0" => Ok(ExecTranOutcome::Authorized(Authorization::from_response(
                response,
            )?)),
            "2" => Ok(ExecTranOutcome::ThreeDSecure {
                redirect_url: parse_required(response, "RedirectUrl", "an http(s) URL", |v| {
                    (v.starts_with("https://") || v.starts_with("http://")).then(|| v.to_owned())
                })?,
            }),
            _ => Err(DecodeError::InvalidField {
                field: "ACS",
                expected: "0 or 2 (3-D Secure 1.0 is not supported)",
            }),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// AlterTran and ChangeTran

/// The answer of AlterTran and ChangeTran.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TranResult {
    /// The transaction's id (unchanged).
    pub access_id: AccessId,
    /// The transaction's password (unchanged).
    pub access_pass: AccessPass,
    /// `Forward`.
    pub forward: String,
    /// The approval number, verbatim (SALES keeps the authorisation's; RETURN and ChangeTran
    /// get a new one).
    pub approve: String,
    /// `TranID`.
    pub tran_id: String,
    /// When GMO processed it.
    pub tran_date: Option<GmoTimestamp>,
}

impl TranResult {
    fn from_response(response: &Response) -> Result<Self, DecodeError> {
        Ok(Self {
            access_id: decode_access_id(response)?,
            access_pass: AccessPass::new(required(response, "AccessPass")?),
            forward: response.get("Forward").unwrap_or("").to_owned(),
            approve: response.get("Approve").unwrap_or("").to_owned(),
            tran_id: response.get("TranID").unwrap_or("").to_owned(),
            tran_date: parse_optional(response, "TranDate", "yyyyMMddHHmmss", GmoTimestamp::parse)?,
        })
    }
}

/// Captures, voids or refunds a transaction (`AlterTran`).
///
/// Pick by date: the same day `VOID`, the same month `RETURN`, later `RETURNX`. Never retried.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AlterTran {
    /// The transaction.
    pub access_id: AccessId,
    /// Its password.
    pub access_pass: AccessPass,
    /// `SALES`, `VOID`, `RETURN` or `RETURNX`.
    pub job_cd: JobCd,
    /// The amount to capture (required for `SALES`, equal to the authorised amount).
    pub amount: Option<Amount>,
    /// Tax and shipping with a `SALES`.
    pub tax: Option<Tax>,
}

impl AlterTran {
    fn with_job(
        access_id: AccessId,
        access_pass: AccessPass,
        job_cd: JobCd,
        amount: Option<Amount>,
    ) -> Self {
        Self {
            access_id,
            access_pass,
            job_cd,
            amount,
            tax: None,
        }
    }

    /// Captures an authorisation (`SALES`, 実売上) for the authorised amount.
    pub fn sales(access_id: AccessId, access_pass: AccessPass, amount: Amount) -> Self {
        Self::with_job(access_id, access_pass, JobCd::Sales, Some(amount))
    }

    /// Cancels on the day of the sale (`VOID`, 取消).
    pub fn void(access_id: AccessId, access_pass: AccessPass) -> Self {
        Self::with_job(access_id, access_pass, JobCd::Void, None)
    }

    /// Cancels after the day of the sale (`RETURN`, 返品).
    pub fn refund(access_id: AccessId, access_pass: AccessPass) -> Self {
        Self::with_job(access_id, access_pass, JobCd::Return, None)
    }

    /// Cancels after the month of the sale (`RETURNX`, 月跨り返品).
    pub fn refund_after_month(access_id: AccessId, access_pass: AccessPass) -> Self {
        Self::with_job(access_id, access_pass, JobCd::ReturnX, None)
    }
}

impl Operation for AlterTran {
    type Output = TranResult;
    const API: &'static str = "AlterTran";
    const EFFECT: Effect = Effect::MovesMoney;

    fn credentials(&self) -> Credentials {
        Credentials::Shop
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        push_access(form, &self.access_id, &self.access_pass)?;
        form.push("JobCd", self.job_cd.as_str())?;
        match (&self.job_cd, self.amount) {
            (JobCd::Sales, Some(amount)) => push_amounts(form, amount, self.tax),
            (JobCd::Sales, None) => Err(invalid("Amount", "present for JobCd SALES")),
            (JobCd::Void | JobCd::Return | JobCd::ReturnX, None) if self.tax.is_none() => Ok(()),
            (JobCd::Void | JobCd::Return | JobCd::ReturnX, _) => Err(invalid(
                "Amount",
                "absent, with Tax, for JobCd VOID, RETURN and RETURNX",
            )),
            _ => Err(invalid("JobCd", "SALES, VOID, RETURN or RETURNX")),
        }
    }

    fn decode(&self, response: &Response) -> Result<TranResult, DecodeError> {
        TranResult::from_response(response)
    }
}

/// Changes the amount of an authorised or captured transaction (`ChangeTran`): GMO cancels the
/// old authorisation and authorises the new amount, which the issuer may decline.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChangeTran {
    /// The transaction.
    pub access_id: AccessId,
    /// Its password.
    pub access_pass: AccessPass,
    /// The status afterwards: `AUTH`, `CAPTURE` or `SAUTH`.
    pub job_cd: JobCd,
    /// The new amount.
    pub amount: Amount,
    /// The new tax and shipping.
    pub tax: Option<Tax>,
}

impl ChangeTran {
    /// Changes the amount; `job_cd` is the status afterwards (`AUTH`, `CAPTURE` or `SAUTH`).
    pub fn new(
        access_id: AccessId,
        access_pass: AccessPass,
        job_cd: JobCd,
        amount: Amount,
    ) -> Self {
        Self {
            access_id,
            access_pass,
            job_cd,
            amount,
            tax: None,
        }
    }
}

impl Operation for ChangeTran {
    type Output = TranResult;
    const API: &'static str = "ChangeTran";
    const EFFECT: Effect = Effect::MovesMoney;

    fn credentials(&self) -> Credentials {
        Credentials::Shop
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        if !matches!(self.job_cd, JobCd::Auth | JobCd::Capture | JobCd::Sauth) {
            return Err(invalid("JobCd", "AUTH, CAPTURE or SAUTH"));
        }
        push_access(form, &self.access_id, &self.access_pass)?;
        form.push("JobCd", self.job_cd.as_str())?;
        push_amounts(form, self.amount, self.tax)
    }

    fn decode(&self, response: &Response) -> Result<TranResult, DecodeError> {
        TranResult::from_response(response)
    }
}

// ---------------------------------------------------------------------------------------------
// SearchTrade and SearchTradeMulti

/// A transaction's state, as SearchTrade (and SearchTradeMulti) report it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TradeState {
    /// The order.
    pub order_id: OrderId,
    /// The status.
    pub status: Status,
    /// When the last operation ran.
    pub process_date: Option<GmoTimestamp>,
    /// The last requested job.
    pub job_cd: JobCd,
    /// The transaction's id.
    pub access_id: AccessId,
    /// The transaction's password (GMO returns it in clear; useful to recover a lost one).
    pub access_pass: AccessPass,
    /// `ItemCode` (`0000990` by default).
    pub item_code: String,
    /// The current amount.
    pub amount: Amount,
    /// The current tax and shipping.
    pub tax: Tax,
    /// `SiteID`, when a stored card was used.
    pub site_id: Option<String>,
    /// `MemberID`, when a stored card was used.
    pub member_id: Option<String>,
    /// The masked card number; `None` before authorisation.
    pub masked_number: Option<String>,
    /// The card's expiry, for display; `None` before authorisation.
    pub expiry: Option<CardExpiry>,
    /// The method.
    pub method: Option<Method>,
    /// `Forward`.
    pub forward: Option<String>,
    /// `TranID`.
    pub tran_id: Option<String>,
    /// The approval number, verbatim.
    pub approve: Option<String>,
    /// `ClientField1..3` as stored.
    pub client_fields: [String; 3],
}

fn decode_yen<T: std::str::FromStr + Default>(
    response: &Response,
    field: &'static str,
) -> Result<T, DecodeError> {
    match optional(response, field) {
        None => Ok(T::default()),
        Some(v) => v.parse().map_err(|_| DecodeError::InvalidField {
            field,
            expected: "at most 7 digits",
        }),
    }
}

impl TradeState {
    fn from_response(response: &Response, order_id: OrderId) -> Result<Self, DecodeError> {
        let client_field = |key| response.get(key).unwrap_or("").to_owned();
        Ok(Self {
            order_id,
            status: Status::parse(required(response, "Status")?),
            process_date: parse_optional(
                response,
                "ProcessDate",
                "yyyyMMddHHmmss",
                GmoTimestamp::parse,
            )?,
            job_cd: JobCd::parse(response.get("JobCd").unwrap_or("")),
            access_id: decode_access_id(response)?,
            access_pass: AccessPass::new(required(response, "AccessPass")?),
            item_code: response.get("ItemCode").unwrap_or("").to_owned(),
            amount: decode_yen(response, "Amount")?,
            tax: decode_yen(response, "Tax")?,
            site_id: optional_string(response, "SiteID"),
            member_id: optional_string(response, "MemberID"),
            masked_number: optional_string(response, "CardNo"),
            expiry: parse_optional(response, "Expire", "YYMM", CardExpiry::parse)?,
            method: parse_method(response)?,
            forward: optional_string(response, "Forward"),
            tran_id: optional_string(response, "TranID"),
            approve: optional_string(response, "Approve"),
            client_fields: [
                client_field("ClientField1"),
                client_field("ClientField2"),
                client_field("ClientField3"),
            ],
        })
    }
}

/// Looks a card transaction up by OrderID (`SearchTrade`): the way to resolve an unknown
/// outcome. Read-only, so retried on transient failures.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchTrade {
    /// The order.
    pub order_id: OrderId,
}

impl SearchTrade {
    /// Looks this order up.
    pub fn new(order_id: OrderId) -> Self {
        Self { order_id }
    }
}

impl Operation for SearchTrade {
    type Output = TradeState;
    const API: &'static str = "SearchTrade";
    const EFFECT: Effect = Effect::ReadOnly;

    fn credentials(&self) -> Credentials {
        Credentials::Shop
    }

    fn order_id(&self) -> Option<&OrderId> {
        Some(&self.order_id)
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        form.push("OrderID", self.order_id.as_str())?;
        Ok(())
    }

    fn decode(&self, response: &Response) -> Result<TradeState, DecodeError> {
        let order_id =
            parse_required(response, "OrderID", "an order id", |v| OrderId::new(v).ok())?;
        TradeState::from_response(response, order_id)
    }
}

/// Looks a card transaction up through the all-methods search (`SearchTradeMulti`,
/// `PayType=0`). Its answer has no OrderID (the request's is used) and errors are `M01…`
/// (`M01004002`: no such order).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchTradeMulti {
    /// The order.
    pub order_id: OrderId,
}

impl SearchTradeMulti {
    /// Looks this card order up.
    pub fn new(order_id: OrderId) -> Self {
        Self { order_id }
    }
}

impl Operation for SearchTradeMulti {
    type Output = TradeState;
    const API: &'static str = "SearchTradeMulti";
    const EFFECT: Effect = Effect::ReadOnly;

    fn credentials(&self) -> Credentials {
        Credentials::Shop
    }

    fn order_id(&self) -> Option<&OrderId> {
        Some(&self.order_id)
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        form.push("OrderID", self.order_id.as_str())?;
        form.push("PayType", "0")?;
        Ok(())
    }

    fn decode(&self, response: &Response) -> Result<TradeState, DecodeError> {
        TradeState::from_response(response, self.order_id.clone())
    }
}
