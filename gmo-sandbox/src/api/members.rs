//! The member APIs of the Site API: SaveMember, UpdateMember, DeleteMember, SearchMember.

use gmo_core::wire::FormFields;

use super::checks::{self, Errors, field};
use super::{Answer, Ctx, Step};
use crate::state::{Ledger, Member};

/// Site credentials, `MemberID` and (for save/update) `MemberName`.
fn member_request(
    ledger: &Ledger,
    form: &FormFields,
    with_name: bool,
) -> Result<(String, String, String), Vec<String>> {
    let site = checks::site(ledger, form)?;
    let mut errors = Errors::default();
    let member_id = errors.check(checks::member_id(field(form, "MemberID")));
    let name = form.get("MemberName").unwrap_or_default();
    if with_name && checks::cp932_len(name) > 255 {
        errors.push("E01430012");
    }
    match member_id {
        Some(id) if errors.is_empty() => Ok((site.id, id.to_owned(), name.to_owned())),
        _ => Err(errors.0),
    }
}

pub(super) fn save_member(ledger: &mut Ledger, _ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let (site_id, member_id, name) = match member_request(ledger, form, true) {
        Ok(r) => r,
        Err(errors) => return Answer::errors(errors).into(),
    };
    let key = (site_id, member_id.clone());
    if ledger.members.contains_key(&key) {
        return Answer::error("E01390010").into();
    }
    ledger
        .members
        .insert(key, Member::new(member_id.clone(), name));
    Answer::Fields(vec![("MemberID", member_id)]).into()
}

pub(super) fn update_member(ledger: &mut Ledger, _ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let (site_id, member_id, name) = match member_request(ledger, form, true) {
        Ok(r) => r,
        Err(errors) => return Answer::errors(errors).into(),
    };
    let Some(member) = ledger.members.get_mut(&(site_id, member_id.clone())) else {
        return Answer::error("E01390002").into();
    };
    member.name = name;
    Answer::Fields(vec![("MemberID", member_id)]).into()
}

pub(super) fn delete_member(ledger: &mut Ledger, _ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let (site_id, member_id, _) = match member_request(ledger, form, false) {
        Ok(r) => r,
        Err(errors) => return Answer::errors(errors).into(),
    };
    // The member's cards go with it.
    if ledger
        .members
        .remove(&(site_id, member_id.clone()))
        .is_none()
    {
        return Answer::error("E01390002").into();
    }
    Answer::Fields(vec![("MemberID", member_id)]).into()
}

pub(super) fn search_member(ledger: &mut Ledger, _ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let (site_id, member_id, _) = match member_request(ledger, form, false) {
        Ok(r) => r,
        Err(errors) => return Answer::errors(errors).into(),
    };
    let Some(member) = ledger.members.get(&(site_id, member_id)) else {
        return Answer::error("E01390002").into();
    };
    Answer::Fields(vec![
        ("MemberID", member.id.clone()),
        ("MemberName", member.name.clone()),
        ("DeleteFlag", "0".to_owned()),
    ])
    .into()
}
