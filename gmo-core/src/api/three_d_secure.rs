//! 3-D Secure 2.0, `docs/protocol.md` §4: completing the payment after authentication
//! ([`SecureTran2`]), the "direct" flow ([`Tds2Auth`], [`Tds2Result`]) and the risk data sent
//! with ExecTran ([`Tds2Data`]).
//!
//! ```no_run
//! use gmo_core::api::SecureTran2;
//! # async fn run(client: gmo_core::GmoClient, access_id: gmo_core::values::AccessId, access_pass: gmo_core::AccessPass) -> Result<(), gmo_core::GmoError> {
//! // The browser came back to RetUrl with the AccessID; the AccessPass comes from our store.
//! let authorization = client.send(&SecureTran2::new(access_id, access_pass)).await?;
//! println!("approved: {}", authorization.approve);
//! # Ok(()) }
//! ```

use super::fields::{optional_string, parse_required, push_access};
// The risk data lives in a module of its own (ExecTran needs it too); still public here.
pub use super::risk_data::{Tds2Data, Tds2Field};
use super::transaction::Authorization;
use crate::client::{Credentials, Effect, Operation};
use crate::error::RequestError;
use crate::secret::AccessPass;
use crate::values::{AccessId, Tds2TransStatus};
use crate::wire::{DecodeError, FormEncoder, Response};

/// Completes a payment after 3-D Secure 2.0 authentication (`SecureTran2`): GMO authorises
/// with the JobCd and amount of EntryTran. Answers the authorisation, whose CheckString the
/// client verifies. Never retried; a second call is "already executed".
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecureTran2 {
    /// The transaction (as posted back to RetUrl; check it against the stored one).
    pub access_id: AccessId,
    /// Its password, from the merchant's store (GMO never sends it to the browser).
    pub access_pass: AccessPass,
}

impl SecureTran2 {
    /// Completes this transaction.
    pub fn new(access_id: AccessId, access_pass: AccessPass) -> Self {
        Self {
            access_id,
            access_pass,
        }
    }
}

impl Operation for SecureTran2 {
    type Output = Authorization;
    const API: &'static str = "SecureTran2";
    const EFFECT: Effect = Effect::MovesMoney;
    const VERIFIES_CHECK_STRING: bool = true;

    fn credentials(&self) -> Credentials {
        Credentials::None
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        push_access(form, &self.access_id, &self.access_pass)
    }

    fn decode(&self, response: &Response) -> Result<Authorization, DecodeError> {
        Authorization::from_response(response)
    }
}

/// Runs the authentication of the "direct" flow (`Tds2Auth`, `CallbackType=2`) with the
/// `param` GMO posted to RetUrl.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tds2Auth {
    /// The transaction.
    pub access_id: AccessId,
    /// Its password.
    pub access_pass: AccessPass,
    /// The opaque `param` value of GMO's first callback (`Tds2Param`).
    pub tds2_param: String,
}

impl Tds2Auth {
    /// Authenticates with the callback's `param`.
    pub fn new(
        access_id: AccessId,
        access_pass: AccessPass,
        tds2_param: impl Into<String>,
    ) -> Self {
        Self {
            access_id,
            access_pass,
            tds2_param: tds2_param.into(),
        }
    }
}

/// The answer of Tds2Auth.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tds2AuthResult {
    /// `Tds2TransResult`: `Y`/`A` go on to SecureTran2, `C` to the challenge.
    pub trans_status: Tds2TransStatus,
    /// `Tds2TransResultReason`, the EMV reason code, when given.
    pub reason: Option<String>,
    /// `ChallengeUrl`: where to send the browser when a challenge is required.
    pub challenge_url: Option<String>,
}

impl Operation for Tds2Auth {
    type Output = Tds2AuthResult;
    const API: &'static str = "Tds2Auth";
    const EFFECT: Effect = Effect::ChangesData;

    fn credentials(&self) -> Credentials {
        Credentials::Shop
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        push_access(form, &self.access_id, &self.access_pass)?;
        form.push("Tds2Param", &self.tds2_param)?;
        Ok(())
    }

    fn decode(&self, response: &Response) -> Result<Tds2AuthResult, DecodeError> {
        Ok(Tds2AuthResult {
            trans_status: decode_status(response)?,
            reason: optional_string(response, "Tds2TransResultReason"),
            challenge_url: optional_string(response, "ChallengeUrl"),
        })
    }
}

fn decode_status(response: &Response) -> Result<Tds2TransStatus, DecodeError> {
    parse_required(response, "Tds2TransResult", "a 3-D Secure status", |v| {
        (!v.is_empty()).then(|| Tds2TransStatus::parse(v))
    })
}

/// Reads the final authentication result of the "direct" flow after the challenge
/// (`Tds2Result`). Read-only.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tds2Result {
    /// The transaction.
    pub access_id: AccessId,
    /// Its password.
    pub access_pass: AccessPass,
}

impl Tds2Result {
    /// Reads the result of this transaction's authentication.
    pub fn new(access_id: AccessId, access_pass: AccessPass) -> Self {
        Self {
            access_id,
            access_pass,
        }
    }
}

/// The answer of Tds2Result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tds2ResultOutput {
    /// `Tds2TransResult`: `Y`/`A` go on to SecureTran2.
    pub trans_status: Tds2TransStatus,
    /// `Tds2TransResultReason`, when given.
    pub reason: Option<String>,
}

impl Operation for Tds2Result {
    type Output = Tds2ResultOutput;
    const API: &'static str = "Tds2Result";
    const EFFECT: Effect = Effect::ReadOnly;

    fn credentials(&self) -> Credentials {
        Credentials::Shop
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        push_access(form, &self.access_id, &self.access_pass)
    }

    fn decode(&self, response: &Response) -> Result<Tds2ResultOutput, DecodeError> {
        Ok(Tds2ResultOutput {
            trans_status: decode_status(response)?,
            reason: optional_string(response, "Tds2TransResultReason"),
        })
    }
}
