//! The 3-D Secure return: the browser comes back from the issuer's page to the order's return
//! URL, and SecureTran2 authorises the payment, once.
//!
//! The return is an unauthenticated cross-site request (no session cookie, no CSRF token): it is
//! only a trigger. The order comes from the URL, the posted AccessID must match the stored one
//! (compared in constant time), and SecureTran2 runs with the AccessPass from the store, which
//! never leaves the server. Refreshes, the back button, replays, concurrent returns and a racing
//! notification all get the same answer, and only one SecureTran2 is ever sent.

use subtle::ConstantTimeEq as _;

use super::{Cas, OrderSummary, Outcome, PaymentError, Payments, authorized_state, fill, outcome};
use crate::api::SecureTran2;
use crate::order::{Order, OrderState, Purpose};
use crate::values::OrderId;

/// What the browser brought back from 3-D Secure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreeDsReturn {
    /// The order, from the return URL's path.
    pub order_id: OrderId,
    /// The `AccessID` GMO posted (or put in the query, for CallbackType 3).
    pub access_id: String,
}

/// Where to send the browser after the 3-D Secure return, and the order as it now stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The order, which may be settled, failed, or still being settled.
    pub order: OrderSummary,
    /// The completion page (a `303 See Other` target).
    pub redirect_to: String,
}

impl Payments {
    /// Handles the browser's return from 3-D Secure: SecureTran2 once, then the completion page.
    ///
    /// Answers a [`Completion`] whatever became of the payment (the completion page shows the
    /// order's state); [`PaymentError::NotFound`] for an unknown order or a wrong AccessID, and
    /// store failures, are the only errors.
    #[tracing::instrument(name = "payments.three_ds_return", skip_all, fields(order_id = %ret.order_id))]
    pub async fn complete_three_ds(&self, ret: ThreeDsReturn) -> Result<Completion, PaymentError> {
        let order = self.load(&ret.order_id).await?;
        let matches = order
            .access_id
            .as_ref()
            .is_some_and(|id| bool::from(id.as_str().as_bytes().ct_eq(ret.access_id.as_bytes())));
        if !matches {
            tracing::warn!("3-D Secure return with an AccessID that is not the order's");
            return Err(PaymentError::NotFound);
        }
        let order = self.finalize(order).await?;
        let template = match order.purpose {
            Purpose::Purchase => &self.settings().completion_url,
            Purpose::CardRegistration => &self.settings().card_registered_url,
        };
        Ok(Completion {
            redirect_to: fill(template, &order.order_id),
            order: OrderSummary::from(&order),
        })
    }

    /// SecureTran2 for an order awaiting 3-D Secure, once; any other state is answered as is.
    pub(super) async fn finalize(&self, order: Order) -> Result<Order, PaymentError> {
        if order.state != OrderState::AwaitingThreeDs {
            return Ok(order);
        }
        let claimed = match self
            .transition(&order, OrderState::Finalizing, |_| ())
            .await?
        {
            Cas::Won(claimed) => claimed,
            Cas::Lost(current) => return Ok(current),
        };
        let (Some(access_id), Some(access_pass)) =
            (claimed.access_id.clone(), claimed.access_pass.clone())
        else {
            return Err(PaymentError::InvalidState {
                state: claimed.state,
            });
        };
        let request = SecureTran2::new(access_id, access_pass);
        let settled = match outcome(self.inner.client.send(&request).await) {
            Outcome::Done(auth) => {
                let state = authorized_state(&claimed.job, claimed.purpose);
                self.settle_to(&claimed, state, |o| {
                    o.tran_id = Some(auth.tran_id);
                    o.approve = Some(auth.approve);
                    o.forward = Some(auth.forward);
                    o.redirect_url = None;
                    // What GMO echoed (and the CheckString covered) is the order's method.
                    o.method = auth.method.or(o.method);
                })
                .await?
            }
            Outcome::Failed(failure, error) => {
                tracing::info!(reason = error.reason(), "3-D Secure payment failed");
                self.settle_to(&claimed, OrderState::Failed, |o| {
                    o.failure = Some(failure);
                    o.redirect_url = None;
                })
                .await?
            }
            // Nothing happened: the order waits for another return or for reconciliation.
            Outcome::Unavailable => {
                self.settle_to(&claimed, OrderState::AwaitingThreeDs, |_| ())
                    .await?
            }
            Outcome::Unknown => self.settle_unknown(claimed).await?,
        };
        self.after_authorization(settled).await
    }
}
