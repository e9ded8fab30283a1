//! The client's Shop API (EntryTran, ExecTran, AlterTran, ChangeTran, the searches, raw calls)
//! against the sandbox: every answer is compared with what the sandbox holds.

#[path = "support/client_sandbox.rs"]
mod kit;
mod support;

use gmo_core::api::{
    AlterTran, CardSource, ChangeTran, EntryTran, ExecTran, SaveCard, SaveMember, SearchTrade,
    SearchTradeMulti, ThreeDSecureEntry, TradeState,
};
use gmo_core::client::{Credentials, RawRequest};
use gmo_core::values::{CardSeq, ClientField, Tax, TdTenantName};
use gmo_core::values::{JobCd, MemberId, Method, SeqMode, Status, TdRequired, Tds2Type};
use gmo_core::{ErrorKind, GmoError};
use gmo_sandbox::TransactionSnapshot;
use kit::{
    EXPIRE, Kit, MASTER, NOT_ENROLLED, VISA, amount, api_error, assert_authorization_matches,
    authorized, exec_3ds, exec_with_token, infos, order, redirect,
};

/// Asserts that a SearchTrade answer says what the sandbox holds.
fn assert_trade_matches(state: &TradeState, tx: &TransactionSnapshot) {
    assert_eq!(state.order_id.as_str(), tx.order_id);
    assert_eq!(state.status, tx.status);
    assert_eq!(state.job_cd, tx.job_cd);
    assert_eq!(
        state.process_date.as_ref().map(|d| d.as_str()),
        Some(tx.process_date.as_str())
    );
    assert_eq!(state.access_id.as_str(), tx.access_id);
    assert_eq!(
        state.access_pass.expose_secret(),
        tx.access_pass.expose_secret()
    );
    assert_eq!(state.item_code, tx.item_code);
    assert_eq!(state.amount.yen(), tx.amount);
    assert_eq!(state.tax.yen(), tx.tax);
    assert_eq!(state.client_fields, tx.client_fields);
}

#[tokio::test]
async fn entry_tran_registers_every_job_with_its_amounts() {
    let kit = Kit::new().await;
    let cases = [
        (
            "entry-auth",
            EntryTran::auth(order("entry-auth"), amount(1_000)),
            JobCd::Auth,
            (1_000, 0),
        ),
        (
            "entry-capture",
            EntryTran::capture(order("entry-capture"), amount(2_000))
                .with_tax(Tax::new(160).unwrap()),
            JobCd::Capture,
            (2_000, 160),
        ),
        (
            "entry-check",
            EntryTran::check(order("entry-check")),
            JobCd::Check,
            (0, 0),
        ),
        (
            "entry-sauth",
            EntryTran::sauth(order("entry-sauth"), amount(9_999_999)),
            JobCd::Sauth,
            (9_999_999, 0),
        ),
    ];
    for (id, entry, job, (yen, tax)) in cases {
        let registered = kit.entry(&entry).await;
        let tx = kit.tx(&order(id));
        assert_eq!(tx.access_id, registered.access_id.as_str());
        assert_eq!(
            tx.access_pass.expose_secret(),
            registered.access_pass.expose_secret()
        );
        assert_eq!(tx.status, Status::Unprocessed);
        assert_eq!(tx.entry_job_cd, job);
        assert_eq!((tx.amount, tx.tax), (yen, tax));
        assert!(!tx.three_ds_requested);
    }
}

#[tokio::test]
async fn each_job_ends_in_its_status_after_exec_tran() {
    let kit = Kit::new().await;
    let cases = [
        (
            EntryTran::auth(order("job-auth"), amount(500)),
            Status::Auth,
        ),
        (
            EntryTran::capture(order("job-capture"), amount(500)),
            Status::Capture,
        ),
        (EntryTran::check(order("job-check")), Status::Check),
        (
            EntryTran::sauth(order("job-sauth"), amount(500)),
            Status::Sauth,
        ),
    ];
    for (entry, status) in cases {
        let order_id = entry.order_id.clone();
        let (_, authorization) = kit.paid(&order_id, entry, VISA).await;
        let tx = kit.tx(&order_id);
        assert_eq!(tx.status, status);
        assert_authorization_matches(&authorization, &tx, kit.sandbox.shop_pass());
        if status == Status::Check {
            assert_eq!(authorization.method, None);
            assert_eq!(authorization.approve, "0000000");
        } else {
            assert_eq!(authorization.method, Some(Method::Lump));
        }
    }
}

#[tokio::test]
async fn entry_tran_with_three_d_secure_settings_and_a_japanese_tenant_name() {
    let kit = Kit::new().await;
    let order_id = order("entry-3ds");
    let mut tds = ThreeDSecureEntry::new();
    tds.tds2_type = Some(Tds2Type::WithoutThreeDSecure);
    tds.td_required = Some(TdRequired::FollowContract);
    tds.tenant_name = Some(TdTenantName::new("ジーエムオー").unwrap());
    let entry = kit
        .entry(&EntryTran::auth(order_id.clone(), amount(3_000)).with_three_d_secure(tds))
        .await;
    let tx = kit.tx(&order_id);
    assert!(tx.three_ds_requested);
    assert_eq!(tx.access_id, entry.access_id.as_str());

    // Tds2Type=3 reached the sandbox: a card not enrolled in 3-D Secure 2.0 is authorised
    // without it (ACS=0) although RetUrl was given.
    let exec = exec_3ds(&order_id, &entry, kit.token(NOT_ENROLLED));
    let authorization = authorized(kit.client.send(&exec).await.unwrap());
    let tx = kit.tx(&order_id);
    assert_eq!(tx.status, Status::Auth);
    assert!(tx.three_ds.is_none());
    assert_eq!(tx.card_no_masked.as_deref(), Some("************0209"));
    assert_authorization_matches(&authorization, &tx, kit.sandbox.shop_pass());
}

#[tokio::test]
async fn a_used_order_id_is_a_duplicate_order() {
    let kit = Kit::new().await;
    let order_id = order("dup-1");
    let first = kit.entry_auth(&order_id, 1_000).await;
    let error = kit
        .client
        .send(&EntryTran::auth(order_id.clone(), amount(2_000)))
        .await
        .unwrap_err();
    assert!(error.is_duplicate_order(), "{error:?}");
    assert_eq!(infos(&error), ["E01040010"]);
    assert_eq!(error.kind(), Some(ErrorKind::InvalidRequest));
    assert!(!error.outcome_unknown());
    let tx = kit.tx(&order_id);
    assert_eq!(tx.access_id, first.access_id.as_str());
    assert_eq!(tx.amount, 1_000);
}

#[tokio::test]
async fn exec_tran_with_a_token_is_authorised_and_its_check_string_verified() {
    let kit = Kit::new().await;
    let order_id = order("exec-token");
    let (entry, authorization) = kit.authorized(&order_id, 1_200).await;
    let tx = kit.tx(&order_id);
    assert_eq!(tx.status, Status::Auth);
    assert_eq!(tx.access_id, entry.access_id.as_str());
    assert_eq!(tx.card_no_masked.as_deref(), Some("************1111"));
    assert_eq!(tx.expire.as_deref(), Some(EXPIRE));
    assert_eq!(authorization.method, Some(Method::Lump));
    assert_eq!(authorization.client_fields, None);
    assert_authorization_matches(&authorization, &tx, kit.sandbox.shop_pass());

    // A second ExecTran on the same transaction: already executed.
    let mut again = exec_with_token(&order_id, &entry, kit.token(VISA));
    again.method = Some(Method::Lump);
    let error = kit.client.send(&again).await.unwrap_err();
    assert!(error.is_already_executed(), "{error:?}");
    assert_eq!(error.kind(), Some(ErrorKind::StateConflict));
    assert_eq!(kit.tx(&order_id).tran_id, authorization.tran_id);
}

#[tokio::test]
async fn a_check_string_that_does_not_match_leaves_the_outcome_unknown() {
    let kit = Kit::new().await;
    let order_id = order("wrong-shop-pass");
    let entry = kit.entry_auth(&order_id, 700).await;
    // ExecTran with a token carries no ShopPass: only the CheckString check can notice that
    // this client holds the wrong one.
    let client = support::client_builder(&kit.sandbox)
        .shop(
            gmo_core::values::ShopId::new(kit.sandbox.shop_id()).unwrap(),
            gmo_core::ShopPass::new("not-the-pass"),
        )
        .build()
        .unwrap();
    let mut exec = exec_with_token(&order_id, &entry, kit.token(VISA));
    exec.method = Some(Method::Lump);
    let error = client.send(&exec).await.unwrap_err();
    assert!(
        matches!(error, GmoError::CheckStringMismatch { .. }),
        "{error:?}"
    );
    assert!(error.outcome_unknown());
    assert_eq!(error.kind(), Some(ErrorKind::OutcomeUnknown));
    assert_eq!(kit.status(&order_id), Status::Auth);
}

#[tokio::test]
async fn exec_tran_with_a_stored_card() {
    let kit = Kit::new().await;
    let member = MemberId::new("stored-card-payer").unwrap();
    kit.client
        .send(&SaveMember::new(member.clone()))
        .await
        .unwrap();
    for card in [VISA, MASTER] {
        kit.client
            .send(&SaveCard::new(member.clone(), kit.token(card)))
            .await
            .unwrap();
    }
    let order_id = order("exec-stored");
    let entry = kit.entry_auth(&order_id, 4_800).await;
    let mut exec = ExecTran::new(
        entry.access_id.clone(),
        entry.access_pass.clone(),
        order_id.clone(),
        CardSource::StoredCard {
            member_id: member.clone(),
            seq_mode: SeqMode::Physical,
            card_seq: CardSeq::new(1).unwrap(),
        },
    );
    exec.method = Some(Method::Lump);
    let authorization = authorized(kit.client.send(&exec).await.unwrap());
    let tx = kit.tx(&order_id);
    assert_eq!(tx.status, Status::Auth);
    assert_eq!(tx.card_no_masked.as_deref(), Some("************4444"));
    assert_authorization_matches(&authorization, &tx, kit.sandbox.shop_pass());

    let trade = kit
        .client
        .send(&SearchTrade::new(order_id.clone()))
        .await
        .unwrap();
    assert_trade_matches(&trade, &tx);
    assert_eq!(trade.site_id.as_deref(), Some(kit.sandbox.site_id()));
    assert_eq!(trade.member_id.as_deref(), Some(member.as_str()));
    assert_eq!(trade.masked_number.as_deref(), Some("************4444"));
}

#[tokio::test]
async fn client_fields_in_japanese_are_echoed_and_stored() {
    let kit = Kit::new().await;
    let order_id = order("client-fields");
    let entry = kit.entry_auth(&order_id, 1_000).await;
    let texts = ["注文番号：１２３", "ｼﾞｴﾑｵ ｶﾌﾞｼｷｶﾞｲｼｬ", "髙橋①～∥－ = + % #"];
    // GMO echoes the fields unescaped in its `&`-separated answer: a `&` could not come back.
    assert_eq!(
        ClientField::new("A & B").unwrap_err().field,
        ClientField::FIELD
    );
    let mut exec = exec_with_token(&order_id, &entry, kit.token(VISA));
    exec.method = Some(Method::Lump);
    exec.client_fields.field1 = Some(ClientField::new(texts[0]).unwrap());
    exec.client_fields.field2 = Some(ClientField::new(texts[1]).unwrap());
    exec.client_fields.field3 = Some(ClientField::new(texts[2]).unwrap());
    exec.client_fields.echo = true;
    let authorization = authorized(kit.client.send(&exec).await.unwrap());
    assert_eq!(authorization.client_fields, Some(texts.map(str::to_owned)));
    let tx = kit.tx(&order_id);
    assert_eq!(tx.client_fields, texts.map(str::to_owned));
    assert_authorization_matches(&authorization, &tx, kit.sandbox.shop_pass());
    let trade = kit.client.send(&SearchTrade::new(order_id)).await.unwrap();
    assert_eq!(trade.client_fields, texts.map(str::to_owned));
}

#[tokio::test]
async fn installments_carry_their_pay_times() {
    let kit = Kit::new().await;
    for (id, method, code, times) in [
        ("pay-2", Method::Installments(3), "2", "3"),
        ("pay-4", Method::BonusInstallments(2), "4", "2"),
        ("pay-5", Method::Revolving, "5", ""),
    ] {
        let order_id = order(id);
        let entry = kit.entry_auth(&order_id, 30_000).await;
        let mut exec = exec_with_token(&order_id, &entry, kit.token(VISA));
        exec.method = Some(method);
        let authorization = authorized(kit.client.send(&exec).await.unwrap());
        assert_eq!(authorization.method, Some(method));
        let tx = kit.tx(&order_id);
        assert_eq!((tx.method.as_str(), tx.pay_times.as_str()), (code, times));
        // The CheckString covers PayTimes.
        assert_authorization_matches(&authorization, &tx, kit.sandbox.shop_pass());
        let trade = kit.client.send(&SearchTrade::new(order_id)).await.unwrap();
        assert_eq!(trade.method, Some(method));
    }
}

#[tokio::test]
async fn sales_keeps_the_authorisation_numbers_and_void_replaces_them() {
    let kit = Kit::new().await;
    let order_id = order("alter-sales");
    let (entry, authorization) = kit.authorized(&order_id, 1_500).await;

    // The amount must be the authorised one.
    let error = kit
        .client
        .send(&AlterTran::sales(
            entry.access_id.clone(),
            entry.access_pass.clone(),
            amount(1_400),
        ))
        .await
        .unwrap_err();
    assert_eq!(infos(&error), ["E01060010"]);
    assert_eq!(error.kind(), Some(ErrorKind::InvalidRequest));
    assert!(
        !api_error(&error).codes()[0]
            .message_en()
            .unwrap()
            .is_empty()
    );
    assert_eq!(kit.status(&order_id), Status::Auth);

    let sales = kit
        .client
        .send(&AlterTran::sales(
            entry.access_id.clone(),
            entry.access_pass.clone(),
            amount(1_500),
        ))
        .await
        .unwrap();
    assert_eq!(sales.access_id, entry.access_id);
    assert_eq!(
        sales.access_pass.expose_secret(),
        entry.access_pass.expose_secret()
    );
    assert_eq!(sales.approve, authorization.approve);
    assert_eq!(sales.tran_id, authorization.tran_id);
    assert_eq!(sales.forward, authorization.forward);
    let tx = kit.tx(&order_id);
    assert_eq!(
        (tx.status, tx.job_cd.clone()),
        (Status::Sales, JobCd::Sales)
    );
    assert_eq!(
        sales.tran_date.as_ref().map(|d| d.as_str()),
        Some(tx.tran_date.as_str())
    );

    let void = kit
        .client
        .send(&AlterTran::void(
            entry.access_id.clone(),
            entry.access_pass.clone(),
        ))
        .await
        .unwrap();
    let tx = kit.tx(&order_id);
    assert_eq!(tx.status, Status::Void);
    assert_eq!(void.approve, tx.approve);
    assert_eq!(void.tran_id, tx.tran_id);
    assert_ne!(void.tran_id, authorization.tran_id);
    assert_ne!(void.approve, authorization.approve);

    // Nothing is left to void.
    let error = kit
        .client
        .send(&AlterTran::void(entry.access_id, entry.access_pass))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::StateConflict));
    assert_eq!(infos(&error), ["E11010003"]);
}

#[tokio::test]
async fn captures_are_refunded_within_and_after_the_month() {
    let kit = Kit::new().await;
    for (id, refund_after_month, status) in [
        ("refund-return", false, Status::Return),
        ("refund-returnx", true, Status::ReturnX),
    ] {
        let order_id = order(id);
        let (entry, authorization) = kit
            .paid(
                &order_id,
                EntryTran::capture(order_id.clone(), amount(2_200)),
                VISA,
            )
            .await;
        assert_eq!(kit.status(&order_id), Status::Capture);
        let request = if refund_after_month {
            AlterTran::refund_after_month(entry.access_id.clone(), entry.access_pass.clone())
        } else {
            AlterTran::refund(entry.access_id.clone(), entry.access_pass.clone())
        };
        let refunded = kit.client.send(&request).await.unwrap();
        let tx = kit.tx(&order_id);
        assert_eq!(tx.status, status);
        assert_eq!(refunded.access_id, entry.access_id);
        assert_eq!(refunded.approve, tx.approve);
        assert_eq!(refunded.tran_id, tx.tran_id);
        assert_ne!(refunded.tran_id, authorization.tran_id);
        let trade = kit.client.send(&SearchTrade::new(order_id)).await.unwrap();
        assert_eq!(trade.status, status);
    }
}

#[tokio::test]
async fn change_tran_re_authorises_a_new_amount() {
    let kit = Kit::new().await;
    let order_id = order("change-amount");
    let (entry, authorization) = kit.authorized(&order_id, 1_000).await;
    let mut change = ChangeTran::new(
        entry.access_id.clone(),
        entry.access_pass.clone(),
        JobCd::Auth,
        amount(1_800),
    );
    change.tax = Some(Tax::new(144).unwrap());
    let changed = kit.client.send(&change).await.unwrap();
    let tx = kit.tx(&order_id);
    assert_eq!((tx.status, tx.amount, tx.tax), (Status::Auth, 1_800, 144));
    assert_eq!(changed.access_id, entry.access_id);
    assert_eq!(changed.approve, tx.approve);
    assert_eq!(changed.tran_id, tx.tran_id);
    assert_ne!(changed.approve, authorization.approve);
    let trade = kit.client.send(&SearchTrade::new(order_id)).await.unwrap();
    assert_eq!((trade.amount.yen(), trade.tax.yen()), (1_800, 144));
    // The last operation's date is the ChangeTran's.
    assert_eq!(trade.process_date, changed.tran_date);
    assert_eq!(trade.approve.as_deref(), Some(tx.approve.as_str()));

    // A voided transaction cannot change its amount.
    kit.client
        .send(&AlterTran::void(
            entry.access_id.clone(),
            entry.access_pass.clone(),
        ))
        .await
        .unwrap();
    let error = kit
        .client
        .send(&ChangeTran::new(
            entry.access_id,
            entry.access_pass,
            JobCd::Capture,
            amount(900),
        ))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::StateConflict));
}

#[tokio::test]
async fn search_trade_reports_every_field_and_nothing_of_the_card_before_payment() {
    let kit = Kit::new().await;
    let order_id = order("search-all");
    let entry = kit
        .entry(&EntryTran::auth(order_id.clone(), amount(5_000)).with_tax(Tax::new(400).unwrap()))
        .await;

    let unprocessed = kit
        .client
        .send(&SearchTrade::new(order_id.clone()))
        .await
        .unwrap();
    assert_trade_matches(&unprocessed, &kit.tx(&order_id));
    assert_eq!(unprocessed.status, Status::Unprocessed);
    assert_eq!(unprocessed.job_cd, JobCd::Auth);
    assert_eq!(unprocessed.item_code, "0000990");
    assert_eq!(
        (unprocessed.amount.yen(), unprocessed.tax.yen()),
        (5_000, 400)
    );
    assert_eq!(unprocessed.masked_number, None);
    assert_eq!(unprocessed.expiry, None);
    assert_eq!(unprocessed.method, None);
    assert_eq!(unprocessed.forward, None);
    assert_eq!(unprocessed.tran_id, None);
    assert_eq!(unprocessed.approve, None);
    assert_eq!(unprocessed.site_id, None);
    assert_eq!(unprocessed.member_id, None);

    let mut exec = exec_with_token(&order_id, &entry, kit.token(VISA));
    exec.method = Some(Method::Lump);
    exec.client_fields.field1 = Some(ClientField::new("ﾃｽﾄ").unwrap());
    let authorization = authorized(kit.client.send(&exec).await.unwrap());

    let trade = kit
        .client
        .send(&SearchTrade::new(order_id.clone()))
        .await
        .unwrap();
    let tx = kit.tx(&order_id);
    assert_trade_matches(&trade, &tx);
    assert_eq!(trade.status, Status::Auth);
    assert_eq!(trade.masked_number.as_deref(), Some("************1111"));
    assert_eq!(trade.expiry.as_ref().map(|e| e.yymm()), Some(EXPIRE));
    assert_eq!(trade.method, Some(Method::Lump));
    assert_eq!(
        trade.forward.as_deref(),
        Some(authorization.forward.as_str())
    );
    assert_eq!(
        trade.tran_id.as_deref(),
        Some(authorization.tran_id.as_str())
    );
    assert_eq!(
        trade.approve.as_deref(),
        Some(authorization.approve.as_str())
    );
    assert_eq!(
        trade.client_fields,
        ["ﾃｽﾄ".to_owned(), String::new(), String::new()]
    );
    assert_eq!(trade.site_id, None);
    assert_eq!(trade.member_id, None);

    // SearchTradeMulti tells the same story, OrderID taken from the request.
    let multi = kit
        .client
        .send(&SearchTradeMulti::new(order_id.clone()))
        .await
        .unwrap();
    assert_eq!(multi, trade);

    let missing = order("no-such-order");
    let error = kit
        .client
        .send(&SearchTrade::new(missing.clone()))
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(infos(&error), ["E01110002"]);
    let error = kit
        .client
        .send(&SearchTradeMulti::new(missing))
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(infos(&error), ["M01004002"]);
}

#[tokio::test]
async fn three_d_secure_transactions_show_no_card_until_authorised() {
    let kit = Kit::new().await;
    let order_id = order("search-3ds");
    let entry = kit.entry_auth_3ds(&order_id, 1_000).await;
    let url = redirect(
        kit.client
            .send(&exec_3ds(&order_id, &entry, kit.token(VISA)))
            .await
            .unwrap(),
    );
    kit.acs
        .authenticate(&url, gmo_sandbox::CHALLENGE_OTP)
        .await
        .unwrap();
    let trade = kit
        .client
        .send(&SearchTrade::new(order_id.clone()))
        .await
        .unwrap();
    assert_eq!(trade.status, Status::Authenticated);
    assert_eq!(trade.masked_number, None);
    assert_eq!(trade.tran_id, None);
    assert_trade_matches(&trade, &kit.tx(&order_id));
}

#[tokio::test]
async fn raw_calls_reach_modelled_and_unknown_apis() {
    let kit = Kit::new().await;
    let order_id = order("raw-1");
    let (entry, authorization) = kit.authorized(&order_id, 2_500).await;

    let search = RawRequest::new("SearchTrade", Credentials::Shop)
        .field("OrderID", order_id.as_str())
        .read_only();
    let answer = kit.client.send_raw(&search).await.unwrap();
    assert_eq!(answer.get("Status"), Some("AUTH"));
    assert_eq!(answer.get("AccessID"), Some(entry.access_id.as_str()));
    assert_eq!(answer.get("TranID"), Some(authorization.tran_id.as_str()));
    assert_eq!(answer.get("Amount"), Some("2500"));
    assert_eq!(answer.get("CardNo"), Some("************1111"));

    // A money-moving raw call, as a typed one would send it.
    let sales = RawRequest::new("AlterTran", Credentials::Shop)
        .field("AccessID", entry.access_id.as_str())
        .field("AccessPass", entry.access_pass.expose_secret())
        .field("JobCd", "SALES")
        .field("Amount", "2500");
    let answer = kit.client.send_raw(&sales).await.unwrap();
    assert_eq!(answer.get("Approve"), Some(authorization.approve.as_str()));
    assert_eq!(kit.status(&order_id), Status::Sales);

    let unknown = RawRequest::new("NoSuchApi", Credentials::Shop).field("OrderID", "raw-1");
    let error = kit.client.send_raw(&unknown).await.unwrap_err();
    assert_eq!(infos(&error), ["E91099997"]);
    assert_eq!(api_error(&error).api(), "NoSuchApi");
    assert_eq!(error.kind(), Some(ErrorKind::InvalidRequest));
    // A wrong URL changed nothing: not an unknown outcome, unlike other E91 codes.
    assert!(!error.outcome_unknown());
    assert_eq!(kit.status(&order_id), Status::Sales);
}

#[tokio::test]
async fn the_transaction_is_only_reachable_with_its_access_pass() {
    let kit = Kit::new().await;
    let order_id = order("wrong-pass");
    let (entry, _) = kit.authorized(&order_id, 1_000).await;
    let wrong = gmo_core::AccessPass::new("0".repeat(32));
    let error = kit
        .client
        .send(&AlterTran::void(entry.access_id.clone(), wrong))
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(kit.status(&order_id), Status::Auth);
}

#[tokio::test]
async fn tokens_with_plus_slash_and_equals_survive_the_form_encoding() {
    let kit =
        Kit::with(gmo_sandbox::Sandbox::builder().token_style(gmo_sandbox::TokenStyle::Base64Like))
            .await;
    let token = kit.token(VISA);
    assert!(
        token.expose_secret().contains('+') && token.expose_secret().contains('/'),
        "the sandbox should issue Base64-like tokens"
    );
    let order_id = order("base64-token");
    let entry = kit.entry_auth(&order_id, 1_000).await;
    let mut exec = exec_with_token(&order_id, &entry, token);
    exec.method = Some(Method::Lump);
    authorized(kit.client.send(&exec).await.unwrap());
    assert_eq!(kit.status(&order_id), Status::Auth);

    let member = MemberId::new("base64-member").unwrap();
    kit.client
        .send(&SaveMember::new(member.clone()))
        .await
        .unwrap();
    kit.client
        .send(&SaveCard::new(member.clone(), kit.token(MASTER)))
        .await
        .unwrap();
    assert_eq!(kit.sandbox.member(member.as_str()).unwrap().cards.len(), 1);
    let detail = gmo_core::api::SearchCardDetail::new(gmo_core::api::CardDetailQuery::Token(
        kit.token(VISA),
    ));
    assert_eq!(kit.client.send(&detail).await.unwrap().len(), 1);
}
