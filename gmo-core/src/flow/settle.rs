//! Settling an order against GMO's truth: given what SearchTrade says, what should become of the
//! order ([`decide`], pure logic), and acting on it ([`Payments::settle`]), for notifications,
//! the flows after a lost answer, and reconciliation.
//!
//! Two rules keep it safe:
//! * a *claim* state belongs to the request running its GMO call. While the claim is fresh, GMO's
//!   status may only confirm the call's success; only a *stale* claim (older than the
//!   reconciliation cutoff, so its owner is gone) may be resolved to "it did not happen";
//! * settling never makes a money-moving call itself: it records what GMO says, or it hands the
//!   order back to a flow step ([`Decision::Finalize`], [`Decision::AttachCard`]) that takes its
//!   own claim.

use time::OffsetDateTime;

use super::{Cas, PaymentError, Payments, record_trade};
use crate::api::TradeState;
use crate::order::{Order, OrderState, Purpose};
use crate::values::Status;

/// What GMO knows of an order (the part of SearchTrade that settling needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GmoView {
    /// `None` when GMO has no transaction with this OrderID.
    pub(crate) status: Option<Status>,
    /// The transaction's current amount.
    pub(crate) amount: Option<u32>,
}

/// The outcome of [`decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Move the order to this state (compare-and-set from its current state), recording GMO's
    /// fields.
    Record(OrderState),
    /// Authentication succeeded and SecureTran2 has not run: finalize the payment.
    Finalize,
    /// The card check passed and the card is not attached yet: run TradedCard.
    AttachCard,
    /// A stale TradedCard claim: look at the member's cards to learn whether it took effect.
    CheckAttachedCard,
    /// GMO shows a stale claim's call not to have taken effect, for the first time: note it and
    /// look again a reconciliation age later (GMO may still commit it).
    Recheck,
    /// GMO holds a charge (in this settled state) for an order closed as failed or expired.
    UnexpectedCharge(OrderState),
    /// Nothing to do now.
    Wait,
}

impl Decision {
    /// Whether the decision hands the order to a step that claims it for a money-moving call.
    pub(crate) fn claims(self) -> bool {
        matches!(self, Self::Finalize | Self::AttachCard)
    }
}

impl GmoView {
    /// What a SearchTrade answer (`None`: GMO has no such transaction) says.
    pub(crate) fn of(trade: Option<&TradeState>) -> Self {
        Self {
            status: trade.map(|t| t.status.clone()),
            amount: trade.map(|t| t.amount.yen()),
        }
    }
}

/// Decides what GMO's view means for `order`. `stale` says the order has not changed for longer
/// than the reconciliation cutoff.
pub(crate) fn decide(order: &Order, gmo: &GmoView, stale: bool) -> Decision {
    use OrderState::*;
    let state = order.state;
    if state.is_terminal() {
        return match gmo
            .status
            .as_ref()
            .and_then(|s| OrderState::from_gmo_status(s, order.purpose))
        {
            Some(charged @ (Authorized | Captured)) if matches!(state, Failed | Expired) => {
                Decision::UnexpectedCharge(charged)
            }
            _ => Decision::Wait,
        };
    }
    let Some(status) = &gmo.status else {
        // GMO never registered the order: EntryTran did not take effect.
        return match state {
            Prepared | Entering if stale => Decision::Record(Expired),
            _ => Decision::Wait,
        };
    };
    if let Some(settled) = OrderState::from_gmo_status(status, order.purpose) {
        return decide_settled(order, settled, gmo.amount, stale);
    }
    match (status, state) {
        (Status::Authenticated, AwaitingThreeDs) if stale => Decision::Finalize,
        // The ExecTran claim is dead and authentication stands: the 3-D Secure step finalizes.
        (Status::Authenticated, Executing) if stale => Decision::Record(AwaitingThreeDs),
        // The SecureTran2 claim is dead and, on two readings a reconciliation age apart, GMO
        // shows it took no effect (it never arrived: a crash between the claim and the call; or
        // the issuer declined it): authentication stands, and the 3-D Secure step may finalize
        // again. No second SecureTran2 is ever sent while the first may still take effect.
        (Status::Authenticated, Finalizing) if stale => {
            unless_first_reading(order, AwaitingThreeDs)
        }
        (Status::Unprocessed, Executing | Finalizing) if stale => {
            unless_first_reading(order, Failed)
        }
        (Status::Unprocessed, Entering) if stale => Decision::Record(Entered),
        (Status::Unprocessed, Entered | AwaitingThreeDs) if stale => Decision::Record(Expired),
        _ => Decision::Wait,
    }
}

/// `Record(state)` if a reading a reconciliation age ago already found the claim's call not to
/// have taken effect; otherwise [`Decision::Recheck`].
fn unless_first_reading(order: &Order, state: OrderState) -> Decision {
    if order.gmo_unconfirmed_at.is_some() {
        Decision::Record(state)
    } else {
        Decision::Recheck
    }
}

fn decide_settled(
    order: &Order,
    settled: OrderState,
    amount: Option<u32>,
    stale: bool,
) -> Decision {
    use OrderState::*;
    let state = order.state;
    if state == settled {
        return if state == Verified && order.purpose == Purpose::CardRegistration {
            Decision::AttachCard
        } else {
            Decision::Wait
        };
    }
    if state.is_claim() {
        let confirms_claim = match state {
            Executing | Finalizing => matches!(settled, Authorized | Captured | Verified),
            Capturing => settled == Captured,
            Voiding => settled == Voided,
            Refunding => settled == Refunded,
            Reversing => {
                return match settled {
                    Voided | Refunded => Decision::Record(Reversed),
                    // The reversal did not take effect: the charge stands, for the merchant to
                    // act on (logged); never sent again blind.
                    _ if stale => Decision::Record(Failed),
                    _ => Decision::Wait,
                };
            }
            ChangingAmount => {
                matches!(settled, Authorized | Captured)
                    && amount == order.pending_amount.map(crate::values::Amount::yen)
            }
            Registering => {
                return if stale {
                    Decision::CheckAttachedCard
                } else {
                    Decision::Wait
                };
            }
            _ => false,
        };
        if confirms_claim || stale {
            return Decision::Record(settled);
        }
        return Decision::Wait;
    }
    Decision::Record(settled)
}

impl Payments {
    /// Settles `order` against SearchTrade. `stale` allows resolving claims whose owner is gone.
    /// [`PaymentError::OutcomePending`] when GMO cannot be asked.
    pub(super) async fn settle(
        &self,
        mut order: Order,
        stale: bool,
    ) -> Result<Order, PaymentError> {
        // A closed order is looked at again only when a charge may have reached GMO after all.
        if order.state.is_terminal()
            && !matches!(order.state, OrderState::Failed | OrderState::Expired)
        {
            return Ok(order);
        }
        if order.state == OrderState::Prepared {
            // Never sent to GMO: nothing to look up.
            return if stale {
                self.settle_to(&order, OrderState::Expired, |_| ()).await
            } else {
                Ok(order)
            };
        }
        let mut trade = self.lookup_or_pending(&order.order_id).await?;
        // Whether this call wrote the order on the strength of `trade`.
        let mut recorded = false;
        // A few steps at most: a record may hand the order to a flow step.
        for _ in 0..4 {
            let decision = decide(&order, &GmoView::of(trade.as_ref()), stale);
            if recorded && decision.claims() {
                // A claim never rests on a reading that an earlier step of this call acted on:
                // the store and GMO are read again, and the claim is made on that version.
                order = self.load(&order.order_id).await?;
                trade = self.lookup_or_pending(&order.order_id).await?;
                recorded = false;
                continue;
            }
            order = match decision {
                Decision::Wait => return Ok(order),
                Decision::Record(state) => {
                    recorded = true;
                    let written = self
                        .record_gmo(&order, state, |o| {
                            if let Some(trade) = &trade {
                                record_trade(o, trade);
                            }
                            if matches!(state, OrderState::Failed | OrderState::Expired) {
                                o.redirect_url = None;
                            }
                            o.gmo_unconfirmed_at = None;
                        })
                        .await?;
                    match written {
                        Cas::Won(order) => order,
                        // Someone acted since the order was read: `trade` may predate what
                        // they did, so nothing more is decided on it.
                        Cas::Lost(current) => return Ok(current),
                    }
                }
                Decision::Recheck => {
                    tracing::info!(
                        order_id = %order.order_id,
                        state = %order.state,
                        "GMO shows a stale claim's call not taken effect; looking again later"
                    );
                    let now = OffsetDateTime::now_utc();
                    return Ok(
                        match self
                            .transition(&order, order.state, |o| o.gmo_unconfirmed_at = Some(now))
                            .await?
                        {
                            Cas::Won(o) | Cas::Lost(o) => o,
                        },
                    );
                }
                Decision::UnexpectedCharge(charged) => {
                    return match &trade {
                        Some(trade) => {
                            Box::pin(self.unexpected_charge(order, charged, trade)).await
                        }
                        None => Ok(order),
                    };
                }
                // Boxed: finalizing may settle again after a lost answer.
                Decision::Finalize => return Box::pin(self.finalize(order)).await,
                Decision::AttachCard => return Box::pin(self.attach_card(order)).await,
                // Settles the claim (or finds it taken): nothing more to decide on this reading.
                Decision::CheckAttachedCard => match &trade {
                    Some(found) => return self.resolve_attach(order, found).await,
                    None => return Ok(order),
                },
            };
            if order.state.is_terminal() {
                break;
            }
        }
        Ok(order)
    }

    /// After a money-moving call of unknown outcome: SearchTrade now, and if that does not
    /// settle it, the claim is written again, so that its age counts from the call's end and
    /// reconciliation gives GMO a whole reconciliation age past it to finish the call.
    pub(super) async fn settle_unknown(&self, claimed: Order) -> Result<Order, PaymentError> {
        let looked = self.settle(claimed.clone(), false).await;
        if let Ok(order) = &looked
            && order.version != claimed.version
        {
            return looked;
        }
        let stamped = match self.transition(&claimed, claimed.state, |_| ()).await? {
            Cas::Won(o) | Cas::Lost(o) => o,
        };
        looked.map(|_| stamped)
    }

    /// SearchTrade, with GMO out of reach as [`PaymentError::OutcomePending`].
    async fn lookup_or_pending(
        &self,
        order_id: &crate::values::OrderId,
    ) -> Result<Option<crate::api::TradeState>, PaymentError> {
        self.lookup(order_id)
            .await
            .map_err(|_| PaymentError::OutcomePending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::CustomerId;
    use crate::values::{JobCd, OrderId};

    fn order(state: OrderState, purpose: Purpose) -> Order {
        let mut o = Order::prepared(
            OrderId::new("o-1").unwrap(),
            CustomerId::new("c").unwrap(),
            purpose,
            JobCd::Auth,
            crate::values::Amount::new(1000).unwrap(),
            crate::values::Tax::default(),
        );
        o.state = state;
        o
    }

    fn view(status: Option<Status>) -> GmoView {
        GmoView {
            status,
            amount: Some(1000),
        }
    }

    use OrderState::*;

    #[test]
    fn fresh_claims_are_only_confirmed() {
        let o = order(Executing, Purpose::Purchase);
        assert_eq!(
            decide(&o, &view(Some(Status::Auth)), false),
            Decision::Record(Authorized)
        );
        assert_eq!(
            decide(&o, &view(Some(Status::Unprocessed)), false),
            Decision::Wait
        );
        assert_eq!(decide(&o, &view(None), false), Decision::Wait);
        let o = order(Capturing, Purpose::Purchase);
        assert_eq!(decide(&o, &view(Some(Status::Auth)), false), Decision::Wait);
        assert_eq!(
            decide(&o, &view(Some(Status::Sales)), false),
            Decision::Record(Captured)
        );
    }

    #[test]
    fn a_claim_fails_only_on_a_second_reading() {
        for (state, status, then) in [
            (Executing, Status::Unprocessed, Failed),
            (Finalizing, Status::Unprocessed, Failed),
            (Finalizing, Status::Authenticated, AwaitingThreeDs),
        ] {
            let mut o = order(state, Purpose::Purchase);
            assert_eq!(
                decide(&o, &view(Some(status.clone())), true),
                Decision::Recheck
            );
            o.gmo_unconfirmed_at = Some(o.updated_at);
            assert_eq!(
                decide(&o, &view(Some(status.clone())), false),
                Decision::Wait,
                "not before it is stale again"
            );
            assert_eq!(
                decide(&o, &view(Some(status)), true),
                Decision::Record(then)
            );
        }
    }

    #[test]
    fn a_charge_for_a_closed_order_is_unexpected() {
        for closed in [Failed, Expired] {
            let o = order(closed, Purpose::Purchase);
            assert_eq!(
                decide(&o, &view(Some(Status::Auth)), false),
                Decision::UnexpectedCharge(Authorized)
            );
            assert_eq!(
                decide(&o, &view(Some(Status::Sales)), false),
                Decision::UnexpectedCharge(Captured)
            );
            assert_eq!(decide(&o, &view(Some(Status::Void)), false), Decision::Wait);
            assert_eq!(
                decide(&o, &view(Some(Status::Unprocessed)), true),
                Decision::Wait
            );
        }
        let o = order(Reversing, Purpose::Purchase);
        assert_eq!(
            decide(&o, &view(Some(Status::Void)), false),
            Decision::Record(Reversed)
        );
        assert_eq!(decide(&o, &view(Some(Status::Auth)), false), Decision::Wait);
        assert_eq!(
            decide(&o, &view(Some(Status::Auth)), true),
            Decision::Record(Failed)
        );
    }

    #[test]
    fn stale_claims_are_resolved_to_what_gmo_says() {
        let stale = |s, g| decide(&order(s, Purpose::Purchase), &view(g), true);
        assert_eq!(
            stale(Executing, Some(Status::Authenticated)),
            Decision::Record(AwaitingThreeDs)
        );
        assert_eq!(
            stale(AwaitingThreeDs, Some(Status::Authenticated)),
            Decision::Finalize
        );
        assert_eq!(
            stale(Capturing, Some(Status::Auth)),
            Decision::Record(Authorized)
        );
        assert_eq!(stale(Entering, None), Decision::Record(Expired));
        assert_eq!(
            stale(Entering, Some(Status::Unprocessed)),
            Decision::Record(Entered)
        );
        assert_eq!(
            stale(AwaitingThreeDs, Some(Status::Unprocessed)),
            Decision::Record(Expired)
        );
    }

    #[test]
    fn settled_states_follow_gmo_and_terminal_states_stay() {
        let o = order(Authorized, Purpose::Purchase);
        assert_eq!(
            decide(&o, &view(Some(Status::Sales)), false),
            Decision::Record(Captured)
        );
        assert_eq!(
            decide(&o, &view(Some(Status::Void)), false),
            Decision::Record(Voided)
        );
        assert_eq!(decide(&o, &view(Some(Status::Auth)), false), Decision::Wait);
        let o = order(Voided, Purpose::Purchase);
        assert_eq!(decide(&o, &view(Some(Status::Auth)), true), Decision::Wait);
    }

    #[test]
    fn registrations_attach_their_card() {
        let o = order(AwaitingThreeDs, Purpose::CardRegistration);
        assert_eq!(
            decide(&o, &view(Some(Status::Check)), false),
            Decision::Record(Verified)
        );
        let o = order(Verified, Purpose::CardRegistration);
        assert_eq!(
            decide(&o, &view(Some(Status::Check)), false),
            Decision::AttachCard
        );
        let o = order(Registering, Purpose::CardRegistration);
        assert_eq!(
            decide(&o, &view(Some(Status::Check)), false),
            Decision::Wait
        );
        assert_eq!(
            decide(&o, &view(Some(Status::Check)), true),
            Decision::CheckAttachedCard
        );
    }

    #[test]
    fn amount_changes_are_confirmed_by_the_amount() {
        let mut o = order(ChangingAmount, Purpose::Purchase);
        o.pending_amount = Some(crate::values::Amount::new(500).unwrap());
        assert_eq!(decide(&o, &view(Some(Status::Auth)), false), Decision::Wait);
        let changed = GmoView {
            status: Some(Status::Auth),
            amount: Some(500),
        };
        assert_eq!(decide(&o, &changed, false), Decision::Record(Authorized));
    }
}
