//! Charging a saved card without the shopper: subscriptions, usage billing, a second charge for
//! an order. The merchant's idempotency key is the order's OrderID, so the same key never
//! charges twice, across retries, crashes and instances: the order is stored create-only under
//! it, and its EntryTran and ExecTran are claimed like a checkout's.

use super::checkout::{Confirmation, Presence};
use super::{OrderSummary, PaymentError, Payments};
use crate::api::CardSource;
use crate::order::{CustomerId, Order, Purpose};
use crate::store::Inserted;
use crate::types::{JobCd, OrderId, SeqMode};
use crate::values::{Amount, CardSeq, Tax};

/// `E01080101`: the shop's contract requires 3-D Secure.
const THREE_D_SECURE_REQUIRED: &str = "E01080101";

/// A charge of a customer's saved card, the customer not present.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SavedCardCharge {
    /// Whose card.
    pub customer_id: CustomerId,
    /// The saved card (GMO's physical CardSeq).
    pub card_seq: CardSeq,
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
    /// A charge of `amount` yen on `customer_id`'s card `card_seq`, under `idempotency_key`.
    pub fn new(
        customer_id: CustomerId,
        card_seq: CardSeq,
        amount: Amount,
        idempotency_key: OrderId,
    ) -> Self {
        Self {
            customer_id,
            card_seq,
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
        let member = self
            .inner
            .store
            .member(&charge.customer_id)
            .await?
            .ok_or(PaymentError::NotFound)?;
        let job = charge
            .job
            .clone()
            .unwrap_or_else(|| self.settings().default_job.clone());
        if !matches!(job, JobCd::Auth | JobCd::Capture) {
            return Err(PaymentError::InvalidInput(crate::types::InvalidValue {
                field: "JobCd",
                rule: "AUTH or CAPTURE for a charge",
            }));
        }
        crate::values::checked_total(charge.amount, Some(charge.tax))?;
        let mut order = Order::prepared(
            charge.idempotency_key.clone(),
            charge.customer_id.clone(),
            Purpose::Purchase,
            job,
            charge.amount.yen(),
            charge.tax.yen(),
        );
        order.card_seq = Some(u32::from(charge.card_seq.get()));
        let order = match self.inner.store.insert_order(&order).await? {
            Inserted::Created => order,
            Inserted::Existing(existing) if same_charge(&existing, &order) => existing,
            Inserted::Existing(_) => return Err(PaymentError::IdempotencyKeyReused),
        };
        let order = self
            .enter(order, Presence::OffSession)
            .await
            .map_err(three_d_secure_required)?;
        let card = CardSource::StoredCard {
            member_id: member.member_id,
            seq_mode: SeqMode::Physical,
            card_seq: charge.card_seq,
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
/// same charge, not another).
fn same_charge(stored: &Order, asked: &Order) -> bool {
    let key = |o: &Order| {
        (
            o.customer_id.clone(),
            o.purpose,
            o.job.clone(),
            o.amount,
            o.tax,
            o.card_seq,
        )
    };
    key(stored) == key(asked)
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
