//! The catalogue of GMO error codes: what each `ErrInfo` means, what it means for the caller, and
//! a short message in English and Japanese.
//!
//! Where the data comes from: the codes and their meanings are paraphrased from the error table
//! of the reference the project started from (itself built from GMO's error list v1.72, the
//! `tricot-inc/errors-gmopg` list and the `t-k/gmo-payment-ruby` messages; see
//! `docs/protocol.md` §7.3), plus `M01004014`, `E01910008` and the whole `42C…` family, which
//! that table lists in its `C01` row. The kinds follow `docs/protocol.md` §7.1;
//! the messages are written in our own words, for an end user or an operator, and never contain
//! card data or secrets.
//!
//! GMO has well over a thousand codes (most for other payment methods); the ones not listed here
//! are classified by their prefix (`docs/protocol.md` §7.1): `42G…`/`G..` declined, `42C…`/`C..` outcome unknown,
//! `EX1` token, `E92` throttled, `E90`/`E91` outcome unknown, `E82`/`E11` state conflict, `E21`
//! 3-D Secure, `E41` declined, `E61` merchant configuration, anything else an invalid request.
//!
//! # What `retryable` means
//!
//! `retryable` marks the codes GMO's lists call transient: `E92` (throttled) and the `42C…`
//! network failures. For a [`Throttled`](ErrorKind::Throttled) code it means "send the same
//! request again later, with back-off": nothing happened. For an
//! [`OutcomeUnknown`](ErrorKind::OutcomeUnknown) code it means only "may be sent again **once a
//! SearchTrade shows that nothing happened**": the first attempt may have gone through, and
//! money-moving calls run at most once.
//!
//! # Several codes in one answer
//!
//! GMO may answer with several pairs at once. A repeated ExecTran answers
//! `E01050004|M01004014`: `E01050004` alone means "JobCd not allowed by the contract"
//! ([`MerchantConfiguration`](ErrorKind::MerchantConfiguration)), but `M01004014` next to it means
//! the transaction was already executed ([`StateConflict`](ErrorKind::StateConflict)). Whoever
//! combines the pairs should let `StateConflict` win over `MerchantConfiguration`.
//!
//! ```
//! use gmo_core::error::ErrorKind;
//! use gmo_core::error::catalogue::{classify, lookup, message_en};
//!
//! assert_eq!(classify("G02", "42G020000"), ErrorKind::Declined);
//! assert_eq!(lookup("E92000001").map(|c| c.retryable), Some(true));
//! // Not in the catalogue: classified by its prefix, with a generic message.
//! assert_eq!(classify("G77", "42G770001"), ErrorKind::Declined);
//! assert!(message_en("42G770001").contains("declined"));
//! ```

use super::kind::ErrorKind;

/// What one `ErrInfo` code means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    /// The 3-character class GMO pairs with it, e.g. `E01`, or `G02` for `42G020000`.
    pub err_code: &'static str,
    /// The 9-character detail code, e.g. `E01040010`.
    pub err_info: &'static str,
    /// What it means for the caller.
    pub kind: ErrorKind,
    /// Whether the request may be sent again later unchanged; for an
    /// [`OutcomeUnknown`](ErrorKind::OutcomeUnknown) code only once a SearchTrade shows that
    /// nothing happened (see the module docs).
    pub retryable: bool,
    /// A short message in English.
    pub en: &'static str,
    /// A short message in Japanese.
    pub ja: &'static str,
}

/// Every catalogued code, sorted by `err_info` in byte order (`lookup` binary-searches it).
static CATALOGUE: &[CodeInfo] = &[
    CodeInfo {
        err_code: "C01",
        err_info: "42C010000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C03",
        err_info: "42C030000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C12",
        err_info: "42C120000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C13",
        err_info: "42C130000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C14",
        err_info: "42C140000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C15",
        err_info: "42C150000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C33",
        err_info: "42C330000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C50",
        err_info: "42C500000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C51",
        err_info: "42C510000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C53",
        err_info: "42C530000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C54",
        err_info: "42C540000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C55",
        err_info: "42C550000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C56",
        err_info: "42C560000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C57",
        err_info: "42C570000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C58",
        err_info: "42C580000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C60",
        err_info: "42C600000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C70",
        err_info: "42C700000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C71",
        err_info: "42C710000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C72",
        err_info: "42C720000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C73",
        err_info: "42C730000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C74",
        err_info: "42C740000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C75",
        err_info: "42C750000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C76",
        err_info: "42C760000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C77",
        err_info: "42C770000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "C78",
        err_info: "42C780000",
        kind: ErrorKind::OutcomeUnknown,
        retryable: true,
        en: "Communication with the card company failed; the result is unknown, check the transaction status.",
        ja: "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "G02",
        err_info: "42G020000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: insufficient funds.",
        ja: "残高不足のため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G03",
        err_info: "42G030000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: credit limit exceeded.",
        ja: "利用限度額を超えているため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G04",
        err_info: "42G040000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: insufficient funds.",
        ja: "残高不足のため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G05",
        err_info: "42G050000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: credit limit exceeded.",
        ja: "利用限度額を超えているため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G06",
        err_info: "42G060000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: insufficient balance in the debit account.",
        ja: "デビットカードの口座残高が不足しているため、承認されませんでした。",
    },
    CodeInfo {
        err_code: "G07",
        err_info: "42G070000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: limit exceeded.",
        ja: "限度額を超えているため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G12",
        err_info: "42G120000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: it cannot be used for this payment.",
        ja: "このカードはこのお支払いにご利用いただけません。",
    },
    CodeInfo {
        err_code: "G22",
        err_info: "42G220000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: it cannot be used.",
        ja: "このカードはご利用いただけません。",
    },
    CodeInfo {
        err_code: "G30",
        err_info: "42G300000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: it cannot be used.",
        ja: "このカードはご利用いただけません。",
    },
    CodeInfo {
        err_code: "G42",
        err_info: "42G420000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the PIN is incorrect.",
        ja: "暗証番号が正しくないため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G44",
        err_info: "42G440000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the security code is incorrect.",
        ja: "セキュリティコードが正しくないため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G45",
        err_info: "42G450000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the security code is required.",
        ja: "セキュリティコードが入力されていないため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G54",
        err_info: "42G540000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: it cannot be used.",
        ja: "このカードはご利用いただけません。",
    },
    CodeInfo {
        err_code: "G55",
        err_info: "42G550000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: credit limit exceeded.",
        ja: "利用限度額を超えているため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G56",
        err_info: "42G560000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: it cannot be used.",
        ja: "このカードはご利用いただけません。",
    },
    CodeInfo {
        err_code: "G60",
        err_info: "42G600000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: it cannot be used.",
        ja: "このカードはご利用いただけません。",
    },
    CodeInfo {
        err_code: "G61",
        err_info: "42G610000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: it cannot be used.",
        ja: "このカードはご利用いただけません。",
    },
    CodeInfo {
        err_code: "G65",
        err_info: "42G650000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the card number is incorrect.",
        ja: "カード番号が正しくないため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G67",
        err_info: "42G670000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the item code is invalid.",
        ja: "商品コードに誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G68",
        err_info: "42G680000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the amount is invalid.",
        ja: "金額に誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G69",
        err_info: "42G690000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the tax and shipping amount is invalid.",
        ja: "税送料に誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G70",
        err_info: "42G700000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the number of bonus payments is invalid.",
        ja: "ボーナス回数に誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G71",
        err_info: "42G710000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the bonus month is invalid.",
        ja: "ボーナス月に誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G72",
        err_info: "42G720000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the bonus amount is invalid.",
        ja: "ボーナス額に誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G73",
        err_info: "42G730000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the first payment month is invalid.",
        ja: "支払開始月に誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G74",
        err_info: "42G740000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the number of instalments is invalid.",
        ja: "分割回数に誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G75",
        err_info: "42G750000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the instalment amount is invalid.",
        ja: "分割金額に誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G76",
        err_info: "42G760000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the first instalment amount is invalid.",
        ja: "初回金額に誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G77",
        err_info: "42G770000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the business category is invalid.",
        ja: "業務区分に誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G78",
        err_info: "42G780000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the payment category is invalid.",
        ja: "支払区分に誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G79",
        err_info: "42G790000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the inquiry category is invalid.",
        ja: "照会区分に誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G80",
        err_info: "42G800000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the cancellation category is invalid.",
        ja: "取消区分に誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G81",
        err_info: "42G810000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the cancellation handling category is invalid.",
        ja: "取消取扱区分に誤りがあるため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G83",
        err_info: "42G830000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: the expiry date is wrong or the card has expired.",
        ja: "有効期限に誤りがあるか期限切れのため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G91",
        err_info: "42G910000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined because of a system failure at the card company.",
        ja: "カード会社のシステム障害のため、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G92",
        err_info: "42G920000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined at the card company's discretion.",
        ja: "カード会社の判断により、カードが承認されませんでした。",
    },
    CodeInfo {
        err_code: "G95",
        err_info: "42G950000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: it cannot be used.",
        ja: "このカードはご利用いただけません。",
    },
    CodeInfo {
        err_code: "G96",
        err_info: "42G960000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: it cannot be used.",
        ja: "このカードはご利用いただけません。",
    },
    CodeInfo {
        err_code: "G97",
        err_info: "42G970000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: it cannot be used.",
        ja: "このカードはご利用いただけません。",
    },
    CodeInfo {
        err_code: "G98",
        err_info: "42G980000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: it cannot be used.",
        ja: "このカードはご利用いただけません。",
    },
    CodeInfo {
        err_code: "G99",
        err_info: "42G990000",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "The card was declined: it cannot be used.",
        ja: "このカードはご利用いただけません。",
    },
    CodeInfo {
        err_code: "E00",
        err_info: "E00000000",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The connectivity test from GMO arrived; no action is needed.",
        ja: "GMOからの疎通確認です。対応は不要です。",
    },
    CodeInfo {
        err_code: "E00",
        err_info: "E00000001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The request must be sent with HTTP POST.",
        ja: "リクエストはHTTPのPOSTで送信してください。",
    },
    CodeInfo {
        err_code: "E00",
        err_info: "E00000002",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The request's Accept headers are not acceptable.",
        ja: "リクエストのAcceptヘッダーを受け付けられません。",
    },
    CodeInfo {
        err_code: "E00",
        err_info: "E00000003",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The request's Content-Type is not acceptable.",
        ja: "リクエストのContent-Typeを受け付けられません。",
    },
    CodeInfo {
        err_code: "E00",
        err_info: "E00000010",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The request body is empty or malformed.",
        ja: "リクエスト本文が空か、形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01010001",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "The shop ID is missing.",
        ja: "ショップIDが指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01010008",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "The shop ID has an invalid format.",
        ja: "ショップIDの形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01010010",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "The shop ID does not match.",
        ja: "ショップIDが一致しません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01020001",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "The shop password is missing.",
        ja: "ショップパスワードが指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01020008",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "The shop password has an invalid format.",
        ja: "ショップパスワードの形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01030002",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "Shop authentication failed: check the shop ID and password.",
        ja: "ショップ認証に失敗しました。ショップIDとパスワードを確認してください。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01040001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The order ID is missing.",
        ja: "オーダーIDが指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01040003",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The order ID is longer than 27 characters.",
        ja: "オーダーIDが27文字を超えています。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01040010",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "This order ID has already been used; use a new order ID.",
        ja: "このオーダーIDは既に使用されています。新しいオーダーIDを使用してください。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01040013",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The order ID may contain only letters, digits and hyphens.",
        ja: "オーダーIDには英数字とハイフンのみ使用できます。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01050001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The job code is missing.",
        ja: "処理区分が指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01050002",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The job code is not a valid value.",
        ja: "処理区分の値が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01050004",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "This job code cannot be executed: the contract does not allow it, or the transaction was already executed.",
        ja: "この処理区分は実行できません。契約の対象外か、取引が既に実行済みです。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01060001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The amount is missing.",
        ja: "利用金額が指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01060005",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The amount has too many digits.",
        ja: "利用金額の桁数が多すぎます。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01060006",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The amount must contain digits only.",
        ja: "利用金額は数字のみで指定してください。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01060010",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The amount does not match the transaction's amount.",
        ja: "利用金額が取引の金額と一致しません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01060011",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The amount is outside the allowed range.",
        ja: "利用金額が許容範囲外です。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01060021",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The amount does not match the transaction's amount.",
        ja: "利用金額が取引の金額と一致しません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01070005",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The tax and shipping amount has too many digits.",
        ja: "税送料の桁数が多すぎます。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01070006",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The tax and shipping amount must contain digits only.",
        ja: "税送料は数字のみで指定してください。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01080007",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The 3-D Secure flag has an invalid value.",
        ja: "3Dセキュア利用フラグの値が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01080010",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "3-D Secure was requested, but the shop's contract does not include it.",
        ja: "3Dセキュアが指定されましたが、ショップの契約に含まれていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01080101",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "This shop requires 3-D Secure, but it was not requested.",
        ja: "このショップでは3Dセキュアが必須ですが、指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01090001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The access ID is missing.",
        ja: "取引IDが指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01090008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The access ID has an invalid format.",
        ja: "取引IDの形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01100001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The access password is missing.",
        ja: "取引パスワードが指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01100008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The access password has an invalid format.",
        ja: "取引パスワードの形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01110002",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "No transaction matches the given access ID and password.",
        ja: "指定された取引IDとパスワードに該当する取引がありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01110010",
        kind: ErrorKind::StateConflict,
        retryable: false,
        en: "The transaction has not been settled yet, so this operation is not possible.",
        ja: "取引がまだ決済されていないため、この操作はできません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01130012",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The card name is too long.",
        ja: "カード名称が長すぎます。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01170001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The card number is missing.",
        ja: "カード番号が入力されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01170003",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The card number is too long.",
        ja: "カード番号が長すぎます。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01170006",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The card number must contain digits only.",
        ja: "カード番号は数字のみで入力してください。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01170011",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The card number must be 10 to 16 digits long.",
        ja: "カード番号は10〜16桁で入力してください。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01180001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The expiry date is missing.",
        ja: "有効期限が入力されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01180003",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The expiry date must be 4 digits.",
        ja: "有効期限は4桁で入力してください。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01180006",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The expiry date must contain digits only.",
        ja: "有効期限は数字のみで入力してください。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01180008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The expiry date has an invalid format.",
        ja: "有効期限の形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01180011",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The expiry date has an invalid format.",
        ja: "有効期限の形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01190001",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "The site ID is missing.",
        ja: "サイトIDが指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01190008",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "The site ID has an invalid format.",
        ja: "サイトIDの形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01200001",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "The site password is missing.",
        ja: "サイトパスワードが指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01200007",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "The site ID is incorrect.",
        ja: "サイトIDが正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01200008",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "The site password has an invalid format.",
        ja: "サイトパスワードの形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01210002",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "Site authentication failed: check the site ID and password.",
        ja: "サイト認証に失敗しました。サイトIDとパスワードを確認してください。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01220001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The member ID is missing.",
        ja: "会員IDが指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01220005",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The member ID is too long.",
        ja: "会員IDが長すぎます。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01220008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The member ID has an invalid format.",
        ja: "会員IDの形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01220010",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The member ID is already in use or invalid.",
        ja: "会員IDが重複しているか、正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01220012",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The member ID has an invalid length.",
        ja: "会員IDの長さが正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01230001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The card sequence number is missing.",
        ja: "カード登録連番が指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01230006",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The card sequence number must contain digits only.",
        ja: "カード登録連番は数字のみで指定してください。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01230009",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The member already has the maximum number of registered cards.",
        ja: "登録できるカードの上限に達しています。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01240002",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The specified card is not registered.",
        ja: "指定されたカードは登録されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01250008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The card password has an invalid format.",
        ja: "カードパスワードの形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01250010",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The card password does not match.",
        ja: "カードパスワードが一致しません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01260001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The payment method is missing.",
        ja: "支払方法が指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01260002",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The payment method is not a valid value.",
        ja: "支払方法の値が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01260010",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "This card or payment method cannot be used.",
        ja: "このカードまたは支払方法はご利用いただけません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01270001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The number of instalments is missing.",
        ja: "支払回数が指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01270005",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The number of instalments has too many digits.",
        ja: "支払回数の桁数が多すぎます。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01270006",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The number of instalments must contain digits only.",
        ja: "支払回数は数字のみで指定してください。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01270010",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "This number of instalments is not available.",
        ja: "指定された支払回数はご利用いただけません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01290001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The browser's HTTP Accept value is missing.",
        ja: "ブラウザのHTTP_ACCEPTが指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01300001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The browser's HTTP User-Agent value is missing.",
        ja: "ブラウザのHTTP_USER_AGENTが指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01310002",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The device category is missing.",
        ja: "使用端末情報が指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01310007",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The device category must be 0 or 1.",
        ja: "使用端末情報は0または1で指定してください。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01320012",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "Client field 1 is too long.",
        ja: "加盟店自由項目1が長すぎます。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01330012",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "Client field 2 is too long.",
        ja: "加盟店自由項目2が長すぎます。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01340012",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "Client field 3 is too long.",
        ja: "加盟店自由項目3が長すぎます。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01350001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The 3-D Secure MD value is missing.",
        ja: "3DセキュアのMDが指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01350008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The 3-D Secure MD value has an invalid format.",
        ja: "3DセキュアのMDの形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01360001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The 3-D Secure PaRes value is missing.",
        ja: "3DセキュアのPaResが指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01370008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The shop name shown during 3-D Secure has an invalid format.",
        ja: "3Dセキュア表示店舗名の形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01370012",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The shop name shown during 3-D Secure is too long.",
        ja: "3Dセキュア表示店舗名が長すぎます。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01390002",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "No member with this member ID exists.",
        ja: "指定された会員IDの会員は存在しません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01390010",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "A member with this member ID already exists.",
        ja: "指定された会員IDの会員は既に存在します。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01400007",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The client field return flag must be 0 or 1.",
        ja: "加盟店自由項目返却フラグは0または1で指定してください。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01410010",
        kind: ErrorKind::StateConflict,
        retryable: false,
        en: "The transaction is locked and cannot be changed.",
        ja: "取引が操作禁止の状態のため、変更できません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01420010",
        kind: ErrorKind::StateConflict,
        retryable: false,
        en: "The authorisation has expired and can no longer be captured.",
        ja: "仮売上の有効期間を過ぎているため、売上を確定できません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01430012",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The member name is too long.",
        ja: "会員名が長すぎます。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01440008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The default card flag has an invalid format.",
        ja: "洗替・継続課金フラグの形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01450008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The item code has an invalid format.",
        ja: "商品コードの形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01460008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The security code has an invalid format.",
        ja: "セキュリティコードの形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01470008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The card sequence mode has an invalid format.",
        ja: "カード登録連番モードの形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01480008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The cardholder name has an invalid format.",
        ja: "カード名義人の形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01480011",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The cardholder name is too long.",
        ja: "カード名義人が長すぎます。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01490005",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The total of amount and tax exceeds the allowed limit.",
        ja: "利用金額と税送料の合計が上限を超えています。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01630010",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The member ID differs from the one on the transaction.",
        ja: "会員IDが取引の会員IDと一致しません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01640010",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The site ID differs from the one on the transaction.",
        ja: "サイトIDが取引のサイトIDと一致しません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01650012",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "The shop does not belong to the given site.",
        ja: "ショップが指定されたサイトに属していません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01840010",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "This combination of parameters is not allowed.",
        ja: "パラメータの組み合わせが正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01870008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The token type has an invalid format.",
        ja: "トークンタイプの形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01910008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The mask-level setting flag has an invalid format.",
        ja: "マスクレベル利用有無の形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01950008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The setting for cards without 3-D Secure 2.0 (Tds2Type) has an invalid format.",
        ja: "3Dセキュア2.0非対応カードの取扱い（Tds2Type）の形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01E30001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The return URL for 3-D Secure is missing.",
        ja: "3Dセキュアの戻りURLが指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01E30005",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The return URL for 3-D Secure is too long.",
        ja: "3Dセキュアの戻りURLが長すぎます。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01E40001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The authentication status is missing.",
        ja: "認証状態が指定されていません。",
    },
    CodeInfo {
        err_code: "E01",
        err_info: "E01E40008",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The authentication status has an invalid format.",
        ja: "認証状態の形式が正しくありません。",
    },
    CodeInfo {
        err_code: "E11",
        err_info: "E11010001",
        kind: ErrorKind::StateConflict,
        retryable: false,
        en: "The transaction has already been settled.",
        ja: "この取引は既に決済済みです。",
    },
    CodeInfo {
        err_code: "E11",
        err_info: "E11010002",
        kind: ErrorKind::StateConflict,
        retryable: false,
        en: "The transaction has not been settled, so it cannot be changed.",
        ja: "取引が未決済のため、変更できません。",
    },
    CodeInfo {
        err_code: "E11",
        err_info: "E11010003",
        kind: ErrorKind::StateConflict,
        retryable: false,
        en: "This operation is not possible in the transaction's current state.",
        ja: "現在の取引状態では、この操作はできません。",
    },
    CodeInfo {
        err_code: "E11",
        err_info: "E11010010",
        kind: ErrorKind::StateConflict,
        retryable: false,
        en: "The transaction is more than 180 days old and can no longer be processed.",
        ja: "決済から180日を過ぎているため、この取引は操作できません。",
    },
    CodeInfo {
        err_code: "E11",
        err_info: "E11010099",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "This card cannot be used: its card company could not be determined.",
        ja: "カード会社を判定できないため、このカードはご利用いただけません。",
    },
    CodeInfo {
        err_code: "E11",
        err_info: "E11010999",
        kind: ErrorKind::StateConflict,
        retryable: false,
        en: "The transaction may already be complete; check its status.",
        ja: "取引は既に完了している可能性があります。取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "E11",
        err_info: "E11310005",
        kind: ErrorKind::StateConflict,
        retryable: false,
        en: "The card cannot be registered: the member already has a card.",
        ja: "会員に既にカードが登録されているため、カードを登録できません。",
    },
    CodeInfo {
        err_code: "E21",
        err_info: "E21010001",
        kind: ErrorKind::ThreeDSecureFailed,
        retryable: false,
        en: "3-D Secure authentication failed.",
        ja: "本人認証（3Dセキュア）に失敗しました。",
    },
    CodeInfo {
        err_code: "E21",
        err_info: "E21010007",
        kind: ErrorKind::ThreeDSecureFailed,
        retryable: false,
        en: "3-D Secure authentication failed.",
        ja: "本人認証（3Dセキュア）に失敗しました。",
    },
    CodeInfo {
        err_code: "E21",
        err_info: "E21010201",
        kind: ErrorKind::ThreeDSecureFailed,
        retryable: false,
        en: "3-D Secure is required, but this card is not enrolled in it.",
        ja: "本人認証（3Dセキュア）が必須ですが、このカードは対応していません。",
    },
    CodeInfo {
        err_code: "E21",
        err_info: "E21010202",
        kind: ErrorKind::ThreeDSecureFailed,
        retryable: false,
        en: "3-D Secure is required, but no 3-D Secure password is set for this card.",
        ja: "本人認証（3Dセキュア）が必須ですが、このカードにはパスワードが設定されていません。",
    },
    CodeInfo {
        err_code: "E21",
        err_info: "E21020001",
        kind: ErrorKind::ThreeDSecureFailed,
        retryable: false,
        en: "3-D Secure authentication failed.",
        ja: "本人認証（3Dセキュア）に失敗しました。",
    },
    CodeInfo {
        err_code: "E21",
        err_info: "E21020002",
        kind: ErrorKind::ThreeDSecureFailed,
        retryable: false,
        en: "3-D Secure authentication was cancelled.",
        ja: "本人認証（3Dセキュア）がキャンセルされました。",
    },
    CodeInfo {
        err_code: "E21",
        err_info: "E21020007",
        kind: ErrorKind::ThreeDSecureFailed,
        retryable: false,
        en: "3-D Secure authentication failed.",
        ja: "本人認証（3Dセキュア）に失敗しました。",
    },
    CodeInfo {
        err_code: "E21",
        err_info: "E21020999",
        kind: ErrorKind::ThreeDSecureFailed,
        retryable: false,
        en: "3-D Secure authentication failed.",
        ja: "本人認証（3Dセキュア）に失敗しました。",
    },
    CodeInfo {
        err_code: "E21",
        err_info: "E21030001",
        kind: ErrorKind::ThreeDSecureFailed,
        retryable: false,
        en: "3-D Secure authentication could not be started.",
        ja: "本人認証（3Dセキュア）を開始できませんでした。",
    },
    CodeInfo {
        err_code: "E21",
        err_info: "E21030007",
        kind: ErrorKind::ThreeDSecureFailed,
        retryable: false,
        en: "3-D Secure authentication failed.",
        ja: "本人認証（3Dセキュア）に失敗しました。",
    },
    CodeInfo {
        err_code: "E21",
        err_info: "E21030201",
        kind: ErrorKind::ThreeDSecureFailed,
        retryable: false,
        en: "This card does not support 3-D Secure 2.0.",
        ja: "このカードは本人認証（3Dセキュア2.0）に対応していません。",
    },
    CodeInfo {
        err_code: "E21",
        err_info: "E21030202",
        kind: ErrorKind::ThreeDSecureFailed,
        retryable: false,
        en: "3-D Secure 2.0 authentication is required for this payment.",
        ja: "この決済には本人認証（3Dセキュア2.0）が必要です。",
    },
    CodeInfo {
        err_code: "E31",
        err_info: "E31500014",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The request was sent with GET; it must be sent with POST.",
        ja: "GETで送信されました。POSTで送信してください。",
    },
    CodeInfo {
        err_code: "E41",
        err_info: "E41170002",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "This card brand is not accepted here.",
        ja: "このカードブランドはご利用いただけません。",
    },
    CodeInfo {
        err_code: "E41",
        err_info: "E41170099",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The card number is invalid.",
        ja: "カード番号が正しくありません。",
    },
    CodeInfo {
        err_code: "E61",
        err_info: "E61010001",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "The shop's settings are wrong; contact GMO.",
        ja: "加盟店の設定に誤りがあります。GMOにお問い合わせください。",
    },
    CodeInfo {
        err_code: "E61",
        err_info: "E61010002",
        kind: ErrorKind::Declined,
        retryable: false,
        en: "This card cannot be used here, or the card number is wrong.",
        ja: "このカードはご利用いただけないか、カード番号に誤りがあります。",
    },
    CodeInfo {
        err_code: "E61",
        err_info: "E61010003",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "The shop's settings are wrong; contact GMO.",
        ja: "加盟店の設定に誤りがあります。GMOにお問い合わせください。",
    },
    CodeInfo {
        err_code: "E61",
        err_info: "E61020001",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "This payment method is suspended for the shop.",
        ja: "このショップではこの決済方法が停止されています。",
    },
    CodeInfo {
        err_code: "E61",
        err_info: "E61030001",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "The shop's contract does not cover this operation.",
        ja: "この操作はショップの契約の対象外です。",
    },
    CodeInfo {
        err_code: "E61",
        err_info: "E61040001",
        kind: ErrorKind::MerchantConfiguration,
        retryable: false,
        en: "Card numbers may not be sent directly; use a card token.",
        ja: "カード番号を直接送信することはできません。トークンを使用してください。",
    },
    CodeInfo {
        err_code: "E82",
        err_info: "E82010001",
        kind: ErrorKind::StateConflict,
        retryable: false,
        en: "Another request for this transaction is in progress; check its result later.",
        ja: "この取引の別のリクエストが処理中です。後で結果を確認してください。",
    },
    CodeInfo {
        err_code: "E90",
        err_info: "E90010001",
        kind: ErrorKind::OutcomeUnknown,
        retryable: false,
        en: "The request was sent again while the first was still running; check the transaction status.",
        ja: "最初のリクエストの処理中に再送信されました。取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "E91",
        err_info: "E91019999",
        kind: ErrorKind::OutcomeUnknown,
        retryable: false,
        en: "GMO system error (database); the result is unknown, check the transaction status.",
        ja: "GMOのシステムエラー（データベース）です。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "E91",
        err_info: "E91020001",
        kind: ErrorKind::OutcomeUnknown,
        retryable: false,
        en: "The card network timed out; the result is unknown, check the transaction status.",
        ja: "カード会社との通信がタイムアウトしました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "E91",
        err_info: "E91029998",
        kind: ErrorKind::OutcomeUnknown,
        retryable: false,
        en: "GMO system error (communication); the result is unknown, check the transaction status.",
        ja: "GMOのシステムエラー（通信）です。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "E91",
        err_info: "E91029999",
        kind: ErrorKind::OutcomeUnknown,
        retryable: false,
        en: "GMO system error (communication); the result is unknown, check the transaction status.",
        ja: "GMOのシステムエラー（通信）です。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "E91",
        err_info: "E91050001",
        kind: ErrorKind::OutcomeUnknown,
        retryable: false,
        en: "GMO system error; the result is unknown, check the transaction status.",
        ja: "GMOのシステムエラーです。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "E91",
        err_info: "E91060001",
        kind: ErrorKind::OutcomeUnknown,
        retryable: false,
        en: "GMO internal error; the result is unknown, check the transaction status.",
        ja: "GMOの内部エラーです。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "E91",
        err_info: "E91099996",
        kind: ErrorKind::OutcomeUnknown,
        retryable: false,
        en: "GMO internal error; the result is unknown, check the transaction status.",
        ja: "GMOの内部エラーです。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "E91",
        err_info: "E91099997",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "No such API: check the request URL.",
        ja: "指定されたAPIは存在しません。リクエストURLを確認してください。",
    },
    CodeInfo {
        err_code: "E91",
        err_info: "E91099999",
        kind: ErrorKind::OutcomeUnknown,
        retryable: false,
        en: "Unexpected GMO system error; the result is unknown, check the transaction status.",
        ja: "GMOで想定外のエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
    },
    CodeInfo {
        err_code: "E92",
        err_info: "E92000001",
        kind: ErrorKind::Throttled,
        retryable: true,
        en: "The payment service is busy; try again in a moment.",
        ja: "決済サービスが混み合っています。しばらくしてから再度お試しください。",
    },
    CodeInfo {
        err_code: "E92",
        err_info: "E92000002",
        kind: ErrorKind::Throttled,
        retryable: true,
        en: "The payment service is busy; try again in a moment.",
        ja: "決済サービスが混み合っています。しばらくしてから再度お試しください。",
    },
    CodeInfo {
        err_code: "EX1",
        err_info: "EX1000301",
        kind: ErrorKind::TokenProblem,
        retryable: false,
        en: "The card token was not found; enter the card details again.",
        ja: "カードトークンが見つかりません。カード情報を再度入力してください。",
    },
    CodeInfo {
        err_code: "EX1",
        err_info: "EX1000302",
        kind: ErrorKind::TokenProblem,
        retryable: false,
        en: "The card token has already been used; enter the card details again.",
        ja: "カードトークンは既に使用されています。カード情報を再度入力してください。",
    },
    CodeInfo {
        err_code: "EX1",
        err_info: "EX1000303",
        kind: ErrorKind::TokenProblem,
        retryable: false,
        en: "The card token has expired; enter the card details again.",
        ja: "カードトークンの有効期限が切れています。カード情報を再度入力してください。",
    },
    CodeInfo {
        err_code: "EX1",
        err_info: "EX1000304",
        kind: ErrorKind::TokenProblem,
        retryable: false,
        en: "The card token is not valid; enter the card details again.",
        ja: "カードトークンが無効です。カード情報を再度入力してください。",
    },
    CodeInfo {
        err_code: "M01",
        err_info: "M01004002",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "No transaction is registered for this order ID.",
        ja: "このオーダーIDの取引は登録されていません。",
    },
    CodeInfo {
        err_code: "M01",
        err_info: "M01004010",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "This order ID has already been used.",
        ja: "このオーダーIDは既に使用されています。",
    },
    CodeInfo {
        err_code: "M01",
        err_info: "M01004012",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The order ID is too long.",
        ja: "オーダーIDが長すぎます。",
    },
    CodeInfo {
        err_code: "M01",
        err_info: "M01004013",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The order ID contains characters that are not allowed.",
        ja: "オーダーIDに使用できない文字が含まれています。",
    },
    CodeInfo {
        err_code: "M01",
        err_info: "M01004014",
        kind: ErrorKind::StateConflict,
        retryable: false,
        en: "This order has already been submitted for payment.",
        ja: "このオーダーは既に決済処理されています。",
    },
    CodeInfo {
        err_code: "M01",
        err_info: "M01051001",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The payment type is missing.",
        ja: "決済方法が指定されていません。",
    },
    CodeInfo {
        err_code: "M01",
        err_info: "M01051005",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The payment type is too long.",
        ja: "決済方法の桁数が多すぎます。",
    },
    CodeInfo {
        err_code: "M01",
        err_info: "M01051011",
        kind: ErrorKind::InvalidRequest,
        retryable: false,
        en: "The payment type is outside the valid range.",
        ja: "決済方法の値が範囲外です。",
    },
];

/// Every catalogued code, sorted by `err_info`.
pub fn all() -> &'static [CodeInfo] {
    CATALOGUE
}

/// The catalogue entry of an `ErrInfo` code.
///
/// ```
/// use gmo_core::error::ErrorKind;
/// use gmo_core::error::catalogue::lookup;
///
/// let info = lookup("EX1000302").unwrap();
/// assert_eq!((info.err_code, info.kind), ("EX1", ErrorKind::TokenProblem));
/// assert!(lookup("Z99000000").is_none());
/// ```
pub fn lookup(err_info: &str) -> Option<&'static CodeInfo> {
    CATALOGUE
        .binary_search_by(|c| c.err_info.cmp(err_info))
        .ok()
        .map(|i| &CATALOGUE[i])
}

/// Classifies a code pair: the catalogue first, then GMO's prefixes for codes it does not list.
///
/// ```
/// use gmo_core::error::ErrorKind;
/// use gmo_core::error::catalogue::classify;
///
/// assert_eq!(classify("E01", "E01040010"), ErrorKind::InvalidRequest);
/// assert_eq!(classify("C99", "42C990000"), ErrorKind::OutcomeUnknown);
/// assert_eq!(classify("E91", "E91999999"), ErrorKind::OutcomeUnknown);
/// ```
pub fn classify(err_code: &str, err_info: &str) -> ErrorKind {
    match lookup(err_info) {
        Some(info) => info.kind,
        None => classify_by_prefix(err_code, err_info),
    }
}

/// The English message for an `ErrInfo` code; a generic one by kind for uncatalogued codes.
///
/// ```
/// use gmo_core::error::catalogue::message_en;
///
/// assert_eq!(message_en("42G020000"), "The card was declined: insufficient funds.");
/// ```
pub fn message_en(err_info: &str) -> &'static str {
    match lookup(err_info) {
        Some(info) => info.en,
        None => generic_en(classify_by_prefix("", err_info)),
    }
}

/// The Japanese message for an `ErrInfo` code; a generic one by kind for uncatalogued codes.
///
/// ```
/// use gmo_core::error::catalogue::message_ja;
///
/// assert_eq!(message_ja("42G020000"), "残高不足のため、カードが承認されませんでした。");
/// ```
pub fn message_ja(err_info: &str) -> &'static str {
    match lookup(err_info) {
        Some(info) => info.ja,
        None => generic_ja(classify_by_prefix("", err_info)),
    }
}

/// GMO's classes (`docs/protocol.md` §7.1) for codes the catalogue does not list: the `ErrInfo` prefix decides, and
/// the `ErrCode` only when the `ErrInfo` prefix is not a known class.
fn classify_by_prefix(err_code: &str, err_info: &str) -> ErrorKind {
    kind_of_info_prefix(err_info)
        .or_else(|| kind_of_code_class(err_code))
        .unwrap_or(ErrorKind::InvalidRequest)
}

fn kind_of_info_prefix(err_info: &str) -> Option<ErrorKind> {
    // `get` rather than slicing: the input comes from the wire and may be short or not ASCII.
    let kind = match err_info.get(..3)? {
        "42G" | "E41" => ErrorKind::Declined,
        "42C" | "E90" | "E91" => ErrorKind::OutcomeUnknown,
        "EX1" => ErrorKind::TokenProblem,
        "E92" => ErrorKind::Throttled,
        "E82" | "E11" => ErrorKind::StateConflict,
        "E21" => ErrorKind::ThreeDSecureFailed,
        "E61" => ErrorKind::MerchantConfiguration,
        "E00" | "E01" | "E31" | "M01" => ErrorKind::InvalidRequest,
        _ => return None,
    };
    Some(kind)
}

fn kind_of_code_class(err_code: &str) -> Option<ErrorKind> {
    // Card-company answers pair `G..`/`C..` with `42G…`/`42C…`; other classes equal the
    // `ErrInfo` prefix.
    match err_code.as_bytes().first()? {
        b'G' => Some(ErrorKind::Declined),
        b'C' => Some(ErrorKind::OutcomeUnknown),
        _ => kind_of_info_prefix(err_code),
    }
}

fn generic_en(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidRequest => "The request was not accepted; check the details entered.",
        ErrorKind::Declined => {
            "The card was declined by the card company; please use another card."
        }
        ErrorKind::TokenProblem => "The card token cannot be used; enter the card details again.",
        ErrorKind::StateConflict => {
            "The transaction is not in a state that allows this operation; check its status."
        }
        ErrorKind::OutcomeUnknown => {
            "A system or network error occurred; the result is unknown, check the transaction status."
        }
        ErrorKind::Throttled => "The payment service is busy; try again in a moment.",
        ErrorKind::MerchantConfiguration => {
            "The shop's settings or contract do not allow this; contact GMO."
        }
        ErrorKind::ThreeDSecureFailed => "3-D Secure authentication failed.",
    }
}

fn generic_ja(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidRequest => {
            "リクエストを受け付けられませんでした。入力内容を確認してください。"
        }
        ErrorKind::Declined => {
            "カード会社によりカードが承認されませんでした。別のカードをご利用ください。"
        }
        ErrorKind::TokenProblem => {
            "カードトークンが利用できません。カード情報を再度入力してください。"
        }
        ErrorKind::StateConflict => {
            "現在の取引状態では、この操作はできません。取引の状態を確認してください。"
        }
        ErrorKind::OutcomeUnknown => {
            "システムまたは通信のエラーにより結果が不明です。取引の状態を確認してください。"
        }
        ErrorKind::Throttled => {
            "決済サービスが混み合っています。しばらくしてから再度お試しください。"
        }
        ErrorKind::MerchantConfiguration => {
            "ショップの設定または契約により、この操作はできません。GMOにお問い合わせください。"
        }
        ErrorKind::ThreeDSecureFailed => "本人認証（3Dセキュア）に失敗しました。",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const ALL_KINDS: [ErrorKind; 8] = [
        ErrorKind::InvalidRequest,
        ErrorKind::Declined,
        ErrorKind::TokenProblem,
        ErrorKind::StateConflict,
        ErrorKind::OutcomeUnknown,
        ErrorKind::Throttled,
        ErrorKind::MerchantConfiguration,
        ErrorKind::ThreeDSecureFailed,
    ];

    /// Catalogued codes whose kind deliberately differs from their prefix's (see the module docs
    /// and each entry): a new difference must be added here on purpose.
    const PREFIX_EXCEPTIONS: &[&str] = &[
        // Shop/site credentials and their pairing: the merchant's settings, not the request.
        "E01010001",
        "E01010008",
        "E01010010",
        "E01020001",
        "E01020008",
        "E01030002",
        "E01190001",
        "E01190008",
        "E01200001",
        "E01200007",
        "E01200008",
        "E01210002",
        "E01650012",
        // Contract: JobCd not allowed, 3-D Secure not contracted / mandatory.
        "E01050004",
        "E01080010",
        "E01080101",
        // The transaction's state forbids the call: not settled, locked, authorisation expired.
        "E01110010",
        "E01410010",
        "E01420010",
        // Already submitted for settlement (pairs with E01050004 on a repeated ExecTran).
        "M01004014",
        // Card unusable (issuer undeterminable / not accepted by the contract): another card.
        "E11010099",
        "E61010002",
        // Luhn check failed: a mistyped number, not an issuer refusal.
        "E41170099",
        // Wrong URL: nothing happened, unlike the other E91 codes.
        "E91099997",
    ];

    #[test]
    fn catalogue_is_sorted_without_duplicates() {
        for pair in CATALOGUE.windows(2) {
            assert!(
                pair[0].err_info.as_bytes() < pair[1].err_info.as_bytes(),
                "{} must come before {}",
                pair[0].err_info,
                pair[1].err_info
            );
        }
    }

    #[test]
    fn every_catalogued_code_is_found_by_lookup() {
        for info in all() {
            assert_eq!(lookup(info.err_info), Some(info));
        }
        assert!(
            CATALOGUE.len() >= 198,
            "the error table the catalogue was built from has 198 rows (docs/protocol.md §7.3)"
        );
    }

    #[test]
    fn codes_have_gmo_shapes_and_consistent_classes() {
        for info in all() {
            let (code, detail) = (info.err_code, info.err_info);
            assert_eq!(detail.len(), 9, "{detail}");
            assert_eq!(code.len(), 3, "{detail}");
            assert!(
                detail.bytes().all(|b| b.is_ascii_alphanumeric()),
                "{detail}"
            );
            let expected_code = match detail.strip_prefix("42") {
                // 42G020000 pairs with G02, 42C010000 with C01.
                Some(rest) => {
                    assert!(detail.ends_with("0000"), "{detail}");
                    rest[..3].to_string()
                }
                None => detail[..3].to_string(),
            };
            assert_eq!(code, expected_code, "{detail}");
        }
    }

    #[test]
    fn kinds_follow_the_prefix_except_the_listed_judgement_calls() {
        for info in all() {
            let by_prefix = classify_by_prefix(info.err_code, info.err_info);
            let excepted = PREFIX_EXCEPTIONS.contains(&info.err_info);
            assert_eq!(
                info.kind != by_prefix,
                excepted,
                "{}: catalogued {:?}, prefix says {:?}",
                info.err_info,
                info.kind,
                by_prefix
            );
        }
        for code in PREFIX_EXCEPTIONS {
            assert!(lookup(code).is_some(), "{code} is not catalogued");
        }
    }

    #[test]
    fn only_throttling_and_network_failures_are_retryable() {
        for info in all() {
            let transient = info.err_info.starts_with("E92") || info.err_info.starts_with("42C");
            assert_eq!(info.retryable, transient, "{}", info.err_info);
            if info.retryable {
                assert!(
                    matches!(info.kind, ErrorKind::Throttled | ErrorKind::OutcomeUnknown),
                    "{}",
                    info.err_info
                );
            }
        }
    }

    #[test]
    fn spot_checks() {
        let duplicate_order = lookup("E01040010").unwrap();
        assert_eq!(duplicate_order.err_code, "E01");
        assert_eq!(duplicate_order.kind, ErrorKind::InvalidRequest);
        assert!(duplicate_order.en.contains("order ID"));

        let insufficient = lookup("42G020000").unwrap();
        assert_eq!(insufficient.err_code, "G02");
        assert_eq!(insufficient.kind, ErrorKind::Declined);
        assert!(!insufficient.retryable);

        let busy = lookup("E92000001").unwrap();
        assert_eq!(busy.kind, ErrorKind::Throttled);
        assert!(busy.retryable);

        let used_token = lookup("EX1000302").unwrap();
        assert_eq!(used_token.err_code, "EX1");
        assert_eq!(used_token.kind, ErrorKind::TokenProblem);

        assert_eq!(
            classify("E01", "E01050004"),
            ErrorKind::MerchantConfiguration
        );
        assert_eq!(classify("M01", "M01004014"), ErrorKind::StateConflict);
        assert_eq!(classify("E11", "E11010001"), ErrorKind::StateConflict);
        assert_eq!(classify("E01", "E01110010"), ErrorKind::StateConflict);
        assert_eq!(classify("E21", "E21030201"), ErrorKind::ThreeDSecureFailed);
        assert_eq!(
            classify("E61", "E61040001"),
            ErrorKind::MerchantConfiguration
        );
        assert_eq!(classify("E90", "E90010001"), ErrorKind::OutcomeUnknown);
        assert_eq!(classify("E91", "E91099999"), ErrorKind::OutcomeUnknown);
        assert_eq!(classify("E91", "E91099997"), ErrorKind::InvalidRequest);
        assert_eq!(classify("E82", "E82010001"), ErrorKind::StateConflict);
        assert_eq!(classify("E01", "E01E30001"), ErrorKind::InvalidRequest);
        // The source table's C01 row stands for the whole 42C family.
        let network = lookup("42C780000").unwrap();
        assert_eq!(
            (network.err_code, network.kind),
            ("C78", ErrorKind::OutcomeUnknown)
        );
        assert!(network.retryable);
    }

    #[test]
    fn unknown_codes_are_classified_by_prefix() {
        let cases = [
            ("G77", "42G770001", ErrorKind::Declined),
            ("G99", "42G990001", ErrorKind::Declined),
            ("C99", "42C990000", ErrorKind::OutcomeUnknown),
            ("E91", "E91999999", ErrorKind::OutcomeUnknown),
            ("E90", "E90999999", ErrorKind::OutcomeUnknown),
            ("EX1", "EX1999999", ErrorKind::TokenProblem),
            ("E11", "E11999999", ErrorKind::StateConflict),
            ("E82", "E82999999", ErrorKind::StateConflict),
            ("E21", "E21999999", ErrorKind::ThreeDSecureFailed),
            ("E92", "E92999999", ErrorKind::Throttled),
            ("E41", "E41999999", ErrorKind::Declined),
            ("E61", "E61999999", ErrorKind::MerchantConfiguration),
            ("E01", "E01999999", ErrorKind::InvalidRequest),
            ("M01", "M01999999", ErrorKind::InvalidRequest),
            ("Z99", "Z99000000", ErrorKind::InvalidRequest),
            // The ErrCode decides when the ErrInfo is no known class.
            ("G12", "99X000000", ErrorKind::Declined),
            ("C01", "99X000000", ErrorKind::OutcomeUnknown),
            ("E92", "", ErrorKind::Throttled),
            // Garbage never panics.
            ("", "", ErrorKind::InvalidRequest),
            ("é", "42", ErrorKind::InvalidRequest),
            ("E9", "é9200000", ErrorKind::InvalidRequest),
        ];
        for (code, detail, kind) in cases {
            assert!(lookup(detail).is_none(), "{detail} is catalogued");
            assert_eq!(classify(code, detail), kind, "{code}/{detail}");
        }
        // The catalogue wins over the prefix.
        assert_eq!(classify("E91", "E91099997"), ErrorKind::InvalidRequest);
        // 42G770000 itself is catalogued and agrees with its prefix.
        assert_eq!(classify("G77", "42G770000"), ErrorKind::Declined);
        assert_eq!(classify("EX1", "EX1000399"), ErrorKind::TokenProblem);
    }

    #[test]
    fn messages_are_never_empty() {
        for info in all() {
            assert!(!info.en.trim().is_empty(), "{}", info.err_info);
            assert!(!info.ja.trim().is_empty(), "{}", info.err_info);
            assert_eq!(message_en(info.err_info), info.en);
            assert_eq!(message_ja(info.err_info), info.ja);
        }
        for kind in ALL_KINDS {
            assert!(!generic_en(kind).is_empty());
            assert!(!generic_ja(kind).is_empty());
        }
    }

    #[test]
    fn messages_carry_no_card_like_numbers() {
        // Non-negotiable 1: no message may look like it carries a card number.
        let longest_digit_run = |s: &str| {
            s.split(|c: char| !c.is_ascii_digit())
                .map(str::len)
                .max()
                .unwrap_or(0)
        };
        for info in all() {
            assert!(longest_digit_run(info.en) < 6, "{}", info.err_info);
            assert!(longest_digit_run(info.ja) < 6, "{}", info.err_info);
        }
    }

    #[test]
    fn unknown_codes_get_a_generic_message_by_kind() {
        assert_eq!(message_en("42G770001"), generic_en(ErrorKind::Declined));
        assert_eq!(message_ja("42G770001"), generic_ja(ErrorKind::Declined));
        assert!(message_en("42G770001").contains("declined"));
        assert_eq!(
            message_en("42C990000"),
            generic_en(ErrorKind::OutcomeUnknown)
        );
        assert_eq!(message_en("EX1999999"), generic_en(ErrorKind::TokenProblem));
        assert_eq!(message_ja("E92999999"), generic_ja(ErrorKind::Throttled));
        assert_eq!(
            message_en("Z99000000"),
            generic_en(ErrorKind::InvalidRequest)
        );
        assert_eq!(message_en(""), generic_en(ErrorKind::InvalidRequest));
        // Each kind has its own generic message.
        for (i, a) in ALL_KINDS.iter().enumerate() {
            for b in &ALL_KINDS[i + 1..] {
                assert_ne!(generic_en(*a), generic_en(*b));
                assert_ne!(generic_ja(*a), generic_ja(*b));
            }
        }
    }
}
