//! The enums of the protocol: job codes, statuses, payment methods, 3-D Secure settings.
//!
//! Enums that GMO may extend (`Status`, `JobCd`) keep an `Other` fallback so that an answer with a
//! new value still parses.

use std::fmt;

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(from = "String", into = "String")]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A value this version does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// The value on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Other(s) => s,
                }
            }

            /// Parses a wire value; unknown values become `Other`.
            pub fn parse(s: &str) -> Self {
                match s {
                    $($wire => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_owned()
            }
        }
    };
}

wire_enum!(
    /// The job code (`JobCd`): what a call asks GMO to do.
    JobCd {
        /// 有効性チェック: validity check, no amount.
        Check = "CHECK",
        /// 即時売上: authorise and capture at once.
        Capture = "CAPTURE",
        /// 仮売上: authorise only.
        Auth = "AUTH",
        /// 簡易オーソリ: simple authorisation (contract-specific).
        Sauth = "SAUTH",
        /// 実売上: capture an authorisation.
        Sales = "SALES",
        /// 取消: cancel on the day of the sale.
        Void = "VOID",
        /// 返品: cancel after the day of the sale.
        Return = "RETURN",
        /// 月跨り返品: cancel after the month of the sale.
        ReturnX = "RETURNX",
    }
);

wire_enum!(
    /// A transaction's status (`Status`) as SearchTrade and notifications report it.
    Status {
        /// 未決済: registered by EntryTran, not authorised.
        Unprocessed = "UNPROCESSED",
        /// 未決済(3DS登録済): 3-D Secure passed, waiting for SecureTran2.
        Authenticated = "AUTHENTICATED",
        /// 有効性チェック済: validity check done.
        Check = "CHECK",
        /// 仮売上: authorised.
        Auth = "AUTH",
        /// 即時売上: authorised and captured.
        Capture = "CAPTURE",
        /// 簡易オーソリ: simple authorisation.
        Sauth = "SAUTH",
        /// 実売上: captured.
        Sales = "SALES",
        /// 取消: voided.
        Void = "VOID",
        /// 返品: refunded.
        Return = "RETURN",
        /// 月跨り返品: refunded after the month boundary.
        ReturnX = "RETURNX",
    }
);

/// The payment method (`Method`): lump sum, instalments, bonus or revolving.
///
/// Serialised (in orders, their summaries and JSON answers) as `"lump"`, `{"installments": 3}`,
/// `"bonus_lump"`, `{"bonus_installments": 2}` or `"revolving"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 一括: lump sum (`1`).
    Lump,
    /// 分割: instalments (`2`), with a number of payments.
    Installments(u8),
    /// ボーナス一括: bonus lump sum (`3`).
    BonusLump,
    /// ボーナス分割: bonus instalments (`4`), with a number of payments.
    BonusInstallments(u8),
    /// リボ: revolving (`5`).
    Revolving,
}

impl Method {
    /// The `Method` value on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Self::Lump => "1",
            Self::Installments(_) => "2",
            Self::BonusLump => "3",
            Self::BonusInstallments(_) => "4",
            Self::Revolving => "5",
        }
    }

    /// The number of payments (`PayTimes`) for instalment methods.
    pub fn pay_times(self) -> Option<u8> {
        match self {
            Self::Installments(n) | Self::BonusInstallments(n) => Some(n),
            _ => None,
        }
    }

    /// Parses `Method` and `PayTimes` as GMO returns them.
    pub fn parse(method: &str, pay_times: &str) -> Option<Self> {
        let times = || pay_times.parse::<u8>().ok();
        Some(match method {
            "1" => Self::Lump,
            "2" => Self::Installments(times()?),
            "3" => Self::BonusLump,
            "4" => Self::BonusInstallments(times()?),
            "5" => Self::Revolving,
            _ => return None,
        })
    }
}

wire_enum!(
    /// The result of 3-D Secure 2.0 authentication (`Tds2TransResult`, EMV 3DS `transStatus`).
    Tds2TransStatus {
        /// `Y`: authenticated.
        Authenticated = "Y",
        /// `A`: attempted; authentication was not available but a proof of attempt exists.
        Attempted = "A",
        /// `C`: the issuer wants a challenge (send the browser to `ChallengeUrl`).
        ChallengeRequired = "C",
        /// `N`: not authenticated.
        NotAuthenticated = "N",
        /// `U`: authentication could not be performed.
        Unavailable = "U",
        /// `R`: rejected by the issuer; do not authorise.
        Rejected = "R",
    }
);

impl Tds2TransStatus {
    /// Whether authentication succeeded (`Y` or `A`), so that SecureTran2 may be called.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Authenticated | Self::Attempted)
    }
}

/// How `CardSeq` numbers stored cards (`SeqMode`, `docs/protocol.md` §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SeqMode {
    /// `0` (論理モード): numbers count live cards only and may shift after a deletion.
    #[default]
    Logical,
    /// `1` (物理モード): numbers are permanent slots; deleted cards keep theirs.
    Physical,
}

impl SeqMode {
    /// The value on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Self::Logical => "0",
            Self::Physical => "1",
        }
    }
}

/// How GMO brings the browser back after 3-D Secure 2.0 (`CallbackType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CallbackType {
    /// `1`: a POST to `RetUrl` (GMO's default).
    #[default]
    Post,
    /// `2`: the "direct" flow: callbacks after each step, the merchant calls Tds2Auth and
    /// Tds2Result itself.
    Direct,
    /// `3`: a GET to `RetUrl`.
    Get,
}

impl CallbackType {
    /// The value on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Self::Post => "1",
            Self::Direct => "2",
            Self::Get => "3",
        }
    }
}

/// What ExecTran does when the issuer does not support 3-D Secure 2.0 (`Tds2Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tds2Type {
    /// `1`: follow the shop's setting (formerly "fall back to 3-D Secure 1.0").
    ShopSetting,
    /// `2`: answer an error (`E21030201`).
    Error,
    /// `3`: authorise without 3-D Secure (no liability shift).
    WithoutThreeDSecure,
}

impl Tds2Type {
    /// The value on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Self::ShopSetting => "1",
            Self::Error => "2",
            Self::WithoutThreeDSecure => "3",
        }
    }
}

/// Whether 3-D Secure is mandatory for the transaction (`TdRequired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TdRequired {
    /// `0`: as the contract says.
    FollowContract,
    /// `1`: mandatory; payments without 3-D Secure and non-enrolled cards fail.
    Required,
    /// `2`: not mandatory; a non-enrolled card counts as a success.
    NotRequired,
}

impl TdRequired {
    /// The value on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Self::FollowContract => "0",
            Self::Required => "1",
            Self::NotRequired => "2",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_keep_unknown_values() {
        assert_eq!(Status::parse("AUTH"), Status::Auth);
        assert_eq!(
            Status::parse("PAYSUCCESS"),
            Status::Other("PAYSUCCESS".into())
        );
        assert_eq!(JobCd::ReturnX.as_str(), "RETURNX");
        assert_eq!(Method::parse("2", "3"), Some(Method::Installments(3)));
        assert_eq!(Method::parse("1", ""), Some(Method::Lump));
    }
}
