//! Orders: what the merchant's store keeps about each payment, and the state machine that makes
//! every money-moving GMO call run at most once.
//!
//! ```text
//! Prepared ─claim─▶ Entering ─EntryTran─▶ Entered ─claim─▶ Executing ─ExecTran─┬▶ Authorized | Captured | Verified
//!                     └──────EntryTran, claim (one write)─────────▶┘            ├▶ AwaitingThreeDs ─claim─▶ Finalizing ─SecureTran2─▶ Authorized | Captured | Verified
//!                                                                              └▶ Failed
//! Verified ─claim─▶ Registering ─TradedCard─▶ CardRegistered | Failed   (card registration with 3-D Secure)
//! Authorized ─claim─▶ Capturing ─SALES─▶ Captured
//! Authorized | Captured ─claim─▶ Voiding ─VOID─▶ Voided
//! Authorized | Captured ─claim─▶ Refunding ─RETURN/RETURNX─▶ Refunded
//! Authorized | Captured ─claim─▶ ChangingAmount ─ChangeTran─▶ Authorized | Captured
//! Prepared | Entered | AwaitingThreeDs ─(abandoned, reconciliation)─▶ Expired
//! Failed | Expired ─(GMO charged it after all)─claim─▶ Reversing ─VOID/RETURN/RETURNX─▶ Reversed
//! ```
//!
//! When ExecTran follows EntryTran at once (a checkout, an off-session charge, a card
//! registration), the keys EntryTran answered are written by the claim of ExecTran: one write
//! where two would record the same thing. A crash between the two calls leaves the `Entering`
//! claim, which reconciliation settles with SearchTrade like any other.
//!
//! A claim whose call GMO shows not to have taken effect fails only on a second such reading, a
//! reconciliation age after the first ([`Order::gmo_unconfirmed_at`]): GMO may still commit a
//! call after the client gave up on it. If it commits later still, the order is failed and GMO
//! has a charge; the core then reverses that charge (or, as a setting, keeps it and the order
//! becomes authorised): see [`UnexpectedCharge`](crate::flow::UnexpectedCharge).
//!
//! The *claim* states (`Entering`, `Executing`, `Finalizing`, `Registering`, `Capturing`,
//! `Voiding`, `Refunding`, `ChangingAmount`) are entered by a compare-and-set before the GMO call:
//! only the winner of the claim makes the call. An order left in a claim state (a crash, a timeout
//! with an unknown outcome) is settled by reconciliation with SearchTrade, never by calling again
//! blind.

use std::fmt;

use time::OffsetDateTime;

use crate::api::Tds2Data;
use crate::customer::CustomerId;
use crate::error::ErrorKind;
use crate::secret::AccessPass;
use crate::values::{AccessId, Amount, CardSeq, JobCd, Method, OrderId, Status, Tax};

/// Why an order exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A purchase: an authorisation (and capture) of the order's amount.
    Purchase,
    /// A card registration verified by 3-D Secure: a `CHECK` transaction whose card is then
    /// attached to the customer's GMO member with TradedCard (for a replacement, the replaced
    /// card is then deleted).
    CardRegistration,
}

macro_rules! order_states {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, claim = $claim:literal, terminal = $terminal:literal;)*) => {
        /// Where an order stands. See the [module docs](self) for the diagram.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum OrderState {
            $($(#[$doc])* $variant,)*
        }

        impl OrderState {
            /// Every state, in diagram order.
            pub const ALL: &'static [OrderState] = &[$(Self::$variant,)*];

            /// A stable snake_case name, e.g. `awaiting_three_ds` (what stores persist).
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// Parses [`OrderState::as_str`].
            pub fn parse(name: &str) -> Option<Self> {
                match name { $($name => Some(Self::$variant),)* _ => None }
            }

            /// Whether a GMO call may be in flight (or its outcome unknown) in this state.
            pub fn is_claim(self) -> bool {
                match self { $(Self::$variant => $claim,)* }
            }

            /// Whether nothing more will happen to the order.
            pub fn is_terminal(self) -> bool {
                match self { $(Self::$variant => $terminal,)* }
            }

            /// Whether reconciliation must look at an order standing still in this state: every
            /// state but the terminal ones and the settled payments (`Authorized`, `Captured`),
            /// which only change when the merchant acts (and notifications keep them in step).
            pub fn needs_settling(self) -> bool {
                !self.is_terminal() && !matches!(self, Self::Authorized | Self::Captured)
            }

            /// Whether reconciliation settles an order in this state before the others: a
            /// money-moving GMO call was made or may be in flight (every claim, an order at the
            /// issuer's page, a checked card not yet attached). Orders that never got that far
            /// (`Prepared`, `Entered`) only expire, and wait behind them.
            pub fn settles_first(self) -> bool {
                self.needs_settling() && !matches!(self, Self::Prepared | Self::Entered)
            }
        }
    };
}

order_states! {
    /// Stored by the merchant's server with its amount; no GMO call yet.
    Prepared = "prepared", claim = false, terminal = false;
    /// Claimed for EntryTran.
    Entering = "entering", claim = true, terminal = false;
    /// EntryTran done: AccessID and AccessPass are known.
    Entered = "entered", claim = false, terminal = false;
    /// Claimed for ExecTran.
    Executing = "executing", claim = true, terminal = false;
    /// ExecTran asked for 3-D Secure: the browser is at the issuer's ACS.
    AwaitingThreeDs = "awaiting_three_ds", claim = false, terminal = false;
    /// Claimed for SecureTran2.
    Finalizing = "finalizing", claim = true, terminal = false;
    /// A card registration passed its validity check (`CHECK`); the card is not attached yet.
    Verified = "verified", claim = false, terminal = false;
    /// Claimed for TradedCard.
    Registering = "registering", claim = true, terminal = false;
    /// The card is attached to the customer's member.
    CardRegistered = "card_registered", claim = false, terminal = true;
    /// Authorised (`AUTH`), not captured.
    Authorized = "authorized", claim = false, terminal = false;
    /// Claimed for AlterTran `SALES`.
    Capturing = "capturing", claim = true, terminal = false;
    /// Captured (`CAPTURE` or `SALES`).
    Captured = "captured", claim = false, terminal = false;
    /// Claimed for AlterTran `VOID`.
    Voiding = "voiding", claim = true, terminal = false;
    /// Voided (`VOID`).
    Voided = "voided", claim = false, terminal = true;
    /// Claimed for AlterTran `RETURN`/`RETURNX`.
    Refunding = "refunding", claim = true, terminal = false;
    /// Refunded (`RETURN`/`RETURNX`).
    Refunded = "refunded", claim = false, terminal = true;
    /// Claimed for ChangeTran.
    ChangingAmount = "changing_amount", claim = true, terminal = false;
    /// Nothing was charged: declined, 3-D Secure failed, or a bad token. Prepare a new order to
    /// try again.
    Failed = "failed", claim = false, terminal = true;
    /// Abandoned before anything was charged (closed tab, never confirmed).
    Expired = "expired", claim = false, terminal = true;
    /// Claimed for AlterTran `VOID`/`RETURN`/`RETURNX` of a charge GMO made for a failed or
    /// expired order (a call that GMO finished after the order was given up).
    Reversing = "reversing", claim = true, terminal = false;
    /// The charge GMO made for a failed or expired order is voided or refunded.
    Reversed = "reversed", claim = false, terminal = true;
}

impl OrderState {
    /// Whether the flows may move an order from `self` to `next`: every step they take is checked
    /// against it before its compare-and-set. Recording what GMO says (settling against
    /// SearchTrade) may go further, to any state GMO's status means. Stores need not check it.
    pub fn can_become(self, next: OrderState) -> bool {
        use OrderState::*;
        matches!(
            (self, next),
            (Prepared, Entering | Expired)
                | (Entering, Entered | Executing | Prepared | Failed)
                | (Entered, Executing | Expired)
                | (
                    Executing,
                    Authorized | Captured | Verified | AwaitingThreeDs | Failed | Entered
                )
                | (AwaitingThreeDs, Finalizing | Failed | Expired)
                | (
                    Finalizing,
                    Authorized | Captured | Verified | Failed | AwaitingThreeDs
                )
                | (Verified, Registering)
                | (Registering, CardRegistered | Verified | Failed)
                | (Authorized, Capturing | Voiding | Refunding | ChangingAmount)
                | (Capturing, Captured | Authorized)
                | (Captured, Voiding | Refunding | ChangingAmount)
                | (Voiding, Voided | Authorized | Captured)
                | (Refunding, Refunded | Authorized | Captured)
                | (ChangingAmount, Authorized | Captured)
                | (Failed | Expired, Reversing)
                | (Reversing, Reversed | Failed)
        )
    }

    /// The settled state that a GMO status means for an order of `purpose`, when it is one.
    pub fn from_gmo_status(status: &Status, purpose: Purpose) -> Option<Self> {
        Some(match status {
            Status::Check if purpose == Purpose::CardRegistration => Self::Verified,
            Status::Auth | Status::Sauth => Self::Authorized,
            Status::Capture | Status::Sales => Self::Captured,
            Status::Void => Self::Voided,
            Status::Return | Status::ReturnX => Self::Refunded,
            _ => return None,
        })
    }
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an order failed, as GMO said it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    /// The classification of the error.
    pub kind: ErrorKind,
    /// GMO's `ErrCode` list, `|`-joined as GMO sends it.
    pub err_code: String,
    /// GMO's `ErrInfo` list, `|`-joined as GMO sends it.
    pub err_info: String,
}

/// One order as the merchant's store keeps it. It never holds card data or a card token;
/// `access_pass` is a secret (it authorises refunds) and must be protected like a password.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Order {
    /// GMO's `OrderID`, chosen by us, unique per shop forever.
    pub order_id: OrderId,
    /// Whose order it is.
    pub customer_id: CustomerId,
    /// Purchase or card registration.
    pub purpose: Purpose,
    /// The job asked of GMO: `AUTH` or `CAPTURE` for purchases, `CHECK` for registrations.
    pub job: JobCd,
    /// Amount in yen, decided by the merchant's server.
    pub amount: Amount,
    /// Tax and shipping in yen (`Tax`).
    pub tax: Tax,
    /// Where the order stands.
    pub state: OrderState,
    /// How many times the order was updated: 0 when prepared, one more with every
    /// [`update_order`](crate::store::PaymentStore::update_order). The compare-and-set compares
    /// it, so that a copy read before any other update, whatever its state, can never be written.
    pub version: u64,
    /// GMO's transaction id, after EntryTran.
    pub access_id: Option<AccessId>,
    /// GMO's transaction password, after EntryTran. Secret.
    pub access_pass: Option<AccessPass>,
    /// The saved card used to pay, or the card registered by a registration. A card
    /// replacement's registration names the card it replaces here until its card is saved.
    pub card_seq: Option<CardSeq>,
    /// The status GMO last confirmed.
    pub gmo_status: Option<Status>,
    /// GMO's `TranID` of the last operation.
    pub tran_id: Option<String>,
    /// The approval number (`Approve`), verbatim (it may start with a space).
    pub approve: Option<String>,
    /// The card company routing code (`Forward`).
    pub forward: Option<String>,
    /// The issuer's 3-D Secure page while `AwaitingThreeDs`, so that a repeated confirmation
    /// answers the same redirect.
    pub redirect_url: Option<String>,
    /// The new amount while `ChangingAmount`.
    pub pending_amount: Option<Amount>,
    /// Why the order failed, or the last error GMO gave.
    pub failure: Option<Failure>,
    /// When the order was prepared.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the order last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When reconciliation first found that GMO had not acted on this order's stale claim: the
    /// claim fails only if GMO still has not a reconciliation age later.
    #[serde(with = "time::serde::rfc3339::option")]
    pub gmo_unconfirmed_at: Option<OffsetDateTime>,
    /// The card-testing throttle's hold on this order's card attempt, from the checkout until
    /// the attempt's outcome is known: whichever path settles the order ends it, once.
    pub card_attempt: Option<crate::guard::AttemptTicket>,
    /// How the shopper pays (`Method`, `PayTimes`): chosen at checkout and fixed by the claim of
    /// ExecTran (a retried or concurrent confirmation cannot change it), then what GMO echoed
    /// once the payment is authorised. `None` before the checkout and for card registrations.
    #[serde(default)]
    pub method: Option<Method>,
    /// The shopper's 3-D Secure 2.0 risk data (`Tds2*`), kept from
    /// [`prepare_order`](crate::flow::Payments::prepare_order) for the ExecTran of the
    /// checkout, which may run later on another instance. Personal data (never card data):
    /// `Debug` shows field names only. Empty when the merchant gave none.
    #[serde(default)]
    pub risk_data: Tds2Data,
}

impl Order {
    /// A new order in `Prepared`, created now.
    pub fn prepared(
        order_id: OrderId,
        customer_id: CustomerId,
        purpose: Purpose,
        job: JobCd,
        amount: Amount,
        tax: Tax,
    ) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            order_id,
            customer_id,
            purpose,
            job,
            amount,
            tax,
            state: OrderState::Prepared,
            version: 0,
            access_id: None,
            access_pass: None,
            card_seq: None,
            gmo_status: None,
            tran_id: None,
            approve: None,
            forward: None,
            redirect_url: None,
            pending_amount: None,
            failure: None,
            created_at: now,
            updated_at: now,
            gmo_unconfirmed_at: None,
            card_attempt: None,
            method: None,
            risk_data: Tds2Data::new(),
        }
    }

    /// The charged total, `amount + tax`.
    pub fn total(&self) -> u64 {
        u64::from(self.amount.yen()) + u64::from(self.tax.yen())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for &state in OrderState::ALL {
            assert_eq!(OrderState::parse(state.as_str()), Some(state));
            assert!(seen.insert(state.as_str()));
        }
        assert_eq!(OrderState::parse("nonsense"), None);
    }

    #[test]
    fn terminal_states_go_nowhere_and_claims_resolve() {
        for &from in OrderState::ALL {
            let nexts: Vec<_> = OrderState::ALL
                .iter()
                .filter(|&&to| from.can_become(to))
                .collect();
            if from.is_terminal() {
                // Only a charge GMO made after all moves a closed order: it is reversed.
                let reopened = matches!(from, OrderState::Failed | OrderState::Expired);
                let expected: &[&OrderState] = if reopened {
                    &[&OrderState::Reversing]
                } else {
                    &[]
                };
                assert_eq!(nexts, expected, "{from} is terminal but can move");
            } else {
                assert!(!nexts.is_empty(), "{from} is stuck");
            }
            assert!(!from.can_become(from), "{from} -> itself");
            if from.is_claim() {
                // Only a claim's owner settles it: it never leads to another claim, but for
                // EntryTran's owner, who claims ExecTran in the write that records EntryTran.
                let chained: Vec<_> = nexts.iter().filter(|to| to.is_claim()).collect();
                let expected: &[&&OrderState] = if from == OrderState::Entering {
                    &[&&OrderState::Executing]
                } else {
                    &[]
                };
                assert_eq!(chained, expected, "{from} chains claims");
            }
        }
    }

    #[test]
    fn every_money_move_goes_through_a_claim() {
        use OrderState::*;
        for (from, to) in [
            (Entered, Authorized),
            (AwaitingThreeDs, Captured),
            (Authorized, Captured),
            (Captured, Refunded),
            (Authorized, Voided),
            (Verified, CardRegistered),
        ] {
            assert!(!from.can_become(to), "{from} -> {to} skips its claim");
        }
    }
}
