//! Stored cards: SaveCard, DeleteCard, SearchCard, SearchCardDetail and TradedCard.

use gmo_core::wire::FormFields;

use super::checks::{self, Errors, field};
use super::{Answer, Ctx, Step};
use crate::cards::{self, AuthorisationOutcome, mask_last3, mask_last4};
use crate::ids::FORWARD;
use crate::state::{Ledger, SeqMode, StoredCard};
use crate::tokens::TokenCard;

/// A card to store: where its number comes from.
enum NewCard {
    Token(String),
    Raw { number: String, expire: String },
}

pub(super) fn save_card(ledger: &mut Ledger, ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let site = match checks::site(ledger, form) {
        Ok(site) => site,
        Err(errors) => return Answer::errors(errors).into(),
    };
    let mut errors = Errors::default();
    let member_id = errors.check(checks::member_id(field(form, "MemberID")));
    let mode = errors.check(checks::seq_mode(field(form, "SeqMode")));
    let seq = match field(form, "CardSeq") {
        None => None,
        v => errors.check(checks::card_seq(v)).map(Some).unwrap_or(None),
    };
    let updating = field(form, "CardSeq").is_some();
    let default = errors.check(checks::default_flag(field(form, "DefaultFlag")));
    let card_name = errors.check(checks::card_name(field(form, "CardName")));
    let token = field(form, "Token");
    let raw = field(form, "CardNo");
    let mut source = None;
    if token.is_some() && raw.is_some() {
        errors.push("E01840010");
    } else if let Some(token) = token {
        source = Some(NewCard::Token(token.to_owned()));
    } else if raw.is_some() || !updating {
        let number = checks::card_no(raw, &mut errors);
        let expire = errors.check(checks::expire(field(form, "Expire")));
        errors.check(checks::security_code(field(form, "SecurityCode")));
        if let (Some(number), Some(expire)) = (number, expire) {
            source = Some(NewCard::Raw { number, expire });
        }
    }
    let holder = errors.check(checks::holder_name(field(form, "HolderName")));
    // A token named by a call of its own site's shop is spent whatever happens next.
    let token_card = match &source {
        Some(NewCard::Token(token)) => Some(ledger.tokens.spend(token, &site.shop_id, ctx.now)),
        _ => None,
    };
    let (Some(member_id), Some(mode), Some(default), Some(card_name), Some(holder), true) = (
        member_id,
        mode,
        default,
        card_name,
        holder,
        errors.is_empty(),
    ) else {
        return Answer::Errors(errors.0).into();
    };
    let key = (site.id.clone(), member_id.to_owned());
    let Some(member) = ledger.members.get(&key) else {
        return Answer::error("E01390002").into();
    };
    let index = match seq {
        Some(seq) => match member.find(mode, seq) {
            Some(i) if !member.cards[i].deleted => Some(i),
            _ => return Answer::error("E01240002").into(),
        },
        None => None,
    };
    let card: Option<TokenCard> = match source {
        Some(NewCard::Token(_)) => match token_card {
            Some(Ok(card)) => Some(card),
            Some(Err(problem)) => return Answer::error(problem.err_info()).into(),
            None => None,
        },
        Some(NewCard::Raw { number, expire }) => {
            let pan_allowed = ledger
                .shops
                .get(&site.shop_id)
                .is_some_and(|s| s.accepts_card_numbers);
            if !pan_allowed {
                return Answer::error("E61040001").into();
            }
            if let Err(code) = checks::luhn(&number) {
                return Answer::error(code).into();
            }
            Some(TokenCard {
                number,
                expire,
                holder_name: String::new(),
            })
        }
        None => None,
    };
    if index.is_none() && member.live_cards() >= ledger_max_cards(ctx) {
        return Answer::error("E01230009").into();
    }
    // SaveCard runs a validity check with the card company.
    if let Some(card) = &card
        && let AuthorisationOutcome::FailsValidityCheck(code) = cards::behaviour(&card.number).1
    {
        return Answer::card_company(code).into();
    }
    let Some(member) = ledger.members.get_mut(&key) else {
        return Answer::error("E01390002").into();
    };
    let holder_name = if holder.is_empty() {
        card.as_ref()
            .map(|c| c.holder_name.clone())
            .unwrap_or_default()
    } else {
        holder
    };
    let index = match index {
        Some(i) => {
            if default {
                member.clear_default();
            }
            let stored = &mut member.cards[i];
            if let Some(card) = card {
                stored.number = card.number;
                stored.expire = card.expire;
            }
            if !holder_name.is_empty() {
                stored.holder_name = holder_name;
            }
            if field(form, "CardName").is_some() {
                stored.card_name = card_name;
            }
            if field(form, "DefaultFlag").is_some() {
                stored.default = default;
            }
            i
        }
        None => {
            let Some(card) = card else {
                return Answer::error("E01170001").into();
            };
            member.add(StoredCard {
                physical_seq: 0,
                number: card.number,
                expire: card.expire,
                holder_name,
                card_name,
                default,
                deleted: false,
            })
        }
    };
    Answer::Fields(vec![
        ("CardSeq", member.seq_of(mode, index).to_string()),
        ("CardNo", mask_last3(&member.cards[index].number)),
        ("Forward", FORWARD.to_owned()),
    ])
    .into()
}

fn ledger_max_cards(ctx: &Ctx<'_>) -> usize {
    ctx.settings.max_cards_per_member
}

pub(super) fn delete_card(ledger: &mut Ledger, _ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let site = match checks::site(ledger, form) {
        Ok(site) => site,
        Err(errors) => return Answer::errors(errors).into(),
    };
    let mut errors = Errors::default();
    let member_id = errors.check(checks::member_id(field(form, "MemberID")));
    let mode = errors.check(checks::seq_mode(field(form, "SeqMode")));
    let seq = errors.check(checks::card_seq(field(form, "CardSeq")));
    let (Some(member_id), Some(mode), Some(seq), true) = (member_id, mode, seq, errors.is_empty())
    else {
        return Answer::Errors(errors.0).into();
    };
    let Some(member) = ledger.members.get_mut(&(site.id, member_id.to_owned())) else {
        return Answer::error("E01390002").into();
    };
    match member.find(mode, seq) {
        Some(i) if !member.cards[i].deleted => {
            member.cards[i].deleted = true;
            member.cards[i].default = false;
        }
        _ => return Answer::error("E01240002").into(),
    }
    Answer::Fields(vec![("CardSeq", seq.to_string())]).into()
}

/// The cards of a member a search shows: `(CardSeq, index)`, live only in logical mode.
fn listed_cards(
    member: &crate::state::Member,
    mode: SeqMode,
    seq: Option<u32>,
) -> Vec<(u32, usize)> {
    member
        .cards
        .iter()
        .enumerate()
        .filter(|(_, c)| mode == SeqMode::Physical || !c.deleted)
        .map(|(i, _)| (member.seq_of(mode, i), i))
        .filter(|(s, _)| seq.is_none_or(|wanted| wanted == *s))
        .collect()
}

/// Joins one column of a list answer.
fn column<'a>(rows: impl Iterator<Item = &'a str>) -> String {
    rows.collect::<Vec<_>>().join("|")
}

/// Site credentials, MemberID, SeqMode and an optional CardSeq, as the searches take them.
fn member_cards_request(
    ledger: &Ledger,
    form: &FormFields,
) -> Result<(String, String, SeqMode, Option<u32>), Vec<String>> {
    let site = checks::site(ledger, form)?;
    let mut errors = Errors::default();
    let member_id = errors.check(checks::member_id(field(form, "MemberID")));
    let mode = errors.check(checks::seq_mode(field(form, "SeqMode")));
    let seq = match field(form, "CardSeq") {
        None => Some(None),
        v => errors.check(checks::card_seq(v)).map(Some),
    };
    match (member_id, mode, seq) {
        (Some(m), Some(mode), Some(seq)) if errors.is_empty() => {
            Ok((site.id, m.to_owned(), mode, seq))
        }
        _ => Err(errors.0),
    }
}

pub(super) fn search_card(ledger: &mut Ledger, _ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let (site_id, member_id, mode, seq) = match member_cards_request(ledger, form) {
        Ok(r) => r,
        Err(errors) => return Answer::errors(errors).into(),
    };
    let Some(member) = ledger.members.get(&(site_id, member_id)) else {
        return Answer::error("E01390002").into();
    };
    let rows = listed_cards(member, mode, seq);
    if rows.is_empty() {
        return Answer::error("E01240002").into();
    }
    let cards: Vec<&StoredCard> = rows.iter().map(|(_, i)| &member.cards[*i]).collect();
    let seqs: Vec<String> = rows.iter().map(|(s, _)| s.to_string()).collect();
    let masks: Vec<String> = cards.iter().map(|c| mask_last3(&c.number)).collect();
    let flag = |b: bool| if b { "1" } else { "0" };
    Answer::Fields(vec![
        ("CardSeq", column(seqs.iter().map(String::as_str))),
        ("DefaultFlag", column(cards.iter().map(|c| flag(c.default)))),
        (
            "CardName",
            column(cards.iter().map(|c| c.card_name.as_str())),
        ),
        ("CardNo", column(masks.iter().map(String::as_str))),
        ("Expire", column(cards.iter().map(|c| c.expire.as_str()))),
        (
            "HolderName",
            column(cards.iter().map(|c| c.holder_name.as_str())),
        ),
        ("DeleteFlag", column(cards.iter().map(|c| flag(c.deleted)))),
    ])
    .into()
}

/// The attribute columns of SearchCardDetail for some card numbers.
fn card_details(numbers: &[String]) -> Answer {
    let masks: Vec<String> = numbers.iter().map(|n| mask_last3(n)).collect();
    let each = |v: &'static str| column(numbers.iter().map(|_| v));
    Answer::Fields(vec![
        ("CardNo", column(masks.iter().map(String::as_str))),
        ("Brand", column(numbers.iter().map(|n| cards::brand(n)))),
        ("DomesticFlag", each("1")),
        ("IssuerCode", each("")),
        ("DebitPrepaidFlag", each("0")),
        ("DebitPrepaidIssuerName", each("")),
        ("ForwardFinal", each(FORWARD)),
    ])
}

pub(super) fn search_card_detail(ledger: &mut Ledger, ctx: &Ctx<'_>, form: &FormFields) -> Step {
    // Mode 4: a member's stored cards.
    if field(form, "SiteID").is_some() && field(form, "MemberID").is_some() {
        let (site_id, member_id, mode, seq) = match member_cards_request(ledger, form) {
            Ok(r) => r,
            Err(errors) => return Answer::errors(errors).into(),
        };
        let Some(member) = ledger.members.get(&(site_id, member_id)) else {
            return Answer::error("E01390002").into();
        };
        let numbers: Vec<String> = listed_cards(member, mode, seq)
            .into_iter()
            .map(|(_, i)| member.cards[i].number.clone())
            .collect();
        if numbers.is_empty() {
            return Answer::error("E01240002").into();
        }
        return card_details(&numbers).into();
    }
    let shop = match checks::shop(ledger, form) {
        Ok(shop) => shop,
        Err(errors) => return Answer::errors(errors).into(),
    };
    let number = if let Some(token) = field(form, "Token") {
        match ledger.tokens.spend(token, &shop.id, ctx.now) {
            Ok(card) => card.number,
            Err(problem) => return Answer::error(problem.err_info()).into(),
        }
    } else if let Some(raw) = field(form, "CardNo") {
        let mut errors = Errors::default();
        let Some(number) = checks::card_no(Some(raw), &mut errors) else {
            return Answer::Errors(errors.0).into();
        };
        if !shop.accepts_card_numbers {
            return Answer::error("E61040001").into();
        }
        number
    } else if let Some(order_id) = field(form, "OrderID") {
        match ledger
            .order(&shop.id, order_id)
            .and_then(|tx| tx.card.as_ref())
        {
            Some(card) => card.number.clone(),
            None => return Answer::error("E01110002").into(),
        }
    } else {
        return Answer::error("E01840010").into();
    };
    card_details(&[number]).into()
}

pub(super) fn traded_card(ledger: &mut Ledger, ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let shop = match checks::shop(ledger, form) {
        Ok(shop) => shop,
        Err(errors) => return Answer::errors(errors).into(),
    };
    let site = match checks::site(ledger, form) {
        Ok(site) => site,
        Err(errors) => return Answer::errors(errors).into(),
    };
    if site.shop_id != shop.id {
        return Answer::error("E01650012").into();
    }
    let mut errors = Errors::default();
    let Some(order_id) = errors.check(checks::order_id(field(form, "OrderID"))) else {
        return Answer::Errors(errors.0).into();
    };
    // An unknown order is reported alone (recorded: OrderID=null&MemberID=null → E01110002).
    let Some(tx) = ledger.order(&shop.id, order_id).cloned() else {
        return Answer::error("E01110002").into();
    };
    let member_id = errors.check(checks::member_id(field(form, "MemberID")));
    let mode = errors.check(checks::seq_mode(field(form, "SeqMode")));
    let default = errors.check(checks::default_flag(field(form, "DefaultFlag")));
    let holder = errors.check(checks::holder_name(field(form, "HolderName")));
    let card_name = errors.check(checks::card_name(field(form, "CardName")));
    let (Some(member_id), Some(mode), Some(default), Some(holder), Some(card_name), true) = (
        member_id,
        mode,
        default,
        holder,
        card_name,
        errors.is_empty(),
    ) else {
        return Answer::Errors(errors.0).into();
    };
    let Some(card) = tx.card.as_ref().filter(|_| tx.is_settled()) else {
        return Answer::error("E01110010").into();
    };
    let max = ctx.settings.max_cards_per_member;
    let Some(member) = ledger.members.get_mut(&(site.id, member_id.to_owned())) else {
        return Answer::error("E01390002").into();
    };
    if member.live_cards() >= max {
        return Answer::error("E01230009").into();
    }
    let index = member.add(StoredCard {
        physical_seq: 0,
        number: card.number.clone(),
        expire: card.expire.clone(),
        holder_name: holder,
        card_name,
        default,
        deleted: false,
    });
    Answer::Fields(vec![
        ("CardSeq", member.seq_of(mode, index).to_string()),
        ("CardNo", mask_last4(&card.number)),
        ("Forward", FORWARD.to_owned()),
    ])
    .into()
}
