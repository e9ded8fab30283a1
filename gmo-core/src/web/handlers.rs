//! One function per route: what a handler does once the adapter has extracted the request's
//! parts. Each reads the body, runs one flow of [`Payments`] (with the throttle, when the
//! request has one), logs a refusal, and answers a value the adapter turns into a response.

use std::net::IpAddr;

use serde::Serialize;

use super::attempts::{AttemptKind, AttemptOutcome, CardAttempts};
use super::body::{card_request, checkout_request, no_fields_request};
use super::error::log_refusal;
use super::{NotificationRoute, Refusal, RouteError};
use crate::PaymentError;
use crate::customer::CustomerId;
use crate::flow::{
    Card, CardRegistration, Completion, Confirmation, NotificationAck, Payments, ThreeDsReturn,
};
use crate::guard::AttemptTicket;
use crate::values::CardSeq;
use crate::values::OrderId;

/// The answer of `GET /cards`: `{"cards": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardList {
    /// The customer's saved cards.
    pub cards: Vec<Card>,
}

/// The handler's answer: a refusal is logged, and told under the payments' policy.
fn answered<T>(
    payments: &Payments,
    route: &'static str,
    result: Result<T, RouteError>,
) -> Result<T, Refusal> {
    result.map_err(|e| {
        log_refusal(route, &e);
        Refusal::new(e, payments.message_policy())
    })
}

/// Runs a card-taking flow under the request's card-testing throttle, if it has one: the
/// attempt is begun (refused when over a limit), and either kept with the order as its ticket
/// (`run` gets it, and whichever path settles the order counts the outcome) or, when the
/// payments settle another throttle, counted here once `run` answers.
async fn throttled<T, Fut>(
    payments: &Payments,
    customer: &CustomerId,
    kind: AttemptKind,
    attempts: Option<&CardAttempts>,
    run: impl FnOnce(Option<AttemptTicket>) -> Fut,
) -> Result<Result<T, PaymentError>, RouteError>
where
    T: AttemptOutcome,
    Fut: Future<Output = Result<T, PaymentError>>,
{
    let Some(attempts) = attempts else {
        return Ok(run(None).await);
    };
    match attempts
        .begin(customer, kind)
        .await?
        .ticket_for(payments, attempts)
    {
        Ok(ticket) => Ok(run(Some(ticket)).await),
        Err(attempt) => {
            let result = run(None).await;
            attempt.finish(&result).await;
            Ok(result)
        }
    }
}

/// `GET /cards`.
pub async fn list_cards(payments: &Payments, customer: &CustomerId) -> Result<CardList, Refusal> {
    let result = payments
        .cards(customer)
        .await
        .map(|cards| CardList { cards });
    answered(payments, "list_cards", result.map_err(RouteError::from))
}

/// `POST /cards`: registers a card from the token in `body`.
pub async fn register_card(
    payments: &Payments,
    customer: &CustomerId,
    content_type: Option<&str>,
    body: &[u8],
    attempts: Option<&CardAttempts>,
) -> Result<CardRegistration, Refusal> {
    let run = async {
        let token = card_request(content_type, body)?;
        let result = throttled(
            payments,
            customer,
            AttemptKind::NewCard,
            attempts,
            |ticket| async move {
                match ticket {
                    Some(ticket) => {
                        payments
                            .register_card_attempt(customer, token, ticket)
                            .await
                    }
                    None => payments.register_card(customer, token).await,
                }
            },
        )
        .await?;
        Ok(result?)
    };
    answered(payments, "register_card", run.await)
}

/// `PUT /cards/{card_seq}`: replaces the customer's card with the card behind the token in
/// `body` ([`Payments::replace_card`]). A card number that cannot be one, or that is not the
/// customer's, is `not_found`, found before the token is used.
pub async fn replace_card(
    payments: &Payments,
    customer: &CustomerId,
    card_seq: &str,
    content_type: Option<&str>,
    body: &[u8],
    attempts: Option<&CardAttempts>,
) -> Result<CardRegistration, Refusal> {
    let run = async {
        let seq = parse_card_seq(card_seq)?;
        let token = card_request(content_type, body)?;
        let result = throttled(
            payments,
            customer,
            AttemptKind::NewCard,
            attempts,
            |ticket| async move {
                match ticket {
                    Some(ticket) => {
                        payments
                            .replace_card_attempt(customer, seq, token, ticket)
                            .await
                    }
                    None => payments.replace_card(customer, seq, token).await,
                }
            },
        )
        .await?;
        Ok(result?)
    };
    answered(payments, "replace_card", run.await)
}

/// `PUT`/`POST /cards/{card_seq}/default`: makes the customer's card the default and answers
/// it. The body carries nothing (a form's CSRF field is ignored) but is read by the same rules
/// as the others. A card number that cannot be one, or that is not the customer's, is
/// `not_found`.
pub async fn set_default_card(
    payments: &Payments,
    customer: &CustomerId,
    card_seq: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Card, Refusal> {
    let run = async {
        let seq = parse_card_seq(card_seq)?;
        no_fields_request(content_type, body)?;
        Ok(payments.set_default_card(customer, seq).await?)
    };
    answered(payments, "set_default_card", run.await)
}

/// A card number from the path; one that cannot be one names no card.
fn parse_card_seq(card_seq: &str) -> Result<CardSeq, PaymentError> {
    card_seq.parse().map_err(|_| PaymentError::NotFound)
}

/// `DELETE /cards/{card_seq}`. A card number that cannot be one is `not_found`.
pub async fn delete_card(
    payments: &Payments,
    customer: &CustomerId,
    card_seq: &str,
) -> Result<(), Refusal> {
    let run = async {
        let seq = parse_card_seq(card_seq)?;
        Ok(payments.delete_card(customer, seq).await?)
    };
    answered(payments, "delete_card", run.await)
}

/// `POST /checkout/{order_id}`: confirms the customer's prepared order with the token or saved
/// card in `body`. An order id that cannot be one is `not_found`, like another customer's.
pub async fn checkout(
    payments: &Payments,
    customer: &CustomerId,
    order_id: &str,
    content_type: Option<&str>,
    body: &[u8],
    attempts: Option<&CardAttempts>,
) -> Result<Confirmation, Refusal> {
    let run = async {
        let order_id = OrderId::new(order_id).map_err(|_| PaymentError::NotFound)?;
        let checkout = checkout_request(content_type, body)?;
        let order_id = &order_id;
        let result = throttled(
            payments,
            customer,
            AttemptKind::Payment,
            attempts,
            |ticket| async move {
                match ticket {
                    Some(ticket) => {
                        payments
                            .confirm_attempt(customer, order_id, checkout, ticket)
                            .await
                    }
                    None => payments.confirm(customer, order_id, checkout).await,
                }
            },
        )
        .await?;
        Ok(result?)
    };
    answered(payments, "checkout", run.await)
}

/// `POST`/`GET /3ds/{order_id}`: the browser's return from 3-D Secure, as
/// [`read_three_ds_return`](super::three_ds::read_three_ds_return) read it. Answers where to
/// send the browser (a 303). The card attempt's outcome is counted by the flow that settles the
/// order (see [`super::attempts`]).
pub async fn three_ds_return(
    payments: &Payments,
    ret: ThreeDsReturn,
) -> Result<Completion, Refusal> {
    let run = async { Ok(payments.complete_three_ds(ret).await?) };
    answered(payments, "three_ds_return", run.await)
}

/// `POST /notify`: GMO's result notification from `peer` (the connection's address) with these
/// `X-Forwarded-For` values, under `route`'s settings. A source outside the allowed networks is
/// refused before the body is read. `Ok` means answer [`NotificationAck::BODY`].
pub async fn notification<'a>(
    payments: &Payments,
    route: &NotificationRoute,
    peer: Option<IpAddr>,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    body: &[u8],
) -> Result<NotificationAck, Refusal> {
    let run = async {
        route
            .check(peer, forwarded_for)
            .map_err(RouteError::SourceRefused)?;
        if body.len() > super::body::MAX_BODY_BYTES {
            return Err(super::body::BodyError::TooLarge {
                limit: super::body::MAX_BODY_BYTES,
            }
            .into());
        }
        Ok(payments
            .handle_notification_with(body, route.notification_policy())
            .await?)
    };
    answered(payments, "notify", run.await)
}
