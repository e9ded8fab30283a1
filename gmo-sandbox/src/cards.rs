//! The test cards: what each card number does, plus Luhn and GMO's two masking styles.
//!
//! These triggers are the sandbox's convention, not GMO's (GMO publishes its own only under NDA).

use std::time::Duration;

/// How the simulated 3-D Secure 2.0 server treats a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreeDsBehaviour {
    /// Authenticated at once (`Tds2TransResult=Y`).
    Frictionless,
    /// The issuer asks for a one-time password (`C`); `123456` passes.
    Challenge,
    /// The issuer rejects the authentication (`R`).
    Rejected,
    /// The card is not enrolled in 3-D Secure 2.0.
    NotEnrolled,
}

/// What the issuer answers to an authorisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorisationOutcome {
    /// Approved.
    Approved,
    /// Declined with `ErrCode=<code>`, `ErrInfo=42<code>0000` (e.g. `G02`); nothing happens.
    Declined(&'static str),
    /// Declined only when the job is a validity check (`CHECK`, SaveCard); approved otherwise.
    FailsValidityCheck(&'static str),
    /// A card-network error (`C01`) after which the authorisation did happen: the status moves on
    /// but the caller is told `C01`/`42C010000`.
    NetworkErrorAfterCommit(&'static str),
    /// The issuer answers after the sandbox's slow-card delay, then approves.
    Slow,
}

/// One test card of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestCard {
    /// The card number.
    pub number: &'static str,
    /// What 3-D Secure does with it.
    pub three_ds: ThreeDsBehaviour,
    /// What the authorisation does.
    pub outcome: AuthorisationOutcome,
    /// A short description for docs and the README.
    pub description: &'static str,
}

/// The catalogue. Any other Luhn-valid number is approved, frictionless.
pub const TEST_CARDS: &[TestCard] = &[
    TestCard {
        number: "4111111111111111",
        three_ds: ThreeDsBehaviour::Frictionless,
        outcome: AuthorisationOutcome::Approved,
        description: "Visa, approved, 3-D Secure frictionless",
    },
    TestCard {
        number: "5555555555554444",
        three_ds: ThreeDsBehaviour::Frictionless,
        outcome: AuthorisationOutcome::Approved,
        description: "Mastercard, approved, 3-D Secure frictionless",
    },
    TestCard {
        number: "3530111111111116",
        three_ds: ThreeDsBehaviour::Frictionless,
        outcome: AuthorisationOutcome::Approved,
        description: "JCB, approved, 3-D Secure frictionless",
    },
    TestCard {
        number: "4100000000005000",
        three_ds: ThreeDsBehaviour::Challenge,
        outcome: AuthorisationOutcome::Approved,
        description: "approved after a 3-D Secure challenge (OTP 123456)",
    },
    TestCard {
        number: "4100000000000209",
        three_ds: ThreeDsBehaviour::NotEnrolled,
        outcome: AuthorisationOutcome::Approved,
        description: "not enrolled in 3-D Secure 2.0",
    },
    TestCard {
        number: "4100000000000308",
        three_ds: ThreeDsBehaviour::Rejected,
        outcome: AuthorisationOutcome::Approved,
        description: "3-D Secure rejected by the issuer (frictionless R)",
    },
    TestCard {
        number: "4100000000000407",
        three_ds: ThreeDsBehaviour::Frictionless,
        outcome: AuthorisationOutcome::Declined("G02"),
        description: "declined: insufficient funds (G02 / 42G020000)",
    },
    TestCard {
        number: "4100000000000506",
        three_ds: ThreeDsBehaviour::Frictionless,
        outcome: AuthorisationOutcome::Declined("G83"),
        description: "declined: expired card (G83 / 42G830000)",
    },
    TestCard {
        number: "4100000000000605",
        three_ds: ThreeDsBehaviour::Frictionless,
        outcome: AuthorisationOutcome::Declined("G44"),
        description: "declined: wrong security code (G44 / 42G440000)",
    },
    TestCard {
        number: "4100000000000704",
        three_ds: ThreeDsBehaviour::Frictionless,
        outcome: AuthorisationOutcome::NetworkErrorAfterCommit("C01"),
        description: "card network error C01 / 42C010000, yet the authorisation happened",
    },
    TestCard {
        number: "4100000000000803",
        three_ds: ThreeDsBehaviour::Frictionless,
        outcome: AuthorisationOutcome::Slow,
        description: "the issuer answers slowly (the sandbox's slow-card delay), then approves",
    },
    TestCard {
        number: "4100000000000902",
        three_ds: ThreeDsBehaviour::Frictionless,
        outcome: AuthorisationOutcome::FailsValidityCheck("G12"),
        description: "validity check fails at SaveCard and CHECK (G12 / 42G120000)",
    },
];

/// The default delay of the slow card.
pub const DEFAULT_SLOW_CARD_DELAY: Duration = Duration::from_secs(30);

/// The catalogue entry of a number, or the default behaviour (approved, frictionless).
pub(crate) fn behaviour(number: &str) -> (ThreeDsBehaviour, AuthorisationOutcome) {
    TEST_CARDS.iter().find(|c| c.number == number).map_or(
        (
            ThreeDsBehaviour::Frictionless,
            AuthorisationOutcome::Approved,
        ),
        |c| (c.three_ds, c.outcome),
    )
}

/// The Luhn check digit test.
pub(crate) fn luhn_valid(number: &str) -> bool {
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Site-API style (`SaveCard`, `SearchCard`): all but the last 3 digits masked.
pub(crate) fn mask_last3(number: &str) -> String {
    mask_keeping(number, 3)
}

/// Shop-API style (`TradedCard`, `SearchTrade`): all but the last 4 digits masked.
pub(crate) fn mask_last4(number: &str) -> String {
    mask_keeping(number, 4)
}

fn mask_keeping(number: &str, keep: usize) -> String {
    let hidden = number.len().saturating_sub(keep);
    let mut out = "*".repeat(hidden);
    out.push_str(&number[hidden..]);
    out
}

/// token.js style (`maskedCardNo`): first 6 and last 4 digits shown.
pub(crate) fn mask_token_style(number: &str) -> String {
    if number.len() <= 10 {
        return mask_last4(number);
    }
    let mut out = number[..6].to_owned();
    out.push_str(&"*".repeat(number.len() - 10));
    out.push_str(&number[number.len() - 4..]);
    out
}

/// The brand `SearchCardDetail` reports, by number prefix.
pub(crate) fn brand(number: &str) -> &'static str {
    let prefix2: u32 = number.get(..2).and_then(|p| p.parse().ok()).unwrap_or(0);
    let prefix4: u32 = number.get(..4).and_then(|p| p.parse().ok()).unwrap_or(0);
    match prefix2 {
        _ if number.starts_with('4') => "VISA",
        51..=55 => "MASTER",
        _ if (2221..=2720).contains(&prefix4) => "MASTER",
        35 => "JCB",
        34 | 37 => "AMEX",
        30 | 36 | 38 | 39 => "DINERS",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_card_is_luhn_valid() {
        for card in TEST_CARDS {
            assert!(luhn_valid(card.number), "{}", card.number);
        }
        assert!(!luhn_valid("4111111111111112"));
        assert!(!luhn_valid("41111111111x1111"));
    }

    #[test]
    fn masks_in_gmo_styles() {
        assert_eq!(mask_last3("4111111111111111"), "*************111");
        assert_eq!(mask_last4("4111111111111111"), "************1111");
        assert_eq!(mask_token_style("4111111111111111"), "411111******1111");
        assert_eq!(brand("5555555555554444"), "MASTER");
        assert_eq!(brand("3530111111111116"), "JCB");
    }
}
