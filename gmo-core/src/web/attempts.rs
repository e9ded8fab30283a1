//! The card-testing throttle applied to one request: which customer and address an attempt
//! counts against, and what counts as a failure.
//!
//! A *card attempt* is a card registration (`POST /cards`) or a checkout
//! (`POST /checkout/{order_id}`), admitted against the customer and the client's address. When
//! the payments handle has the same throttle ([`PaymentsBuilder::card_testing`]), the attempt is
//! handed to its order: it keeps its slot while the shopper is at the issuer's page, and
//! whichever path learns the outcome (this request, the 3-D Secure return, GMO's notification,
//! reconciliation, on any instance) ends it once, counting a failure when the card was declined,
//! unusable or failed 3-D Secure. Without it, the request ends the attempt by its own answer and
//! an outcome learnt later is not counted. Anything that is not the card's fault (the gateway is
//! down, the order is closed, a malformed body) is never counted.
//!
//! [`PaymentsBuilder::card_testing`]: crate::flow::PaymentsBuilder::card_testing

use std::net::IpAddr;

use crate::Payments;
use crate::customer::CustomerId;
use crate::flow::{CardRegistration, Confirmation, PaymentError};
use crate::guard::{AttemptPermit, AttemptTicket, CardTestingThrottle, Throttled};

/// What kind of card attempt a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptKind {
    /// A payment with a new or saved card.
    Payment,
    /// A new card for the customer (also counted against the new-cards limit).
    NewCard,
}

/// The throttle and the client's address, for one request. The adapters' throttle layers put it
/// in the request; the route handlers take it from there.
#[derive(Debug, Clone)]
pub struct CardAttempts {
    throttle: CardTestingThrottle,
    client_ip: Option<IpAddr>,
}

impl CardAttempts {
    /// The throttle, for a request from `client_ip` (`None` when unknown: customers only).
    pub fn new(throttle: CardTestingThrottle, client_ip: Option<IpAddr>) -> Self {
        Self {
            throttle,
            client_ip,
        }
    }

    /// The client's address, as the layer resolved it.
    pub fn client_ip(&self) -> Option<IpAddr> {
        self.client_ip
    }

    /// The throttle.
    pub fn throttle(&self) -> &CardTestingThrottle {
        &self.throttle
    }

    /// Whether the client's address is blocked now (a cheap early check, before the body is
    /// read; the attempt itself is admitted by [`CardAttempts::begin`]).
    pub async fn check_address(&self) -> Result<(), Throttled> {
        self.throttle.check_attempt(None, self.client_ip).await
    }

    /// Admits an attempt of `customer` from this request's address, or refuses it.
    pub async fn begin(
        &self,
        customer: &CustomerId,
        kind: AttemptKind,
    ) -> Result<Attempt, Throttled> {
        let permit = self
            .throttle
            .try_begin_attempt(Some(customer.as_str()), self.client_ip)
            .await?;
        if kind == AttemptKind::NewCard
            && let Err(throttled) = self.throttle.try_acquire_new_card(customer.as_str()).await
        {
            // Not attempted: the slot is given back without a failure.
            permit.release().await;
            return Err(throttled);
        }
        Ok(Attempt { permit })
    }
}

/// An admitted attempt: say how it ended with [`Attempt::finish`].
#[derive(Debug)]
#[must_use = "an attempt dropped unfinished counts as a failure"]
pub struct Attempt {
    permit: AttemptPermit,
}

impl Attempt {
    /// Hands the attempt to the flow when `payments` settles attempts of this throttle
    /// ([`PaymentsBuilder::card_testing`](crate::flow::PaymentsBuilder::card_testing)); else
    /// gives it back, to be ended by [`Attempt::finish`].
    pub fn ticket_for(
        self,
        payments: &Payments,
        attempts: &CardAttempts,
    ) -> Result<AttemptTicket, Self> {
        match payments.card_testing() {
            Some(throttle) if throttle.is_same(&attempts.throttle) => Ok(self.permit.into_ticket()),
            _ => Err(self),
        }
    }

    /// Settles the attempt from the flow's answer: a card failure counts, a 3-D Secure redirect
    /// releases the slot (the return counts its outcome), anything else frees it.
    pub async fn finish<T: AttemptOutcome>(self, result: &Result<T, PaymentError>) {
        match result {
            Err(e) if is_card_failure(e) => self.permit.failed().await,
            Ok(answer) if answer.awaits_three_ds() => self.permit.release().await,
            _ => self.permit.succeeded().await,
        }
    }
}

/// Whether a flow error is the card's failure (what the throttle counts).
pub fn is_card_failure(error: &PaymentError) -> bool {
    error.is_card_failure()
}

/// A flow answer that may send the browser to 3-D Secure.
pub trait AttemptOutcome {
    /// Whether the outcome is decided later, at the 3-D Secure return.
    fn awaits_three_ds(&self) -> bool;
}

impl AttemptOutcome for Confirmation {
    fn awaits_three_ds(&self) -> bool {
        matches!(self, Confirmation::RedirectTo { .. })
    }
}

impl AttemptOutcome for CardRegistration {
    fn awaits_three_ds(&self) -> bool {
        matches!(self, CardRegistration::RedirectTo { .. })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::guard::{Limit, ManualClock, Scope, ThrottleConfig};

    fn attempts(config: ThrottleConfig) -> CardAttempts {
        let throttle = CardTestingThrottle::with_clock(config, Arc::new(ManualClock::new()));
        CardAttempts::new(throttle, Some("198.51.100.7".parse().unwrap()))
    }

    fn declined() -> Result<Confirmation, PaymentError> {
        Err(PaymentError::Declined {
            code: "42G020000".into(),
        })
    }

    #[tokio::test]
    async fn card_failures_count_and_other_outcomes_do_not() {
        let attempts = attempts(ThrottleConfig::default());
        let alice = CustomerId::new("alice").unwrap();
        for _ in 0..20 {
            let attempt = attempts.begin(&alice, AttemptKind::Payment).await.unwrap();
            attempt
                .finish::<Confirmation>(&Err(PaymentError::GatewayUnavailable))
                .await;
            let attempt = attempts.begin(&alice, AttemptKind::Payment).await.unwrap();
            attempt
                .finish(&Ok(Confirmation::RedirectTo {
                    order_id: crate::values::OrderId::new("o1").unwrap(),
                    url: "http://acs".into(),
                }))
                .await;
        }
        for _ in 0..5 {
            attempts
                .begin(&alice, AttemptKind::Payment)
                .await
                .unwrap()
                .finish(&declined())
                .await;
        }
        let refused = attempts
            .begin(&alice, AttemptKind::Payment)
            .await
            .unwrap_err();
        assert_eq!(refused.scope, Scope::Customer);
        // Another customer from the same address still gets through, until the address limit.
        let bob = CustomerId::new("bob").unwrap();
        for _ in 0..5 {
            attempts
                .begin(&bob, AttemptKind::Payment)
                .await
                .unwrap()
                .finish(&declined())
                .await;
        }
        // Two customers' failures fill the address, but a third, clean customer still pays.
        let carol = CustomerId::new("carol").unwrap();
        attempts
            .begin(&carol, AttemptKind::Payment)
            .await
            .unwrap()
            .finish(&declined())
            .await;
        // Failures from three customers: the address is blocked for everyone.
        let dave = CustomerId::new("dave").unwrap();
        let refused = attempts
            .begin(&dave, AttemptKind::Payment)
            .await
            .unwrap_err();
        assert_eq!(refused.scope, Scope::Ip);
        assert!(attempts.check_address().await.is_err());
    }

    #[tokio::test]
    async fn new_cards_are_limited_and_refusals_cost_no_failure() {
        let attempts = attempts(ThrottleConfig {
            new_cards_per_customer: Some(Limit::new(2, std::time::Duration::from_secs(60))),
            ..ThrottleConfig::default()
        });
        let alice = CustomerId::new("alice").unwrap();
        for _ in 0..2 {
            attempts
                .begin(&alice, AttemptKind::NewCard)
                .await
                .unwrap()
                .finish::<CardRegistration>(&Err(PaymentError::GatewayUnavailable))
                .await;
        }
        for _ in 0..10 {
            let refused = attempts
                .begin(&alice, AttemptKind::NewCard)
                .await
                .unwrap_err();
            assert_eq!(refused.scope, Scope::NewCards);
        }
        // The refusals counted no failure: payments still go through.
        attempts
            .begin(&alice, AttemptKind::Payment)
            .await
            .unwrap()
            .finish(&declined())
            .await;
        let locked = attempts.throttle().locked().await;
        assert_eq!(locked.len(), 1);
        assert_eq!(locked[0].scope, Scope::NewCards);
    }
}
