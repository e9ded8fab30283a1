//! The client's Site API (members and stored cards) against the sandbox: every answer is
//! compared with what the sandbox holds.

#[path = "support/client_sandbox.rs"]
mod kit;
mod support;

use gmo_core::api::{
    CardDetailQuery, DeleteCard, DeleteMember, EntryTran, SaveCard, SaveMember, SearchCard,
    SearchCardDetail, SearchMember, TradedCard, UpdateMember,
};
use gmo_core::client::{Credentials, RawRequest};
use gmo_core::values::{CardName, CardSeq, HolderName, MemberName};
use gmo_core::values::{MemberId, SeqMode};
use gmo_core::{ErrorKind, GmoClient, GmoError};
use gmo_sandbox::Api;
use kit::{EXPIRE, FAILS_CHECK, Kit, MASTER, VISA, api_error, infos, order};

fn member(id: &str) -> MemberId {
    MemberId::new(id).unwrap()
}

fn seq(n: u16) -> CardSeq {
    CardSeq::new(n).unwrap()
}

async fn save_member(client: &GmoClient, id: &MemberId, name: Option<&str>) {
    let mut save = SaveMember::new(id.clone());
    save.member_name = name.map(|n| MemberName::new(n).unwrap());
    let saved = client.send(&save).await.expect("SaveMember");
    assert_eq!(&saved, id);
}

#[tokio::test]
async fn members_are_saved_updated_searched_and_deleted() {
    let kit = Kit::new().await;
    let id = member("customer-42");

    save_member(&kit.client, &id, Some("山田 太郎")).await;
    assert_eq!(kit.sandbox.member(id.as_str()).unwrap().name, "山田 太郎");
    let found = kit
        .client
        .send(&SearchMember::new(id.clone()))
        .await
        .unwrap();
    assert_eq!(found.member_id, id);
    assert_eq!(found.member_name, "山田 太郎");
    assert!(!found.deleted);

    // Half-width kana, an IBM extension kanji and an NEC special character survive the trip
    // through Windows-31J both ways.
    for name in ["ｼﾞｴﾑｵ", "髙橋①", "山田 太郎 ｼﾞｴﾑｵ 髙橋① ㈱～"] {
        let update = UpdateMember::new(id.clone(), Some(MemberName::new(name).unwrap()));
        assert_eq!(kit.client.send(&update).await.unwrap(), id);
        assert_eq!(kit.sandbox.member(id.as_str()).unwrap().name, name);
        let found = kit
            .client
            .send(&SearchMember::new(id.clone()))
            .await
            .unwrap();
        assert_eq!(found.member_name, name);
    }

    // The longest name GMO takes: 255 bytes of Windows-31J.
    let longest = format!("{}a", "髙".repeat(127));
    let update = UpdateMember::new(id.clone(), Some(MemberName::new(longest.as_str()).unwrap()));
    kit.client.send(&update).await.unwrap();
    let found = kit
        .client
        .send(&SearchMember::new(id.clone()))
        .await
        .unwrap();
    assert_eq!(found.member_name, longest);
    assert!(MemberName::new(format!("{longest}a")).is_err());

    let deleted = kit
        .client
        .send(&DeleteMember::new(id.clone()))
        .await
        .unwrap();
    assert_eq!(deleted, id);
    assert!(kit.sandbox.member(id.as_str()).is_none());

    let searches_before = kit.sandbox.calls(Api::SearchMember);
    let gone = kit
        .client
        .send(&SearchMember::new(id.clone()))
        .await
        .unwrap_err();
    assert!(gone.is_not_found(), "{gone:?}");
    assert_eq!(infos(&gone), ["E01390002"]);
    assert_eq!(gone.kind(), Some(ErrorKind::InvalidRequest));
    assert!(!gone.outcome_unknown());
    // "Not found" is an answer, not a transient failure: no retry.
    assert_eq!(kit.sandbox.calls(Api::SearchMember), searches_before + 1);
}

#[tokio::test]
async fn a_member_without_a_name_has_an_empty_one() {
    let kit = Kit::new().await;
    let id = member("no.name_1@x");
    save_member(&kit.client, &id, None).await;
    let found = kit
        .client
        .send(&SearchMember::new(id.clone()))
        .await
        .unwrap();
    assert_eq!(found.member_name, "");
    assert_eq!(kit.sandbox.member(id.as_str()).unwrap().name, "");
}

#[tokio::test]
async fn names_with_an_ampersand_are_refused_because_gmo_echoes_them_unescaped() {
    let kit = Kit::new().await;
    assert_eq!(
        MemberName::new("Smith & Co").unwrap_err().field,
        "MemberName"
    );
    // Saved by other means, such a name makes SearchMember's answer unreadable: GMO's answer is
    // `MemberID=…&MemberName=Smith & Co&DeleteFlag=0`, never escaped.
    let raw = RawRequest::new("SaveMember", Credentials::Site)
        .field("MemberID", "ampersand")
        .field("MemberName", "Smith & Co");
    kit.client.send_raw(&raw).await.unwrap();
    assert_eq!(kit.sandbox.member("ampersand").unwrap().name, "Smith & Co");
    let error = kit
        .client
        .send(&SearchMember::new(member("ampersand")))
        .await
        .unwrap_err();
    assert!(matches!(error, GmoError::Decode { .. }), "{error:?}");
    // A read that changed nothing.
    assert!(!error.outcome_unknown());
}

#[tokio::test]
async fn an_existing_member_id_is_refused_with_a_classified_error() {
    let kit = Kit::new().await;
    let id = member("customer-1");
    save_member(&kit.client, &id, Some("山田 太郎")).await;
    let mut again = SaveMember::new(id.clone());
    again.member_name = Some(MemberName::new("別人").unwrap());
    let error = kit.client.send(&again).await.unwrap_err();

    let api = api_error(&error);
    assert_eq!(api.api(), "SaveMember");
    assert_eq!(api.kind(), ErrorKind::InvalidRequest);
    assert_eq!(api.codes().len(), 1);
    let code = &api.codes()[0];
    assert_eq!(
        (code.code.as_str(), code.info.as_str()),
        ("E01", "E01390010")
    );
    assert!(!code.message_en().unwrap_or("").is_empty());
    assert!(!code.message_ja().unwrap_or("").is_empty());
    assert!(!error.outcome_unknown());
    assert!(!error.is_not_found() && !error.is_duplicate_order());
    assert!(error.to_string().contains("E01390010"), "{error}");
    // The first member is untouched.
    assert_eq!(kit.sandbox.member(id.as_str()).unwrap().name, "山田 太郎");
}

#[tokio::test]
async fn unknown_members_are_not_found_everywhere() {
    let kit = Kit::new().await;
    let nobody = member("nobody");
    let update = UpdateMember::new(nobody.clone(), None);
    let delete = DeleteMember::new(nobody.clone());
    let cards = SearchCard::all(nobody.clone(), SeqMode::Logical);
    for error in [
        kit.client.send(&update).await.unwrap_err(),
        kit.client.send(&delete).await.unwrap_err(),
        kit.client.send(&cards).await.unwrap_err(),
    ] {
        assert!(error.is_not_found(), "{error:?}");
        assert_eq!(infos(&error), ["E01390002"]);
    }
}

#[tokio::test]
async fn cards_are_saved_from_tokens_listed_updated_and_deleted() {
    let kit = Kit::new().await;
    let id = member("card-holder");
    save_member(&kit.client, &id, Some("山田 太郎")).await;

    // A member without cards: "no card" is not found.
    let empty = kit
        .client
        .send(&SearchCard::all(id.clone(), SeqMode::Logical))
        .await
        .unwrap_err();
    assert!(empty.is_not_found(), "{empty:?}");
    assert_eq!(infos(&empty), ["E01240002"]);

    let first = kit
        .client
        .send(&SaveCard::new(id.clone(), kit.token(VISA)))
        .await
        .unwrap();
    assert_eq!(first.card_seq, seq(0));
    assert_eq!(first.masked_number, "*************111");
    assert_eq!(first.forward.as_deref(), Some("2a99662"));

    let mut second = SaveCard::new(id.clone(), kit.token(MASTER));
    second.default_card = true;
    second.card_name = Some(CardName::new("ﾒｲﾝ").unwrap());
    second.holder_name = Some(HolderName::new("TARO YAMADA").unwrap());
    let second = kit.client.send(&second).await.unwrap();
    assert_eq!(second.card_seq, seq(1));
    assert_eq!(second.masked_number, "*************444");

    let held = kit.sandbox.member(id.as_str()).unwrap();
    assert_eq!(held.cards.len(), 2);
    assert_eq!(held.cards[0].card_no_masked, first.masked_number);
    assert_eq!(held.cards[1].card_no_masked, second.masked_number);
    assert_eq!(held.cards[1].card_name, "ﾒｲﾝ");
    assert_eq!(held.cards[1].holder_name, "TARO YAMADA");
    assert!(held.cards[1].default && !held.cards[0].default);

    let listed = kit
        .client
        .send(&SearchCard::all(id.clone(), SeqMode::Logical))
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    for (card, held) in listed.iter().zip(&held.cards) {
        assert_eq!(u32::from(card.card_seq.get()), held.physical_seq);
        assert_eq!(card.masked_number, held.card_no_masked);
        assert_eq!(card.expiry.as_ref().map(|e| e.yymm()), Some(EXPIRE));
        assert_eq!(
            card.expiry.as_ref().map(|e| e.yymm()),
            Some(held.expire.as_str())
        );
        assert_eq!(card.card_name, held.card_name);
        assert_eq!(card.holder_name, held.holder_name);
        assert_eq!(card.default_card, held.default);
        assert!(!card.deleted);
    }

    // Flags and labels only, without a new card: the first card becomes the default one.
    let mut update = SaveCard::update(id.clone(), SeqMode::Logical, seq(0));
    update.default_card = true;
    update.card_name = Some(CardName::new("ｻﾌﾞ").unwrap());
    update.holder_name = Some(HolderName::new("髙橋 花子").unwrap());
    let updated = kit.client.send(&update).await.unwrap();
    assert_eq!(updated.card_seq, seq(0));
    assert_eq!(updated.masked_number, "*************111");
    let held = kit.sandbox.member(id.as_str()).unwrap();
    assert!(held.cards[0].default && !held.cards[1].default);
    assert_eq!(held.cards[0].card_name, "ｻﾌﾞ");
    assert_eq!(held.cards[0].holder_name, "髙橋 花子");
    assert_eq!(held.cards[0].card_no_masked, "*************111");
    let one = kit
        .client
        .send(&SearchCard::one(id.clone(), SeqMode::Logical, seq(0)))
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert!(one[0].default_card);
    assert_eq!(one[0].card_name, "ｻﾌﾞ");
    assert_eq!(one[0].holder_name, "髙橋 花子");

    // Deleting the first card shifts logical numbers; physical ones stay and list it deleted.
    let deleted = kit
        .client
        .send(&DeleteCard::new(id.clone(), SeqMode::Logical, seq(0)))
        .await
        .unwrap();
    assert_eq!(deleted, seq(0));
    assert!(kit.sandbox.member(id.as_str()).unwrap().cards[0].deleted);

    let logical = kit
        .client
        .send(&SearchCard::all(id.clone(), SeqMode::Logical))
        .await
        .unwrap();
    assert_eq!(logical.len(), 1);
    assert_eq!(logical[0].card_seq, seq(0));
    assert_eq!(logical[0].masked_number, "*************444");

    let physical = kit
        .client
        .send(&SearchCard::all(id.clone(), SeqMode::Physical))
        .await
        .unwrap();
    assert_eq!(physical.len(), 2);
    assert_eq!(
        physical
            .iter()
            .map(|c| (c.card_seq.get(), c.deleted))
            .collect::<Vec<_>>(),
        [(0, true), (1, false)]
    );
    assert_eq!(physical[0].masked_number, "*************111");
    let one = kit
        .client
        .send(&SearchCard::one(id.clone(), SeqMode::Physical, seq(1)))
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].masked_number, "*************444");

    // A deleted card cannot be deleted again; an unknown one is not found.
    for (mode, n) in [(SeqMode::Physical, 0), (SeqMode::Logical, 5)] {
        let error = kit
            .client
            .send(&DeleteCard::new(id.clone(), mode, seq(n)))
            .await
            .unwrap_err();
        assert!(error.is_not_found(), "{error:?}");
        assert_eq!(infos(&error), ["E01240002"]);
    }
}

#[tokio::test]
async fn saving_a_card_that_fails_the_validity_check_is_a_decline() {
    let kit = Kit::new().await;
    let id = member("m-g12");
    save_member(&kit.client, &id, None).await;
    let error = kit
        .client
        .send(&SaveCard::new(id.clone(), kit.token(FAILS_CHECK)))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::Declined));
    assert_eq!(
        error.declined().map(|c| (c.code.as_str(), c.info.as_str())),
        Some(("G12", "42G120000"))
    );
    assert!(kit.sandbox.member(id.as_str()).unwrap().cards.is_empty());
}

#[tokio::test]
async fn card_details_by_token_order_and_member() {
    let kit = Kit::new().await;

    let by_token = kit
        .client
        .send(&SearchCardDetail::new(CardDetailQuery::Token(
            kit.token(MASTER),
        )))
        .await
        .unwrap();
    assert_eq!(by_token.len(), 1);
    assert_eq!(by_token[0].masked_number, "*************444");
    let attributes = &by_token[0].attributes;
    assert_eq!(attributes.brand.as_deref(), Some("MASTER"));
    assert_eq!(attributes.domestic_flag.as_deref(), Some("1"));
    assert_eq!(attributes.debit_prepaid_flag.as_deref(), Some("0"));
    assert_eq!(attributes.issuer_code, None);
    assert_eq!(attributes.forward_final.as_deref(), Some("2a99662"));
    assert_eq!(by_token[0].info, [None, None, None, None, None]);

    let order_id = order("detail-order");
    kit.authorized(&order_id, 1_000).await;
    let by_order = kit
        .client
        .send(&SearchCardDetail::new(CardDetailQuery::Order(
            order_id.clone(),
        )))
        .await
        .unwrap();
    assert_eq!(by_order.len(), 1);
    assert_eq!(by_order[0].masked_number, "*************111");
    assert_eq!(by_order[0].attributes.brand.as_deref(), Some("VISA"));

    let id = member("detail-member");
    save_member(&kit.client, &id, None).await;
    for card in [VISA, "3530111111111116"] {
        kit.client
            .send(&SaveCard::new(id.clone(), kit.token(card)))
            .await
            .unwrap();
    }
    for with_bin_info in [false, true] {
        let mut detail = SearchCardDetail::new(CardDetailQuery::Member {
            member_id: id.clone(),
            seq_mode: SeqMode::Logical,
            card_seq: None,
        });
        detail.with_bin_info = with_bin_info;
        let cards = kit.client.send(&detail).await.unwrap();
        let held = kit.sandbox.member(id.as_str()).unwrap().cards;
        assert_eq!(
            cards
                .iter()
                .map(|c| (c.masked_number.as_str(), c.attributes.brand.as_deref()))
                .collect::<Vec<_>>(),
            [
                (held[0].card_no_masked.as_str(), Some("VISA")),
                (held[1].card_no_masked.as_str(), Some("JCB")),
            ]
        );
    }
    let one = kit
        .client
        .send(&SearchCardDetail::new(CardDetailQuery::Member {
            member_id: id.clone(),
            seq_mode: SeqMode::Physical,
            card_seq: Some(seq(1)),
        }))
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].attributes.brand.as_deref(), Some("JCB"));

    // The token was spent by the first search.
    let reused = CardDetailQuery::Token(kit.token(VISA));
    let detail = SearchCardDetail::new(reused);
    kit.client.send(&detail).await.unwrap();
    let error = kit.client.send(&detail).await.unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::TokenProblem));
    assert_eq!(infos(&error), ["EX1000302"]);
}

#[tokio::test]
async fn the_card_of_a_check_is_stored_with_traded_card() {
    let kit = Kit::new().await;
    let id = member("traded");
    save_member(&kit.client, &id, None).await;
    let order_id = order("check-then-store");
    let (_, check) = kit
        .paid(&order_id, EntryTran::check(order_id.clone()), VISA)
        .await;
    assert_eq!(check.method, None);
    assert_eq!(check.approve, "0000000");

    let mut traded = TradedCard::new(order_id.clone(), id.clone());
    traded.default_card = true;
    traded.card_name = Some(CardName::new("ﾒｲﾝ").unwrap());
    traded.holder_name = Some(HolderName::new("TARO YAMADA").unwrap());
    let saved = kit.client.send(&traded).await.unwrap();
    assert_eq!(saved.card_seq, seq(0));
    // The Shop API's masking style: the last four digits.
    assert_eq!(saved.masked_number, "************1111");
    assert_eq!(saved.forward.as_deref(), Some("2a99662"));

    let held = kit.sandbox.member(id.as_str()).unwrap();
    assert_eq!(held.cards.len(), 1);
    assert_eq!(held.cards[0].card_no_masked, "*************111");
    assert_eq!(held.cards[0].expire, EXPIRE);
    assert!(held.cards[0].default);
    assert_eq!(held.cards[0].card_name, "ﾒｲﾝ");
    assert_eq!(held.cards[0].holder_name, "TARO YAMADA");

    let listed = kit
        .client
        .send(&SearchCard::all(id.clone(), SeqMode::Physical))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].masked_number, "*************111");
    assert!(listed[0].default_card);

    // An order that was never authorised has no card to store.
    let unpaid = order("never-paid");
    kit.entry_auth(&unpaid, 100).await;
    let error = kit
        .client
        .send(&TradedCard::new(unpaid, id.clone()))
        .await
        .unwrap_err();
    assert_eq!(infos(&error), ["E01110010"]);
    assert_eq!(error.kind(), Some(ErrorKind::StateConflict));
}
