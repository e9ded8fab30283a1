//! SearchTrade and SearchTradeMulti: a transaction as GMO reports it.

use gmo_core::wire::FormFields;

use super::checks::{self, Errors, field};
use super::{Answer, Ctx, Step};
use crate::cards::mask_last4;
use crate::state::{Ledger, Transaction};

/// The 19 columns after `OrderID` (SearchTrade) / before `PayType` (SearchTradeMulti).
fn trade_fields(tx: &Transaction) -> Vec<(&'static str, String)> {
    let settled = tx.is_settled();
    let card = tx.card.as_ref().filter(|_| settled);
    let shown = |v: &String| if settled { v.clone() } else { String::new() };
    let [c1, c2, c3] = tx.exec.client_fields.clone();
    vec![
        ("Status", tx.status.as_str().to_owned()),
        ("ProcessDate", tx.process_date.clone()),
        ("JobCd", tx.job_cd.as_str().to_owned()),
        ("AccessID", tx.access_id.clone()),
        ("AccessPass", tx.access_pass.clone()),
        ("ItemCode", tx.item_code.clone()),
        ("Amount", tx.amount.to_string()),
        ("Tax", tx.tax.to_string()),
        (
            "SiteID",
            card.map(|c| c.site_id.clone()).unwrap_or_default(),
        ),
        (
            "MemberID",
            card.map(|c| c.member_id.clone()).unwrap_or_default(),
        ),
        (
            "CardNo",
            card.map(|c| mask_last4(&c.number)).unwrap_or_default(),
        ),
        ("Expire", card.map(|c| c.expire.clone()).unwrap_or_default()),
        ("Method", shown(&tx.exec.method)),
        ("PayTimes", shown(&tx.exec.pay_times)),
        ("Forward", shown(&tx.forward)),
        ("TranID", shown(&tx.tran_id)),
        ("Approve", shown(&tx.approve)),
        ("ClientField1", c1),
        ("ClientField2", c2),
        ("ClientField3", c3),
    ]
}

pub(super) fn search_trade(ledger: &mut Ledger, _ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let shop = match checks::shop(ledger, form) {
        Ok(shop) => shop,
        Err(errors) => return Answer::errors(errors).into(),
    };
    let mut errors = Errors::default();
    let order_id = errors.check(checks::order_id(field(form, "OrderID")));
    let Some(order_id) = order_id else {
        return Answer::Errors(errors.0).into();
    };
    let Some(tx) = ledger.order(&shop.id, order_id) else {
        return Answer::error("E01110002").into();
    };
    let mut fields = vec![("OrderID", tx.order_id.clone())];
    fields.extend(trade_fields(tx));
    Answer::Fields(fields).into()
}

/// Columns of the other payment methods, all empty for a card, in GMO's order.
const OTHER_METHOD_COLUMNS: &[&str] = &[
    "CvsCode",
    "CvsConfNo",
    "CvsReceiptNo",
    "EdyReceiptNo",
    "EdyOrderNo",
    "SuicaOrderNo",
    "SuicaReceiptNo",
    "CustID",
    "BkCode",
    "ConfNo",
    "EncryptReceiptNo",
    "PaymentTerm",
    "WebMoneyManagementNo",
    "WebMoneySettleCode",
    "AuPayInfoNo",
    "AuPayMethod",
    "AuCancelAmount",
    "AuCancelTax",
    "DocomoSettlementCode",
    "DocomoCancelAmount",
    "DocomoCancelTax",
    "SbTrackingId",
    "SbCancelAmount",
    "SbCancelTax",
];

pub(super) fn search_trade_multi(ledger: &mut Ledger, _ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let shop = match checks::shop(ledger, form) {
        Ok(shop) => shop,
        Err(errors) => return Answer::errors(errors).into(),
    };
    // GMO checks PayType before OrderID here (recorded: M01051005|M01051011|M01004002).
    let mut errors = Errors::default();
    let pay_type = match field(form, "PayType") {
        None => {
            errors.push("M01051001");
            None
        }
        Some(p) => {
            if p.len() > 1 {
                errors.push("M01051005");
            }
            if !p
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
                || p.len() != 1
            {
                errors.push("M01051011");
                None
            } else {
                Some(p)
            }
        }
    };
    let order_id = match field(form, "OrderID") {
        None => {
            errors.push("M01004001");
            None
        }
        Some(o) if o.len() > 27 => {
            errors.push("M01004012");
            None
        }
        Some(o) if !o.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
            errors.push("M01004013");
            None
        }
        Some(o) => Some(o),
    };
    // Only card orders (PayType 0) exist in the sandbox.
    let tx = order_id
        .and_then(|o| ledger.order(&shop.id, o))
        .filter(|_| pay_type.is_none_or(|p| p == "0"));
    let Some(tx) = tx else {
        errors.push("M01004002");
        return Answer::Errors(errors.0).into();
    };
    if !errors.is_empty() {
        return Answer::Errors(errors.0).into();
    }
    let mut fields = trade_fields(tx);
    fields.push(("PayType", "0".to_owned()));
    fields.extend(OTHER_METHOD_COLUMNS.iter().map(|c| (*c, String::new())));
    fields.push(("Currency", "JPN".to_owned()));
    Answer::Fields(fields).into()
}
