//! Charging a saved card without the shopper: subscriptions, usage billing, a second charge for
//! an order. The merchant's idempotency key is the order's OrderID, so the same key never
//! charges twice, across retries, crashes and instances: the order is stored create-only under
//! it, and its EntryTran and ExecTran are claimed like a checkout's.
//!
//! The card is a saved card by its number, or the customer's default card: the one flagged
//! with GMO's `DefaultFlag` (GMO's card for 洗替・継続課金, card refresh and recurring
//! billing), which the customer chooses with [`Payments::set_default_card`]. The default is
//! looked up once, when the key's order is made, and kept on it: a repeat of the key charges
//! the card chosen then, even if the customer has chosen another since.

use super::checkout::{Confirmation, Presence};
use super::{OrderSummary, PaymentError, Payments};
use crate::api::{CardSource, SearchCard};
use crate::customer::CustomerId;
use crate::order::{Order, Purpose};
use crate::store::Inserted;
use crate::values::{Amount, CardSeq, Tax};
use crate::values::{JobCd, MemberId, OrderId, SeqMode};

/// `E01080101`: the shop's contract requires 3-D Secure.
const THREE_D_SECURE_REQUIRED: &str = "E01080101";

/// Which of the customer's saved cards a charge uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargedCard {
    /// This card (GMO's physical CardSeq).
    Seq(CardSeq),
    /// The customer's default card (GMO's `DefaultFlag`), looked up when the charge is first
    /// made. A customer without one is [`PaymentError::NoDefaultCard`].
    Default,
}

impl From<CardSeq> for ChargedCard {
    fn from(seq: CardSeq) -> Self {
        Self::Seq(seq)
    }
}

/// A charge of a customer's saved card, the customer not present.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SavedCardCharge {
    /// Whose card.
    pub customer_id: CustomerId,
    /// Which card.
    pub card: ChargedCard,
    /// Amount in yen, decided by the merchant's server.
    pub amount: Amount,
    /// Tax and shipping in yen.
    pub tax: Tax,
    /// `AUTH` or `CAPTURE`; `None` takes the default of the settings.
    pub job: Option<JobCd>,
    /// The merchant's idempotency key, used as the OrderID: the same key never charges twice.
    pub idempotency_key: OrderId,
}

impl SavedCardCharge {
    /// A charge of `amount` yen on `customer_id`'s `card` (a [`CardSeq`], or
    /// [`ChargedCard::Default`]), under `idempotency_key`.
    pub fn new(
        customer_id: CustomerId,
        card: impl Into<ChargedCard>,
        amount: Amount,
        idempotency_key: OrderId,
    ) -> Self {
        Self {
            customer_id,
            card: card.into(),
            amount,
            tax: Tax::default(),
            job: None,
            idempotency_key,
        }
    }

    /// Adds tax and shipping.
    pub fn tax(mut self, tax: Tax) -> Self {
        self.tax = tax;
        self
    }

    /// Chooses `AUTH` or `CAPTURE`.
    pub fn job(mut self, job: JobCd) -> Self {
        self.job = Some(job);
        self
    }
}

impl Payments {
    /// Charges a saved card with the customer not present, without 3-D Secure (`TdFlag=0`),
    /// once per idempotency key: a repeated call carries the first one on where it stopped (a
    /// crash, a lost answer) or answers its order as it stands (paid; still going:
    /// [`PaymentError::InProgress`]; failed: [`PaymentError::OrderClosed`]), and never charges
    /// again. The same key with another
    /// customer, card, amount or job is [`PaymentError::IdempotencyKeyReused`].
    ///
    /// A shop whose contract requires 3-D Secure refuses it:
    /// [`PaymentError::ThreeDSecureRequired`] (charge with the customer present instead).
    #[tracing::instrument(name = "payments.charge_saved_card", skip_all, fields(order_id = %charge.idempotency_key))]
    pub async fn charge_saved_card(
        &self,
        charge: SavedCardCharge,
    ) -> Result<OrderSummary, PaymentError> {
        let member =
            self.inner
                .store
                .member(&charge.customer_id)
                .await?
                .ok_or(match charge.card {
                    // No card saved, so none chosen as the default.
                    ChargedCard::Default => PaymentError::NoDefaultCard,
                    ChargedCard::Seq(_) => PaymentError::NotFound,
                })?;
        let job = charge
            .job
            .clone()
            .unwrap_or_else(|| self.settings().default_job.clone());
        if !matches!(job, JobCd::Auth | JobCd::Capture) {
            return Err(PaymentError::InvalidInput(crate::values::InvalidValue {
                field: "JobCd",
                rule: "AUTH or CAPTURE for a charge",
            }));
        }
        crate::values::checked_total(charge.amount, Some(charge.tax))?;
        let mut asked = Order::prepared(
            charge.idempotency_key.clone(),
            charge.customer_id.clone(),
            Purpose::Purchase,
            job,
            charge.amount,
            charge.tax,
        );
        let existing = match charge.card {
            ChargedCard::Seq(seq) => {
                asked.card_seq = Some(seq);
                None
            }
            // A repeat carries on with the card chosen the first time.
            ChargedCard::Default => self.inner.store.order(&charge.idempotency_key).await?,
        };
        let order = match existing {
            Some(existing) => existing,
            None => {
                if charge.card == ChargedCard::Default {
                    let seq = self.default_card(&member.member_id).await?;
                    asked.card_seq = Some(seq);
                }
                match self.inner.store.insert_order(&asked).await? {
                    Inserted::Created => asked.clone(),
                    Inserted::Existing(existing) => existing,
                }
            }
        };
        if !same_charge(&order, &asked, charge.card) {
            return Err(PaymentError::IdempotencyKeyReused);
        }
        let card_seq = order.card_seq.ok_or(PaymentError::IdempotencyKeyReused)?;
        let order = self
            .enter(order, Presence::OffSession)
            .await
            .map_err(three_d_secure_required)?;
        let card = CardSource::StoredCard {
            member_id: member.member_id,
            seq_mode: SeqMode::Physical,
            card_seq,
        };
        match self
            .execute(order, card, &mut None, Presence::OffSession)
            .await
            .map_err(three_d_secure_required)?
        {
            Confirmation::Completed { order } => Ok(order),
            // The shop asked for 3-D Secure anyway: nobody is there to pass it.
            Confirmation::RedirectTo { .. } => Err(PaymentError::ThreeDSecureRequired),
        }
    }
}

/// Whether a stored order is the charge asked for again (its idempotency key reused for the
/// same charge, not another): the same customer, amount and job, on the card asked for (any
/// card, for the default: it was the default when the key was first used).
fn same_charge(stored: &Order, asked: &Order, card: ChargedCard) -> bool {
    let key = |o: &Order| {
        (
            o.customer_id.clone(),
            o.purpose,
            o.job.clone(),
            o.amount,
            o.tax,
        )
    };
    let same_card = match card {
        ChargedCard::Seq(seq) => stored.card_seq == Some(seq),
        ChargedCard::Default => stored.card_seq.is_some(),
    };
    key(stored) == key(asked) && same_card
}

impl Payments {
    /// The member's default card (`DefaultFlag=1`, not deleted).
    async fn default_card(&self, member_id: &MemberId) -> Result<CardSeq, PaymentError> {
        let search = SearchCard::all(member_id.clone(), SeqMode::Physical);
        match self.inner.client.send(&search).await {
            Ok(cards) => cards
                .iter()
                .find(|card| card.default_card && !card.deleted)
                .map(|card| card.card_seq)
                .ok_or(PaymentError::NoDefaultCard),
            Err(e) if e.is_not_found() => Err(PaymentError::NoDefaultCard),
            Err(e) => Err(super::cards::read_error(e)),
        }
    }
}

/// GMO's "this shop requires 3-D Secure" as its typed error.
fn three_d_secure_required(error: PaymentError) -> PaymentError {
    match &error {
        PaymentError::Gateway(gmo)
            if gmo
                .as_api()
                .is_some_and(|api| api.has_info(THREE_D_SECURE_REQUIRED)) =>
        {
            PaymentError::ThreeDSecureRequired
        }
        _ => error,
    }
}
