//! Payment events: what the merchant's app acts on (send the confirmation mail, reserve stock,
//! hand the order to the warehouse), each written by the store in the same atomic write as the
//! order change it reports, so that a crash can neither lose one nor write one without its
//! change.
//!
//! The core derives them from each change it writes ([`events_between`]); the
//! [delivery loop](crate::flow::Payments::deliver_events_every) hands them to the app's
//! [`PaymentEventHandler`](crate::flow::PaymentEventHandler) at least once, in order per order,
//! and [`PaymentStore::events_after`](crate::store::PaymentStore::events_after) reads them as a
//! feed.

use std::fmt;

use time::OffsetDateTime;

use crate::customer::CustomerId;
use crate::order::{Order, OrderState, Purpose};
use crate::values::{AccessId, OrderId};

/// What happened to an order, as the merchant's app sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// The payment is authorised (money held): fulfil the order. Also when it was captured at
    /// once (a `Captured` event follows).
    Authorized,
    /// The payment is captured (sold).
    Captured,
    /// The payment is voided.
    Voided,
    /// The payment is refunded.
    Refunded,
    /// The authorised or captured amount changed (the event's amount is the new one).
    AmountChanged,
    /// The payment (or card registration) failed; nothing was charged.
    Failed,
    /// The order was abandoned; nothing was charged.
    Expired,
    /// A card registration saved its card (the event's `card_seq`).
    CardSaved,
    /// GMO holds a charge for an order that had failed or expired: it is reversed, or kept (an
    /// `Authorized` event follows), as the settings say.
    UnexpectedCharge,
    /// The unexpected charge is voided or refunded.
    Reversed,
}

impl EventKind {
    /// Every kind.
    pub const ALL: &'static [EventKind] = &[
        Self::Authorized,
        Self::Captured,
        Self::Voided,
        Self::Refunded,
        Self::AmountChanged,
        Self::Failed,
        Self::Expired,
        Self::CardSaved,
        Self::UnexpectedCharge,
        Self::Reversed,
    ];

    /// A stable snake_case name, e.g. `amount_changed` (what stores persist).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authorized => "authorized",
            Self::Captured => "captured",
            Self::Voided => "voided",
            Self::Refunded => "refunded",
            Self::AmountChanged => "amount_changed",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::CardSaved => "card_saved",
            Self::UnexpectedCharge => "unexpected_charge",
            Self::Reversed => "reversed",
        }
    }

    /// Parses [`EventKind::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event. `id` is unique: a handler that may see an event twice (delivery is at least
/// once) uses it to act once.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaymentEvent {
    /// Unique: `ev` and 30 lowercase hex digits.
    pub id: String,
    /// The order.
    pub order_id: OrderId,
    /// Whose order.
    pub customer_id: CustomerId,
    /// Purchase or card registration.
    pub purpose: Purpose,
    /// What happened.
    pub kind: EventKind,
    /// The order's amount in yen after the change.
    pub amount: u32,
    /// Tax and shipping in yen.
    pub tax: u32,
    /// GMO's transaction id, when there is one.
    pub access_id: Option<AccessId>,
    /// GMO's `TranID` of the last operation.
    pub tran_id: Option<String>,
    /// The approval number, verbatim.
    pub approve: Option<String>,
    /// The saved card used or registered.
    pub card_seq: Option<u32>,
    /// When the change was written.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// An event as the store keeps it: its place in the feed and how its delivery goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Its place in the store's feed (increasing with each event written).
    pub seq: u64,
    /// The event.
    pub event: PaymentEvent,
    /// Failed deliveries so far.
    pub attempts: u32,
    /// When it was handed to the app's handler successfully.
    pub delivered_at: Option<OffsetDateTime>,
}

/// The events that writing `to` over `from` means: none for claims and their undoing.
pub fn events_between(from: &Order, to: &Order) -> Vec<PaymentEvent> {
    use OrderState::*;
    let paid = |s: OrderState| matches!(s, Authorized | Captured);
    // Claims entered from a paid order: returning from them is not a new payment.
    let was_paid =
        paid(from.state) || matches!(from.state, Capturing | Voiding | Refunding | ChangingAmount);
    let mut kinds = Vec::new();
    if from.state == to.state {
        return Vec::new();
    }
    let reopened = matches!(from.state, Failed | Expired);
    if reopened && (paid(to.state) || to.state == Reversing) {
        kinds.push(EventKind::UnexpectedCharge);
    }
    if paid(to.state) && !was_paid {
        kinds.push(EventKind::Authorized);
    }
    // Not when a captured order comes back from a void, refund or amount change.
    if to.state == Captured && !matches!(from.state, Voiding | Refunding | ChangingAmount) {
        kinds.push(EventKind::Captured);
    }
    if from.state == ChangingAmount && paid(to.state) && to.amount != from.amount {
        kinds.push(EventKind::AmountChanged);
    }
    kinds.extend(match to.state {
        Voided => Some(EventKind::Voided),
        Refunded => Some(EventKind::Refunded),
        Reversed => Some(EventKind::Reversed),
        Failed if from.state != Reversing => Some(EventKind::Failed),
        Expired => Some(EventKind::Expired),
        CardRegistered => Some(EventKind::CardSaved),
        _ => None,
    });
    kinds
        .into_iter()
        .map(|kind| PaymentEvent {
            id: format!("ev{:030x}", rand::random::<u128>() >> 8),
            order_id: to.order_id.clone(),
            customer_id: to.customer_id.clone(),
            purpose: to.purpose,
            kind,
            amount: to.amount.yen(),
            tax: to.tax.yen(),
            access_id: to.access_id.clone(),
            tran_id: to.tran_id.clone(),
            approve: to.approve.clone(),
            card_seq: to.card_seq.map(|seq| u32::from(seq.get())),
            at: to.updated_at,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::JobCd;

    fn order(state: OrderState) -> Order {
        let mut o = Order::prepared(
            OrderId::new("o-1").unwrap(),
            CustomerId::new("c").unwrap(),
            Purpose::Purchase,
            JobCd::Auth,
            crate::values::Amount::new(1000).unwrap(),
            crate::values::Tax::default(),
        );
        o.state = state;
        o
    }

    fn kinds(from: OrderState, to: OrderState) -> Vec<EventKind> {
        events_between(&order(from), &order(to))
            .into_iter()
            .map(|e| e.kind)
            .collect()
    }

    #[test]
    fn each_change_that_matters_makes_its_events() {
        use EventKind as E;
        use OrderState::*;
        assert_eq!(kinds(Finalizing, Authorized), [E::Authorized]);
        assert_eq!(kinds(Executing, Captured), [E::Authorized, E::Captured]);
        assert_eq!(kinds(AwaitingThreeDs, Authorized), [E::Authorized]);
        assert_eq!(kinds(Capturing, Captured), [E::Captured]);
        assert_eq!(kinds(Authorized, Captured), [E::Captured]);
        assert_eq!(kinds(Voiding, Voided), [E::Voided]);
        assert_eq!(kinds(Voiding, Captured), []);
        assert_eq!(kinds(Refunding, Refunded), [E::Refunded]);
        assert_eq!(kinds(Executing, Failed), [E::Failed]);
        assert_eq!(kinds(AwaitingThreeDs, Expired), [E::Expired]);
        assert_eq!(kinds(Registering, CardRegistered), [E::CardSaved]);
        assert_eq!(kinds(Failed, Reversing), [E::UnexpectedCharge]);
        assert_eq!(
            kinds(Expired, Authorized),
            [E::UnexpectedCharge, E::Authorized]
        );
        assert_eq!(kinds(Reversing, Reversed), [E::Reversed]);
        let mut changing = order(ChangingAmount);
        changing.amount = crate::values::Amount::new(1000).unwrap();
        let mut changed = order(Authorized);
        changed.amount = crate::values::Amount::new(800).unwrap();
        let events = events_between(&changing, &changed);
        assert_eq!(events.len(), 1);
        assert_eq!((events[0].kind, events[0].amount), (E::AmountChanged, 800));
    }

    #[test]
    fn claims_and_their_undoing_make_none() {
        use OrderState::*;
        for (from, to) in [
            (Prepared, Entering),
            (Entered, Executing),
            (Executing, AwaitingThreeDs),
            (AwaitingThreeDs, Finalizing),
            (Authorized, Capturing),
            (Capturing, Authorized),
            (Voiding, Captured),
            (ChangingAmount, Authorized),
            (Reversing, Failed),
            (Executing, Executing),
        ] {
            assert_eq!(kinds(from, to), [], "{from} -> {to}");
        }
    }

    #[test]
    fn ids_are_unique_and_names_round_trip() {
        let a = events_between(
            &order(OrderState::Finalizing),
            &order(OrderState::Authorized),
        );
        let b = events_between(
            &order(OrderState::Finalizing),
            &order(OrderState::Authorized),
        );
        assert_ne!(a[0].id, b[0].id);
        assert_eq!(a[0].id.len(), 32);
        for &kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
    }
}
