//! The card transaction APIs over HTTP: state machine, amounts, answers' shapes, test cards,
//! protocol errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{FORM, Gmo, infos, keys};
use gmo_core::values::Status;
use gmo_core::wire::{FormEncoder, Response};
use gmo_sandbox::{Api, ApprovePadding, ContentTypeVariant, Sandbox, ShopConfig};

const EXEC_KEYS: [&str; 9] = [
    "ACS",
    "OrderID",
    "Forward",
    "Method",
    "PayTimes",
    "Approve",
    "TranID",
    "TranDate",
    "CheckString",
];
const ALTER_KEYS: [&str; 6] = [
    "AccessID",
    "AccessPass",
    "Forward",
    "Approve",
    "TranID",
    "TranDate",
];

#[tokio::test]
async fn entry_tran_validates_in_gmos_order() {
    let gmo = Gmo::start().await;
    let r = gmo
        .shop_call(
            "EntryTran",
            &[("OrderID", "null"), ("JobCd", "null"), ("Amount", "null")],
        )
        .await;
    assert_eq!(infos(&r), ["E01050002", "E01060006"]);
    let r = gmo.shop_call("EntryTran", &[("JobCd", "AUTH")]).await;
    assert_eq!(infos(&r), ["E01040001", "E01060001"]);
    let r = gmo
        .shop_call(
            "EntryTran",
            &[
                ("OrderID", "bad_id"),
                ("JobCd", "SALES"),
                ("Amount", "12345678"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E01040013", "E01050004", "E01060005"]);
    let r = gmo
        .shop_call(
            "EntryTran",
            &[
                ("OrderID", "o1"),
                ("JobCd", "AUTH"),
                ("Amount", "9999999"),
                ("Tax", "1"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E01490005"]);
    // CHECK needs no amount; OrderID is unique per shop.
    gmo.entry_with("o1", &[("JobCd", "CHECK")]).await;
    let r = gmo
        .shop_call(
            "EntryTran",
            &[("OrderID", "o1"), ("JobCd", "AUTH"), ("Amount", "1")],
        )
        .await;
    assert_eq!(infos(&r), ["E01040010"]);
    // Wrong credentials.
    let r = gmo
        .call(
            "EntryTran",
            &[
                ("ShopID", "tshop00000001"),
                ("ShopPass", "wrong"),
                ("OrderID", "o2"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E01030002"]);
    let r = gmo.call("EntryTran", &[("OrderID", "o2")]).await;
    assert_eq!(infos(&r), ["E01010001", "E01020001"]);
    // The same OrderID in another shop is another order.
    let two_shops = Gmo::with(
        Sandbox::builder()
            .shop(ShopConfig::new("tshopA", "passA"))
            .shop(ShopConfig::new("tshopB", "passB")),
    )
    .await;
    for (id, pass) in [("tshopA", "passA"), ("tshopB", "passB")] {
        let r = two_shops
            .call(
                "EntryTran",
                &[
                    ("ShopID", id),
                    ("ShopPass", pass),
                    ("OrderID", "same"),
                    ("JobCd", "AUTH"),
                    ("Amount", "1"),
                ],
            )
            .await;
        assert!(!r.is_error());
    }
}

#[tokio::test]
async fn entry_then_search_shows_an_unprocessed_order() {
    let gmo = Gmo::start().await;
    let (id, pass) = gmo.entry("order-1", "AUTH", "1500").await;
    assert!(id.len() == 32 && pass.len() == 32 && id != pass);
    let r = gmo.search("order-1").await;
    assert_eq!(
        keys(&r),
        [
            "OrderID",
            "Status",
            "ProcessDate",
            "JobCd",
            "AccessID",
            "AccessPass",
            "ItemCode",
            "Amount",
            "Tax",
            "SiteID",
            "MemberID",
            "CardNo",
            "Expire",
            "Method",
            "PayTimes",
            "Forward",
            "TranID",
            "Approve",
            "ClientField1",
            "ClientField2",
            "ClientField3"
        ]
    );
    assert_eq!(r.get("Status"), Some("UNPROCESSED"));
    assert_eq!(r.get("JobCd"), Some("AUTH"));
    assert_eq!(r.get("AccessID"), Some(id.as_str()));
    assert_eq!(r.get("ItemCode"), Some("0000990"));
    assert_eq!(r.get("Amount"), Some("1500"));
    assert_eq!(r.get("CardNo"), Some(""));
    let r = gmo.search("nope").await;
    assert_eq!(infos(&r), ["E01110002"]);
}

#[tokio::test]
async fn exec_tran_authorises_and_answers_like_gmo() {
    let gmo = Gmo::start().await;
    let ids = gmo.entry("order-1", "AUTH", "1000").await;
    let token = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    let r = gmo
        .exec_token(
            "order-1",
            &ids,
            &token,
            &[
                ("PayTimes", "1"),
                ("ClientField1", "x"),
                ("ClientFieldFlag", "0"),
            ],
        )
        .await;
    assert_eq!(keys(&r), EXEC_KEYS);
    assert_eq!(r.get("ACS"), Some("0"));
    assert_eq!(r.get("Forward"), Some("2a99662"));
    assert_eq!(r.get("Method"), Some("1"));
    assert_eq!(
        r.get("PayTimes"),
        Some(""),
        "PayTimes is empty for Method 1"
    );
    let tran_id = r.get("TranID").unwrap();
    assert_eq!(tran_id.len(), 28);
    assert_eq!(&tran_id[10..22], "111111111111", "card digits 5-16");
    assert_check_string(&r, gmo.sandbox.shop_pass());

    let s = gmo.search("order-1").await;
    assert_eq!(s.get("Status"), Some("AUTH"));
    assert_eq!(s.get("CardNo"), Some("************1111"));
    assert_eq!(s.get("Expire"), Some("2812"));
    assert_eq!(s.get("TranID"), r.get("TranID"));
    assert_eq!(s.get("Approve"), r.get("Approve"));
    assert_eq!(s.get("ProcessDate"), r.get("TranDate"));
    assert_eq!(s.get("ClientField1"), Some("x"));
    assert_eq!(
        gmo.sandbox.transaction("order-1").unwrap().status,
        Status::Auth
    );
    // A repeated ExecTran is refused and changes nothing.
    let r = gmo.exec_card("order-1", &ids, "4111111111111111").await;
    assert_eq!(r.get("ErrCode"), Some("E01|M01"));
    assert_eq!(infos(&r), ["E01050004", "M01004014"]);
    assert_eq!(gmo.search("order-1").await.get("TranID"), s.get("TranID"));
}

/// CheckString = md5(OrderID Forward Method PayTimes Approve TranID TranDate ShopPass), over
/// the values as sent (a space-padded Approve included).
fn assert_check_string(r: &Response, shop_pass: &str) {
    let mut md5_input = String::new();
    for k in [
        "OrderID", "Forward", "Method", "PayTimes", "Approve", "TranID", "TranDate",
    ] {
        md5_input.push_str(r.get(k).unwrap());
    }
    md5_input.push_str(shop_pass);
    assert_eq!(r.get("CheckString").unwrap(), md5_hex(&md5_input));
}

fn md5_hex(input: &str) -> String {
    // The sandbox's own MD5 is what is under test; compute it independently here.
    use md5::{Digest, Md5};
    Md5::digest(input.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn exec_tran_validates_in_gmos_order() {
    let gmo = Gmo::start().await;
    let r = gmo
        .call(
            "ExecTran",
            &[
                ("AccessID", "null"),
                ("AccessPass", "null"),
                ("OrderID", "null"),
                ("Method", "null"),
                ("PayTimes", "null"),
                ("CardNo", "null"),
                ("Expire", "null"),
                ("DeviceCategory", "0"),
            ],
        )
        .await;
    assert_eq!(
        infos(&r),
        [
            "E01090008",
            "E01100008",
            "E01110002",
            "E01170011",
            "E01170006",
            "E01180006"
        ]
    );
    let ids = gmo.entry("o", "AUTH", "100").await;
    let base = [
        ("AccessID", ids.0.as_str()),
        ("AccessPass", ids.1.as_str()),
        ("OrderID", "o"),
    ];
    // Method is required once the transaction is known; a wrong OrderID does not find it.
    let r = gmo
        .call(
            "ExecTran",
            &[base[0], base[1], ("OrderID", "other"), ("Token", "x")],
        )
        .await;
    assert_eq!(infos(&r), ["E01110002"]);
    let r = gmo
        .call(
            "ExecTran",
            &[base[0], base[1], base[2], ("Method", "2"), ("Token", "x")],
        )
        .await;
    assert_eq!(infos(&r), ["E01270001"]);
    let r = gmo
        .call(
            "ExecTran",
            &[
                base[0],
                base[1],
                base[2],
                ("Method", "1"),
                ("Token", "x"),
                ("CardNo", "4111111111111111"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E01840010"]);
    let r = gmo
        .call(
            "ExecTran",
            &[
                base[0],
                base[1],
                base[2],
                ("Method", "1"),
                ("Token", "x"),
                ("ClientFieldFlag", "2"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E01400007"]);
    let long = "あ".repeat(51);
    let r = gmo
        .call(
            "ExecTran",
            &[
                base[0],
                base[1],
                base[2],
                ("Method", "1"),
                ("Token", "x"),
                ("ClientField2", &long),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E01330012"]);
    let r = gmo.exec_token("o", &ids, "onetimetokenfromgmo", &[]).await;
    assert_eq!(r.get("ErrCode"), Some("EX1"));
    assert_eq!(infos(&r), ["EX1000301"]);
    // Raw card numbers: Luhn is checked.
    let r = gmo
        .call(
            "ExecTran",
            &[
                base[0],
                base[1],
                base[2],
                ("Method", "1"),
                ("CardNo", "4111111111111112"),
                ("Expire", "2812"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E41170099"]);
}

#[tokio::test]
async fn raw_card_numbers_need_the_shop_setting() {
    let gmo = Gmo::with(Sandbox::builder()).await;
    let ids = gmo.entry("o", "AUTH", "100").await;
    let r = gmo
        .call(
            "ExecTran",
            &[
                ("AccessID", &ids.0),
                ("AccessPass", &ids.1),
                ("OrderID", "o"),
                ("Method", "1"),
                ("CardNo", "4111111111111111"),
                ("Expire", "2812"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E61040001"]);
    gmo.site_call("SaveMember", &[("MemberID", "m")]).await;
    let r = gmo
        .site_call(
            "SaveCard",
            &[
                ("MemberID", "m"),
                ("CardNo", "4111111111111111"),
                ("Expire", "2812"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E61040001"]);
}

#[tokio::test]
async fn client_fields_echo_only_with_the_flag_and_keep_japanese() {
    let gmo = Gmo::start().await;
    let ids = gmo.entry("o", "CAPTURE", "100").await;
    let token = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    let japanese = "～－￠￡￢－∥①ほげほげhogehoge";
    let r = gmo
        .exec_token(
            "o",
            &ids,
            &token,
            &[
                ("ClientField1", japanese),
                ("ClientField2", "ｼﾞｴﾑｵ"),
                ("ClientField3", "null"),
                ("ClientFieldFlag", "1"),
            ],
        )
        .await;
    let mut want = EXEC_KEYS.to_vec();
    want.extend(["ClientField1", "ClientField2", "ClientField3"]);
    assert_eq!(keys(&r), want);
    assert_eq!(r.get("ClientField1"), Some(japanese));
    assert_eq!(r.get("ClientField2"), Some("ｼﾞｴﾑｵ"));
    assert_eq!(r.get("ClientField3"), Some("null"));
    let s = gmo.search("o").await;
    assert_eq!(s.get("Status"), Some("CAPTURE"));
    assert_eq!(s.get("ClientField1"), Some(japanese));
}

#[tokio::test]
async fn instalments_echo_pay_times() {
    let gmo = Gmo::start().await;
    let ids = gmo.entry("o", "AUTH", "30000").await;
    let token = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    let r = gmo
        .exec_token("o", &ids, &token, &[("Method", "2"), ("PayTimes", "3")])
        .await;
    // The second `Method` is ignored: the first value counts.
    assert_eq!(r.get("Method"), Some("1"));
    let ids = gmo.entry("o2", "AUTH", "30000").await;
    let token = gmo
        .sandbox
        .issue_token("4111111111111111", "2812", "123")
        .unwrap();
    let r = gmo
        .call(
            "ExecTran",
            &[
                ("AccessID", &ids.0),
                ("AccessPass", &ids.1),
                ("OrderID", "o2"),
                ("Method", "2"),
                ("PayTimes", "3"),
                ("Token", &token),
            ],
        )
        .await;
    assert_eq!(r.get("Method"), Some("2"));
    assert_eq!(r.get("PayTimes"), Some("3"));
    let s = gmo.search("o2").await;
    assert_eq!((s.get("Method"), s.get("PayTimes")), (Some("2"), Some("3")));
}

#[tokio::test]
async fn check_answers_without_method_and_with_zero_approval() {
    let gmo = Gmo::start().await;
    let ids = gmo.entry_with("chk", &[("JobCd", "CHECK")]).await;
    let r = gmo.exec_card("chk", &ids, "4111111111111111").await;
    assert_eq!(keys(&r), EXEC_KEYS);
    assert_eq!(r.get("Method"), Some(""));
    assert_eq!(r.get("Approve"), Some("0000000"));
    let s = gmo.search("chk").await;
    assert_eq!(
        (s.get("Status"), s.get("Amount")),
        (Some("CHECK"), Some("0"))
    );
    // Nothing can be done with a CHECK order but TradedCard.
    for job in ["SALES", "VOID", "RETURN"] {
        let r = gmo.alter(&ids, job, Some("0")).await;
        assert_eq!(infos(&r), ["E11010003"], "{job}");
    }
}

#[tokio::test]
async fn alter_tran_follows_the_state_machine() {
    let gmo = Gmo::start().await;
    // UNPROCESSED: nothing is allowed.
    let ids = gmo.entry("u", "AUTH", "100").await;
    for job in ["SALES", "VOID", "RETURN", "RETURNX"] {
        assert_eq!(
            infos(&gmo.alter(&ids, job, Some("100")).await),
            ["E01110010"],
            "{job}"
        );
    }
    let r = gmo.alter(&ids, "CHECK", None).await;
    assert_eq!(infos(&r), ["E01050004"]);
    let r = gmo.alter(&ids, "NOPE", None).await;
    assert_eq!(infos(&r), ["E01050002"]);
    let r = gmo
        .shop_call(
            "AlterTran",
            &[
                ("AccessID", "null"),
                ("AccessPass", "null"),
                ("JobCd", "SALES"),
                ("Amount", "null"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E01090008", "E01100008", "E01110002"]);

    // AUTH → SALES keeps Approve and TranID; the amount must match.
    let ids = gmo.pay("a", "AUTH", "100", "4111111111111111").await;
    let auth = gmo.search("a").await;
    assert_eq!(
        infos(&gmo.alter(&ids, "SALES", Some("99")).await),
        ["E01060010"]
    );
    assert_eq!(infos(&gmo.alter(&ids, "SALES", None).await), ["E01060001"]);
    assert_eq!(
        infos(&gmo.alter(&ids, "RETURNX", None).await),
        ["E11010003"]
    );
    let r = gmo.alter(&ids, "SALES", Some("100")).await;
    assert_eq!(keys(&r), ALTER_KEYS);
    assert_eq!(r.get("AccessID"), Some(ids.0.as_str()));
    assert_eq!(r.get("Approve"), auth.get("Approve"));
    assert_eq!(r.get("TranID"), auth.get("TranID"));
    assert_eq!(gmo.search("a").await.get("Status"), Some("SALES"));
    assert_eq!(
        infos(&gmo.alter(&ids, "SALES", Some("100")).await),
        ["E11010003"]
    );
    // SALES → RETURNX issues new numbers.
    let r = gmo.alter(&ids, "RETURNX", None).await;
    assert_ne!(r.get("Approve"), auth.get("Approve"));
    assert_ne!(r.get("TranID"), auth.get("TranID"));
    let s = gmo.search("a").await;
    assert_eq!(
        (s.get("Status"), s.get("JobCd")),
        (Some("RETURNX"), Some("RETURNX"))
    );
    // A cancelled order can be authorised again.
    assert_eq!(infos(&gmo.alter(&ids, "VOID", None).await), ["E11010003"]);
    let r = gmo
        .shop_call(
            "AlterTran",
            &[
                ("AccessID", &ids.0),
                ("AccessPass", &ids.1),
                ("JobCd", "AUTH"),
                ("Amount", "80"),
                ("Method", "1"),
            ],
        )
        .await;
    assert_eq!(keys(&r), ALTER_KEYS);
    let s = gmo.search("a").await;
    assert_eq!(
        (s.get("Status"), s.get("Amount")),
        (Some("AUTH"), Some("80"))
    );

    // AUTH → VOID; CAPTURE → RETURN; VOID is final for VOID/RETURN.
    let ids = gmo.pay("v", "AUTH", "100", "4111111111111111").await;
    assert!(!gmo.alter(&ids, "VOID", None).await.is_error());
    assert_eq!(gmo.search("v").await.get("Status"), Some("VOID"));
    assert_eq!(infos(&gmo.alter(&ids, "RETURN", None).await), ["E11010003"]);
    let ids = gmo.pay("c", "CAPTURE", "100", "4111111111111111").await;
    assert_eq!(
        infos(&gmo.alter(&ids, "SALES", Some("100")).await),
        ["E11010003"]
    );
    assert!(!gmo.alter(&ids, "RETURN", None).await.is_error());
    assert_eq!(gmo.search("c").await.get("Status"), Some("RETURN"));
    // The transaction of another shop is not found.
    let other = Gmo::with(Sandbox::builder().shop(ShopConfig::new("tshopX", "passX"))).await;
    let r = other
        .call(
            "AlterTran",
            &[
                ("ShopID", "tshopX"),
                ("ShopPass", "passX"),
                ("AccessID", &ids.0),
                ("AccessPass", &ids.1),
                ("JobCd", "VOID"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E01110002"]);
}

#[tokio::test]
async fn change_tran_reauthorises_with_new_numbers() {
    let gmo = Gmo::start().await;
    let ids = gmo.pay("o", "AUTH", "100", "4111111111111111").await;
    let before = gmo.search("o").await;
    let r = gmo
        .shop_call(
            "ChangeTran",
            &[
                ("AccessID", &ids.0),
                ("AccessPass", &ids.1),
                ("JobCd", "AUTH"),
                ("Amount", "1000"),
            ],
        )
        .await;
    assert_eq!(keys(&r), ALTER_KEYS);
    let old: u32 = before.get("Approve").unwrap().parse().unwrap();
    let new: u32 = r.get("Approve").unwrap().parse().unwrap();
    assert_eq!(new, old + 2, "a cancel and a new authorisation");
    assert_ne!(r.get("TranID"), before.get("TranID"));
    let s = gmo.search("o").await;
    assert_eq!(
        (s.get("Status"), s.get("Amount")),
        (Some("AUTH"), Some("1000"))
    );
    assert_eq!(s.get("ProcessDate"), r.get("TranDate"));
    let r = gmo
        .shop_call(
            "ChangeTran",
            &[
                ("AccessID", &ids.0),
                ("AccessPass", &ids.1),
                ("JobCd", "CAPTURE"),
                ("Amount", "900"),
            ],
        )
        .await;
    assert!(!r.is_error());
    assert_eq!(gmo.search("o").await.get("Status"), Some("CAPTURE"));
    let r = gmo
        .shop_call(
            "ChangeTran",
            &[
                ("AccessID", &ids.0),
                ("AccessPass", &ids.1),
                ("JobCd", "SAUTH"),
                ("Amount", "900"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E11010003"]);
    let r = gmo
        .shop_call(
            "ChangeTran",
            &[
                ("AccessID", &ids.0),
                ("AccessPass", &ids.1),
                ("JobCd", "SALES"),
                ("Amount", "900"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E01050004"]);
    let unpaid = gmo.entry("u", "AUTH", "100").await;
    let r = gmo
        .shop_call(
            "ChangeTran",
            &[
                ("AccessID", &unpaid.0),
                ("AccessPass", &unpaid.1),
                ("JobCd", "AUTH"),
                ("Amount", "9"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E01110010"]);
    // ChangeTran asks the issuer again: a declining card is declined.
    let ids = gmo.entry("d", "AUTH", "100").await;
    let token = gmo
        .sandbox
        .issue_token("4100000000000902", "2812", "123")
        .unwrap();
    assert!(!gmo.exec_token("d", &ids, &token, &[]).await.is_error());
    let r = gmo
        .shop_call(
            "ChangeTran",
            &[
                ("AccessID", &ids.0),
                ("AccessPass", &ids.1),
                ("JobCd", "AUTH"),
                ("Amount", "5"),
            ],
        )
        .await;
    assert!(!r.is_error(), "G12 only fails validity checks");
}

#[tokio::test]
async fn search_trade_multi_answers_card_orders() {
    let gmo = Gmo::start().await;
    let r = gmo
        .shop_call(
            "SearchTradeMulti",
            &[("OrderID", "null"), ("PayType", "null")],
        )
        .await;
    assert_eq!(r.get("ErrCode"), Some("M01|M01|M01"));
    assert_eq!(infos(&r), ["M01051005", "M01051011", "M01004002"]);
    gmo.pay("o", "AUTH", "100", "4111111111111111").await;
    let r = gmo
        .shop_call("SearchTradeMulti", &[("OrderID", "o"), ("PayType", "0")])
        .await;
    assert_eq!(r.keys().next(), Some("Status"));
    assert_eq!(r.get("PayType"), Some("0"));
    assert_eq!(r.keys().last(), Some("Currency"));
    assert_eq!(r.get("Currency"), Some("JPN"));
    let r = gmo
        .shop_call("SearchTradeMulti", &[("OrderID", "o"), ("PayType", "3")])
        .await;
    assert_eq!(infos(&r), ["M01004002"]);
}

/// Pays `order` with `card` (no 3-D Secure) and returns the answer.
async fn pay_with(gmo: &Gmo, order: &str, job: &str, card: &str) -> Response {
    let ids = if job == "CHECK" {
        gmo.entry_with(order, &[("JobCd", "CHECK")]).await
    } else {
        gmo.entry(order, job, "100").await
    };
    gmo.exec_card(order, &ids, card).await
}

#[tokio::test]
async fn every_test_card_has_its_outcome() {
    let gmo = Gmo::with(
        Sandbox::builder()
            .shop(ShopConfig::new("tshop00000001", "shoppass01").accept_card_numbers(true))
            .slow_card_delay(Duration::from_millis(300)),
    )
    .await;
    for card in [
        "4111111111111111",
        "5555555555554444",
        "3530111111111116",
        "4100000000005000",
        "4100000000000209",
        "4100000000000308",
        "4000000000000002",
    ] {
        let r = pay_with(&gmo, &format!("ok-{card}"), "AUTH", card).await;
        assert!(!r.is_error(), "{card}: {:?}", r.errors());
    }
    for (card, code, info) in [
        ("4100000000000407", "G02", "42G020000"),
        ("4100000000000506", "G83", "42G830000"),
        ("4100000000000605", "G44", "42G440000"),
    ] {
        let order = format!("ng-{card}");
        let r = pay_with(&gmo, &order, "AUTH", card).await;
        assert_eq!(
            (r.get("ErrCode"), r.get("ErrInfo")),
            (Some(code), Some(info))
        );
        // A decline leaves the order unprocessed; it may be paid with another card.
        assert_eq!(
            gmo.sandbox.transaction(&order).unwrap().status,
            Status::Unprocessed
        );
        let tx = gmo.sandbox.transaction(&order).unwrap();
        let ids = (
            tx.access_id.clone(),
            tx.access_pass.expose_secret().to_owned(),
        );
        assert!(
            !gmo.exec_card(&order, &ids, "4111111111111111")
                .await
                .is_error()
        );
    }
    // The validity-check card fails CHECK only.
    let r = pay_with(&gmo, "g12-check", "CHECK", "4100000000000902").await;
    assert_eq!(
        (r.get("ErrCode"), r.get("ErrInfo")),
        (Some("G12"), Some("42G120000"))
    );
    assert!(
        !pay_with(&gmo, "g12-auth", "AUTH", "4100000000000902")
            .await
            .is_error()
    );
    // C01: the caller hears of a network error, yet the authorisation happened.
    let r = pay_with(&gmo, "c01", "AUTH", "4100000000000704").await;
    assert_eq!(
        (r.get("ErrCode"), r.get("ErrInfo")),
        (Some("C01"), Some("42C010000"))
    );
    let s = gmo.search("c01").await;
    assert_eq!(s.get("Status"), Some("AUTH"));
    assert_eq!(s.get("CardNo"), Some("************0704"));
    let change = gmo
        .sandbox
        .state_changes()
        .into_iter()
        .find(|c| c.order_id == "c01")
        .unwrap();
    assert_eq!(
        change.reported_error,
        Some(("C01".to_owned(), "42C010000".to_owned()))
    );
}

#[tokio::test]
async fn the_slow_card_answers_late_without_blocking_the_sandbox() {
    let gmo = Gmo::with(
        Sandbox::builder()
            .shop(ShopConfig::new("tshop00000001", "shoppass01"))
            .slow_card_delay(Duration::from_millis(800)),
    )
    .await;
    let ids = gmo.entry("slow", "AUTH", "100").await;
    let token = gmo
        .sandbox
        .issue_token("4100000000000803", "2812", "123")
        .unwrap();
    let started = std::time::Instant::now();
    let slow = gmo.exec_token("slow", &ids, &token, &[]);
    let meanwhile = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        // Other calls are served while the issuer thinks…
        let s = gmo.search("slow").await;
        assert_eq!(s.get("Status"), Some("UNPROCESSED"));
        // …but a second execution of the same transaction is refused as in flight.
        let again = gmo.exec_card("slow", &ids, "4111111111111111").await;
        assert_eq!(infos(&again), ["E90010001"]);
        started.elapsed()
    };
    let (r, meanwhile_at) = tokio::join!(slow, meanwhile);
    assert!(
        meanwhile_at < Duration::from_millis(700),
        "the lock was held: {meanwhile_at:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(800));
    assert!(!r.is_error(), "{:?}", r.errors());
    assert_eq!(gmo.search("slow").await.get("Status"), Some("AUTH"));
}

#[tokio::test]
async fn protocol_errors_follow_gmo() {
    let gmo = Gmo::start().await;
    let url = gmo.url("/payment/EntryTran.idPass");
    let r = gmo.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap(), "ErrCode=E31&ErrInfo=E31500014");
    let r = gmo
        .http
        .post(&url)
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap(), "ErrCode=E00&ErrInfo=E00000003");
    let r = gmo.http.post(&url).body("OrderID=1").send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap(), "ErrCode=E00&ErrInfo=E00000003");
    let r = gmo
        .http
        .post(gmo.url("/payment/NoSuchApi.idPass"))
        .header("Content-Type", FORM)
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap(), "ErrCode=E91&ErrInfo=E91099997");
    let r = gmo
        .http
        .post(gmo.url("/payment/entrytran.idPass"))
        .header("Content-Type", FORM)
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap(), "ErrCode=E91&ErrInfo=E91099997");
    // A charset parameter is fine.
    let mut form = FormEncoder::new();
    form.push("ShopID", "x").unwrap();
    let r = gmo
        .http
        .post(&url)
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=Windows-31J",
        )
        .body(form.finish())
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap(), "ErrCode=E01&ErrInfo=E01020001");
    // Calls are counted, failed ones included.
    assert_eq!(gmo.sandbox.calls(Api::EntryTran), 4);
}

/// Bytes that are not Windows-31J are a malformed body (`E00000010`) whether they come
/// urlencoded or in a multipart part; only a content type the sandbox cannot read is
/// `E00000003`. Nothing is registered.
#[tokio::test]
async fn undecodable_bodies_are_malformed_in_every_content_type() {
    let gmo = Gmo::start().await;
    let url = gmo.url("/payment/SaveMember.idPass");
    let post = |content_type: String, body: Vec<u8>| {
        let request = gmo
            .http
            .post(&url)
            .header("Content-Type", content_type)
            .body(body);
        async move { request.send().await.unwrap().bytes().await.unwrap() }
    };
    let credentials = format!(
        "SiteID={}&SitePass={}&MemberID=m1&MemberName=",
        gmo.sandbox.site_id(),
        gmo.sandbox.site_pass()
    );
    // 0x82 0xFF: a lead byte followed by no trail byte of Windows-31J.
    let percent = format!("{credentials}%82%FF");
    let mut raw = credentials.clone().into_bytes();
    raw.extend_from_slice(&[0x82, 0xFF]);
    let boundary = "xyz";
    let mut multipart = Vec::new();
    for (name, value) in [
        ("SiteID", gmo.sandbox.site_id().as_bytes()),
        ("SitePass", gmo.sandbox.site_pass().as_bytes()),
        ("MemberID", b"m1".as_slice()),
        ("MemberName", &[0x82, 0xFF]),
    ] {
        multipart.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        multipart.extend_from_slice(value);
        multipart.extend_from_slice(b"\r\n");
    }
    multipart.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let multipart_type = format!("multipart/form-data; boundary={boundary}");
    let malformed = "ErrCode=E00&ErrInfo=E00000010";
    assert_eq!(post(FORM.to_owned(), percent.into_bytes()).await, malformed);
    assert_eq!(post(FORM.to_owned(), raw).await, malformed);
    assert_eq!(
        post(multipart_type.clone(), multipart.clone()).await,
        malformed
    );
    // A multipart body cut short is malformed too.
    let cut = multipart[..multipart.len() - 12].to_vec();
    assert_eq!(post(multipart_type, cut).await, malformed);
    // Without a boundary the content type itself is unusable.
    assert_eq!(
        post("multipart/form-data".to_owned(), multipart).await,
        "ErrCode=E00&ErrInfo=E00000003"
    );
    assert!(gmo.sandbox.member("m1").is_none());
    assert_eq!(gmo.sandbox.calls(Api::SaveMember), 5);
}

/// The `Content-Type` variants GMO has been recorded sending: each fixed one on every answer
/// (errors included), and the random one repeating for a seed.
#[tokio::test]
async fn answers_carry_the_configured_content_type() {
    async fn labels(variant: ContentTypeVariant, seed: u64) -> Vec<String> {
        let gmo = Gmo::with(
            Sandbox::builder()
                .content_type_variant(variant)
                .variant_seed(seed),
        )
        .await;
        let mut labels = Vec::new();
        for api in ["EntryTran", "SearchTrade", "NoSuchApi"] {
            for _ in 0..4 {
                let r = gmo
                    .http
                    .post(gmo.url(&format!("/payment/{api}.idPass")))
                    .header("Content-Type", FORM)
                    .body("OrderID=nothing")
                    .send()
                    .await
                    .unwrap();
                labels.push(r.headers()["content-type"].to_str().unwrap().to_owned());
            }
        }
        labels
    }
    for (variant, header) in ContentTypeVariant::FIXED {
        assert_eq!(variant.header(), Some(header));
        assert!(labels(variant, 0).await.iter().all(|l| l == header));
    }
    let random = labels(ContentTypeVariant::Random, 3).await;
    for (_, header) in ContentTypeVariant::FIXED {
        assert!(random.iter().any(|l| l == header), "{header} in {random:?}");
    }
    assert_eq!(random, labels(ContentTypeVariant::Random, 3).await);
    assert_eq!(ContentTypeVariant::Random.header(), None);
}

/// `Approve= 004536`: the padded approval number is the same in ExecTran, AlterTran and
/// SearchTrade, and the CheckString covers the space.
#[tokio::test]
async fn padded_approval_numbers_keep_their_space_everywhere() {
    let gmo = Gmo::with(
        Sandbox::builder()
            .shop(
                ShopConfig::new(gmo_sandbox::DEFAULT_SHOP_ID, gmo_sandbox::DEFAULT_SHOP_PASS)
                    .accept_card_numbers(true),
            )
            .approve_padding(ApprovePadding::Always),
    )
    .await;
    let ids = gmo.entry("padded", "AUTH", "100").await;
    let r = gmo.exec_card("padded", &ids, "4111111111111111").await;
    let approve = r.get("Approve").unwrap().to_owned();
    assert!(
        approve.len() == 7
            && approve.starts_with(' ')
            && approve[1..].bytes().all(|b| b.is_ascii_digit()),
        "{approve:?}"
    );
    assert_check_string(&r, gmo.sandbox.shop_pass());
    assert_eq!(gmo.search("padded").await.get("Approve"), Some(&*approve));
    assert_eq!(gmo.sandbox.transaction("padded").unwrap().approve, approve);
    // A re-authorisation draws a new, padded number.
    let changed = gmo
        .shop_call(
            "ChangeTran",
            &[
                ("AccessID", ids.0.as_str()),
                ("AccessPass", ids.1.as_str()),
                ("JobCd", "AUTH"),
                ("Amount", "90"),
            ],
        )
        .await;
    let again = changed.get("Approve").unwrap();
    assert!(again.starts_with(' ') && again != approve, "{again:?}");
}

#[tokio::test]
async fn calls_are_counted_per_api_and_order() {
    let gmo = Gmo::start().await;
    let ids = gmo.pay("o", "AUTH", "100", "4111111111111111").await;
    gmo.alter(&ids, "SALES", Some("1")).await;
    gmo.alter(&ids, "SALES", Some("100")).await;
    gmo.search("o").await;
    assert_eq!(gmo.sandbox.calls(Api::AlterTran), 2);
    assert_eq!(gmo.sandbox.calls(Api::ExecTran), 1);
    assert_eq!(gmo.sandbox.calls_for_order("o"), 5);
    assert_eq!(gmo.sandbox.calls_of(Api::AlterTran, "o"), 2);
    assert_eq!(gmo.sandbox.calls_of(Api::ExecTran, "o"), 1);
    assert_eq!(gmo.sandbox.calls_of(Api::SecureTran2, "o"), 0);
    assert_eq!(gmo.sandbox.calls_of(Api::AlterTran, "another"), 0);
    let changes: Vec<_> = gmo
        .sandbox
        .state_changes()
        .into_iter()
        .map(|c| (c.api, c.to))
        .collect();
    assert_eq!(
        changes,
        [("ExecTran", Status::Auth), ("AlterTran", Status::Sales)]
    );
}

#[tokio::test]
async fn simple_authorisations_capture_and_cancel() {
    let gmo = Gmo::start().await;
    let ids = gmo.pay("s", "SAUTH", "100", "4111111111111111").await;
    assert_eq!(gmo.search("s").await.get("Status"), Some("SAUTH"));
    let r = gmo
        .shop_call(
            "ChangeTran",
            &[
                ("AccessID", &ids.0),
                ("AccessPass", &ids.1),
                ("JobCd", "AUTH"),
                ("Amount", "5"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E11010003"]);
    assert!(!gmo.alter(&ids, "SALES", Some("100")).await.is_error());
    assert_eq!(gmo.search("s").await.get("Status"), Some("SALES"));
    let ids = gmo.pay("s2", "SAUTH", "100", "4111111111111111").await;
    assert!(!gmo.alter(&ids, "VOID", None).await.is_error());
    assert_eq!(gmo.search("s2").await.get("Status"), Some("VOID"));
}

#[tokio::test]
async fn listeners_hear_every_state_change_and_shutdown_stops_the_server() {
    use std::sync::{Arc, Mutex};
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink = heard.clone();
    let gmo = Gmo::with(
        Sandbox::builder()
            .shop(ShopConfig::new("tshop00000001", "shoppass01"))
            .on_state_change(move |change| {
                sink.lock()
                    .unwrap()
                    .push((change.order_id.clone(), change.to.clone()))
            }),
    )
    .await;
    let ids = gmo.pay("o", "AUTH", "100", "4111111111111111").await;
    gmo.alter(&ids, "VOID", None).await;
    assert_eq!(
        *heard.lock().unwrap(),
        [
            ("o".to_owned(), Status::Auth),
            ("o".to_owned(), Status::Void)
        ]
    );
    let url = gmo.url("/payment/SearchTrade.idPass");
    let Gmo { sandbox, http } = gmo;
    sandbox.shutdown().await;
    assert!(
        http.post(&url)
            .header("Content-Type", FORM)
            .body("")
            .send()
            .await
            .is_err()
    );
}
