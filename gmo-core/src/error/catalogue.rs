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

/// A message in English and Japanese.
type Message = (&'static str, &'static str);

// Messages several codes share, named so that one edit changes them all.
const NETWORK_FAILED: Message = (
    "Communication with the card company failed; the result is unknown, check the transaction status.",
    "カード会社との通信でエラーが発生しました。結果が不明のため、取引の状態を確認してください。",
);
const CARD_UNUSABLE: Message = (
    "The card was declined: it cannot be used.",
    "このカードはご利用いただけません。",
);
const THREE_DS_FAILED: Message = (
    "3-D Secure authentication failed.",
    "本人認証（3Dセキュア）に失敗しました。",
);
const OVER_CREDIT_LIMIT: Message = (
    "The card was declined: credit limit exceeded.",
    "利用限度額を超えているため、カードが承認されませんでした。",
);
const INSUFFICIENT_FUNDS: Message = (
    "The card was declined: insufficient funds.",
    "残高不足のため、カードが承認されませんでした。",
);
const AMOUNT_MISMATCH: Message = (
    "The amount does not match the transaction's amount.",
    "利用金額が取引の金額と一致しません。",
);
const BAD_EXPIRY_FORMAT: Message = (
    "The expiry date has an invalid format.",
    "有効期限の形式が正しくありません。",
);
const SHOP_SETTINGS_WRONG: Message = (
    "The shop's settings are wrong; contact GMO.",
    "加盟店の設定に誤りがあります。GMOにお問い合わせください。",
);
const GMO_COMMUNICATION_ERROR: Message = (
    "GMO system error (communication); the result is unknown, check the transaction status.",
    "GMOのシステムエラー（通信）です。結果が不明のため、取引の状態を確認してください。",
);
const GMO_INTERNAL_ERROR: Message = (
    "GMO internal error; the result is unknown, check the transaction status.",
    "GMOの内部エラーです。結果が不明のため、取引の状態を確認してください。",
);
const BUSY: Message = (
    "The payment service is busy; try again in a moment.",
    "決済サービスが混み合っています。しばらくしてから再度お試しください。",
);

/// Builds the table: one row per code, `ErrInfo ErrCode Kind retryable (en, ja);`.
// A macro rather than struct literals so that each code reads on one line (and rustfmt leaves
// the table's columns alone); it is still a `static` slice, so lookups allocate nothing.
macro_rules! catalogue {
    ($($err_info:literal $err_code:literal $kind:ident $retryable:literal $message:expr;)*) => {
        &[$(CodeInfo {
            err_code: $err_code,
            err_info: $err_info,
            kind: ErrorKind::$kind,
            retryable: $retryable,
            en: $message.0,
            ja: $message.1,
        }),*]
    };
}

/// Every catalogued code, sorted by `err_info` in byte order (`lookup` binary-searches it).
#[rustfmt::skip]
static CATALOGUE: &[CodeInfo] = catalogue! {
    // ErrInfo   ErrCode Kind                  retry  (English, Japanese)
    "42C010000" "C01"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C030000" "C03"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C120000" "C12"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C130000" "C13"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C140000" "C14"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C150000" "C15"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C330000" "C33"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C500000" "C50"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C510000" "C51"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C530000" "C53"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C540000" "C54"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C550000" "C55"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C560000" "C56"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C570000" "C57"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C580000" "C58"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C600000" "C60"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C700000" "C70"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C710000" "C71"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C720000" "C72"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C730000" "C73"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C740000" "C74"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C750000" "C75"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C760000" "C76"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C770000" "C77"   OutcomeUnknown        true   NETWORK_FAILED;
    "42C780000" "C78"   OutcomeUnknown        true   NETWORK_FAILED;
    "42G020000" "G02"   Declined              false  INSUFFICIENT_FUNDS;
    "42G030000" "G03"   Declined              false  OVER_CREDIT_LIMIT;
    "42G040000" "G04"   Declined              false  INSUFFICIENT_FUNDS;
    "42G050000" "G05"   Declined              false  OVER_CREDIT_LIMIT;
    "42G060000" "G06"   Declined              false  ("The card was declined: insufficient balance in the debit account.", "デビットカードの口座残高が不足しているため、承認されませんでした。");
    "42G070000" "G07"   Declined              false  ("The card was declined: limit exceeded.", "限度額を超えているため、カードが承認されませんでした。");
    "42G120000" "G12"   Declined              false  ("The card was declined: it cannot be used for this payment.", "このカードはこのお支払いにご利用いただけません。");
    "42G220000" "G22"   Declined              false  CARD_UNUSABLE;
    "42G300000" "G30"   Declined              false  CARD_UNUSABLE;
    "42G420000" "G42"   Declined              false  ("The card was declined: the PIN is incorrect.", "暗証番号が正しくないため、カードが承認されませんでした。");
    "42G440000" "G44"   Declined              false  ("The card was declined: the security code is incorrect.", "セキュリティコードが正しくないため、カードが承認されませんでした。");
    "42G450000" "G45"   Declined              false  ("The card was declined: the security code is required.", "セキュリティコードが入力されていないため、カードが承認されませんでした。");
    "42G540000" "G54"   Declined              false  CARD_UNUSABLE;
    "42G550000" "G55"   Declined              false  OVER_CREDIT_LIMIT;
    "42G560000" "G56"   Declined              false  CARD_UNUSABLE;
    "42G600000" "G60"   Declined              false  CARD_UNUSABLE;
    "42G610000" "G61"   Declined              false  CARD_UNUSABLE;
    "42G650000" "G65"   Declined              false  ("The card was declined: the card number is incorrect.", "カード番号が正しくないため、カードが承認されませんでした。");
    "42G670000" "G67"   Declined              false  ("The card was declined: the item code is invalid.", "商品コードに誤りがあるため、カードが承認されませんでした。");
    "42G680000" "G68"   Declined              false  ("The card was declined: the amount is invalid.", "金額に誤りがあるため、カードが承認されませんでした。");
    "42G690000" "G69"   Declined              false  ("The card was declined: the tax and shipping amount is invalid.", "税送料に誤りがあるため、カードが承認されませんでした。");
    "42G700000" "G70"   Declined              false  ("The card was declined: the number of bonus payments is invalid.", "ボーナス回数に誤りがあるため、カードが承認されませんでした。");
    "42G710000" "G71"   Declined              false  ("The card was declined: the bonus month is invalid.", "ボーナス月に誤りがあるため、カードが承認されませんでした。");
    "42G720000" "G72"   Declined              false  ("The card was declined: the bonus amount is invalid.", "ボーナス額に誤りがあるため、カードが承認されませんでした。");
    "42G730000" "G73"   Declined              false  ("The card was declined: the first payment month is invalid.", "支払開始月に誤りがあるため、カードが承認されませんでした。");
    "42G740000" "G74"   Declined              false  ("The card was declined: the number of instalments is invalid.", "分割回数に誤りがあるため、カードが承認されませんでした。");
    "42G750000" "G75"   Declined              false  ("The card was declined: the instalment amount is invalid.", "分割金額に誤りがあるため、カードが承認されませんでした。");
    "42G760000" "G76"   Declined              false  ("The card was declined: the first instalment amount is invalid.", "初回金額に誤りがあるため、カードが承認されませんでした。");
    "42G770000" "G77"   Declined              false  ("The card was declined: the business category is invalid.", "業務区分に誤りがあるため、カードが承認されませんでした。");
    "42G780000" "G78"   Declined              false  ("The card was declined: the payment category is invalid.", "支払区分に誤りがあるため、カードが承認されませんでした。");
    "42G790000" "G79"   Declined              false  ("The card was declined: the inquiry category is invalid.", "照会区分に誤りがあるため、カードが承認されませんでした。");
    "42G800000" "G80"   Declined              false  ("The card was declined: the cancellation category is invalid.", "取消区分に誤りがあるため、カードが承認されませんでした。");
    "42G810000" "G81"   Declined              false  ("The card was declined: the cancellation handling category is invalid.", "取消取扱区分に誤りがあるため、カードが承認されませんでした。");
    "42G830000" "G83"   Declined              false  ("The card was declined: the expiry date is wrong or the card has expired.", "有効期限に誤りがあるか期限切れのため、カードが承認されませんでした。");
    "42G910000" "G91"   Declined              false  ("The card was declined because of a system failure at the card company.", "カード会社のシステム障害のため、カードが承認されませんでした。");
    "42G920000" "G92"   Declined              false  ("The card was declined at the card company's discretion.", "カード会社の判断により、カードが承認されませんでした。");
    "42G950000" "G95"   Declined              false  CARD_UNUSABLE;
    "42G960000" "G96"   Declined              false  CARD_UNUSABLE;
    "42G970000" "G97"   Declined              false  CARD_UNUSABLE;
    "42G980000" "G98"   Declined              false  CARD_UNUSABLE;
    "42G990000" "G99"   Declined              false  CARD_UNUSABLE;
    "E00000000" "E00"   InvalidRequest        false  ("The connectivity test from GMO arrived; no action is needed.", "GMOからの疎通確認です。対応は不要です。");
    "E00000001" "E00"   InvalidRequest        false  ("The request must be sent with HTTP POST.", "リクエストはHTTPのPOSTで送信してください。");
    "E00000002" "E00"   InvalidRequest        false  ("The request's Accept headers are not acceptable.", "リクエストのAcceptヘッダーを受け付けられません。");
    "E00000003" "E00"   InvalidRequest        false  ("The request's Content-Type is not acceptable.", "リクエストのContent-Typeを受け付けられません。");
    "E00000010" "E00"   InvalidRequest        false  ("The request body is empty or malformed.", "リクエスト本文が空か、形式が正しくありません。");
    "E01010001" "E01"   MerchantConfiguration false  ("The shop ID is missing.", "ショップIDが指定されていません。");
    "E01010008" "E01"   MerchantConfiguration false  ("The shop ID has an invalid format.", "ショップIDの形式が正しくありません。");
    "E01010010" "E01"   MerchantConfiguration false  ("The shop ID does not match.", "ショップIDが一致しません。");
    "E01020001" "E01"   MerchantConfiguration false  ("The shop password is missing.", "ショップパスワードが指定されていません。");
    "E01020008" "E01"   MerchantConfiguration false  ("The shop password has an invalid format.", "ショップパスワードの形式が正しくありません。");
    "E01030002" "E01"   MerchantConfiguration false  ("Shop authentication failed: check the shop ID and password.", "ショップ認証に失敗しました。ショップIDとパスワードを確認してください。");
    "E01040001" "E01"   InvalidRequest        false  ("The order ID is missing.", "オーダーIDが指定されていません。");
    "E01040003" "E01"   InvalidRequest        false  ("The order ID is longer than 27 characters.", "オーダーIDが27文字を超えています。");
    "E01040010" "E01"   InvalidRequest        false  ("This order ID has already been used; use a new order ID.", "このオーダーIDは既に使用されています。新しいオーダーIDを使用してください。");
    "E01040013" "E01"   InvalidRequest        false  ("The order ID may contain only letters, digits and hyphens.", "オーダーIDには英数字とハイフンのみ使用できます。");
    "E01050001" "E01"   InvalidRequest        false  ("The job code is missing.", "処理区分が指定されていません。");
    "E01050002" "E01"   InvalidRequest        false  ("The job code is not a valid value.", "処理区分の値が正しくありません。");
    "E01050004" "E01"   MerchantConfiguration false  ("This job code cannot be executed: the contract does not allow it, or the transaction was already executed.", "この処理区分は実行できません。契約の対象外か、取引が既に実行済みです。");
    "E01060001" "E01"   InvalidRequest        false  ("The amount is missing.", "利用金額が指定されていません。");
    "E01060005" "E01"   InvalidRequest        false  ("The amount has too many digits.", "利用金額の桁数が多すぎます。");
    "E01060006" "E01"   InvalidRequest        false  ("The amount must contain digits only.", "利用金額は数字のみで指定してください。");
    "E01060010" "E01"   InvalidRequest        false  AMOUNT_MISMATCH;
    "E01060011" "E01"   InvalidRequest        false  ("The amount is outside the allowed range.", "利用金額が許容範囲外です。");
    "E01060021" "E01"   InvalidRequest        false  AMOUNT_MISMATCH;
    "E01070005" "E01"   InvalidRequest        false  ("The tax and shipping amount has too many digits.", "税送料の桁数が多すぎます。");
    "E01070006" "E01"   InvalidRequest        false  ("The tax and shipping amount must contain digits only.", "税送料は数字のみで指定してください。");
    "E01080007" "E01"   InvalidRequest        false  ("The 3-D Secure flag has an invalid value.", "3Dセキュア利用フラグの値が正しくありません。");
    "E01080010" "E01"   MerchantConfiguration false  ("3-D Secure was requested, but the shop's contract does not include it.", "3Dセキュアが指定されましたが、ショップの契約に含まれていません。");
    "E01080101" "E01"   MerchantConfiguration false  ("This shop requires 3-D Secure, but it was not requested.", "このショップでは3Dセキュアが必須ですが、指定されていません。");
    "E01090001" "E01"   InvalidRequest        false  ("The access ID is missing.", "取引IDが指定されていません。");
    "E01090008" "E01"   InvalidRequest        false  ("The access ID has an invalid format.", "取引IDの形式が正しくありません。");
    "E01100001" "E01"   InvalidRequest        false  ("The access password is missing.", "取引パスワードが指定されていません。");
    "E01100008" "E01"   InvalidRequest        false  ("The access password has an invalid format.", "取引パスワードの形式が正しくありません。");
    "E01110002" "E01"   InvalidRequest        false  ("No transaction matches the given access ID and password.", "指定された取引IDとパスワードに該当する取引がありません。");
    "E01110010" "E01"   StateConflict         false  ("The transaction has not been settled yet, so this operation is not possible.", "取引がまだ決済されていないため、この操作はできません。");
    "E01130012" "E01"   InvalidRequest        false  ("The card name is too long.", "カード名称が長すぎます。");
    "E01170001" "E01"   InvalidRequest        false  ("The card number is missing.", "カード番号が入力されていません。");
    "E01170003" "E01"   InvalidRequest        false  ("The card number is too long.", "カード番号が長すぎます。");
    "E01170006" "E01"   InvalidRequest        false  ("The card number must contain digits only.", "カード番号は数字のみで入力してください。");
    "E01170011" "E01"   InvalidRequest        false  ("The card number must be 10 to 16 digits long.", "カード番号は10〜16桁で入力してください。");
    "E01180001" "E01"   InvalidRequest        false  ("The expiry date is missing.", "有効期限が入力されていません。");
    "E01180003" "E01"   InvalidRequest        false  ("The expiry date must be 4 digits.", "有効期限は4桁で入力してください。");
    "E01180006" "E01"   InvalidRequest        false  ("The expiry date must contain digits only.", "有効期限は数字のみで入力してください。");
    "E01180008" "E01"   InvalidRequest        false  BAD_EXPIRY_FORMAT;
    "E01180011" "E01"   InvalidRequest        false  BAD_EXPIRY_FORMAT;
    "E01190001" "E01"   MerchantConfiguration false  ("The site ID is missing.", "サイトIDが指定されていません。");
    "E01190008" "E01"   MerchantConfiguration false  ("The site ID has an invalid format.", "サイトIDの形式が正しくありません。");
    "E01200001" "E01"   MerchantConfiguration false  ("The site password is missing.", "サイトパスワードが指定されていません。");
    "E01200007" "E01"   MerchantConfiguration false  ("The site ID is incorrect.", "サイトIDが正しくありません。");
    "E01200008" "E01"   MerchantConfiguration false  ("The site password has an invalid format.", "サイトパスワードの形式が正しくありません。");
    "E01210002" "E01"   MerchantConfiguration false  ("Site authentication failed: check the site ID and password.", "サイト認証に失敗しました。サイトIDとパスワードを確認してください。");
    "E01220001" "E01"   InvalidRequest        false  ("The member ID is missing.", "会員IDが指定されていません。");
    "E01220005" "E01"   InvalidRequest        false  ("The member ID is too long.", "会員IDが長すぎます。");
    "E01220008" "E01"   InvalidRequest        false  ("The member ID has an invalid format.", "会員IDの形式が正しくありません。");
    "E01220010" "E01"   InvalidRequest        false  ("The member ID is already in use or invalid.", "会員IDが重複しているか、正しくありません。");
    "E01220012" "E01"   InvalidRequest        false  ("The member ID has an invalid length.", "会員IDの長さが正しくありません。");
    "E01230001" "E01"   InvalidRequest        false  ("The card sequence number is missing.", "カード登録連番が指定されていません。");
    "E01230006" "E01"   InvalidRequest        false  ("The card sequence number must contain digits only.", "カード登録連番は数字のみで指定してください。");
    "E01230009" "E01"   InvalidRequest        false  ("The member already has the maximum number of registered cards.", "登録できるカードの上限に達しています。");
    "E01240002" "E01"   InvalidRequest        false  ("The specified card is not registered.", "指定されたカードは登録されていません。");
    "E01250008" "E01"   InvalidRequest        false  ("The card password has an invalid format.", "カードパスワードの形式が正しくありません。");
    "E01250010" "E01"   InvalidRequest        false  ("The card password does not match.", "カードパスワードが一致しません。");
    "E01260001" "E01"   InvalidRequest        false  ("The payment method is missing.", "支払方法が指定されていません。");
    "E01260002" "E01"   InvalidRequest        false  ("The payment method is not a valid value.", "支払方法の値が正しくありません。");
    "E01260010" "E01"   InvalidRequest        false  ("This card or payment method cannot be used.", "このカードまたは支払方法はご利用いただけません。");
    "E01270001" "E01"   InvalidRequest        false  ("The number of instalments is missing.", "支払回数が指定されていません。");
    "E01270005" "E01"   InvalidRequest        false  ("The number of instalments has too many digits.", "支払回数の桁数が多すぎます。");
    "E01270006" "E01"   InvalidRequest        false  ("The number of instalments must contain digits only.", "支払回数は数字のみで指定してください。");
    "E01270010" "E01"   InvalidRequest        false  ("This number of instalments is not available.", "指定された支払回数はご利用いただけません。");
    "E01290001" "E01"   InvalidRequest        false  ("The browser's HTTP Accept value is missing.", "ブラウザのHTTP_ACCEPTが指定されていません。");
    "E01300001" "E01"   InvalidRequest        false  ("The browser's HTTP User-Agent value is missing.", "ブラウザのHTTP_USER_AGENTが指定されていません。");
    "E01310002" "E01"   InvalidRequest        false  ("The device category is missing.", "使用端末情報が指定されていません。");
    "E01310007" "E01"   InvalidRequest        false  ("The device category must be 0 or 1.", "使用端末情報は0または1で指定してください。");
    "E01320012" "E01"   InvalidRequest        false  ("Client field 1 is too long.", "加盟店自由項目1が長すぎます。");
    "E01330012" "E01"   InvalidRequest        false  ("Client field 2 is too long.", "加盟店自由項目2が長すぎます。");
    "E01340012" "E01"   InvalidRequest        false  ("Client field 3 is too long.", "加盟店自由項目3が長すぎます。");
    "E01350001" "E01"   InvalidRequest        false  ("The 3-D Secure MD value is missing.", "3DセキュアのMDが指定されていません。");
    "E01350008" "E01"   InvalidRequest        false  ("The 3-D Secure MD value has an invalid format.", "3DセキュアのMDの形式が正しくありません。");
    "E01360001" "E01"   InvalidRequest        false  ("The 3-D Secure PaRes value is missing.", "3DセキュアのPaResが指定されていません。");
    "E01370008" "E01"   InvalidRequest        false  ("The shop name shown during 3-D Secure has an invalid format.", "3Dセキュア表示店舗名の形式が正しくありません。");
    "E01370012" "E01"   InvalidRequest        false  ("The shop name shown during 3-D Secure is too long.", "3Dセキュア表示店舗名が長すぎます。");
    "E01390002" "E01"   InvalidRequest        false  ("No member with this member ID exists.", "指定された会員IDの会員は存在しません。");
    "E01390010" "E01"   InvalidRequest        false  ("A member with this member ID already exists.", "指定された会員IDの会員は既に存在します。");
    "E01400007" "E01"   InvalidRequest        false  ("The client field return flag must be 0 or 1.", "加盟店自由項目返却フラグは0または1で指定してください。");
    "E01410010" "E01"   StateConflict         false  ("The transaction is locked and cannot be changed.", "取引が操作禁止の状態のため、変更できません。");
    "E01420010" "E01"   StateConflict         false  ("The authorisation has expired and can no longer be captured.", "仮売上の有効期間を過ぎているため、売上を確定できません。");
    "E01430012" "E01"   InvalidRequest        false  ("The member name is too long.", "会員名が長すぎます。");
    "E01440008" "E01"   InvalidRequest        false  ("The default card flag has an invalid format.", "洗替・継続課金フラグの形式が正しくありません。");
    "E01450008" "E01"   InvalidRequest        false  ("The item code has an invalid format.", "商品コードの形式が正しくありません。");
    "E01460008" "E01"   InvalidRequest        false  ("The security code has an invalid format.", "セキュリティコードの形式が正しくありません。");
    "E01470008" "E01"   InvalidRequest        false  ("The card sequence mode has an invalid format.", "カード登録連番モードの形式が正しくありません。");
    "E01480008" "E01"   InvalidRequest        false  ("The cardholder name has an invalid format.", "カード名義人の形式が正しくありません。");
    "E01480011" "E01"   InvalidRequest        false  ("The cardholder name is too long.", "カード名義人が長すぎます。");
    "E01490005" "E01"   InvalidRequest        false  ("The total of amount and tax exceeds the allowed limit.", "利用金額と税送料の合計が上限を超えています。");
    "E01630010" "E01"   InvalidRequest        false  ("The member ID differs from the one on the transaction.", "会員IDが取引の会員IDと一致しません。");
    "E01640010" "E01"   InvalidRequest        false  ("The site ID differs from the one on the transaction.", "サイトIDが取引のサイトIDと一致しません。");
    "E01650012" "E01"   MerchantConfiguration false  ("The shop does not belong to the given site.", "ショップが指定されたサイトに属していません。");
    "E01840010" "E01"   InvalidRequest        false  ("This combination of parameters is not allowed.", "パラメータの組み合わせが正しくありません。");
    "E01870008" "E01"   InvalidRequest        false  ("The token type has an invalid format.", "トークンタイプの形式が正しくありません。");
    "E01910008" "E01"   InvalidRequest        false  ("The mask-level setting flag has an invalid format.", "マスクレベル利用有無の形式が正しくありません。");
    "E01950008" "E01"   InvalidRequest        false  ("The setting for cards without 3-D Secure 2.0 (Tds2Type) has an invalid format.", "3Dセキュア2.0非対応カードの取扱い（Tds2Type）の形式が正しくありません。");
    "E01E30001" "E01"   InvalidRequest        false  ("The return URL for 3-D Secure is missing.", "3Dセキュアの戻りURLが指定されていません。");
    "E01E30005" "E01"   InvalidRequest        false  ("The return URL for 3-D Secure is too long.", "3Dセキュアの戻りURLが長すぎます。");
    "E01E40001" "E01"   InvalidRequest        false  ("The authentication status is missing.", "認証状態が指定されていません。");
    "E01E40008" "E01"   InvalidRequest        false  ("The authentication status has an invalid format.", "認証状態の形式が正しくありません。");
    "E11010001" "E11"   StateConflict         false  ("The transaction has already been settled.", "この取引は既に決済済みです。");
    "E11010002" "E11"   StateConflict         false  ("The transaction has not been settled, so it cannot be changed.", "取引が未決済のため、変更できません。");
    "E11010003" "E11"   StateConflict         false  ("This operation is not possible in the transaction's current state.", "現在の取引状態では、この操作はできません。");
    "E11010010" "E11"   StateConflict         false  ("The transaction is more than 180 days old and can no longer be processed.", "決済から180日を過ぎているため、この取引は操作できません。");
    "E11010099" "E11"   Declined              false  ("This card cannot be used: its card company could not be determined.", "カード会社を判定できないため、このカードはご利用いただけません。");
    "E11010999" "E11"   StateConflict         false  ("The transaction may already be complete; check its status.", "取引は既に完了している可能性があります。取引の状態を確認してください。");
    "E11310005" "E11"   StateConflict         false  ("The card cannot be registered: the member already has a card.", "会員に既にカードが登録されているため、カードを登録できません。");
    "E21010001" "E21"   ThreeDSecureFailed    false  THREE_DS_FAILED;
    "E21010007" "E21"   ThreeDSecureFailed    false  THREE_DS_FAILED;
    "E21010201" "E21"   ThreeDSecureFailed    false  ("3-D Secure is required, but this card is not enrolled in it.", "本人認証（3Dセキュア）が必須ですが、このカードは対応していません。");
    "E21010202" "E21"   ThreeDSecureFailed    false  ("3-D Secure is required, but no 3-D Secure password is set for this card.", "本人認証（3Dセキュア）が必須ですが、このカードにはパスワードが設定されていません。");
    "E21020001" "E21"   ThreeDSecureFailed    false  THREE_DS_FAILED;
    "E21020002" "E21"   ThreeDSecureFailed    false  ("3-D Secure authentication was cancelled.", "本人認証（3Dセキュア）がキャンセルされました。");
    "E21020007" "E21"   ThreeDSecureFailed    false  THREE_DS_FAILED;
    "E21020999" "E21"   ThreeDSecureFailed    false  THREE_DS_FAILED;
    "E21030001" "E21"   ThreeDSecureFailed    false  ("3-D Secure authentication could not be started.", "本人認証（3Dセキュア）を開始できませんでした。");
    "E21030007" "E21"   ThreeDSecureFailed    false  THREE_DS_FAILED;
    "E21030201" "E21"   ThreeDSecureFailed    false  ("This card does not support 3-D Secure 2.0.", "このカードは本人認証（3Dセキュア2.0）に対応していません。");
    "E21030202" "E21"   ThreeDSecureFailed    false  ("3-D Secure 2.0 authentication is required for this payment.", "この決済には本人認証（3Dセキュア2.0）が必要です。");
    "E31500014" "E31"   InvalidRequest        false  ("The request was sent with GET; it must be sent with POST.", "GETで送信されました。POSTで送信してください。");
    "E41170002" "E41"   Declined              false  ("This card brand is not accepted here.", "このカードブランドはご利用いただけません。");
    "E41170099" "E41"   InvalidRequest        false  ("The card number is invalid.", "カード番号が正しくありません。");
    "E61010001" "E61"   MerchantConfiguration false  SHOP_SETTINGS_WRONG;
    "E61010002" "E61"   Declined              false  ("This card cannot be used here, or the card number is wrong.", "このカードはご利用いただけないか、カード番号に誤りがあります。");
    "E61010003" "E61"   MerchantConfiguration false  SHOP_SETTINGS_WRONG;
    "E61020001" "E61"   MerchantConfiguration false  ("This payment method is suspended for the shop.", "このショップではこの決済方法が停止されています。");
    "E61030001" "E61"   MerchantConfiguration false  ("The shop's contract does not cover this operation.", "この操作はショップの契約の対象外です。");
    "E61040001" "E61"   MerchantConfiguration false  ("Card numbers may not be sent directly; use a card token.", "カード番号を直接送信することはできません。トークンを使用してください。");
    "E82010001" "E82"   StateConflict         false  ("Another request for this transaction is in progress; check its result later.", "この取引の別のリクエストが処理中です。後で結果を確認してください。");
    "E90010001" "E90"   OutcomeUnknown        false  ("The request was sent again while the first was still running; check the transaction status.", "最初のリクエストの処理中に再送信されました。取引の状態を確認してください。");
    "E91019999" "E91"   OutcomeUnknown        false  ("GMO system error (database); the result is unknown, check the transaction status.", "GMOのシステムエラー（データベース）です。結果が不明のため、取引の状態を確認してください。");
    "E91020001" "E91"   OutcomeUnknown        false  ("The card network timed out; the result is unknown, check the transaction status.", "カード会社との通信がタイムアウトしました。結果が不明のため、取引の状態を確認してください。");
    "E91029998" "E91"   OutcomeUnknown        false  GMO_COMMUNICATION_ERROR;
    "E91029999" "E91"   OutcomeUnknown        false  GMO_COMMUNICATION_ERROR;
    "E91050001" "E91"   OutcomeUnknown        false  ("GMO system error; the result is unknown, check the transaction status.", "GMOのシステムエラーです。結果が不明のため、取引の状態を確認してください。");
    "E91060001" "E91"   OutcomeUnknown        false  GMO_INTERNAL_ERROR;
    "E91099996" "E91"   OutcomeUnknown        false  GMO_INTERNAL_ERROR;
    "E91099997" "E91"   InvalidRequest        false  ("No such API: check the request URL.", "指定されたAPIは存在しません。リクエストURLを確認してください。");
    "E91099999" "E91"   OutcomeUnknown        false  ("Unexpected GMO system error; the result is unknown, check the transaction status.", "GMOで想定外のエラーが発生しました。結果が不明のため、取引の状態を確認してください。");
    "E92000001" "E92"   Throttled             true   BUSY;
    "E92000002" "E92"   Throttled             true   BUSY;
    "EX1000301" "EX1"   TokenProblem          false  ("The card token was not found; enter the card details again.", "カードトークンが見つかりません。カード情報を再度入力してください。");
    "EX1000302" "EX1"   TokenProblem          false  ("The card token has already been used; enter the card details again.", "カードトークンは既に使用されています。カード情報を再度入力してください。");
    "EX1000303" "EX1"   TokenProblem          false  ("The card token has expired; enter the card details again.", "カードトークンの有効期限が切れています。カード情報を再度入力してください。");
    "EX1000304" "EX1"   TokenProblem          false  ("The card token is not valid; enter the card details again.", "カードトークンが無効です。カード情報を再度入力してください。");
    "M01004002" "M01"   InvalidRequest        false  ("No transaction is registered for this order ID.", "このオーダーIDの取引は登録されていません。");
    "M01004010" "M01"   InvalidRequest        false  ("This order ID has already been used.", "このオーダーIDは既に使用されています。");
    "M01004012" "M01"   InvalidRequest        false  ("The order ID is too long.", "オーダーIDが長すぎます。");
    "M01004013" "M01"   InvalidRequest        false  ("The order ID contains characters that are not allowed.", "オーダーIDに使用できない文字が含まれています。");
    "M01004014" "M01"   StateConflict         false  ("This order has already been submitted for payment.", "このオーダーは既に決済処理されています。");
    "M01051001" "M01"   InvalidRequest        false  ("The payment type is missing.", "決済方法が指定されていません。");
    "M01051005" "M01"   InvalidRequest        false  ("The payment type is too long.", "決済方法の桁数が多すぎます。");
    "M01051011" "M01"   InvalidRequest        false  ("The payment type is outside the valid range.", "決済方法の値が範囲外です。");
};

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
    fn each_message_has_one_translation() {
        // A message used by several codes belongs in a named constant above the table, so that
        // one edit changes it everywhere; two translations of one English text mean a missed one.
        let mut ja_of = std::collections::BTreeMap::new();
        let mut en_of = std::collections::BTreeMap::new();
        for info in all() {
            assert_eq!(
                *ja_of.entry(info.en).or_insert(info.ja),
                info.ja,
                "{}",
                info.err_info
            );
            assert_eq!(
                *en_of.entry(info.ja).or_insert(info.en),
                info.en,
                "{}",
                info.err_info
            );
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
