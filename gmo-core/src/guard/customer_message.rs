//! What the buyer is told when a card payment fails, without turning the shop into a "decline
//! oracle".
//!
//! A card tester learns from every difference between two failures: "insufficient funds" proves
//! the number is live, "invalid security code" that only the CVC was wrong. So by default every
//! card-related failure (declined, bad card data, expired token, failed 3-D Secure) gets one and
//! the same message; the issuer's reason goes to the order record and the logs only. A merchant
//! who wants finer messages turns `reveal_reason` on, and even then the buyer sees only the
//! [`ErrorKind`], never GMO's detailed code.

use crate::error::ErrorKind;

/// What the browser is told when a card fails.
///
/// By default ([`MessagePolicy::default`]) a decline, an unusable card or token and a failed
/// 3-D Secure authentication all answer the same status (402), code (`declined`) and message:
/// a card tester learns nothing from the difference. The issuer's reason goes to the order
/// record and the logs. [`MessagePolicy::reveal_decline_reason`] gives each its own code
/// ([`PaymentError::reason`](crate::PaymentError::reason)), status and message (never GMO's code).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MessagePolicy {
    /// Tell the browser which kind of card failure happened.
    pub reveal_decline_reason: bool,
}

impl MessagePolicy {
    /// The default: every card failure is told "declined".
    pub const fn masked() -> Self {
        Self {
            reveal_decline_reason: false,
        }
    }

    /// Each card failure is told its kind.
    pub const fn revealing() -> Self {
        Self {
            reveal_decline_reason: true,
        }
    }
}

/// A message for the buyer: a stable code for scripts and the text in English and Japanese.
///
/// ```
/// use gmo_core::error::ErrorKind;
/// use gmo_core::guard::CustomerMessage;
///
/// let declined = CustomerMessage::for_failure(ErrorKind::Declined, false);
/// let failed_3ds = CustomerMessage::for_failure(ErrorKind::ThreeDSecureFailed, false);
/// assert_eq!(declined, failed_3ds);
/// assert_eq!(declined.code(), "card_not_accepted");
///
/// let revealed = CustomerMessage::for_failure(ErrorKind::ThreeDSecureFailed, true);
/// assert_eq!(revealed.code(), "authentication_failed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomerMessage {
    code: &'static str,
    en: &'static str,
    ja: &'static str,
}

impl CustomerMessage {
    const CARD_NOT_ACCEPTED: Self = Self {
        code: "card_not_accepted",
        en: "The card could not be used. Please check the card details or use another card.",
        ja: "このカードはご利用いただけませんでした。カード情報をご確認いただくか、別のカードをご利用ください。",
    };

    /// The message for a failed card payment of this kind. With `reveal_reason` false (the
    /// default to choose), every card-related kind gives the same message.
    pub fn for_failure(kind: ErrorKind, reveal_reason: bool) -> Self {
        match kind {
            ErrorKind::Declined
            | ErrorKind::InvalidRequest
            | ErrorKind::TokenProblem
            | ErrorKind::ThreeDSecureFailed
                if !reveal_reason =>
            {
                Self::CARD_NOT_ACCEPTED
            }
            ErrorKind::Declined => Self {
                code: "declined_by_issuer",
                en: "The card issuer declined the payment. Please use another card or contact your card issuer.",
                ja: "カード会社により決済が承認されませんでした。別のカードをご利用いただくか、カード会社にお問い合わせください。",
            },
            ErrorKind::InvalidRequest => Self {
                code: "card_details_invalid",
                en: "The payment was not accepted. Please check the card details and try again.",
                ja: "決済を受け付けられませんでした。カード情報をご確認のうえ、もう一度お試しください。",
            },
            ErrorKind::TokenProblem => Self {
                code: "card_entry_expired",
                en: "The card entry has expired. Please enter the card details again.",
                ja: "カード情報の有効期限が切れました。もう一度カード情報を入力してください。",
            },
            ErrorKind::ThreeDSecureFailed => Self {
                code: "authentication_failed",
                en: "Card authentication (3-D Secure) did not succeed. Please try again or use another card.",
                ja: "カードの本人認証（3Dセキュア）が完了しませんでした。もう一度お試しいただくか、別のカードをご利用ください。",
            },
            ErrorKind::OutcomeUnknown => Self {
                code: "payment_pending",
                en: "We could not confirm the payment yet. Please do not pay again; we will confirm the result.",
                ja: "決済結果をまだ確認できていません。二重のお支払いを避けるため、再度のお支払いはお控えください。結果を確認してご連絡します。",
            },
            ErrorKind::Throttled => Self {
                code: "service_busy",
                en: "The payment service is busy. Please try again in a moment.",
                ja: "決済サービスが混み合っています。しばらくしてからもう一度お試しください。",
            },
            ErrorKind::StateConflict => Self {
                code: "already_processed",
                en: "This payment has already been processed or has changed. Please reload the page.",
                ja: "この決済はすでに処理されたか、変更されています。ページを再読み込みしてください。",
            },
            ErrorKind::MerchantConfiguration => Self {
                code: "payment_unavailable",
                en: "Card payment is not available at the moment. Please contact the shop.",
                ja: "現在カード決済をご利用いただけません。ショップにお問い合わせください。",
            },
        }
    }

    /// The message for a request refused by the card-testing throttle
    /// ([`Throttled`](super::Throttled)).
    pub fn too_many_attempts() -> Self {
        Self {
            code: "too_many_attempts",
            en: "Too many attempts. Please try again later.",
            ja: "試行回数が上限に達しました。しばらくしてからもう一度お試しください。",
        }
    }

    /// A stable machine-readable code, e.g. `card_not_accepted`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The text in English.
    pub fn en(&self) -> &'static str {
        self.en
    }

    /// The text in Japanese.
    pub fn ja(&self) -> &'static str {
        self.ja
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [ErrorKind; 8] = [
        ErrorKind::InvalidRequest,
        ErrorKind::Declined,
        ErrorKind::TokenProblem,
        ErrorKind::StateConflict,
        ErrorKind::OutcomeUnknown,
        ErrorKind::Throttled,
        ErrorKind::MerchantConfiguration,
        ErrorKind::ThreeDSecureFailed,
    ];

    #[test]
    fn card_failures_are_indistinguishable_by_default() {
        let card_kinds = [
            ErrorKind::Declined,
            ErrorKind::InvalidRequest,
            ErrorKind::TokenProblem,
            ErrorKind::ThreeDSecureFailed,
        ];
        for kind in card_kinds {
            assert_eq!(
                CustomerMessage::for_failure(kind, false),
                CustomerMessage::CARD_NOT_ACCEPTED
            );
        }
        // Revealed, each kind has its own message.
        let mut codes: Vec<_> = ALL
            .iter()
            .map(|&k| CustomerMessage::for_failure(k, true).code())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ALL.len());
    }

    #[test]
    fn the_throttle_message_matches_its_code() {
        assert_eq!(
            CustomerMessage::too_many_attempts().code(),
            super::super::Throttled::CODE
        );
    }
}
