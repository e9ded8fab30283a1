//! Site API: members (会員), `docs/protocol.md` §2.1.
//!
//! ```no_run
//! use gmo_core::api::{SaveMember, SearchMember};
//! use gmo_core::values::MemberId;
//! use gmo_core::values::MemberName;
//! # async fn run(client: gmo_core::GmoClient) -> Result<(), Box<dyn std::error::Error>> {
//! let member_id = MemberId::new("customer-42")?;
//! let mut save = SaveMember::new(member_id.clone());
//! save.member_name = Some(MemberName::new("山田 太郎")?);
//! client.send(&save).await?;
//! let member = client.send(&SearchMember::new(member_id)).await?;
//! assert!(!member.deleted);
//! # Ok(()) }
//! ```

use super::fields::{parse_flag, parse_required};
use crate::client::{Credentials, Effect, Operation};
use crate::error::RequestError;
use crate::values::MemberId;
use crate::values::MemberName;
use crate::wire::{DecodeError, FormEncoder, Response};

fn decode_member_id(response: &Response) -> Result<MemberId, DecodeError> {
    parse_required(response, "MemberID", "a member id", |v| {
        MemberId::new(v).ok()
    })
}

/// Registers a member (`SaveMember`). Answers its MemberID. A MemberID already in use is
/// `E01390010`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SaveMember {
    /// The member's id, chosen by the merchant.
    pub member_id: MemberId,
    /// The member's name, optional.
    pub member_name: Option<MemberName>,
}

impl SaveMember {
    /// A member without a name.
    pub fn new(member_id: MemberId) -> Self {
        Self {
            member_id,
            member_name: None,
        }
    }
}

impl Operation for SaveMember {
    type Output = MemberId;
    const API: &'static str = "SaveMember";
    const EFFECT: Effect = Effect::ChangesData;

    fn credentials(&self) -> Credentials {
        Credentials::Site
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        form.push("MemberID", self.member_id.as_str())?;
        form.push_opt(
            "MemberName",
            self.member_name.as_ref().map(MemberName::as_str),
        )?;
        Ok(())
    }

    fn decode(&self, response: &Response) -> Result<MemberId, DecodeError> {
        decode_member_id(response)
    }
}

/// Changes a member's name (`UpdateMember`). Answers its MemberID.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpdateMember {
    /// The member's id.
    pub member_id: MemberId,
    /// The new name (`None` sends no name).
    pub member_name: Option<MemberName>,
}

impl UpdateMember {
    /// Sets the member's name.
    pub fn new(member_id: MemberId, member_name: Option<MemberName>) -> Self {
        Self {
            member_id,
            member_name,
        }
    }
}

impl Operation for UpdateMember {
    type Output = MemberId;
    const API: &'static str = "UpdateMember";
    const EFFECT: Effect = Effect::ChangesData;

    fn credentials(&self) -> Credentials {
        Credentials::Site
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        form.push("MemberID", self.member_id.as_str())?;
        form.push_opt(
            "MemberName",
            self.member_name.as_ref().map(MemberName::as_str),
        )?;
        Ok(())
    }

    fn decode(&self, response: &Response) -> Result<MemberId, DecodeError> {
        decode_member_id(response)
    }
}

/// Deletes a member (`DeleteMember`). Answers its MemberID.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteMember {
    /// The member's id.
    pub member_id: MemberId,
}

impl DeleteMember {
    /// Deletes this member.
    pub fn new(member_id: MemberId) -> Self {
        Self { member_id }
    }
}

impl Operation for DeleteMember {
    type Output = MemberId;
    const API: &'static str = "DeleteMember";
    const EFFECT: Effect = Effect::ChangesData;

    fn credentials(&self) -> Credentials {
        Credentials::Site
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        form.push("MemberID", self.member_id.as_str())?;
        Ok(())
    }

    fn decode(&self, response: &Response) -> Result<MemberId, DecodeError> {
        decode_member_id(response)
    }
}

/// Looks a member up (`SearchMember`). An unknown member is `E01390002`
/// ([`crate::GmoError::is_not_found`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchMember {
    /// The member's id.
    pub member_id: MemberId,
}

impl SearchMember {
    /// Looks this member up.
    pub fn new(member_id: MemberId) -> Self {
        Self { member_id }
    }
}

/// A member as SearchMember reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Member {
    /// The member's id.
    pub member_id: MemberId,
    /// The member's name; empty when none was given.
    pub member_name: String,
    /// Whether the member is deleted (`DeleteFlag=1`).
    pub deleted: bool,
}

impl Operation for SearchMember {
    type Output = Member;
    const API: &'static str = "SearchMember";
    const EFFECT: Effect = Effect::ReadOnly;

    fn credentials(&self) -> Credentials {
        Credentials::Site
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        form.push("MemberID", self.member_id.as_str())?;
        Ok(())
    }

    fn decode(&self, response: &Response) -> Result<Member, DecodeError> {
        Ok(Member {
            member_id: decode_member_id(response)?,
            member_name: response.get("MemberName").unwrap_or("").to_owned(),
            deleted: parse_required(response, "DeleteFlag", "0 or 1", parse_flag)?,
        })
    }
}
