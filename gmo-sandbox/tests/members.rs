//! Members and stored cards over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Gmo, infos, keys};
use gmo_sandbox::{Sandbox, ShopConfig};

const CARD_KEYS: [&str; 7] = [
    "CardSeq",
    "DefaultFlag",
    "CardName",
    "CardNo",
    "Expire",
    "HolderName",
    "DeleteFlag",
];

async fn save_card(
    gmo: &Gmo,
    member: &str,
    card: &str,
    extra: &[(&str, &str)],
) -> gmo_core::wire::Response {
    let token = gmo.sandbox.issue_token(card, "2812", "123").unwrap();
    let mut fields = vec![("MemberID", member), ("Token", token.as_str())];
    fields.extend_from_slice(extra);
    gmo.site_call("SaveCard", &fields).await
}

#[tokio::test]
async fn members_are_saved_updated_searched_and_deleted() {
    let gmo = Gmo::start().await;
    let r = gmo
        .site_call(
            "SaveMember",
            &[("MemberID", "m-1"), ("MemberName", "山田 太郎 ①")],
        )
        .await;
    assert_eq!(keys(&r), ["MemberID"]);
    let r = gmo.site_call("SearchMember", &[("MemberID", "m-1")]).await;
    assert_eq!(keys(&r), ["MemberID", "MemberName", "DeleteFlag"]);
    assert_eq!(r.get("MemberName"), Some("山田 太郎 ①"));
    assert_eq!(r.get("DeleteFlag"), Some("0"));
    assert_eq!(
        infos(&gmo.site_call("SaveMember", &[("MemberID", "m-1")]).await),
        ["E01390010"]
    );
    gmo.site_call(
        "UpdateMember",
        &[("MemberID", "m-1"), ("MemberName", "John Smith")],
    )
    .await;
    assert_eq!(gmo.sandbox.member("m-1").unwrap().name, "John Smith");
    assert_eq!(
        infos(
            &gmo.site_call("UpdateMember", &[("MemberID", "nobody")])
                .await
        ),
        ["E01390002"]
    );
    assert_eq!(
        infos(&gmo.site_call("SaveMember", &[("MemberID", "bad id")]).await),
        ["E01220008"]
    );
    assert_eq!(
        infos(&gmo.site_call("SaveMember", &[]).await),
        ["E01220001"]
    );
    let long = "a".repeat(61);
    assert_eq!(
        infos(&gmo.site_call("SaveMember", &[("MemberID", &long)]).await),
        ["E01220005"]
    );
    // Cards go with the member.
    save_card(&gmo, "m-1", "4111111111111111", &[]).await;
    let r = gmo.site_call("DeleteMember", &[("MemberID", "m-1")]).await;
    assert_eq!(r.get("MemberID"), Some("m-1"));
    assert_eq!(
        infos(&gmo.site_call("SearchMember", &[("MemberID", "m-1")]).await),
        ["E01390002"]
    );
    gmo.site_call("SaveMember", &[("MemberID", "m-1")]).await;
    assert_eq!(
        infos(
            &gmo.site_call("SearchCard", &[("MemberID", "m-1"), ("SeqMode", "0")])
                .await
        ),
        ["E01240002"]
    );
    // Site credentials.
    let r = gmo
        .call(
            "SaveMember",
            &[
                ("SiteID", "tsite00000001"),
                ("SitePass", "nope"),
                ("MemberID", "x"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E01210002"]);
    let r = gmo.call("SaveMember", &[("MemberID", "x")]).await;
    assert_eq!(infos(&r), ["E01190001", "E01200001"]);
}

#[tokio::test]
async fn cards_are_numbered_logically_and_physically() {
    let gmo = Gmo::start().await;
    gmo.site_call("SaveMember", &[("MemberID", "m")]).await;
    for (i, card) in ["4111111111111111", "5555555555554444", "3530111111111116"]
        .iter()
        .enumerate()
    {
        let r = save_card(&gmo, "m", card, &[("HolderName", "TARO YAMADA")]).await;
        assert_eq!(keys(&r), ["CardSeq", "CardNo", "Forward"]);
        assert_eq!(r.get("CardSeq"), Some(i.to_string().as_str()));
        assert_eq!(r.get("CardNo").unwrap().len(), 16);
        assert!(r.get("CardNo").unwrap().starts_with("*************"));
    }
    let r = gmo
        .site_call("SearchCard", &[("MemberID", "m"), ("SeqMode", "0")])
        .await;
    assert_eq!(keys(&r), CARD_KEYS);
    assert_eq!(r.get("CardSeq"), Some("0|1|2"));
    assert_eq!(
        r.get("CardNo"),
        Some("*************111|*************444|*************116")
    );
    assert_eq!(
        r.get("HolderName"),
        Some("TARO YAMADA|TARO YAMADA|TARO YAMADA")
    );
    // Delete the middle card (logical seq 1).
    let r = gmo
        .site_call("DeleteCard", &[("MemberID", "m"), ("CardSeq", "1")])
        .await;
    assert_eq!(keys(&r), ["CardSeq"]);
    assert_eq!(r.get("CardSeq"), Some("1"));
    // Logical: live cards renumbered; physical: permanent numbers and the deleted card.
    let r = gmo
        .site_call("SearchCard", &[("MemberID", "m"), ("SeqMode", "0")])
        .await;
    assert_eq!(r.get("CardSeq"), Some("0|1"));
    assert_eq!(r.get("CardNo"), Some("*************111|*************116"));
    assert_eq!(r.get("DeleteFlag"), Some("0|0"));
    let r = gmo
        .site_call("SearchCard", &[("MemberID", "m"), ("SeqMode", "1")])
        .await;
    assert_eq!(r.get("CardSeq"), Some("0|1|2"));
    assert_eq!(r.get("DeleteFlag"), Some("0|1|0"));
    let r = gmo
        .site_call(
            "SearchCard",
            &[("MemberID", "m"), ("SeqMode", "1"), ("CardSeq", "2")],
        )
        .await;
    assert_eq!(r.get("CardNo"), Some("*************116"));
    let r = gmo
        .site_call(
            "SearchCard",
            &[("MemberID", "m"), ("SeqMode", "0"), ("CardSeq", "2")],
        )
        .await;
    assert_eq!(infos(&r), ["E01240002"]);
    // A new card takes the next physical number.
    let r = save_card(&gmo, "m", "4000000000000002", &[("SeqMode", "1")]).await;
    assert_eq!(r.get("CardSeq"), Some("3"));
    let r = save_card(&gmo, "m", "4000000000000010", &[]).await;
    assert_eq!(
        r.get("CardSeq"),
        Some("3"),
        "logical number of the 4th live card"
    );
    // Deleting a deleted card, or an unknown one.
    let r = gmo
        .site_call(
            "DeleteCard",
            &[("MemberID", "m"), ("SeqMode", "1"), ("CardSeq", "1")],
        )
        .await;
    assert_eq!(infos(&r), ["E01240002"]);
    let r = gmo
        .site_call(
            "DeleteCard",
            &[("MemberID", "m"), ("SeqMode", "2"), ("CardSeq", "x")],
        )
        .await;
    assert_eq!(infos(&r), ["E01470008", "E01230006"]);
    let r = gmo
        .site_call("DeleteCard", &[("MemberID", "ghost"), ("CardSeq", "0")])
        .await;
    assert_eq!(infos(&r), ["E01390002"]);
    let snapshot = gmo.sandbox.member("m").unwrap();
    assert_eq!(snapshot.cards.len(), 5);
    assert!(snapshot.cards[1].deleted);
}

#[tokio::test]
async fn the_default_card_is_unique_and_updatable() {
    let gmo = Gmo::start().await;
    gmo.site_call("SaveMember", &[("MemberID", "m")]).await;
    save_card(&gmo, "m", "4111111111111111", &[("DefaultFlag", "1")]).await;
    save_card(
        &gmo,
        "m",
        "5555555555554444",
        &[("DefaultFlag", "1"), ("CardName", "MC")],
    )
    .await;
    let r = gmo
        .site_call("SearchCard", &[("MemberID", "m"), ("SeqMode", "0")])
        .await;
    assert_eq!(r.get("DefaultFlag"), Some("0|1"));
    assert_eq!(r.get("CardName"), Some("|MC"));
    // Update card 0 in place: new default, new name, same number.
    let r = gmo
        .site_call(
            "SaveCard",
            &[
                ("MemberID", "m"),
                ("CardSeq", "0"),
                ("DefaultFlag", "1"),
                ("CardName", "VISA"),
            ],
        )
        .await;
    assert_eq!(r.get("CardSeq"), Some("0"));
    assert_eq!(r.get("CardNo"), Some("*************111"));
    let r = gmo
        .site_call("SearchCard", &[("MemberID", "m"), ("SeqMode", "0")])
        .await;
    assert_eq!(r.get("DefaultFlag"), Some("1|0"));
    assert_eq!(r.get("CardName"), Some("VISA|MC"));
    // Replace the card behind seq 1 with a new token.
    let r = save_card(&gmo, "m", "3530111111111116", &[("CardSeq", "1")]).await;
    assert_eq!(
        (r.get("CardSeq"), r.get("CardNo")),
        (Some("1"), Some("*************116"))
    );
    let r = gmo
        .site_call(
            "SaveCard",
            &[("MemberID", "m"), ("CardSeq", "7"), ("CardName", "X")],
        )
        .await;
    assert_eq!(infos(&r), ["E01240002"]);
    let r = gmo
        .site_call(
            "SaveCard",
            &[("MemberID", "m"), ("CardName", "ABCDEFGHIJK")],
        )
        .await;
    assert_eq!(infos(&r), ["E01130012", "E01170001", "E01180001"]);
}

#[tokio::test]
async fn a_member_holds_a_limited_number_of_cards() {
    let gmo = Gmo::start().await;
    gmo.site_call("SaveMember", &[("MemberID", "m")]).await;
    for _ in 0..5 {
        assert!(
            !save_card(&gmo, "m", "4111111111111111", &[])
                .await
                .is_error()
        );
    }
    assert_eq!(
        infos(&save_card(&gmo, "m", "4111111111111111", &[]).await),
        ["E01230009"]
    );
    // A deleted card frees a place.
    gmo.site_call("DeleteCard", &[("MemberID", "m"), ("CardSeq", "0")])
        .await;
    assert!(
        !save_card(&gmo, "m", "4111111111111111", &[])
            .await
            .is_error()
    );

    let small = Gmo::with(Sandbox::builder().max_cards_per_member(1)).await;
    small.site_call("SaveMember", &[("MemberID", "m")]).await;
    assert!(
        !save_card(&small, "m", "4111111111111111", &[])
            .await
            .is_error()
    );
    assert_eq!(
        infos(&save_card(&small, "m", "4111111111111111", &[]).await),
        ["E01230009"]
    );
}

#[tokio::test]
async fn save_card_runs_a_validity_check_and_spends_tokens() {
    let gmo = Gmo::start().await;
    let r = save_card(&gmo, "nobody", "4111111111111111", &[]).await;
    assert_eq!(infos(&r), ["E01390002"]);
    gmo.site_call("SaveMember", &[("MemberID", "m")]).await;
    let token = gmo
        .sandbox
        .issue_token("4100000000000902", "2812", "123")
        .unwrap();
    let r = gmo
        .site_call("SaveCard", &[("MemberID", "m"), ("Token", &token)])
        .await;
    assert_eq!(
        (r.get("ErrCode"), r.get("ErrInfo")),
        (Some("G12"), Some("42G120000"))
    );
    let r = gmo
        .site_call("SaveCard", &[("MemberID", "m"), ("Token", &token)])
        .await;
    assert_eq!(
        infos(&r),
        ["EX1000302"],
        "the failed SaveCard spent the token"
    );
    assert_eq!(
        infos(
            &gmo.site_call("SearchCard", &[("MemberID", "m"), ("SeqMode", "0")])
                .await
        ),
        ["E01240002"]
    );
}

#[tokio::test]
async fn stored_cards_pay_and_show_in_search_trade() {
    let gmo = Gmo::start().await;
    gmo.site_call("SaveMember", &[("MemberID", "m")]).await;
    save_card(&gmo, "m", "5555555555554444", &[]).await;
    let ids = gmo.entry("o", "AUTH", "100").await;
    let r = gmo
        .call(
            "ExecTran",
            &[
                ("AccessID", &ids.0),
                ("AccessPass", &ids.1),
                ("OrderID", "o"),
                ("Method", "1"),
                ("SiteID", gmo.sandbox.site_id()),
                ("SitePass", gmo.sandbox.site_pass()),
                ("MemberID", "m"),
                ("CardSeq", "0"),
            ],
        )
        .await;
    assert!(!r.is_error(), "{:?}", r.errors());
    let s = gmo.search("o").await;
    assert_eq!(s.get("SiteID"), Some(gmo.sandbox.site_id()));
    assert_eq!(s.get("MemberID"), Some("m"));
    assert_eq!(s.get("CardNo"), Some("************4444"));
    let ids = gmo.entry("o2", "AUTH", "100").await;
    let r = gmo
        .call(
            "ExecTran",
            &[
                ("AccessID", &ids.0),
                ("AccessPass", &ids.1),
                ("OrderID", "o2"),
                ("Method", "1"),
                ("SiteID", gmo.sandbox.site_id()),
                ("SitePass", gmo.sandbox.site_pass()),
                ("MemberID", "m"),
                ("CardSeq", "4"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E01240002"]);
}

#[tokio::test]
async fn traded_card_stores_the_card_of_a_paid_order() {
    let gmo = Gmo::start().await;
    let r = gmo
        .shop_call(
            "TradedCard",
            &[
                ("SiteID", gmo.sandbox.site_id()),
                ("SitePass", gmo.sandbox.site_pass()),
                ("OrderID", "null"),
                ("MemberID", "null"),
                ("SeqMode", "0"),
            ],
        )
        .await;
    assert_eq!(infos(&r), ["E01110002"]);
    gmo.site_call("SaveMember", &[("MemberID", "m")]).await;
    gmo.entry("unpaid", "AUTH", "100").await;
    let traded = |order: &'static str| {
        let gmo = &gmo;
        async move {
            gmo.shop_call(
                "TradedCard",
                &[
                    ("SiteID", gmo.sandbox.site_id()),
                    ("SitePass", gmo.sandbox.site_pass()),
                    ("OrderID", order),
                    ("MemberID", "m"),
                    ("HolderName", "TARO"),
                ],
            )
            .await
        }
    };
    assert_eq!(infos(&traded("unpaid").await), ["E01110010"]);
    let ids = gmo.entry_with("chk", &[("JobCd", "CHECK")]).await;
    gmo.exec_card("chk", &ids, "3530111111111116").await;
    let r = traded("chk").await;
    assert_eq!(keys(&r), ["CardSeq", "CardNo", "Forward"]);
    assert_eq!(
        (r.get("CardSeq"), r.get("CardNo")),
        (Some("0"), Some("************1116"))
    );
    let card = &gmo.sandbox.member("m").unwrap().cards[0];
    assert_eq!(
        (card.holder_name.as_str(), card.expire.as_str()),
        ("TARO", "2812")
    );
}

#[tokio::test]
async fn search_card_detail_reports_brands() {
    let gmo =
        Gmo::with(Sandbox::builder().shop(ShopConfig::new("tshop00000001", "shoppass01"))).await;
    let token = gmo
        .sandbox
        .issue_token("5555555555554444", "2812", "123")
        .unwrap();
    let r = gmo
        .shop_call("SearchCardDetail", &[("Token", &token)])
        .await;
    assert_eq!(
        keys(&r),
        [
            "CardNo",
            "Brand",
            "DomesticFlag",
            "IssuerCode",
            "DebitPrepaidFlag",
            "DebitPrepaidIssuerName",
            "ForwardFinal"
        ]
    );
    assert_eq!(r.get("Brand"), Some("MASTER"));
    gmo.site_call("SaveMember", &[("MemberID", "m")]).await;
    save_card(&gmo, "m", "4111111111111111", &[]).await;
    save_card(&gmo, "m", "3530111111111116", &[]).await;
    let r = gmo
        .site_call("SearchCardDetail", &[("MemberID", "m"), ("SeqMode", "0")])
        .await;
    assert_eq!(r.get("Brand"), Some("VISA|JCB"));
}
