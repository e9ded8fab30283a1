//! The merchant's back-office operations on an order: capture, void, refund, partial refund
//! and amount change. Each runs its GMO call once, guarded by a claim state; the amount-setting
//! ones are idempotent, so an operator's double submission changes nothing twice.

use time::{OffsetDateTime, UtcOffset};

use super::{
    Cas, OrderSummary, Outcome, PaymentError, Payments, UnexpectedCharge, outcome, record_trade,
};
use crate::api::{AlterTran, ChangeTran, TradeState};
use crate::order::{Order, OrderState};
use crate::values::Amount;
use crate::values::{InvalidValue, JobCd, OrderId, Status};

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
        self.alter(self.load(order_id).await?, Alteration::Capture)
            .await
    }

    /// Cancels an authorised or captured order on the day of the sale (AlterTran `VOID`).
    pub async fn void(&self, order_id: &OrderId) -> Result<OrderSummary, PaymentError> {
        self.alter(self.load(order_id).await?, Alteration::Void)
            .await
    }

    /// Refunds an authorised or captured order in full: AlterTran `RETURN`, or `RETURNX` once the
    /// month of the sale (Japan time) is over.
    pub async fn refund(&self, order_id: &OrderId) -> Result<OrderSummary, PaymentError> {
        self.alter(self.load(order_id).await?, Alteration::Refund)
            .await
    }

    /// Changes the amount of an authorised or captured order (ChangeTran). GMO authorises the
    /// new amount again, so the issuer may decline it; the order then keeps its old amount.
    /// Asking for the amount the order already has changes nothing and sends nothing.
    pub async fn change_amount(
        &self,
        order_id: &OrderId,
        amount: Amount,
    ) -> Result<OrderSummary, PaymentError> {
        let order = self.load(order_id).await?;
        self.alter(order, Alteration::ChangeAmount(amount)).await
    }

    /// Refunds `part` of an authorised or captured order, whose amount the operator saw as
    /// `seen`: ChangeTran to `seen - part` (GMO's partial refund; the whole is
    /// [`refund`](Self::refund)). The same request again (a double submission, a retry after a
    /// lost answer) finds the order at `seen - part` and changes nothing; an order whose amount
    /// is neither is [`PaymentError::AmountChanged`], so two operators never both take a part
    /// off one amount.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use std::sync::Arc;
    /// # use gmo_core::flow::{Confirmation, PaymentSource, PrepareOrder, ThreeDsReturn};
    /// # use gmo_core::customer::CustomerId;
    /// # use gmo_core::store::MemoryStore;
    /// # use gmo_core::values::{ShopId, SiteId};
    /// # use gmo_core::{CardToken, Environment, GmoClient, Payments, ShopPass, SitePass};
    /// # let sandbox = gmo_sandbox::Sandbox::builder().spawn().await?;
    /// # let client = GmoClient::builder(Environment::Custom(sandbox.base_url().into()))
    /// #     .shop(ShopId::new(sandbox.shop_id())?, ShopPass::new(sandbox.shop_pass()))
    /// #     .site(SiteId::new(sandbox.site_id())?, SitePass::new(sandbox.site_pass()))
    /// #     .build()?;
    /// # let payments = Payments::builder(client, Arc::new(MemoryStore::new()))
    /// #     .public_url("https://shop.example")
    /// #     .build()?;
    /// # let alice = CustomerId::new("alice")?;
    /// # let order = payments.prepare_order(PrepareOrder::new(alice.clone(), Amount::new(1_200)?)).await?;
    /// # let token = CardToken::new(sandbox.issue_token("4111111111111111", "2812", "123")?);
    /// # let Confirmation::RedirectTo { url, .. } =
    /// #     payments.confirm(&alice, &order.order_id, PaymentSource::NewCard(token)).await?
    /// # else { unreachable!() };
    /// # let back = gmo_sandbox::AcsBrowser::new().authenticate(&url, "").await?;
    /// # payments.complete_three_ds(ThreeDsReturn {
    /// #     order_id: order.order_id.clone(),
    /// #     access_id: back.field("AccessID").unwrap_or_default().to_owned(),
    /// # }).await?;
    /// use gmo_core::values::Amount;
    ///
    /// // An order of 1,200 yen, authorised; the operator refunds 200 of it.
    /// let (part, seen) = (Amount::new(200)?, Amount::new(1_200)?);
    /// let refunded = payments.refund_part(&order.order_id, part, seen).await?;
    /// assert_eq!(refunded.amount.yen(), 1_000);
    /// // Submitted twice: refunded once.
    /// let again = payments.refund_part(&order.order_id, part, seen).await?;
    /// assert_eq!(again.amount.yen(), 1_000);
    /// # Ok(()) }
    /// ```
    pub async fn refund_part(
        &self,
        order_id: &OrderId,
        part: Amount,
        seen: Amount,
    ) -> Result<OrderSummary, PaymentError> {
        let rest = seen
            .yen()
            .checked_sub(part.yen())
            .filter(|rest| *rest > 0 && part.yen() > 0)
            .ok_or(InvalidValue {
                field: "Amount",
                rule: "a part of at least 1 yen, less than the order's amount (the whole is a refund)",
            })?;
        let order = self.load(order_id).await?;
        if order.amount.yen() == rest {
            return self
                .alter(order, Alteration::ChangeAmount(Amount::new(rest)?))
                .await;
        }
        if order.amount != seen {
            return Err(PaymentError::AmountChanged {
                amount: order.amount.yen(),
            });
        }
        self.alter(order, Alteration::ChangeAmount(Amount::new(rest)?))
            .await
    }

    #[tracing::instrument(name = "payments.alter", skip_all, fields(order_id = %order.order_id, alteration = ?alteration))]
    async fn alter(
        &self,
        order: Order,
        alteration: Alteration,
    ) -> Result<OrderSummary, PaymentError> {
        let (from, claim, target) = alteration.plan(order.state);
        if !from.contains(&order.state) {
            return Err(already_or_invalid(&order, alteration));
        }
        if let Alteration::ChangeAmount(amount) = alteration
            && order.amount == amount
            && order.pending_amount.is_none()
        {
            // Already so: a repeated request, answered without another authorisation.
            return Ok(OrderSummary::from(&order));
        }
        let claimed = match self
            .transition(&order, claim, |o| {
                if let Alteration::ChangeAmount(amount) = alteration {
                    o.pending_amount = Some(amount);
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
                let mut sales = AlterTran::sales(access_id, access_pass, order.amount);
                if order.tax.yen() > 0 {
                    sales.tax = Some(order.tax);
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
                // The sale's date is GMO's: its last operation on a captured order is the sale.
                let sold_at = match self.lookup(&order.order_id).await {
                    Ok(Some(trade)) => trade
                        .process_date
                        .as_ref()
                        .and_then(|d| d.to_offset_date_time()),
                    _ => None,
                }
                .unwrap_or(order.updated_at);
                let captured = order.state == OrderState::Captured;
                let request = match reversal_on(sold_at, OffsetDateTime::now_utc(), captured) {
                    Reversal::ReturnAfterMonth => {
                        AlterTran::refund_after_month(access_id, access_pass)
                    }
                    Reversal::Void | Reversal::Return => AlterTran::refund(access_id, access_pass),
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
                if order.tax.yen() > 0 {
                    change.tax = Some(order.tax);
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
            Outcome::Unknown => self.settle_unknown(claimed).await?,
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

impl Payments {
    /// GMO holds a charge (`charged`, as `trade` shows it) for `order`, which the store closed
    /// as failed or expired: reversed once, or kept, as the settings say.
    pub(super) async fn unexpected_charge(
        &self,
        order: Order,
        charged: OrderState,
        trade: &TradeState,
    ) -> Result<Order, PaymentError> {
        let policy = self.settings().unexpected_charge;
        let written = match policy {
            UnexpectedCharge::Keep => {
                self.record_gmo(&order, charged, |o| {
                    record_trade(o, trade);
                    o.failure = None;
                    o.gmo_unconfirmed_at = None;
                })
                .await?
            }
            UnexpectedCharge::Reverse => {
                self.transition(&order, OrderState::Reversing, |o| record_trade(o, trade))
                    .await?
            }
        };
        let Cas::Won(order) = written else {
            // Another request or instance found it first, and acts on it.
            return Ok(match written {
                Cas::Won(o) | Cas::Lost(o) => o,
            });
        };
        self.inner
            .unexpected_charges
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::error!(
            order_id = %order.order_id,
            gmo_status = %trade.status,
            unexpected_charge = 1u64,
            action = ?policy,
            "GMO holds a charge for an order closed as failed or expired"
        );
        match policy {
            UnexpectedCharge::Keep => Ok(order),
            UnexpectedCharge::Reverse => self.reverse(order, trade).await,
        }
    }

    /// AlterTran for a claimed reversal: VOID on the day of the charge (Japan time), RETURN in
    /// its month, RETURNX after.
    async fn reverse(&self, claimed: Order, trade: &TradeState) -> Result<Order, PaymentError> {
        let (access_id, access_pass) = (trade.access_id.clone(), trade.access_pass.clone());
        let charged_at = trade
            .process_date
            .as_ref()
            .and_then(|d| d.to_offset_date_time())
            .unwrap_or(claimed.updated_at);
        let captured = matches!(trade.status, Status::Capture | Status::Sales);
        let request = match reversal_on(charged_at, OffsetDateTime::now_utc(), captured) {
            Reversal::Void => AlterTran::void(access_id, access_pass),
            Reversal::Return => AlterTran::refund(access_id, access_pass),
            Reversal::ReturnAfterMonth => AlterTran::refund_after_month(access_id, access_pass),
        };
        Ok(match outcome(self.inner.client.send(&request).await) {
            Outcome::Done(tran) => {
                self.settle_to(&claimed, OrderState::Reversed, |o| {
                    o.tran_id = Some(tran.tran_id);
                    o.approve = Some(tran.approve);
                    o.forward = Some(tran.forward);
                })
                .await?
            }
            Outcome::Failed(failure, error) => {
                tracing::error!(
                    order_id = %claimed.order_id,
                    reason = error.reason(),
                    "GMO refused to reverse an unexpected charge: it stands, for the merchant to act on"
                );
                self.settle_to(&claimed, OrderState::Failed, |o| o.failure = Some(failure))
                    .await?
            }
            // Nothing happened: the notification stays in the inbox, and is retried.
            Outcome::Unavailable => {
                self.settle_to(&claimed, OrderState::Failed, |_| ()).await?;
                return Err(PaymentError::GatewayUnavailable);
            }
            Outcome::Unknown => self.settle_unknown(claimed).await?,
        })
    }
}

/// How a charge is taken back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reversal {
    Void,
    Return,
    ReturnAfterMonth,
}

/// The reversal of a charge made at `charged_at`, `now` (both in Japan time, as GMO counts):
/// VOID on its day, RETURN in its month, RETURNX after, for a `captured` sale (an
/// authorisation is never RETURNX: GMO refuses it, and RETURN ends it in any month).
fn reversal_on(charged_at: OffsetDateTime, now: OffsetDateTime, captured: bool) -> Reversal {
    let jst = UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC);
    let (charged, now) = (charged_at.to_offset(jst), now.to_offset(jst));
    if charged.date() == now.date() {
        Reversal::Void
    } else if captured && (charged.year(), charged.month()) < (now.year(), now.month()) {
        Reversal::ReturnAfterMonth
    } else {
        Reversal::Return
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_charge_is_voided_on_its_day_and_refunded_after_in_japan_time() {
        let charged = datetime!(2026-11-30 14:00 UTC); // 23:00 in Japan
        assert_eq!(
            reversal_on(charged, datetime!(2026-11-30 14:59 UTC), true),
            Reversal::Void
        );
        // 00:00 of 1 December in Japan: another day, another month.
        assert_eq!(
            reversal_on(charged, datetime!(2026-11-30 15:00 UTC), true),
            Reversal::ReturnAfterMonth
        );
        // An authorisation is returned, whatever the month.
        assert_eq!(
            reversal_on(charged, datetime!(2026-12-30 15:00 UTC), false),
            Reversal::Return
        );
        assert_eq!(
            reversal_on(
                datetime!(2026-11-02 03:00 UTC),
                datetime!(2026-11-20 03:00 UTC),
                true
            ),
            Reversal::Return
        );
    }
}
