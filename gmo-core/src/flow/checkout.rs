//! Checkout: the merchant's server prepares an order with its amount, the browser confirms it
//! with a card token or a saved card.
//!
//! ```text
//! prepare_order ─▶ Prepared
//! confirm ─▶ EntryTran (TdFlag=2) ─▶ ExecTran (RetUrl = return URL of the order)
//!          ─▶ Completed (no 3-D Secure needed) | RedirectTo(ACS URL) ─▶ … complete_three_ds
//! ```

use time::OffsetDateTime;

use super::{
    Cas, OrderSummary, Outcome, PaymentError, Payments, RiskData, authorized_state, fill,
    new_order_id, outcome,
};
use crate::api::{
    CardSource, EntryTran, ExecTran, ExecTranOutcome, ThreeDSecureEntry, ThreeDSecureExec,
};
use crate::customer::CustomerId;
use crate::error::ErrorKind;
use crate::guard::AttemptTicket;
use crate::order::{Failure, Order, OrderState, Purpose};
use crate::secret::CardToken;
use crate::values::{Amount, CardSeq, RetUrl, Tax};
use crate::values::{JobCd, Method, OrderId, SeqMode};

/// An order the merchant's server prepares. The amount comes from the server, never from the
/// browser.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PrepareOrder {
    /// Whose order.
    pub customer_id: CustomerId,
    /// Amount in yen.
    pub amount: Amount,
    /// Tax and shipping in yen.
    pub tax: Tax,
    /// `AUTH` or `CAPTURE`; `None` takes the default of the settings.
    pub job: Option<JobCd>,
    /// The OrderID; `None` makes a random one.
    pub order_id: Option<OrderId>,
    /// What the merchant knows about the shopper, for the issuer's 3-D Secure 2.0 risk
    /// assessment; sent with the checkout's ExecTran. Empty: none is sent.
    pub risk_data: RiskData,
}

impl PrepareOrder {
    /// An order of `amount` yen for `customer_id`, with no tax, the default job and a new id.
    pub fn new(customer_id: CustomerId, amount: Amount) -> Self {
        Self {
            customer_id,
            amount,
            tax: Tax::default(),
            job: None,
            order_id: None,
            risk_data: RiskData::new(),
        }
    }

    /// Adds the shopper's risk data (e-mail, phone, addresses, account history), kept with the
    /// order and sent with its ExecTran: issuers approve more payments without a challenge
    /// when they have it.
    pub fn risk_data(mut self, risk_data: RiskData) -> Self {
        self.risk_data = risk_data;
        self
    }

    /// Adds tax and shipping.
    pub fn tax(mut self, tax: Tax) -> Self {
        self.tax = tax;
        self
    }

    /// Chooses `AUTH` or `CAPTURE` for this order.
    pub fn job(mut self, job: JobCd) -> Self {
        self.job = Some(job);
        self
    }

    /// Uses the merchant's own OrderID.
    pub fn order_id(mut self, order_id: OrderId) -> Self {
        self.order_id = Some(order_id);
        self
    }
}

/// The card a confirmation pays with. There is no way to pass card data: only GMO's one-time
/// token or the number of a card GMO already keeps.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PaymentSource {
    /// A one-time token from GMO's token JS.
    NewCard(CardToken),
    /// A card saved on the customer's GMO member.
    SavedCard(CardSeq),
}

/// A shopper's confirmation of an order: the card, and how they pay. A [`PaymentSource`]
/// alone is a lump-sum payment.
///
/// ```
/// use gmo_core::flow::{Checkout, PaymentSource};
/// use gmo_core::values::Method;
/// use gmo_core::values::CardSeq;
///
/// let checkout = Checkout::new(PaymentSource::SavedCard(CardSeq::new(0)?))
///     .method(Method::Installments(3));
/// assert_eq!(checkout.method, Method::Installments(3));
/// # Ok::<(), gmo_core::values::InvalidValue>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Checkout {
    /// The card.
    pub source: PaymentSource,
    /// The payment method the shopper chose; it must be one the merchant offers
    /// ([`PaymentsBuilder::payment_methods`](super::PaymentsBuilder::payment_methods)).
    pub method: Method,
}

impl Checkout {
    /// Pays with `source` in one lump sum.
    pub fn new(source: PaymentSource) -> Self {
        Self {
            source,
            method: Method::Lump,
        }
    }

    /// Chooses the payment method (and its number of payments).
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }
}

impl From<PaymentSource> for Checkout {
    fn from(source: PaymentSource) -> Self {
        Self::new(source)
    }
}

/// What a confirmation came to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Confirmation {
    /// Paid (authorised or captured) without a 3-D Secure step.
    Completed {
        /// The order.
        order: OrderSummary,
    },
    /// Send the browser to the issuer's 3-D Secure page (top-level navigation, exactly this URL).
    RedirectTo {
        /// The order.
        order_id: OrderId,
        /// GMO's URL, verbatim.
        url: String,
    },
}

impl Payments {
    /// Stores a new order with its amount, before any GMO call. Run it in the merchant's own
    /// handler, where the price is known; hand the OrderID to the browser.
    ///
    /// An existing OrderID is [`PaymentError::InvalidState`] with the stored order's state.
    pub async fn prepare_order(&self, order: PrepareOrder) -> Result<OrderSummary, PaymentError> {
        let job = order
            .job
            .unwrap_or_else(|| self.settings().default_job.clone());
        if !matches!(job, JobCd::Auth | JobCd::Capture) {
            return Err(PaymentError::InvalidInput(crate::values::InvalidValue {
                field: "JobCd",
                rule: "AUTH or CAPTURE for a purchase",
            }));
        }
        crate::values::checked_total(order.amount, Some(order.tax))?;
        let mut record = Order::prepared(
            order.order_id.unwrap_or_else(new_order_id),
            order.customer_id,
            Purpose::Purchase,
            job,
            order.amount,
            order.tax,
        );
        record.risk_data = order.risk_data.into();
        record.risk_data.check()?;
        match self.inner.store.insert_order(&record).await? {
            crate::store::Inserted::Created => Ok(OrderSummary::from(&record)),
            crate::store::Inserted::Existing(existing) => Err(PaymentError::InvalidState {
                state: existing.state,
            }),
        }
    }

    /// Confirms a prepared order with a card (a [`PaymentSource`], paid in one lump sum, or a
    /// [`Checkout`] with the shopper's payment method): runs EntryTran and ExecTran (with 3-D
    /// Secure 2.0 and the order's risk data) once, whatever the number of concurrent or repeated
    /// confirmations.
    ///
    /// A method the merchant does not offer is [`PaymentError::MethodNotOffered`]. The method
    /// is fixed when ExecTran is claimed: a repeated confirmation with the same method answers
    /// what the first one did (the same redirect, or the completed order), one with another
    /// method is [`PaymentError::MethodAlreadyChosen`]; a confirmation while another runs is
    /// [`PaymentError::InProgress`].
    #[tracing::instrument(name = "payments.confirm", skip_all, fields(order_id = %order_id))]
    pub async fn confirm(
        &self,
        customer: &CustomerId,
        order_id: &OrderId,
        checkout: impl Into<Checkout>,
    ) -> Result<Confirmation, PaymentError> {
        self.confirm_with(customer, order_id, checkout.into(), &mut None)
            .await
    }

    /// [`Payments::confirm`] for a card attempt the card-testing throttle admitted: the attempt
    /// is kept with the order and ends when the order's outcome is known, counted as a failure
    /// if the card failed, by whichever path learns it. An attempt that makes no GMO call (the
    /// order is closed, another request is on it) ends at once, uncounted.
    #[tracing::instrument(name = "payments.confirm", skip_all, fields(order_id = %order_id))]
    pub async fn confirm_attempt(
        &self,
        customer: &CustomerId,
        order_id: &OrderId,
        checkout: impl Into<Checkout>,
        attempt: AttemptTicket,
    ) -> Result<Confirmation, PaymentError> {
        let mut attempt = Some(attempt);
        let result = self
            .confirm_with(customer, order_id, checkout.into(), &mut attempt)
            .await;
        if let Some(unused) = attempt {
            self.settle_attempt(&unused, false).await;
        }
        result
    }

    /// Confirms, handing `attempt` to the order when it claims ExecTran (taking it out).
    async fn confirm_with(
        &self,
        customer: &CustomerId,
        order_id: &OrderId,
        checkout: Checkout,
        attempt: &mut Option<AttemptTicket>,
    ) -> Result<Confirmation, PaymentError> {
        let order = self.owned_order(customer, order_id).await?;
        if order.purpose != Purpose::Purchase {
            return Err(PaymentError::NotFound);
        }
        let method = checkout.method;
        if !self.payment_methods().offers(method) {
            return Err(PaymentError::MethodNotOffered {
                field: self.payment_methods().refused_field(method),
            });
        }
        let card = match checkout.source {
            PaymentSource::NewCard(token) => CardSource::Token(token),
            PaymentSource::SavedCard(card_seq) => {
                let member = self
                    .inner
                    .store
                    .member(customer)
                    .await?
                    .ok_or(PaymentError::NotFound)?;
                CardSource::StoredCard {
                    member_id: member.member_id,
                    seq_mode: SeqMode::Physical,
                    card_seq,
                }
            }
        };
        if let Some(state) = closed(&order) {
            return Err(PaymentError::OrderClosed { state });
        }
        same_method(&order, method)?;
        let mut entry = self.enter(order, Presence::Shopper).await?;
        same_method(&entry.order, method)?;
        if entry.awaits_exec_tran() {
            // Decided here, written by the claim of ExecTran.
            entry.order.method = Some(method);
        }
        self.execute(entry, card, attempt, Presence::Shopper).await
    }

    /// Makes sure the order is registered at GMO (EntryTran), once; with 3-D Secure when the
    /// shopper is there to pass it. The keys of an EntryTran made here are not written yet: the
    /// claim of ExecTran that follows writes them ([`Entry`]).
    pub(super) async fn enter(
        &self,
        order: Order,
        presence: Presence,
    ) -> Result<Entry, PaymentError> {
        if order.state != OrderState::Prepared {
            return Ok(Entry::stored(order));
        }
        let claimed = match self
            .transition(&order, OrderState::Entering, |_| ())
            .await?
        {
            Cas::Won(claimed) => claimed,
            Cas::Lost(current) => return Ok(Entry::stored(current)),
        };
        let mut entry = match claimed.job {
            JobCd::Check => EntryTran::check(claimed.order_id.clone()),
            JobCd::Capture => EntryTran::capture(claimed.order_id.clone(), claimed.amount),
            _ => EntryTran::auth(claimed.order_id.clone(), claimed.amount),
        };
        if claimed.tax.yen() > 0 {
            entry = entry.with_tax(claimed.tax);
        }
        if presence == Presence::Shopper {
            let mut tds = ThreeDSecureEntry::new();
            tds.tds2_type = self.settings().tds2_type;
            tds.td_required = self.settings().td_required;
            tds.tenant_name.clone_from(&self.settings().tenant_name);
            entry = entry.with_three_d_secure(tds);
        }

        let result = self.inner.client.send(&entry).await;
        let duplicate = matches!(&result, Err(e) if e.is_duplicate_order());
        match outcome(result) {
            Outcome::Done(keys) => Ok(Entry {
                order: claimed,
                keys: Some((keys.access_id, keys.access_pass)),
            }),
            Outcome::Failed(..) if duplicate => {
                self.recover_entry(claimed).await.map(Entry::stored)
            }
            Outcome::Failed(failure, error) => {
                self.transition(&claimed, OrderState::Failed, |o| o.failure = Some(failure))
                    .await?;
                Err(error)
            }
            Outcome::Unavailable => {
                self.transition(&claimed, OrderState::Prepared, |_| ())
                    .await?;
                Err(PaymentError::GatewayUnavailable)
            }
            Outcome::Unknown => self.recover_entry(claimed).await.map(Entry::stored),
        }
    }

    /// After an EntryTran whose answer was lost (or "OrderID already used"): SearchTrade says
    /// whether it took effect, and gives the AccessID and AccessPass if it did. A transaction
    /// with another amount, tax or job is not this order's and is never adopted.
    async fn recover_entry(&self, claimed: Order) -> Result<Order, PaymentError> {
        match self.lookup(&claimed.order_id).await {
            Ok(Some(trade)) if !entered_for(&claimed, &trade) => {
                tracing::error!(
                    order_id = %claimed.order_id,
                    "GMO holds another transaction under this OrderID: not adopted"
                );
                self.transition(&claimed, OrderState::Failed, |o| {
                    o.failure = Some(Failure {
                        kind: ErrorKind::InvalidRequest,
                        err_code: String::new(),
                        err_info: String::new(),
                    });
                })
                .await?;
                Err(PaymentError::OrderIdTaken)
            }
            Ok(Some(trade)) => {
                self.settle_to(&claimed, OrderState::Entered, |o| {
                    o.access_id = Some(trade.access_id);
                    o.access_pass = Some(trade.access_pass);
                })
                .await
            }
            Ok(None) => {
                self.transition(&claimed, OrderState::Prepared, |_| ())
                    .await?;
                Err(PaymentError::GatewayUnavailable)
            }
            // Still unknown: the order stays claimed until reconciliation looks again.
            Err(_) => Err(PaymentError::OutcomePending),
        }
    }

    /// Runs ExecTran once for an entered order, or answers what an earlier run did. It pays by
    /// `order.method` (lump sum when unset; none for a `CHECK`), which the claim fixes.
    pub(super) async fn execute(
        &self,
        entry: Entry,
        card: CardSource,
        attempt: &mut Option<AttemptTicket>,
        presence: Presence,
    ) -> Result<Confirmation, PaymentError> {
        // The claim is written over the record as stored; the keys of a fresh EntryTran with it.
        if !entry.awaits_exec_tran() {
            return self.confirmation_of(entry.order);
        }
        let Entry { order, keys } = entry;
        let method = match order.job {
            JobCd::Check => None,
            _ => Some(order.method.unwrap_or(Method::Lump)),
        };
        // A new card leaves `card_seq` as it was: a card replacement's order names the card it
        // replaces there.
        let saved_card = match &card {
            CardSource::StoredCard { card_seq, .. } => Some(*card_seq),
            _ => order.card_seq,
        };
        let held = attempt.clone();
        let claimed = match self
            .transition(&order, OrderState::Executing, |o| {
                if let Some((access_id, access_pass)) = keys {
                    o.access_id = Some(access_id);
                    o.access_pass = Some(access_pass);
                }
                o.card_seq = saved_card;
                o.card_attempt = held;
                o.method = method;
            })
            .await?
        {
            Cas::Won(claimed) => claimed,
            // Another confirmation claimed it first: it answers for the same method only.
            Cas::Lost(current) => return self.confirmation_for(current, method),
        };
        // The order holds the attempt now: its outcome ends it.
        *attempt = None;
        let (Some(access_id), Some(access_pass)) =
            (claimed.access_id.clone(), claimed.access_pass.clone())
        else {
            return Err(PaymentError::InvalidState {
                state: claimed.state,
            });
        };
        let mut exec = ExecTran::new(access_id, access_pass, claimed.order_id.clone(), card);
        exec.method = claimed.method;
        if presence == Presence::Shopper {
            let mut tds = ThreeDSecureExec::new(RetUrl::new(fill(
                &self.settings().return_url,
                &claimed.order_id,
            ))?);
            tds.data = claimed.risk_data.clone();
            exec.three_d_secure = Some(tds);
        }

        match outcome(self.inner.client.send(&exec).await) {
            Outcome::Done(ExecTranOutcome::ThreeDSecure { redirect_url }) => {
                let url = redirect_url.clone();
                match self
                    .transition(&claimed, OrderState::AwaitingThreeDs, |o| {
                        o.redirect_url = Some(redirect_url);
                    })
                    .await?
                {
                    Cas::Won(o) => Ok(Confirmation::RedirectTo {
                        order_id: o.order_id,
                        url,
                    }),
                    Cas::Lost(current) => self.confirmation_of(current),
                }
            }
            Outcome::Done(ExecTranOutcome::Authorized(auth)) => {
                let state = authorized_state(&claimed.job, claimed.purpose);
                let next = self
                    .settle_to(&claimed, state, |o| {
                        o.tran_id = Some(auth.tran_id);
                        o.approve = Some(auth.approve);
                        o.forward = Some(auth.forward);
                        // What GMO echoed (and the CheckString covered) is the order's method.
                        o.method = auth.method.or(o.method);
                    })
                    .await?;
                let next = self.after_authorization(next).await?;
                self.confirmation_of(next)
            }
            Outcome::Failed(failure, error) => {
                self.transition(&claimed, OrderState::Failed, |o| o.failure = Some(failure))
                    .await?;
                Err(error)
            }
            Outcome::Unavailable => {
                self.transition(&claimed, OrderState::Entered, |_| ())
                    .await?;
                Err(PaymentError::GatewayUnavailable)
            }
            Outcome::Unknown => {
                let settled = self.settle_unknown(claimed).await?;
                self.confirmation_of(settled)
            }
        }
    }

    /// What an order answers to a confirmation paying by `method`: another method than the
    /// one the order is paid by is refused, whatever the state.
    fn confirmation_for(
        &self,
        order: Order,
        method: Option<Method>,
    ) -> Result<Confirmation, PaymentError> {
        if let Some(method) = method {
            same_method(&order, method)?;
        }
        self.confirmation_of(order)
    }

    /// What an order in `order.state` answers to a confirmation.
    pub(super) fn confirmation_of(&self, order: Order) -> Result<Confirmation, PaymentError> {
        use OrderState::*;
        match order.state {
            AwaitingThreeDs => match order.redirect_url {
                Some(url) => Ok(Confirmation::RedirectTo {
                    order_id: order.order_id,
                    url,
                }),
                // Authentication is done or the URL was never stored: only the 3-D Secure
                // return or reconciliation can finish it.
                None => Err(PaymentError::OutcomePending),
            },
            Authorized | Captured | Verified | CardRegistered | Capturing | Voiding | Refunding
            | ChangingAmount | Voided | Refunded => Ok(Confirmation::Completed {
                order: OrderSummary::from(&order),
            }),
            Failed => Err(PaymentError::OrderClosed { state: Failed }),
            Entering | Executing | Finalizing | Registering => {
                if order.updated_at < OffsetDateTime::now_utc() - self.settings().reconcile_after {
                    Err(PaymentError::OutcomePending)
                } else {
                    Err(PaymentError::InProgress)
                }
            }
            // A reversed charge: the payment failed, as the shopper was told.
            Expired | Reversing | Reversed => Err(PaymentError::OrderClosed { state: order.state }),
            Prepared | Entered => Err(PaymentError::InvalidState { state: order.state }),
        }
    }
}

/// An order registered at GMO, ready for its ExecTran: the order as stored, and the keys of an
/// EntryTran just made under its `Entering` claim, which the claim of ExecTran writes.
pub(super) struct Entry {
    /// As the store holds it (a fresh claim: as claimed, without the keys).
    order: Order,
    /// GMO's AccessID and AccessPass, not written yet.
    keys: Option<(crate::values::AccessId, crate::secret::AccessPass)>,
}

impl Entry {
    /// An order as stored, whatever its state (entered before, or left by another request).
    fn stored(order: Order) -> Self {
        Self { order, keys: None }
    }

    /// Whether ExecTran is still to be claimed: entered before, or just now by us.
    fn awaits_exec_tran(&self) -> bool {
        self.keys.is_some() || self.order.state == OrderState::Entered
    }
}

/// Whether the shopper takes part in a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Presence {
    /// At the checkout: 3-D Secure 2.0 is asked for, and passed in the browser.
    Shopper,
    /// Not there (a subscription, usage billing): no 3-D Secure (`TdFlag=0`), where the shop's
    /// contract allows it.
    OffSession,
}

/// Whether GMO's transaction is the one this order's EntryTran registers: unprocessed (this
/// order's ExecTran has not run), with its amount, tax and job (SearchTrade answers EntryTran's
/// job while the transaction is unprocessed).
fn entered_for(order: &Order, trade: &crate::api::TradeState) -> bool {
    trade.status == crate::values::Status::Unprocessed
        && trade.amount == order.amount
        && trade.tax == order.tax
        && trade.job_cd == order.job
}

/// Refuses a confirmation by `method` of an order already paid (or being paid) by another.
fn same_method(order: &Order, method: Method) -> Result<(), PaymentError> {
    match order.method {
        Some(chosen) if chosen != method => {
            Err(PaymentError::MethodAlreadyChosen { method: chosen })
        }
        _ => Ok(()),
    }
}

/// The state of an order whose payment has ended, when it has: paying again takes a new order.
fn closed(order: &Order) -> Option<OrderState> {
    use OrderState::*;
    matches!(order.state, Failed | Expired | Reversing | Reversed).then_some(order.state)
}
