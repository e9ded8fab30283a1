//! The payment methods a merchant offers at checkout (GMO's `Method` and `PayTimes`): lump sum
//! always, and instalments, bonus and revolving as the merchant's card contract allows.

use crate::values::Method;

use super::ConfigError;

/// The most payments GMO's `PayTimes` takes (two digits).
const MAX_PAY_TIMES: u8 = 99;

/// The payment methods offered to shoppers: a setting of [`PaymentsBuilder`](super::PaymentsBuilder),
/// checked when the handle is built. The shopper chooses one at checkout
/// ([`Checkout::method`](super::Checkout::method)); a method not offered is refused before any
/// GMO call. The default offers lump sum only.
///
/// ```
/// use gmo_core::flow::PaymentMethods;
/// use gmo_core::values::Method;
///
/// let methods = PaymentMethods::lump_sum_only().installments([3, 6, 12]).revolving();
/// assert!(methods.offers(Method::Installments(6)));
/// assert!(!methods.offers(Method::Installments(5)));
/// assert!(!methods.offers(Method::BonusLump));
/// assert_eq!(methods.offered().len(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaymentMethods {
    installments: Option<Vec<u8>>,
    bonus_lump: bool,
    bonus_installments: Option<Vec<u8>>,
    revolving: bool,
}

impl PaymentMethods {
    /// Lump sum (一括) only: what a checkout did before methods could be chosen.
    pub fn lump_sum_only() -> Self {
        Self::default()
    }

    /// Offers instalments (分割, `Method=2`) in these numbers of payments (`PayTimes`, 2 to 99).
    pub fn installments(mut self, pay_times: impl IntoIterator<Item = u8>) -> Self {
        self.installments = Some(sorted(pay_times));
        self
    }

    /// Offers bonus lump sum (ボーナス一括, `Method=3`).
    pub fn bonus_lump(mut self) -> Self {
        self.bonus_lump = true;
        self
    }

    /// Offers bonus instalments (ボーナス分割, `Method=4`) in these numbers of payments (1 to 99).
    pub fn bonus_installments(mut self, pay_times: impl IntoIterator<Item = u8>) -> Self {
        self.bonus_installments = Some(sorted(pay_times));
        self
    }

    /// Offers revolving (リボ, `Method=5`).
    pub fn revolving(mut self) -> Self {
        self.revolving = true;
        self
    }

    /// Whether `method` (with its number of payments) is offered.
    pub fn offers(&self, method: Method) -> bool {
        match method {
            Method::Lump => true,
            Method::Installments(n) => self.installment_pay_times().contains(&n),
            Method::BonusLump => self.bonus_lump,
            Method::BonusInstallments(n) => self
                .bonus_installments
                .as_deref()
                .unwrap_or_default()
                .contains(&n),
            Method::Revolving => self.revolving,
        }
    }

    /// The numbers of payments offered for instalments (empty when instalments are not offered).
    pub fn installment_pay_times(&self) -> &[u8] {
        self.installments.as_deref().unwrap_or_default()
    }

    /// Every method offered, lump sum first, in the order a checkout page lists them.
    pub fn offered(&self) -> Vec<Method> {
        let mut all = vec![Method::Lump];
        all.extend(
            self.installment_pay_times()
                .iter()
                .map(|&n| Method::Installments(n)),
        );
        if self.bonus_lump {
            all.push(Method::BonusLump);
        }
        all.extend(
            self.bonus_installments
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|&n| Method::BonusInstallments(n)),
        );
        if self.revolving {
            all.push(Method::Revolving);
        }
        all
    }

    /// Why a method is refused, as the checkout field to name: `pay_times` when its kind is
    /// offered with other numbers of payments, `method` otherwise.
    pub(crate) fn refused_field(&self, method: Method) -> &'static str {
        let kind_offered = match method {
            Method::Installments(_) => self.installments.is_some(),
            Method::BonusInstallments(_) => self.bonus_installments.is_some(),
            _ => false,
        };
        if kind_offered { "pay_times" } else { "method" }
    }

    /// GMO's rules for the numbers of payments (instalments take at least two).
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        for (list, min, what) in [
            (&self.installments, 2, "instalments"),
            (&self.bonus_installments, 1, "bonus instalments"),
        ] {
            if let Some(list) = list {
                if list.is_empty() {
                    return Err(ConfigError::PaymentMethods {
                        method: what,
                        rule: "offered with at least one number of payments",
                    });
                }
                if list.iter().any(|&n| n < min || n > MAX_PAY_TIMES) {
                    return Err(ConfigError::PaymentMethods {
                        method: what,
                        rule: if min == 2 {
                            "2 to 99 payments"
                        } else {
                            "1 to 99 payments"
                        },
                    });
                }
            }
        }
        Ok(())
    }
}

fn sorted(pay_times: impl IntoIterator<Item = u8>) -> Vec<u8> {
    let mut list: Vec<u8> = pay_times.into_iter().collect();
    list.sort_unstable();
    list.dedup();
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lump_sum_is_always_offered_and_the_rest_only_when_set() {
        let lump = PaymentMethods::default();
        assert_eq!(lump.offered(), [Method::Lump]);
        assert!(!lump.offers(Method::Revolving));
        let all = PaymentMethods::lump_sum_only()
            .installments([12, 3, 3])
            .bonus_lump()
            .bonus_installments([2])
            .revolving();
        assert_eq!(
            all.offered(),
            [
                Method::Lump,
                Method::Installments(3),
                Method::Installments(12),
                Method::BonusLump,
                Method::BonusInstallments(2),
                Method::Revolving
            ]
        );
        assert_eq!(all.refused_field(Method::Installments(4)), "pay_times");
        assert_eq!(lump.refused_field(Method::Installments(3)), "method");
        assert!(all.check().is_ok());
    }

    #[test]
    fn numbers_of_payments_follow_gmo_rules() {
        for bad in [
            PaymentMethods::lump_sum_only().installments([]),
            PaymentMethods::lump_sum_only().installments([1, 3]),
            PaymentMethods::lump_sum_only().installments([100]),
            PaymentMethods::lump_sum_only().bonus_installments([0]),
        ] {
            assert!(
                matches!(bad.check(), Err(ConfigError::PaymentMethods { .. })),
                "{bad:?}"
            );
        }
        assert!(
            PaymentMethods::lump_sum_only()
                .bonus_installments([1])
                .check()
                .is_ok()
        );
    }
}
