//! Site API: stored cards (カード), `docs/protocol.md` §2.2–2.4.
//!
//! Cards are stored from a one-time token made by GMO's token.js in the browser
//! ([`SaveCard`]), or from the card of a completed order ([`TradedCard`]); there is no way to
//! send a card number. Answers show masked numbers only.
//!
//! ```no_run
//! use gmo_core::api::{SaveCard, SearchCard};
//! use gmo_core::values::{MemberId, SeqMode};
//! use gmo_core::CardToken;
//! # async fn run(client: gmo_core::GmoClient, token_from_browser: String) -> Result<(), Box<dyn std::error::Error>> {
//! let member_id = MemberId::new("customer-42")?;
//! let saved = client
//!     .send(&SaveCard::new(member_id.clone(), CardToken::new(token_from_browser)))
//!     .await?;
//! println!("card {} stored as {}", saved.masked_number, saved.card_seq);
//! for card in client.send(&SearchCard::all(member_id, SeqMode::Logical)).await? {
//!     println!("{} {}", card.card_seq, card.masked_number);
//! }
//! # Ok(()) }
//! ```

use super::fields::{optional, optional_string, parse_field, push_token, required};
use crate::client::{Credentials, Effect, Operation};
use crate::error::RequestError;
use crate::secret::CardToken;
use crate::values::{CardExpiry, CardName, CardSeq, HolderName};
use crate::values::{MemberId, OrderId, SeqMode};
use crate::wire::{DecodeError, FormEncoder, Response};

/// The optional card-attribute columns GMO adds when the site enables them (SearchCardDetail
/// always has them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CardAttributes {
    /// `Brand`: `VISA`, `MASTER`, `JCB`, `AMEX`, `DINERS`…
    pub brand: Option<String>,
    /// `DomesticFlag`: `1` domestic, `0` foreign, `2` unknown.
    pub domestic_flag: Option<String>,
    /// `IssuerCode`.
    pub issuer_code: Option<String>,
    /// `DebitPrepaidFlag`: `0` other, `1` debit, `2` prepaid.
    pub debit_prepaid_flag: Option<String>,
    /// `DebitPrepaidIssuerName`.
    pub debit_prepaid_issuer_name: Option<String>,
    /// `ForwardFinal`: the final routing card company.
    pub forward_final: Option<String>,
}

const ATTRIBUTE_COLUMNS: [&str; 6] = [
    "Brand",
    "DomesticFlag",
    "IssuerCode",
    "DebitPrepaidFlag",
    "DebitPrepaidIssuerName",
    "ForwardFinal",
];

impl CardAttributes {
    fn from_cells(cells: &[Option<&str>]) -> Self {
        let cell = |i: usize| {
            cells
                .get(i)
                .copied()
                .flatten()
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Self {
            brand: cell(0),
            domestic_flag: cell(1),
            issuer_code: cell(2),
            debit_prepaid_flag: cell(3),
            debit_prepaid_issuer_name: cell(4),
            forward_final: cell(5),
        }
    }

    fn from_response(response: &Response) -> Self {
        let cells = ATTRIBUTE_COLUMNS.map(|c| optional(response, c));
        Self::from_cells(&cells)
    }
}

/// A card as SaveCard and TradedCard report it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SavedCard {
    /// The number the card is stored under.
    pub card_seq: CardSeq,
    /// The masked card number, e.g. `*************111`.
    pub masked_number: String,
    /// `Forward`: the card company that did the validity check.
    pub forward: Option<String>,
    /// Card attributes, when the site enables them.
    pub attributes: CardAttributes,
}

fn decode_card_seq(value: &str) -> Result<CardSeq, DecodeError> {
    parse_field(value, "CardSeq", "0 to 9999", |v| v.parse().ok())
}

impl SavedCard {
    fn from_response(response: &Response) -> Result<Self, DecodeError> {
        Ok(Self {
            card_seq: decode_card_seq(required(response, "CardSeq")?)?,
            masked_number: required(response, "CardNo")?.to_owned(),
            forward: optional_string(response, "Forward"),
            attributes: CardAttributes::from_response(response),
        })
    }
}

/// Stores a card on a member from a one-time token (`SaveCard`), or replaces the card under
/// `card_seq`. GMO checks the card with the issuer, so this can be declined (`42G…`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SaveCard {
    /// The member (must exist).
    pub member_id: MemberId,
    /// The one-time token from token.js; `None` only to update the flags of the card under
    /// `card_seq` (see [`SaveCard::update`]).
    pub token: Option<CardToken>,
    /// How `card_seq` is read.
    pub seq_mode: SeqMode,
    /// `None` adds a card; `Some` replaces the card with that number.
    pub card_seq: Option<CardSeq>,
    /// Marks the card as the one for recurring billing (`DefaultFlag=1`).
    pub default_card: bool,
    /// The merchant's label of the card.
    pub card_name: Option<CardName>,
    /// The holder's name.
    pub holder_name: Option<HolderName>,
}

impl SaveCard {
    /// Adds the tokenised card to the member.
    pub fn new(member_id: MemberId, token: CardToken) -> Self {
        Self {
            member_id,
            token: Some(token),
            seq_mode: SeqMode::Logical,
            card_seq: None,
            default_card: false,
            card_name: None,
            holder_name: None,
        }
    }

    /// Updates the flags and labels of the stored card `card_seq` (counted as `seq_mode` says),
    /// without a new card. `DefaultFlag` is always sent: set [`SaveCard::default_card`] when
    /// updating the default card, or it stops being the default.
    pub fn update(member_id: MemberId, seq_mode: SeqMode, card_seq: CardSeq) -> Self {
        Self {
            member_id,
            token: None,
            seq_mode,
            card_seq: Some(card_seq),
            default_card: false,
            card_name: None,
            holder_name: None,
        }
    }
}

fn push_card_options(
    form: &mut FormEncoder,
    default_card: bool,
    card_name: Option<&CardName>,
    holder_name: Option<&HolderName>,
) -> Result<(), RequestError> {
    form.push("DefaultFlag", if default_card { "1" } else { "0" })?;
    form.push_opt("CardName", card_name.map(CardName::as_str))?;
    form.push_opt("HolderName", holder_name.map(HolderName::as_str))?;
    Ok(())
}

impl Operation for SaveCard {
    type Output = SavedCard;
    const API: &'static str = "SaveCard";
    const EFFECT: Effect = Effect::ChangesData;

    fn credentials(&self) -> Credentials {
        Credentials::Site
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        form.push("MemberID", self.member_id.as_str())?;
        form.push("SeqMode", self.seq_mode.code())?;
        if let Some(seq) = self.card_seq {
            form.push("CardSeq", &seq.to_string())?;
        }
        push_card_options(
            form,
            self.default_card,
            self.card_name.as_ref(),
            self.holder_name.as_ref(),
        )?;
        match &self.token {
            Some(token) => push_token(form, token),
            None => Ok(()),
        }
    }

    fn decode(&self, response: &Response) -> Result<SavedCard, DecodeError> {
        SavedCard::from_response(response)
    }
}

/// Stores the card used by a completed order on a member (`TradedCard`), e.g. after a CHECK
/// with 3-D Secure.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TradedCard {
    /// The completed order.
    pub order_id: OrderId,
    /// The member (must exist).
    pub member_id: MemberId,
    /// How the answer's `CardSeq` counts.
    pub seq_mode: SeqMode,
    /// Marks the card as the one for recurring billing.
    pub default_card: bool,
    /// The merchant's label of the card.
    pub card_name: Option<CardName>,
    /// The holder's name.
    pub holder_name: Option<HolderName>,
}

impl TradedCard {
    /// Stores the order's card on the member.
    pub fn new(order_id: OrderId, member_id: MemberId) -> Self {
        Self {
            order_id,
            member_id,
            seq_mode: SeqMode::Logical,
            default_card: false,
            card_name: None,
            holder_name: None,
        }
    }
}

impl Operation for TradedCard {
    type Output = SavedCard;
    const API: &'static str = "TradedCard";
    const EFFECT: Effect = Effect::ChangesData;

    fn credentials(&self) -> Credentials {
        Credentials::ShopAndSite
    }

    fn order_id(&self) -> Option<&OrderId> {
        Some(&self.order_id)
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        form.push("OrderID", self.order_id.as_str())?;
        form.push("MemberID", self.member_id.as_str())?;
        form.push("SeqMode", self.seq_mode.code())?;
        push_card_options(
            form,
            self.default_card,
            self.card_name.as_ref(),
            self.holder_name.as_ref(),
        )
    }

    fn decode(&self, response: &Response) -> Result<SavedCard, DecodeError> {
        SavedCard::from_response(response)
    }
}

/// Deletes a stored card (`DeleteCard`). Answers the deleted card's number. An unknown card is
/// `E01240002`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteCard {
    /// The member.
    pub member_id: MemberId,
    /// How `card_seq` is read.
    pub seq_mode: SeqMode,
    /// The card to delete.
    pub card_seq: CardSeq,
}

impl DeleteCard {
    /// Deletes the card `card_seq` (counted as `seq_mode` says).
    pub fn new(member_id: MemberId, seq_mode: SeqMode, card_seq: CardSeq) -> Self {
        Self {
            member_id,
            seq_mode,
            card_seq,
        }
    }
}

impl Operation for DeleteCard {
    type Output = CardSeq;
    const API: &'static str = "DeleteCard";
    const EFFECT: Effect = Effect::ChangesData;

    fn credentials(&self) -> Credentials {
        Credentials::Site
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        form.push("MemberID", self.member_id.as_str())?;
        form.push("SeqMode", self.seq_mode.code())?;
        form.push("CardSeq", &self.card_seq.to_string())?;
        Ok(())
    }

    fn decode(&self, response: &Response) -> Result<CardSeq, DecodeError> {
        decode_card_seq(required(response, "CardSeq")?)
    }
}

/// Lists a member's stored cards, or one of them (`SearchCard`). A member without cards is
/// `E01240002` ([`crate::GmoError::is_not_found`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchCard {
    /// The member.
    pub member_id: MemberId,
    /// How card numbers are counted (physical mode also lists deleted cards).
    pub seq_mode: SeqMode,
    /// One card, or `None` for all.
    pub card_seq: Option<CardSeq>,
}

impl SearchCard {
    /// Lists every card of the member.
    pub fn all(member_id: MemberId, seq_mode: SeqMode) -> Self {
        Self {
            member_id,
            seq_mode,
            card_seq: None,
        }
    }

    /// Looks one card up.
    pub fn one(member_id: MemberId, seq_mode: SeqMode, card_seq: CardSeq) -> Self {
        Self {
            member_id,
            seq_mode,
            card_seq: Some(card_seq),
        }
    }
}

/// A stored card as SearchCard reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredCard {
    /// The card's number.
    pub card_seq: CardSeq,
    /// Whether it is the card for recurring billing (`DefaultFlag=1`).
    pub default_card: bool,
    /// The merchant's label; empty when none.
    pub card_name: String,
    /// The masked card number, e.g. `*************111`.
    pub masked_number: String,
    /// The card's expiry, for display to its owner.
    pub expiry: Option<CardExpiry>,
    /// The holder's name; empty when none.
    pub holder_name: String,
    /// Whether the card is deleted (listed in physical mode only).
    pub deleted: bool,
    /// Card attributes, when the site enables them.
    pub attributes: CardAttributes,
}

const CARD_COLUMNS: [&str; 13] = [
    "CardSeq",
    "DefaultFlag",
    "CardName",
    "CardNo",
    "Expire",
    "HolderName",
    "DeleteFlag",
    "Brand",
    "DomesticFlag",
    "IssuerCode",
    "DebitPrepaidFlag",
    "DebitPrepaidIssuerName",
    "ForwardFinal",
];

fn flag_cell(cell: Option<&str>, field: &'static str) -> Result<bool, DecodeError> {
    match cell.unwrap_or("") {
        "" | "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(DecodeError::InvalidField {
            field,
            expected: "0 or 1",
        }),
    }
}

impl Operation for SearchCard {
    type Output = Vec<StoredCard>;
    const API: &'static str = "SearchCard";
    const EFFECT: Effect = Effect::ReadOnly;

    fn credentials(&self) -> Credentials {
        Credentials::Site
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        form.push("MemberID", self.member_id.as_str())?;
        form.push("SeqMode", self.seq_mode.code())?;
        if let Some(seq) = self.card_seq {
            form.push("CardSeq", &seq.to_string())?;
        }
        Ok(())
    }

    fn decode(&self, response: &Response) -> Result<Vec<StoredCard>, DecodeError> {
        required(response, "CardSeq")?;
        required(response, "CardNo")?;
        response
            .rows(CARD_COLUMNS)?
            .into_iter()
            .map(|row| {
                let expiry = match row[4].filter(|v| !v.is_empty()) {
                    Some(v) => Some(parse_field(v, "Expire", "YYMM", CardExpiry::parse)?),
                    None => None,
                };
                Ok(StoredCard {
                    card_seq: decode_card_seq(row[0].unwrap_or(""))?,
                    default_card: flag_cell(row[1], "DefaultFlag")?,
                    card_name: row[2].unwrap_or("").to_owned(),
                    masked_number: row[3].unwrap_or("").to_owned(),
                    expiry,
                    holder_name: row[5].unwrap_or("").to_owned(),
                    deleted: flag_cell(row[6], "DeleteFlag")?,
                    attributes: CardAttributes::from_cells(&row[7..]),
                })
            })
            .collect()
    }
}

/// Which card SearchCardDetail describes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CardDetailQuery {
    /// The card behind a one-time token (shop credentials).
    Token(CardToken),
    /// The card used by an order (shop credentials).
    Order(OrderId),
    /// A member's stored cards, or one of them (site credentials).
    Member {
        /// The member.
        member_id: MemberId,
        /// How `card_seq` is read.
        seq_mode: SeqMode,
        /// One card, or `None` for all.
        card_seq: Option<CardSeq>,
    },
}

/// Describes a card: brand, domestic or foreign, debit or prepaid (`SearchCardDetail`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SearchCardDetail {
    /// The card or cards to describe.
    pub query: CardDetailQuery,
    /// Also answer the merchant-defined BIN information `Info1..5` (`SearchType=1`; needs the
    /// shop's credentials too for a member query).
    pub with_bin_info: bool,
}

impl SearchCardDetail {
    /// Describes the cards of the query.
    pub fn new(query: CardDetailQuery) -> Self {
        Self {
            query,
            with_bin_info: false,
        }
    }
}

/// A card as SearchCardDetail describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CardDetail {
    /// The masked card number.
    pub masked_number: String,
    /// Its attributes.
    pub attributes: CardAttributes,
    /// `Info1..Info5`, the merchant-defined BIN information (with `SearchType=1`).
    pub info: [Option<String>; 5],
}

const DETAIL_COLUMNS: [&str; 12] = [
    "CardNo",
    "Brand",
    "DomesticFlag",
    "IssuerCode",
    "DebitPrepaidFlag",
    "DebitPrepaidIssuerName",
    "ForwardFinal",
    "Info1",
    "Info2",
    "Info3",
    "Info4",
    "Info5",
];

impl Operation for SearchCardDetail {
    type Output = Vec<CardDetail>;
    const API: &'static str = "SearchCardDetail";
    const EFFECT: Effect = Effect::ReadOnly;

    fn credentials(&self) -> Credentials {
        match (&self.query, self.with_bin_info) {
            (CardDetailQuery::Member { .. }, true) => Credentials::ShopAndSite,
            (CardDetailQuery::Member { .. }, false) => Credentials::Site,
            _ => Credentials::Shop,
        }
    }

    fn order_id(&self) -> Option<&OrderId> {
        match &self.query {
            CardDetailQuery::Order(order_id) => Some(order_id),
            _ => None,
        }
    }

    fn encode(&self, form: &mut FormEncoder) -> Result<(), RequestError> {
        match &self.query {
            CardDetailQuery::Token(token) => push_token(form, token)?,
            CardDetailQuery::Order(order_id) => {
                form.push("OrderID", order_id.as_str())?;
            }
            CardDetailQuery::Member {
                member_id,
                seq_mode,
                card_seq,
            } => {
                form.push("MemberID", member_id.as_str())?;
                form.push("SeqMode", seq_mode.code())?;
                if let Some(seq) = card_seq {
                    form.push("CardSeq", &seq.to_string())?;
                }
            }
        }
        if self.with_bin_info {
            form.push("SearchType", "1")?;
        }
        Ok(())
    }

    fn decode(&self, response: &Response) -> Result<Vec<CardDetail>, DecodeError> {
        required(response, "CardNo")?;
        response
            .rows(DETAIL_COLUMNS)?
            .into_iter()
            .map(|row| {
                let text = |i: usize| row[i].filter(|v| !v.is_empty()).map(str::to_owned);
                Ok(CardDetail {
                    masked_number: row[0].unwrap_or("").to_owned(),
                    attributes: CardAttributes::from_cells(&row[1..7]),
                    info: [text(7), text(8), text(9), text(10), text(11)],
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_into_cards() {
        let body = "CardSeq=0|1|2&DefaultFlag=0|0|1&CardName=||ﾒｲﾝ&CardNo=*************111|************0004|*************005&Expire=2812|2901|3001&HolderName=||&DeleteFlag=0|0|0";
        let bytes = crate::wire::encode_windows_31j("body", body).unwrap();
        let response = Response::parse(&bytes).unwrap();
        let query = SearchCard::all(MemberId::new("m").unwrap(), SeqMode::Logical);
        let cards = query.decode(&response).unwrap();
        assert_eq!(cards.len(), 3);
        assert_eq!(cards[2].card_seq.get(), 2);
        assert!(cards[2].default_card);
        assert_eq!(cards[2].card_name, "ﾒｲﾝ");
        assert_eq!(cards[1].masked_number, "************0004");
        assert_eq!(cards[0].expiry.as_ref().map(CardExpiry::yymm), Some("2812"));
        assert_eq!(cards[0].attributes, CardAttributes::default());
    }

    #[test]
    fn ragged_lists_are_refused() {
        let response = Response::parse(b"CardSeq=0|1&DefaultFlag=0&CardNo=*1|*2").unwrap();
        let query = SearchCard::all(MemberId::new("m").unwrap(), SeqMode::Logical);
        assert!(matches!(
            query.decode(&response),
            Err(DecodeError::RaggedColumns { .. })
        ));
    }

    #[test]
    fn card_detail_credentials_follow_the_query() {
        let member = CardDetailQuery::Member {
            member_id: MemberId::new("m").unwrap(),
            seq_mode: SeqMode::Logical,
            card_seq: None,
        };
        let mut detail = SearchCardDetail::new(member);
        assert_eq!(detail.credentials(), Credentials::Site);
        detail.with_bin_info = true;
        assert_eq!(detail.credentials(), Credentials::ShopAndSite);
        let by_token = SearchCardDetail::new(CardDetailQuery::Token(CardToken::new("t")));
        assert_eq!(by_token.credentials(), Credentials::Shop);
    }

    #[test]
    fn saved_cards_read_optional_attributes() {
        let response =
            Response::parse(b"CardSeq=3&CardNo=*************111&Forward=2a99662&Brand=VISA")
                .unwrap();
        let saved = SavedCard::from_response(&response).unwrap();
        assert_eq!(saved.card_seq.get(), 3);
        assert_eq!(saved.forward.as_deref(), Some("2a99662"));
        assert_eq!(saved.attributes.brand.as_deref(), Some("VISA"));
    }
}
