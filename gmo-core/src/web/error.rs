//! Errors of the payment routes and the JSON body both adapters answer them with:
//! `{"error": {"code": "…", "message": "…"}}`.
//!
//! | code | status | when |
//! |---|---|---|
//! | the [`PaymentError::reason`] | below | a flow refused (see its table) |
//! | `declined` | 402 | by default, *every* card failure: declined, card problem, 3-D Secure failed (see [`MessagePolicy`]) |
//! | `card_data_refused` | 400 | the request carried a card number or a card-detail field |
//! | `too_many_attempts` | 429 (`Retry-After`) | the card-testing throttle refused |
//! | `body_too_large` | 413 | the body is over [`MAX_BODY_BYTES`](super::body::MAX_BODY_BYTES) |
//! | `unsupported_media_type` | 415 | neither JSON nor a form |
//! | `malformed_body`, `missing_field`, `wrong_type`, `ambiguous_body`, `invalid_value`, `price_not_accepted` | 400 | see [`BodyError`] |
//! | `source_not_allowed` | 403 | a notification from outside the [allowed sources](super::NotificationRoute::sources) |
//! | `customer_id_invalid` | 500 | the merchant's [`Customer`](crate::customer::Customer) gave an invalid id |
//!
//! A flow's refusal, by [`PaymentError::reason`]:
//!
//! | reason | status |
//! |---|---|
//! | `not_found` | 404 |
//! | `invalid_state` | 409 |
//! | `in_progress` | 409 |
//! | `order_closed` | 409 |
//! | `amount_changed` | 409 |
//! | `no_default_card` | 409 |
//! | `idempotency_key_reused` | 409 |
//! | `three_d_secure_required` | 409 |
//! | `method_already_chosen` | 409 |
//! | `order_id_taken` | 409 |
//! | `declined` | 402 |
//! | `method_not_offered` | 422 |
//! | `card_problem` | 422 |
//! | `three_d_secure_failed` | 402 |
//! | `outcome_pending` | 202 |
//! | `gateway_unavailable` | 503 |
//! | `gateway_error` | 502 |
//! | `invalid_input` | 400 |
//! | `bad_notification` | 400 |
//! | `foreign_shop` | 403 |
//! | `store_error` | 500 |
//!
//! Messages are for people and may change; codes are stable. No message carries a card number,
//! a token, a secret or the issuer's reason code.

use std::borrow::Cow;

use super::body::BodyError;
use crate::error::ErrorKind;
use crate::flow::PaymentError;
use crate::guard::{CardDataFound, CustomerMessage, MessagePolicy, Throttled};
use crate::values::InvalidValue;

/// Why a request to a payment route was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// The flow refused.
    #[error(transparent)]
    Payment(#[from] PaymentError),
    /// The body cannot be used.
    #[error(transparent)]
    Body(#[from] BodyError),
    /// The request carried a card number.
    #[error(transparent)]
    CardData(#[from] CardDataFound),
    /// The card-testing throttle refused the attempt.
    #[error(transparent)]
    Throttled(#[from] Throttled),
    /// A notification came from outside the allowed source networks (`None`: the source is
    /// unknown).
    #[error("notifications are not accepted from this source")]
    SourceRefused(Option<std::net::IpAddr>),
    /// The merchant's customer type gave an id that breaks the rule.
    #[error("the signed-in customer's id is invalid: {0}")]
    CustomerId(#[source] InvalidValue),
}

/// A refused request as the browser is told it: the [`RouteError`] and the [`MessagePolicy`]
/// it is told under. The core's handlers answer it with the payments' policy
/// ([`PaymentsBuilder::message_policy`](crate::flow::PaymentsBuilder::message_policy)); the
/// adapters turn it into a response, and `?` turns any refusal of a merchant's own handler into
/// one under the default policy.
///
/// ```
/// use gmo_core::web::Refusal;
/// use gmo_core::PaymentError;
///
/// let refusal = Refusal::from(PaymentError::InProgress);
/// assert_eq!((refusal.answer().status(), refusal.answer().code()), (409, "in_progress"));
/// ```
#[derive(Debug)]
pub struct Refusal {
    error: RouteError,
    policy: MessagePolicy,
}

impl Refusal {
    /// `error`, told under `policy`.
    pub fn new(error: impl Into<RouteError>, policy: MessagePolicy) -> Self {
        Self {
            error: error.into(),
            policy,
        }
    }

    /// The error.
    pub fn error(&self) -> &RouteError {
        &self.error
    }

    /// What the browser is told.
    pub fn answer(&self) -> ErrorResponse {
        ErrorResponse::from_error(&self.error, self.policy)
    }
}

impl<E: Into<RouteError>> From<E> for Refusal {
    fn from(error: E) -> Self {
        Self::new(error, MessagePolicy::default())
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for Refusal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// The JSON error body: `{"error": {"code": "…", "message": "…"}}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The inside of an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ErrorDetail {
    /// A stable machine-readable code.
    pub code: Cow<'static, str>,
    /// A sentence for people.
    pub message: Cow<'static, str>,
}

/// An error answer: status, body and, for the throttle, `Retry-After` seconds.
///
/// ```
/// use gmo_core::web::{ErrorResponse, MessagePolicy, RouteError};
/// use gmo_core::PaymentError;
///
/// let declined = RouteError::from(PaymentError::Declined { code: "42G020000".into() });
/// let answer = ErrorResponse::from_error(&declined, MessagePolicy::default());
/// assert_eq!((answer.status(), answer.code()), (402, "declined"));
/// assert!(!answer.to_json().contains("42G02"));
/// let three_ds = RouteError::from(PaymentError::ThreeDSecureFailed { code: "E21030007".into() });
/// assert_eq!(ErrorResponse::from_error(&three_ds, MessagePolicy::default()), answer);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    status: u16,
    retry_after: Option<u64>,
    body: ErrorBody,
}

impl ErrorResponse {
    /// An error answer of the merchant's own.
    pub fn new(
        status: u16,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            retry_after: None,
            body: ErrorBody {
                error: ErrorDetail {
                    code: code.into(),
                    message: message.into(),
                },
            },
        }
    }

    /// The answer to `error` under `policy`.
    pub fn from_error(error: &RouteError, policy: MessagePolicy) -> Self {
        match error {
            RouteError::Payment(e) => Self::from_payment_error(e, policy),
            RouteError::Body(e) => Self::new(e.http_status(), e.code(), e.to_string()),
            RouteError::CardData(e) => Self::new(400, e.code(), e.to_string()),
            RouteError::Throttled(e) => {
                let message = CustomerMessage::too_many_attempts();
                let mut answer = Self::new(429, e.code(), message.en());
                answer.retry_after = Some(e.retry_after_secs());
                answer
            }
            RouteError::SourceRefused(_) => Self::new(
                403,
                "source_not_allowed",
                "notifications are not accepted from this source",
            ),
            RouteError::CustomerId(_) => Self::new(
                500,
                "customer_id_invalid",
                "the signed-in customer cannot be identified",
            ),
        }
    }

    /// The answer to a flow error under `policy`.
    pub fn from_payment_error(error: &PaymentError, policy: MessagePolicy) -> Self {
        let card_kind = match error {
            PaymentError::Declined { .. } => Some(ErrorKind::Declined),
            PaymentError::CardProblem { .. } => Some(ErrorKind::TokenProblem),
            PaymentError::ThreeDSecureFailed { .. } => Some(ErrorKind::ThreeDSecureFailed),
            _ => None,
        };
        if let Some(kind) = card_kind {
            let message = CustomerMessage::for_failure(kind, policy.reveal_decline_reason).en();
            return if policy.reveal_decline_reason {
                Self::new(payment_status(error), error.reason(), message)
            } else {
                Self::new(402, "declined", message)
            };
        }
        let message: Cow<'static, str> = match error {
            PaymentError::OutcomePending => {
                CustomerMessage::for_failure(ErrorKind::OutcomeUnknown, true)
                    .en()
                    .into()
            }
            // The source may say more than a browser should see (GMO's codes, the store's
            // driver error): the variant's own words only.
            PaymentError::Gateway(_) => "the payment gateway refused the request".into(),
            PaymentError::Store(_) => "the payment store failed".into(),
            other => other.to_string().into(),
        };
        Self::new(payment_status(error), error.reason(), message)
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.body.error.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.body.error.message
    }

    /// `Retry-After` in seconds, for throttled requests.
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    /// The body.
    pub fn body(&self) -> &ErrorBody {
        &self.body
    }

    /// The body as JSON text.
    pub fn to_json(&self) -> String {
        // A struct of strings always serialises.
        serde_json::to_string(&self.body).unwrap_or_else(|_| {
            r#"{"error":{"code":"internal","message":"internal error"}}"#.to_owned()
        })
    }
}

/// The HTTP status of a flow's refusal (the table above), before the [`MessagePolicy`] folds
/// card failures into one answer.
fn payment_status(error: &PaymentError) -> u16 {
    use PaymentError as E;
    match error {
        E::NotFound => 404,
        E::InvalidState { .. }
        | E::InProgress
        | E::OrderIdTaken
        | E::OrderClosed { .. }
        | E::AmountChanged { .. }
        | E::NoDefaultCard
        | E::IdempotencyKeyReused
        | E::MethodAlreadyChosen { .. }
        | E::ThreeDSecureRequired => 409,
        E::MethodNotOffered { .. } => 422,
        E::Declined { .. } | E::ThreeDSecureFailed { .. } => 402,
        E::CardProblem { .. } => 422,
        E::OutcomePending => 202,
        E::GatewayUnavailable => 503,
        E::Gateway(_) => 502,
        E::InvalidInput(_) | E::BadNotification(_) => 400,
        E::ForeignShop => 403,
        E::Store(_) => 500,
    }
}

/// Records a refused request in the logs, at a level that fits: the issuer's reason for card
/// failures (never a card number: there is none to log), the field for card data, the limit for
/// the throttle.
pub fn log_refusal(route: &'static str, error: &RouteError) {
    match error {
        RouteError::Payment(e @ PaymentError::Store(_)) => {
            tracing::error!(route, reason = e.reason(), error = ?e, "payment route failed");
        }
        RouteError::Payment(
            e @ (PaymentError::Declined { code }
            | PaymentError::CardProblem { code }
            | PaymentError::ThreeDSecureFailed { code }),
        ) => {
            tracing::info!(route, reason = e.reason(), gmo_code = %code, "card not accepted");
        }
        RouteError::Payment(e @ PaymentError::Gateway(_)) => {
            tracing::warn!(route, reason = e.reason(), error = %e, kind = ?e.gmo_kind(), "gateway refused");
        }
        RouteError::Payment(e) => tracing::info!(route, reason = e.reason(), "payment refused"),
        RouteError::Body(e) => tracing::debug!(route, code = e.code(), "unusable body"),
        RouteError::CardData(found) => tracing::warn!(
            route,
            location = %found.location(),
            field = found.field().unwrap_or(""),
            "request refused: it carried a card number"
        ),
        RouteError::Throttled(t) => tracing::warn!(
            route,
            scope = %t.scope,
            retry_after_secs = t.retry_after_secs(),
            "card attempt throttled"
        ),
        // The source only: the body is whatever the sender chose.
        RouteError::SourceRefused(source) => tracing::warn!(
            route,
            source = ?source,
            "notification refused: its source is not an allowed network"
        ),
        RouteError::CustomerId(e) => {
            tracing::error!(route, error = %e, "the merchant's customer id is invalid")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::OrderState;

    #[test]
    fn card_failures_look_the_same_unless_revealed() {
        let failures = [
            PaymentError::Declined {
                code: "42G020000".into(),
            },
            PaymentError::CardProblem {
                code: "E61010002".into(),
            },
            PaymentError::ThreeDSecureFailed {
                code: "E21030007".into(),
            },
        ];
        let masked: Vec<_> = failures
            .iter()
            .map(|e| ErrorResponse::from_payment_error(e, MessagePolicy::masked()))
            .collect();
        assert!(masked.iter().all(|a| a == &masked[0]));
        assert_eq!((masked[0].status(), masked[0].code()), (402, "declined"));
        let revealed: Vec<_> = failures
            .iter()
            .map(|e| ErrorResponse::from_payment_error(e, MessagePolicy::revealing()))
            .collect();
        let codes: Vec<_> = revealed.iter().map(|a| (a.status(), a.code())).collect();
        assert_eq!(
            codes,
            [
                (402, "declined"),
                (422, "card_problem"),
                (402, "three_d_secure_failed")
            ]
        );
        for answer in masked.iter().chain(&revealed) {
            let json = answer.to_json();
            for code in ["42G02", "E6101", "E2103"] {
                assert!(!json.contains(code), "{json}");
            }
        }
    }

    #[test]
    fn other_errors_follow_the_core_table() {
        let cases = [
            (PaymentError::NotFound, 404, "not_found"),
            (
                PaymentError::InvalidState {
                    state: OrderState::Voided,
                },
                409,
                "invalid_state",
            ),
            (PaymentError::InProgress, 409, "in_progress"),
            (PaymentError::OrderIdTaken, 409, "order_id_taken"),
            (PaymentError::OutcomePending, 202, "outcome_pending"),
            (PaymentError::GatewayUnavailable, 503, "gateway_unavailable"),
            (PaymentError::ForeignShop, 403, "foreign_shop"),
        ];
        for (error, status, code) in cases {
            let answer = ErrorResponse::from_payment_error(&error, MessagePolicy::default());
            assert_eq!((answer.status(), answer.code()), (status, code));
            let body: serde_json::Value = serde_json::from_str(&answer.to_json()).unwrap();
            assert_eq!(body["error"]["code"], code);
            assert!(!body["error"]["message"].as_str().unwrap().is_empty());
        }
    }

    #[test]
    fn throttled_answers_carry_retry_after() {
        let throttled = Throttled {
            scope: crate::guard::Scope::Customer,
            retry_after: std::time::Duration::from_millis(1500),
        };
        let answer = ErrorResponse::from_error(&throttled.into(), MessagePolicy::default());
        assert_eq!(answer.status(), 429);
        assert_eq!(answer.code(), "too_many_attempts");
        assert_eq!(answer.retry_after(), Some(2));
        assert!(!answer.message().contains("customer"));
    }
}
