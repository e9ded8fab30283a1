//! Cards: registration and replacement (verified with 3-D Secure, or direct), listing, deletion,
//! the default card.
//!
//! GMO keeps the cards; the store keeps only which GMO member is whose. Card numbers are GMO's
//! masked ones, and card numbers, expiry input and security codes never pass through here: a card
//! is registered from GMO's one-time token.

use time::OffsetDateTime;

use super::checkout::{Confirmation, Presence};
use super::{
    CardRegistrationMode, Cas, OrderSummary, Outcome, PaymentError, Payments, new_order_id, outcome,
};
use crate::api::{
    CardSource, DeleteCard, DeleteMember, SaveCard, SaveMember, SearchCard, StoredCard, TradeState,
    TradedCard,
};
use crate::customer::CustomerId;
use crate::error::GmoError;
use crate::guard::AttemptTicket;
use crate::order::{Order, OrderState, Purpose};
use crate::secret::CardToken;
use crate::store::{Inserted, Member};
use crate::values::{Amount, CardSeq, Tax};
use crate::values::{JobCd, MemberId, OrderId, SeqMode};

/// `E01390010`: the member already exists.
const MEMBER_EXISTS: &str = "E01390010";

/// A saved card as its owner may see it: GMO's masked number, never the card number.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Card {
    /// The card's number at GMO (physical numbering: it never shifts).
    pub card_seq: u16,
    /// GMO's masked card number, e.g. `*************111`.
    pub masked_number: String,
    /// The card's expiry as `MM/YY`, when GMO reports it.
    pub expiry: Option<String>,
    /// The brand (`VISA`, `MASTER`, `JCB`, …) when GMO reports it.
    pub brand: Option<String>,
    /// Whether it is the default card (GMO's `DefaultFlag`).
    pub default: bool,
}

impl From<&StoredCard> for Card {
    fn from(card: &StoredCard) -> Self {
        Self {
            card_seq: card.card_seq.get(),
            masked_number: card.masked_number.clone(),
            expiry: card.expiry.as_ref().map(|e| {
                let yymm = e.yymm();
                format!("{}/{}", &yymm[2..], &yymm[..2])
            }),
            brand: card.attributes.brand.clone(),
            default: card.default_card,
        }
    }
}

/// What a card registration came to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CardRegistration {
    /// The card is saved.
    Registered {
        /// The card.
        card: Card,
    },
    /// Send the browser to the issuer's 3-D Secure page; the registration completes at the
    /// 3-D Secure return.
    RedirectTo {
        /// The registration's order.
        order_id: OrderId,
        /// GMO's URL, verbatim.
        url: String,
    },
}

impl Payments {
    /// Registers a card from a one-time token: in [verified mode](CardRegistrationMode::Verified)
    /// a `CHECK` with 3-D Secure, then TradedCard at the return; in direct mode, SaveCard.
    #[tracing::instrument(name = "payments.register_card", skip_all)]
    pub async fn register_card(
        &self,
        customer: &CustomerId,
        token: CardToken,
    ) -> Result<CardRegistration, PaymentError> {
        self.save_card_to(customer, token, Target::New, &mut None)
            .await
    }

    /// [`Payments::register_card`] for a card attempt the card-testing throttle admitted, as
    /// [`Payments::confirm_attempt`] does for a checkout.
    pub async fn register_card_attempt(
        &self,
        customer: &CustomerId,
        token: CardToken,
        attempt: AttemptTicket,
    ) -> Result<CardRegistration, PaymentError> {
        self.save_with_attempt(customer, token, Target::New, attempt)
            .await
    }

    /// Replaces the customer's saved card `card_seq` with the card behind a one-time token (a
    /// new expiry, or a new card), verified as [`Payments::register_card`] verifies a new one:
    ///
    /// * In [direct mode](CardRegistrationMode::Direct), SaveCard with the `CardSeq` and the
    ///   token: the card keeps its number (`card_seq`), and its default flag.
    /// * In [verified mode](CardRegistrationMode::Verified), the same `CHECK` with 3-D Secure as
    ///   a registration, with the order naming the card it replaces. At the return, TradedCard
    ///   saves the verified card and the replaced one is deleted (its default flag carried
    ///   over). GMO's TradedCard takes no `CardSeq`, so the verified card gets a **new number**:
    ///   [`CardRegistration::Registered`] names it.
    ///
    /// A card the customer does not have is [`PaymentError::NotFound`], checked before the token
    /// is used. The old card stays until the new one is saved.
    #[tracing::instrument(name = "payments.replace_card", skip_all)]
    pub async fn replace_card(
        &self,
        customer: &CustomerId,
        card_seq: CardSeq,
        token: CardToken,
    ) -> Result<CardRegistration, PaymentError> {
        self.save_card_to(customer, token, Target::Replace(card_seq), &mut None)
            .await
    }

    /// [`Payments::replace_card`] for a card attempt the card-testing throttle admitted.
    pub async fn replace_card_attempt(
        &self,
        customer: &CustomerId,
        card_seq: CardSeq,
        token: CardToken,
        attempt: AttemptTicket,
    ) -> Result<CardRegistration, PaymentError> {
        self.save_with_attempt(customer, token, Target::Replace(card_seq), attempt)
            .await
    }

    async fn save_with_attempt(
        &self,
        customer: &CustomerId,
        token: CardToken,
        target: Target,
        attempt: AttemptTicket,
    ) -> Result<CardRegistration, PaymentError> {
        let mut attempt = Some(attempt);
        let result = self
            .save_card_to(customer, token, target, &mut attempt)
            .await;
        if let Some(unused) = attempt {
            // Direct registrations end here, by their answer; others made no GMO call for it.
            let card_failed = matches!(&result, Err(e) if e.is_card_failure());
            self.settle_attempt(&unused, card_failed).await;
        }
        result
    }

    /// Registration and replacement: one path, by the shop's registration mode.
    async fn save_card_to(
        &self,
        customer: &CustomerId,
        token: CardToken,
        target: Target,
        attempt: &mut Option<AttemptTicket>,
    ) -> Result<CardRegistration, PaymentError> {
        let replaced = match target {
            Target::New => None,
            Target::Replace(seq) => Some(self.own_card(customer, seq).await?),
        };
        match self.settings().registration {
            CardRegistrationMode::Direct => self.save_card(customer, token, replaced).await,
            CardRegistrationMode::Verified => {
                self.verify_card(customer, token, replaced, attempt).await
            }
        }
    }

    /// One of the customer's live cards, or [`PaymentError::NotFound`].
    async fn own_card(&self, customer: &CustomerId, seq: CardSeq) -> Result<Card, PaymentError> {
        let member = self
            .inner
            .store
            .member(customer)
            .await?
            .ok_or(PaymentError::NotFound)?;
        let search = SearchCard::one(member.member_id, SeqMode::Physical, seq);
        match self.inner.client.send(&search).await {
            Ok(cards) => cards
                .iter()
                .find(|c| !c.deleted)
                .map(Card::from)
                .ok_or(PaymentError::NotFound),
            Err(e) if e.is_not_found() => Err(PaymentError::NotFound),
            Err(e) => Err(read_error(e)),
        }
    }

    /// SaveCard: a new card, or `replaced`'s number given a new card (its default flag kept:
    /// SaveCard always sends `DefaultFlag`).
    async fn save_card(
        &self,
        customer: &CustomerId,
        token: CardToken,
        replaced: Option<Card>,
    ) -> Result<CardRegistration, PaymentError> {
        let member_id = self.ensure_member(customer).await?;
        let mut save = SaveCard::new(member_id.clone(), token);
        save.seq_mode = SeqMode::Physical;
        if let Some(old) = &replaced {
            save.card_seq = Some(CardSeq::new(old.card_seq)?);
            save.default_card = old.default;
        }
        let saved = match outcome(self.inner.client.send(&save).await) {
            Outcome::Done(saved) => saved,
            Outcome::Failed(_, error) => return Err(error),
            Outcome::Unavailable => return Err(PaymentError::GatewayUnavailable),
            Outcome::Unknown => return Err(PaymentError::OutcomePending),
        };
        let card = self
            .find_card(&member_id, saved.card_seq)
            .await
            .unwrap_or_else(|| Card {
                card_seq: saved.card_seq.get(),
                masked_number: saved.masked_number,
                expiry: None,
                brand: saved.attributes.brand,
                default: false,
            });
        Ok(CardRegistration::Registered { card })
    }

    /// The `CHECK` with 3-D Secure. A replacement's order names the card it replaces in
    /// `card_seq` until the verified card is saved (then it names the saved card).
    async fn verify_card(
        &self,
        customer: &CustomerId,
        token: CardToken,
        replaced: Option<Card>,
        attempt: &mut Option<AttemptTicket>,
    ) -> Result<CardRegistration, PaymentError> {
        let mut order = Order::prepared(
            new_order_id(),
            customer.clone(),
            Purpose::CardRegistration,
            JobCd::Check,
            Amount::default(),
            Tax::default(),
        );
        order.card_seq = replaced
            .map(|old| old.card_seq)
            .map(CardSeq::new)
            .transpose()?;
        if let Inserted::Existing(_) = self.inner.store.insert_order(&order).await? {
            return Err(PaymentError::InProgress);
        }
        let order = self.enter(order, Presence::Shopper).await?;
        match self
            .execute(order, CardSource::Token(token), attempt, Presence::Shopper)
            .await?
        {
            Confirmation::RedirectTo { order_id, url } => {
                Ok(CardRegistration::RedirectTo { order_id, url })
            }
            Confirmation::Completed { order } => self.registered_card(customer, &order).await,
        }
    }

    /// The card a completed registration saved.
    async fn registered_card(
        &self,
        customer: &CustomerId,
        order: &OrderSummary,
    ) -> Result<CardRegistration, PaymentError> {
        let (OrderState::CardRegistered, Some(seq)) = (order.state, order.card_seq) else {
            return Err(PaymentError::OutcomePending);
        };
        let member = self.inner.store.member(customer).await?;
        match member {
            Some(m) => self
                .find_card(&m.member_id, seq)
                .await
                .map(|card| CardRegistration::Registered { card })
                .ok_or(PaymentError::OutcomePending),
            None => Err(PaymentError::OutcomePending),
        }
    }

    /// The customer's saved cards (deleted ones left out). A customer without a member has none.
    pub async fn cards(&self, customer: &CustomerId) -> Result<Vec<Card>, PaymentError> {
        let Some(member) = self.inner.store.member(customer).await? else {
            return Ok(Vec::new());
        };
        let search = SearchCard::all(member.member_id, SeqMode::Physical);
        match self.inner.client.send(&search).await {
            Ok(cards) => Ok(cards
                .iter()
                .filter(|c| !c.deleted)
                .map(Card::from)
                .collect()),
            // No card yet, or the member was never created at GMO.
            Err(e) if e.is_not_found() => Ok(Vec::new()),
            Err(e) => Err(read_error(e)),
        }
    }

    /// Deletes one of the customer's cards. Someone else's card, or no card, is `NotFound`.
    pub async fn delete_card(
        &self,
        customer: &CustomerId,
        card_seq: CardSeq,
    ) -> Result<(), PaymentError> {
        let member = self
            .inner
            .store
            .member(customer)
            .await?
            .ok_or(PaymentError::NotFound)?;
        let delete = DeleteCard::new(member.member_id, SeqMode::Physical, card_seq);
        match outcome(self.inner.client.send(&delete).await) {
            Outcome::Done(_) => Ok(()),
            Outcome::Failed(failure, _) if is_missing(&failure.err_info) => {
                Err(PaymentError::NotFound)
            }
            Outcome::Failed(_, error) => Err(error),
            Outcome::Unavailable => Err(PaymentError::GatewayUnavailable),
            Outcome::Unknown => Err(PaymentError::OutcomePending),
        }
    }

    /// Makes one of the customer's cards the default (GMO's `DefaultFlag`).
    pub async fn set_default_card(
        &self,
        customer: &CustomerId,
        card_seq: CardSeq,
    ) -> Result<Card, PaymentError> {
        let member = self
            .inner
            .store
            .member(customer)
            .await?
            .ok_or(PaymentError::NotFound)?;
        let mut update = SaveCard::update(member.member_id.clone(), SeqMode::Physical, card_seq);
        update.default_card = true;
        match outcome(self.inner.client.send(&update).await) {
            Outcome::Done(_) => self
                .find_card(&member.member_id, card_seq)
                .await
                .ok_or(PaymentError::OutcomePending),
            Outcome::Failed(failure, _) if is_missing(&failure.err_info) => {
                Err(PaymentError::NotFound)
            }
            Outcome::Failed(_, error) => Err(error),
            Outcome::Unavailable => Err(PaymentError::GatewayUnavailable),
            Outcome::Unknown => Err(PaymentError::OutcomePending),
        }
    }

    /// Closes the customer's payment account: deletes their GMO member (and with it every saved
    /// card) and forgets the mapping. Refused with [`PaymentError::InProgress`] while one of
    /// their orders has a GMO call in flight; past orders stay, for the records. Repeating it
    /// (after a crash, say) finishes what is left.
    #[tracing::instrument(name = "payments.close_account", skip_all)]
    pub async fn close_account(&self, customer: &CustomerId) -> Result<(), PaymentError> {
        let store = &self.inner.store;
        if store.has_claims(customer).await? {
            return Err(PaymentError::InProgress);
        }
        let Some(member) = store.member(customer).await? else {
            return Ok(());
        };
        match outcome(
            self.inner
                .client
                .send(&DeleteMember::new(member.member_id.clone()))
                .await,
        ) {
            Outcome::Done(_) => {}
            // Deleted before (a repeated closure): only the mapping is left.
            Outcome::Failed(failure, _) if is_missing(&failure.err_info) => {}
            Outcome::Failed(_, error) => return Err(error),
            Outcome::Unavailable => return Err(PaymentError::GatewayUnavailable),
            Outcome::Unknown => return Err(PaymentError::OutcomePending),
        }
        store.delete_member(customer).await?;
        Ok(())
    }

    async fn find_card(&self, member_id: &MemberId, seq: CardSeq) -> Option<Card> {
        let search = SearchCard::one(member_id.clone(), SeqMode::Physical, seq);
        let cards = self.inner.client.send(&search).await.ok()?;
        cards.iter().find(|c| !c.deleted).map(Card::from)
    }

    /// The customer's GMO member: the stored one, or a new one (stored first, create-only, so
    /// that racing requests agree), made sure of at GMO with SaveMember ("already exists" is
    /// fine).
    pub(super) async fn ensure_member(
        &self,
        customer: &CustomerId,
    ) -> Result<MemberId, PaymentError> {
        let store = &self.inner.store;
        let member = match store.member(customer).await? {
            Some(member) => member,
            None => {
                let fresh = Member {
                    customer_id: customer.clone(),
                    member_id: new_member_id(),
                    created_at: OffsetDateTime::now_utc(),
                };
                match store.insert_member(&fresh).await? {
                    Inserted::Created => fresh,
                    Inserted::Existing(existing) => existing,
                }
            }
        };
        match self
            .inner
            .client
            .send(&SaveMember::new(member.member_id.clone()))
            .await
        {
            Ok(_) => Ok(member.member_id),
            Err(e) if e.as_api().is_some_and(|a| a.has_info(MEMBER_EXISTS)) => Ok(member.member_id),
            Err(e) => Err(match outcome::<()>(Err(e)) {
                Outcome::Failed(_, error) => error,
                _ => PaymentError::GatewayUnavailable,
            }),
        }
    }

    /// After an authorisation: a verified card registration goes on to attach its card.
    pub(super) async fn after_authorization(&self, order: Order) -> Result<Order, PaymentError> {
        if order.purpose == Purpose::CardRegistration && order.state == OrderState::Verified {
            self.attach_card(order).await
        } else {
            Ok(order)
        }
    }

    /// TradedCard, once: attaches the card of a verified registration to the customer's member.
    pub(super) async fn attach_card(&self, order: Order) -> Result<Order, PaymentError> {
        if order.state != OrderState::Verified {
            return Ok(order);
        }
        let claimed = match self
            .transition(&order, OrderState::Registering, |_| ())
            .await?
        {
            Cas::Won(claimed) => claimed,
            Cas::Lost(current) => return Ok(current),
        };
        let member_id = match self.ensure_member(&claimed.customer_id).await {
            Ok(id) => id,
            Err(e) => {
                tracing::warn!(
                    reason = e.reason(),
                    "cannot make the member; the card waits"
                );
                return self.settle_to(&claimed, OrderState::Verified, |_| ()).await;
            }
        };
        let replacing = replaced_seq(&claimed);
        let mut traded = TradedCard::new(claimed.order_id.clone(), member_id.clone());
        traded.seq_mode = SeqMode::Physical;
        if let Some(old) = replacing {
            // The replaced card's default flag goes to its successor.
            traded.default_card = self
                .find_card(&member_id, old)
                .await
                .is_some_and(|card| card.default);
        }
        match outcome(self.inner.client.send(&traded).await) {
            Outcome::Done(card) => match replacing {
                Some(old) if old != card.card_seq => {
                    self.retire_replaced(claimed, &member_id, old, card.card_seq)
                        .await
                }
                _ => {
                    self.settle_to(&claimed, OrderState::CardRegistered, |o| {
                        o.card_seq = Some(card.card_seq);
                    })
                    .await
                }
            },
            Outcome::Failed(failure, error) => {
                tracing::info!(
                    reason = error.reason(),
                    "the verified card could not be saved"
                );
                self.settle_to(&claimed, OrderState::Failed, |o| o.failure = Some(failure))
                    .await
            }
            Outcome::Unavailable => self.settle_to(&claimed, OrderState::Verified, |_| ()).await,
            // Reconciliation looks at the member's cards to learn whether it took effect.
            Outcome::Unknown => self.settle_unknown(claimed).await,
        }
    }

    /// A replacement's last step, under the `Registering` claim: the verified card is saved as
    /// `saved`, so the replaced card `old` is deleted, then the order records `saved`. Deleting
    /// is safe to repeat ("no such card" is done), so an unknown answer leaves the claim for
    /// reconciliation ([`Payments::resolve_attach`]), which finds the saved card and deletes the
    /// old one again.
    async fn retire_replaced(
        &self,
        claimed: Order,
        member_id: &MemberId,
        old: CardSeq,
        saved: CardSeq,
    ) -> Result<Order, PaymentError> {
        let delete = DeleteCard::new(member_id.clone(), SeqMode::Physical, old);
        match outcome(self.inner.client.send(&delete).await) {
            Outcome::Done(_) => {}
            Outcome::Failed(failure, _) if is_missing(&failure.err_info) => {}
            Outcome::Failed(_, error) => {
                // The new card is saved; the old one stays for the customer to delete.
                tracing::warn!(
                    reason = error.reason(),
                    "the replaced card could not be deleted"
                );
            }
            // The claim is written again, so that reconciliation's age counts from now.
            Outcome::Unavailable | Outcome::Unknown => {
                return self.settle_to(&claimed, claimed.state, |_| ()).await;
            }
        }
        self.settle_to(&claimed, OrderState::CardRegistered, |o| {
            o.card_seq = Some(saved);
        })
        .await
    }

    /// A stale TradedCard claim: the card is attached if the member has a live card with the
    /// CHECK's last digits and expiry; otherwise the registration failed.
    pub(super) async fn resolve_attach(
        &self,
        order: Order,
        trade: &TradeState,
    ) -> Result<Order, PaymentError> {
        let Some(member) = self.inner.store.member(&order.customer_id).await? else {
            return self.settle_to(&order, OrderState::Verified, |_| ()).await;
        };
        let search = SearchCard::all(member.member_id.clone(), SeqMode::Physical);
        let cards = match self.inner.client.send(&search).await {
            Ok(cards) => cards,
            Err(e) if e.is_not_found() => Vec::new(),
            Err(_) => return Ok(order),
        };
        let last3 = |masked: &str| {
            masked
                .get(masked.len().saturating_sub(3)..)
                .map(str::to_owned)
        };
        let wanted = (
            trade.masked_number.as_deref().and_then(last3),
            trade.expiry.as_ref().map(|e| e.yymm().to_owned()),
        );
        let replacing = replaced_seq(&order);
        let found = cards.iter().rev().find(|c| {
            !c.deleted
                && Some(c.card_seq) != replacing
                && wanted.0.is_some()
                && last3(&c.masked_number) == wanted.0
                && c.expiry.as_ref().map(|e| e.yymm().to_owned()) == wanted.1
        });
        match found {
            Some(card) => match replacing {
                Some(old) => {
                    self.retire_replaced(order, &member.member_id, old, card.card_seq)
                        .await
                }
                None => {
                    let seq = card.card_seq;
                    self.settle_to(&order, OrderState::CardRegistered, |o| {
                        o.card_seq = Some(seq)
                    })
                    .await
                }
            },
            // TradedCard failed, or never ran: which is unknowable, so it is never sent again.
            // The customer registers the card anew.
            None => self.settle_to(&order, OrderState::Failed, |_| ()).await,
        }
    }
}

/// What a card registration saves.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// A new card.
    New,
    /// A new card under this saved card's number (or, verified, in its place).
    Replace(CardSeq),
}

/// The card a registration order replaces: its `card_seq` before the card is saved.
fn replaced_seq(order: &Order) -> Option<CardSeq> {
    if order.state == OrderState::CardRegistered {
        return None;
    }
    order.card_seq
}

/// A new random MemberID: `m` and 32 lowercase hex digits.
fn new_member_id() -> MemberId {
    let bits = rand::random::<u128>();
    MemberId::new(format!("m{bits:032x}")).unwrap_or_else(|_| unreachable!("33 alphanumerics"))
}

/// Whether GMO's codes say the member or card does not exist.
fn is_missing(err_info: &str) -> bool {
    err_info
        .split('|')
        .any(|info| matches!(info, "E01240002" | "E01390002"))
}

/// The error of a failed read-only call.
pub(super) fn read_error(e: GmoError) -> PaymentError {
    match outcome::<()>(Err(e)) {
        Outcome::Failed(_, error) => error,
        _ => PaymentError::GatewayUnavailable,
    }
}
