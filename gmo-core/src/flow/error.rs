//! Errors of the payment flows, with stable reasons.

use crate::error::{ErrorKind, GmoError};
use crate::notification::NotificationError;
use crate::order::OrderState;
use crate::store::StoreError;
use crate::values::InvalidValue;

/// Why a flow did not do what was asked.
///
/// Each variant has a stable machine-readable [`reason`](PaymentError::reason); the HTTP
/// status the adapters answer it with is decided in one place, `gmo_core::web::error`.
///
/// | reason | meaning |
/// |---|---|
/// | `not_found` | no such order, or not this customer's (never told apart) |
/// | `invalid_state` | the order cannot do this now (e.g. capture a voided order) |
/// | `in_progress` | another request is running a step of this order |
/// | `order_closed` | the order's payment ended (failed, expired): start a new checkout to pay again |
/// | `amount_changed` | the order's amount is no longer the one the request was made against |
/// | `no_default_card` | a charge of the default card, and the customer has chosen none |
/// | `idempotency_key_reused` | an off-session charge's key names another charge |
/// | `three_d_secure_required` | the shop's contract requires 3-D Secure: charge with the customer present |
/// | `method_already_chosen` | the order is being (or was) paid with another method: a confirmation cannot change it |
/// | `order_id_taken` | GMO holds another transaction under this OrderID (not this order's) |
/// | `declined` | the issuer declined the card; nothing was charged |
/// | `method_not_offered` | the shop does not offer this payment method or number of payments (the field is named) |
/// | `card_problem` | the card token is unusable (expired, used): tokenise the card again |
/// | `three_d_secure_failed` | 3-D Secure authentication failed; nothing was charged |
/// | `outcome_pending` | GMO's answer was lost; the order is settled by reconciliation |
/// | `gateway_unavailable` | GMO could not be reached or is busy; nothing happened |
/// | `gateway_error` | GMO refused the request (shop settings, contract) |
/// | `invalid_input` | a value breaks GMO's rules |
/// | `bad_notification` | a notification body that cannot be read |
/// | `foreign_shop` | a notification for another shop |
/// | `store_error` | the merchant's store failed |
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PaymentError {
    /// No such order, or it belongs to another customer.
    #[error("no such order")]
    NotFound,
    /// The order's state does not allow the action.
    #[error("the order is {state}, which does not allow this")]
    InvalidState {
        /// The order's state.
        state: OrderState,
    },
    /// Another request is running a GMO call for this order.
    #[error("another request is processing this order")]
    InProgress,
    /// The order's payment has ended (failed, expired, or its charge reversed): paying again
    /// takes a new checkout. Nothing was sent to GMO.
    #[error("this payment has ended; start a new checkout to pay again")]
    OrderClosed {
        /// The order's state.
        state: OrderState,
    },
    /// The order's amount is not the one the request was made against (another operator
    /// changed it since): nothing was sent. Look at the order again.
    #[error("the order's amount is now {amount} yen")]
    AmountChanged {
        /// The order's amount now.
        amount: u32,
    },
    /// A charge of the customer's default card, and none of their cards is the default.
    /// Nothing was sent.
    #[error("the customer has no default card")]
    NoDefaultCard,
    /// An off-session charge's idempotency key was used for another charge (another customer,
    /// card, amount or job). Nothing was sent.
    #[error("this idempotency key was used for another charge")]
    IdempotencyKeyReused,
    /// The shop's contract requires 3-D Secure, which a charge without the customer cannot
    /// pass (GMO's `E01080101`). Nothing was charged.
    #[error("this shop requires 3-D Secure: charge with the customer present")]
    ThreeDSecureRequired,
    /// GMO already holds a transaction under this order's OrderID with another amount or job:
    /// not this order's, so it is not adopted (the merchant's OrderIDs collide). The order
    /// fails; nothing of it was charged.
    #[error("the OrderID is already used at GMO by another transaction")]
    OrderIdTaken,
    /// The payment method (or its number of payments) asked for at checkout is not one the
    /// merchant offers ([`PaymentMethods`](super::PaymentMethods)). Nothing was sent.
    #[error("the shop does not offer this payment option: `{field}`")]
    MethodNotOffered {
        /// The checkout field to fix: `method` or `pay_times`.
        field: &'static str,
    },
    /// The order's payment method was fixed by an earlier confirmation (its ExecTran is claimed
    /// or done) and this one asks for another. Nothing was sent.
    #[error("this order is paid with another payment method")]
    MethodAlreadyChosen {
        /// The method the order is paid with.
        method: crate::values::Method,
    },
    /// The issuer declined the card. Nothing was charged.
    #[error("the card was declined")]
    Declined {
        /// GMO's `ErrInfo`, e.g. `42G020000`, for the order record and logs. Customers are
        /// told only "declined" unless the merchant chooses otherwise.
        code: String,
    },
    /// The card token or card details were refused before the issuer was asked.
    #[error("the card could not be used; enter it again")]
    CardProblem {
        /// GMO's `ErrInfo`.
        code: String,
    },
    /// 3-D Secure authentication failed. Nothing was charged.
    #[error("3-D Secure authentication failed")]
    ThreeDSecureFailed {
        /// GMO's `ErrInfo`.
        code: String,
    },
    /// GMO's answer was lost; reconciliation settles the order. Never retry blind.
    #[error("the payment's outcome is not known yet; it will be settled shortly")]
    OutcomePending,
    /// GMO was unreachable or busy, and nothing happened.
    #[error("the payment gateway is unavailable; nothing was charged, try again later")]
    GatewayUnavailable,
    /// GMO refused the request for a reason the customer cannot fix.
    #[error("the payment gateway refused the request")]
    Gateway(#[source] GmoError),
    /// A value breaks GMO's rules.
    #[error(transparent)]
    InvalidInput(#[from] InvalidValue),
    /// A notification body that cannot be read.
    #[error(transparent)]
    BadNotification(#[from] NotificationError),
    /// A notification for a shop that is not ours.
    #[error("the notification is for another shop")]
    ForeignShop,
    /// The merchant's store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PaymentError {
    /// The stable machine-readable reason (see the table above).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::InvalidState { .. } => "invalid_state",
            Self::InProgress => "in_progress",
            Self::OrderIdTaken => "order_id_taken",
            Self::OrderClosed { .. } => "order_closed",
            Self::AmountChanged { .. } => "amount_changed",
            Self::NoDefaultCard => "no_default_card",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::MethodNotOffered { .. } => "method_not_offered",
            Self::MethodAlreadyChosen { .. } => "method_already_chosen",
            Self::ThreeDSecureRequired => "three_d_secure_required",
            Self::Declined { .. } => "declined",
            Self::CardProblem { .. } => "card_problem",
            Self::ThreeDSecureFailed { .. } => "three_d_secure_failed",
            Self::OutcomePending => "outcome_pending",
            Self::GatewayUnavailable => "gateway_unavailable",
            Self::Gateway(_) => "gateway_error",
            Self::InvalidInput(_) => "invalid_input",
            Self::BadNotification(_) => "bad_notification",
            Self::ForeignShop => "foreign_shop",
            Self::Store(_) => "store_error",
        }
    }

    /// Whether the card failed (declined, unusable, 3-D Secure failed): what the card-testing
    /// throttle counts.
    pub fn is_card_failure(&self) -> bool {
        matches!(
            self,
            Self::Declined { .. } | Self::CardProblem { .. } | Self::ThreeDSecureFailed { .. }
        )
    }

    /// The [`ErrorKind`] of the GMO error behind this one, when there is one.
    pub fn gmo_kind(&self) -> Option<ErrorKind> {
        match self {
            Self::Declined { .. } => Some(ErrorKind::Declined),
            Self::CardProblem { .. } => Some(ErrorKind::TokenProblem),
            Self::ThreeDSecureFailed { .. } => Some(ErrorKind::ThreeDSecureFailed),
            Self::OutcomePending => Some(ErrorKind::OutcomeUnknown),
            Self::Gateway(e) => e.kind(),
            _ => None,
        }
    }
}
