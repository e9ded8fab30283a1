//! When a run of digits is a card number: length, Luhn, issuer prefix (IIN) and the 13-digit rule.

/// Fewest digits of a card number we look for.
pub(super) const MIN_DIGITS: usize = 13;
/// Most digits of a card number (ISO/IEC 7812).
pub(super) const MAX_DIGITS: usize = 19;

/// What a run of 13–19 digits is, before the field it came from is known. Ordered: a value's
/// verdict is the greatest of its candidates'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Verdict {
    /// Not a card number anywhere.
    Clean,
    /// A card number only in a card-like field: Luhn-valid, but with no known issuer prefix, or
    /// 13 digits that are not a legacy Visa number.
    CardInCardField,
    /// 13 digits that may be a legacy Visa number: a card number in a card-like field and where
    /// no field name applies (a text body, a key, the path), never in another named field.
    CardUnlessNamedField,
    /// A card number wherever it is.
    Card,
}

impl Verdict {
    /// Whether this is a card number in a field with a name; `card_like` tells whether the name
    /// looks like a card field (asked only when it matters).
    pub(super) fn in_named_field(self, card_like: impl FnOnce() -> bool) -> bool {
        match self {
            Self::Clean => false,
            Self::Card => true,
            Self::CardInCardField | Self::CardUnlessNamedField => card_like(),
        }
    }

    /// Whether this is a card number where no field name applies.
    pub(super) fn in_unnamed_place(self) -> bool {
        self >= Self::CardUnlessNamedField
    }
}

/// Issuer prefixes we accept outside card-like fields, with the lengths each brand issues.
struct IssuerRange {
    /// Smallest prefix value, e.g. `2221`.
    first: u32,
    /// Largest prefix value, e.g. `2720`.
    last: u32,
    /// How many leading digits the prefix has.
    digits: usize,
    /// Bit `n` set: `n` digits is a length this brand issues.
    lengths: u32,
}

const fn lengths(shortest: u32, longest: u32) -> u32 {
    // Bits shortest..=longest.
    ((1u32 << (longest + 1)) - 1) & !((1u32 << shortest) - 1)
}

/// The table documented in the module docs of `guard::card_data`. Order does not matter.
static ISSUERS: &[IssuerRange] = &[
    // Visa: 16 and 19 digits (13-digit Visa is handled by the 13-digit rule).
    IssuerRange {
        first: 4,
        last: 4,
        digits: 1,
        lengths: lengths(16, 16) | lengths(19, 19),
    },
    // Mastercard.
    IssuerRange {
        first: 51,
        last: 55,
        digits: 2,
        lengths: lengths(16, 16),
    },
    IssuerRange {
        first: 2221,
        last: 2720,
        digits: 4,
        lengths: lengths(16, 16),
    },
    // American Express.
    IssuerRange {
        first: 34,
        last: 34,
        digits: 2,
        lengths: lengths(15, 15),
    },
    IssuerRange {
        first: 37,
        last: 37,
        digits: 2,
        lengths: lengths(15, 15),
    },
    // JCB.
    IssuerRange {
        first: 3528,
        last: 3589,
        digits: 4,
        lengths: lengths(16, 19),
    },
    // Diners Club.
    IssuerRange {
        first: 300,
        last: 305,
        digits: 3,
        lengths: lengths(14, 19),
    },
    IssuerRange {
        first: 3095,
        last: 3095,
        digits: 4,
        lengths: lengths(14, 19),
    },
    IssuerRange {
        first: 36,
        last: 36,
        digits: 2,
        lengths: lengths(14, 19),
    },
    IssuerRange {
        first: 38,
        last: 39,
        digits: 2,
        lengths: lengths(14, 19),
    },
    // Discover (6011, 644–649, 65), UnionPay (62), RuPay (60, 65), Maestro (6…).
    IssuerRange {
        first: 6,
        last: 6,
        digits: 1,
        lengths: lengths(16, 19),
    },
    // Maestro (50, 56–59).
    IssuerRange {
        first: 50,
        last: 50,
        digits: 2,
        lengths: lengths(16, 19),
    },
    IssuerRange {
        first: 56,
        last: 59,
        digits: 2,
        lengths: lengths(16, 19),
    },
];

/// Classifies a run of digits (each `0..=9`).
pub(super) fn verdict(digits: &[u8]) -> Verdict {
    let len = digits.len();
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&len) || !luhn_valid(digits) {
        return Verdict::Clean;
    }
    if len == MIN_DIGITS {
        // Legacy 13-digit Visa. Every 13-digit code starting with 4 is also a GS1 prefix
        // (400–440 Germany, 45/49 Japan's JAN, 46–48 …), so a valid EAN-13 is taken for a product
        // code; and in a named field, 13 digits are far likelier a JAN code or a corporate number
        // (法人番号) than a card number no longer issued.
        return if digits[0] == 4 && !ean13_valid(digits) {
            Verdict::CardUnlessNamedField
        } else {
            Verdict::CardInCardField
        };
    }
    if has_issuer_prefix(digits) {
        Verdict::Card
    } else {
        Verdict::CardInCardField
    }
}

/// The Luhn (mod 10) check of ISO/IEC 7812.
pub(super) fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
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

/// The EAN-13 (JAN) check digit: weights 1, 3, 1, 3… from the left.
pub(super) fn ean13_valid(digits: &[u8]) -> bool {
    digits.len() == 13
        && digits
            .iter()
            .enumerate()
            .map(|(i, &d)| u32::from(d) * if i % 2 == 0 { 1 } else { 3 })
            .sum::<u32>()
            % 10
            == 0
}

fn has_issuer_prefix(digits: &[u8]) -> bool {
    let len = digits.len();
    ISSUERS.iter().any(|range| {
        range.lengths & (1 << len) != 0 && {
            let prefix = digits[..range.digits]
                .iter()
                .fold(0u32, |acc, &d| acc * 10 + u32::from(d));
            (range.first..=range.last).contains(&prefix)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> Vec<u8> {
        s.bytes().map(|b| b - b'0').collect()
    }

    #[test]
    fn test_cards_of_every_brand_are_cards() {
        for pan in [
            "4111111111111111",    // Visa
            "4242424242424242",    // Visa
            "5555555555554444",    // Mastercard
            "2223003122003222",    // Mastercard 2-series
            "378282246310005",     // Amex
            "371449635398431",     // Amex
            "3530111333300000",    // JCB
            "3566002020360505",    // JCB
            "30569309025904",      // Diners 14
            "36227206271667",      // Diners 14
            "6011111111111117",    // Discover
            "6200000000000005",    // UnionPay
            "6759649826438453",    // Maestro
            "4000000000000000006", // Visa 19
        ] {
            assert_eq!(verdict(&digits(pan)), Verdict::Card, "{pan}");
        }
    }

    #[test]
    fn luhn_failures_and_wrong_lengths_are_clean() {
        for s in [
            "4111111111111112",     // Luhn fails
            "411111111111",         // 12 digits
            "41111111111111111113", // 20 digits
            "20261127123456",       // timestamp
        ] {
            assert_eq!(verdict(&digits(s)), Verdict::Clean, "{s}");
        }
    }

    #[test]
    fn unknown_prefixes_need_a_card_like_field() {
        // Luhn-valid 16 digits starting with 1 and 9; 15-digit Mastercard-looking number.
        for s in ["1000000000000008", "9000000000000001", "510000000000003"] {
            assert!(luhn_valid(&digits(s)), "{s}");
            assert_eq!(verdict(&digits(s)), Verdict::CardInCardField, "{s}");
        }
    }

    #[test]
    fn thirteen_digits_follow_the_jan_rule() {
        // 4222222222222: Luhn-valid legacy Visa test number, not a valid EAN-13.
        assert_eq!(
            verdict(&digits("4222222222222")),
            Verdict::CardUnlessNamedField
        );
        assert!(!ean13_valid(&digits("4222222222222")));
        // A JAN code (EAN-13 valid) that also passes Luhn.
        let jan = digits("4901234567894");
        assert!(ean13_valid(&jan));
        assert!(luhn_valid(&jan));
        assert_eq!(verdict(&jan), Verdict::CardInCardField);
        // 13 digits not starting with 4.
        assert_eq!(verdict(&digits("5000000000005")), Verdict::CardInCardField);
    }
}
