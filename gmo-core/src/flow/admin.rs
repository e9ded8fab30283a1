//! The merchant's back-office operations on an order: capture, void, refund and amount change.
//! Each runs its GMO call once, guarded by a claim state.

use time::{OffsetDateTime, UtcOffset};

use super::{Cas, OrderSummary, Outcome, PaymentError, Payments, outcome};
use crate::api::{AlterTran, ChangeTran};
use crate::order::{Order, OrderState};
use crate::types::{JobCd, OrderId};
use crate::values::{Amount, Tax};

/// What to do to an authorised or captured order.
#[derive(Debug, Clone, Copy)]
enum Alteration {
    Capture,
    Void,
    Refund,
    ChangeAmount(Amount),
}

impl Alteration {
    /// The states it applies to, its claim state, and where it leads from `from`.
    fn plan(self, from: OrderState) -> (&'static [OrderState], OrderState, OrderState) {
        use OrderState::*;
        match self {
            Self::Capture => (&[Authorized], Capturing, Captured),
            Self::Void => (&[Authorized, Captured], Voiding, Voided),
            Self::Refund => (&[Authorized, Captured], Refunding, Refunded),
            Self::ChangeAmount(_) => (&[Authorized, Captured], ChangingAmount, from),
        }
    }
}

impl Payments {
    /// Captures an authorised order (AlterTran `SALES`, for the authorised amount).
    pub async fn capture(&self, order_id: &OrderId) -> Result<OrderSummary, PaymentError> {
        self.alter(order_id, Alteration::Capture).await
    }

    /// Cancels an authorised or captured order on the day of the sale (AlterTran `VOID`).
    pub async fn void(&self, order_id: &OrderId) -> Result<OrderSummary, PaymentError> {
        self.alter(order_id, Alteration::Void).await
    }

    /// Refunds an authorised or captured order in full: AlterTran `RETURN`, or `RETURNX` once the
    /// month of the sale (Japan time) is over.
    pub async fn refund(&self, order_id: &OrderId) -> Result<OrderSummary, PaymentError> {
        self.alter(order_id, Alteration::Refund).await
    }

    /// Changes the amount of an authorised or captured order (ChangeTran). GMO authorises the
    /// new amount again, so the issuer may decline it; the order then keeps its old amount.
    pub async fn change_amount(
        &self,
        order_id: &OrderId,
        amount: Amount,
    ) -> Result<OrderSummary, PaymentError> {
        self.alter(order_id, Alteration::ChangeAmount(amount)).await
    }

    #[tracing::instrument(name = "payments.alter", skip_all, fields(order_id = %order_id, alteration = ?alteration))]
    async fn alter(
        &self,
        order_id: &OrderId,
        alteration: Alteration,
    ) -> Result<OrderSummary, PaymentError> {
        let order = self.load(order_id).await?;
        let (from, claim, target) = alteration.plan(order.state);
        if !from.contains(&order.state) {
            return Err(already_or_invalid(&order, alteration));
        }
        let claimed = match self
            .transition(&order, claim, |o| {
                if let Alteration::ChangeAmount(amount) = alteration {
                    o.pending_amount = Some(amount.yen());
                }
            })
            .await?
        {
            Cas::Won(claimed) => claimed,
            Cas::Lost(current) => return Err(already_or_invalid(&current, alteration)),
        };
        let (Some(access_id), Some(access_pass)) =
            (claimed.access_id.clone(), claimed.access_pass.clone())
        else {
            return Err(PaymentError::InvalidState { state: order.state });
        };
        let result = match alteration {
            Alteration::Capture => {
                let mut sales =
                    AlterTran::sales(access_id, access_pass, Amount::new(order.amount)?);
                if order.tax > 0 {
                    sales.tax = Some(Tax::new(order.tax)?);
                }
                self.inner.client.send(&sales).await
            }
            Alteration::Void => {
                self.inner
                    .client
                    .send(&AlterTran::void(access_id, access_pass))
                    .await
            }
            Alteration::Refund => {
                let request = if sold_in_an_earlier_month(&order) {
                    AlterTran::refund_after_month(access_id, access_pass)
                } else {
                    AlterTran::refund(access_id, access_pass)
                };
                self.inner.client.send(&request).await
            }
            Alteration::ChangeAmount(amount) => {
                let job = if order.state == OrderState::Captured {
                    JobCd::Capture
                } else {
                    JobCd::Auth
                };
                let mut change = ChangeTran::new(access_id, access_pass, job, amount);
                if order.tax > 0 {
                    change.tax = Some(Tax::new(order.tax)?);
                }
                self.inner.client.send(&change).await
            }
        };
        let settled = match outcome(result) {
            Outcome::Done(tran) => {
                self.settle_to(&claimed, target, |o| {
                    if let Some(amount) = o.pending_amount.take() {
                        o.amount = amount;
                    }
                    o.tran_id = Some(tran.tran_id);
                    o.approve = Some(tran.approve);
                    o.forward = Some(tran.forward);
                })
                .await?
            }
            Outcome::Failed(failure, error) => {
                let back = self
                    .settle_to(&claimed, order.state, |o| {
                        o.pending_amount = None;
                        o.failure = Some(failure);
                    })
                    .await?;
                if matches!(alteration, Alteration::ChangeAmount(_)) {
                    // A declined re-authorisation: record what GMO now holds.
                    let _ = self.settle(back, false).await;
                }
                return Err(error);
            }
            Outcome::Unavailable => {
                self.settle_to(&claimed, order.state, |o| o.pending_amount = None)
                    .await?;
                return Err(PaymentError::GatewayUnavailable);
            }
            Outcome::Unknown => self.settle(claimed, false).await?,
        };
        if settled.state == target && settled.pending_amount.is_none() {
            Ok(OrderSummary::from(&settled))
        } else if settled.state.is_claim() {
            Err(PaymentError::OutcomePending)
        } else {
            Err(PaymentError::InvalidState {
                state: settled.state,
            })
        }
    }
}

/// The answer for an order whose state the alteration does not apply to: another operation is
/// running, or the state does not allow it (a repeated capture finds the order captured).
fn already_or_invalid(order: &Order, _alteration: Alteration) -> PaymentError {
    if order.state.is_claim() {
        PaymentError::InProgress
    } else {
        PaymentError::InvalidState { state: order.state }
    }
}

/// Whether the order was paid in a month (Japan time) before the current one.
fn sold_in_an_earlier_month(order: &Order) -> bool {
    let jst = UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC);
    let sold = order.created_at.to_offset(jst);
    let now = OffsetDateTime::now_utc().to_offset(jst);
    (sold.year(), sold.month()) != (now.year(), now.month())
}
