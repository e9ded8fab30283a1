//! The client's 3-D Secure 2.0 calls against the sandbox: the redirect of ExecTran, SecureTran2
//! after the ACS pages, and the direct flow (CallbackType 2: Tds2Auth, challenge, Tds2Result).

#[path = "support/client_sandbox.rs"]
mod kit;
mod support;

use gmo_core::ErrorKind;
use gmo_core::api::{SecureTran2, Tds2Auth, Tds2Data, Tds2Field, Tds2Result};
use gmo_core::values::{CallbackType, MemberId, Method, Status, Tds2TransStatus};
use gmo_sandbox::{CHALLENGE_OTP, ThreeDsState};
use kit::{
    CHALLENGE_CARD, Kit, REJECTED_3DS, RET_URL, VISA, access_id, access_pass,
    assert_authorization_matches, exec_3ds, infos, order, redirect,
};

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[tokio::test]
async fn exec_tran_answers_the_redirect_url_verbatim_and_secure_tran2_completes() {
    for (id, card) in [("frictionless", VISA), ("challenged", CHALLENGE_CARD)] {
        let kit = Kit::new().await;
        let order_id = order(id);
        let entry = kit.entry_auth_3ds(&order_id, 3_300).await;
        let mut exec = exec_3ds(&order_id, &entry, kit.token(card));
        exec.method = Some(Method::Installments(6));
        let url = redirect(kit.client.send(&exec).await.unwrap());

        // The URL is GMO's, whole: its `&t=` was not taken for a field of the answer.
        let tx = kit.tx(&order_id);
        let session = tx.three_ds.clone().expect("a 3-D Secure session");
        assert_eq!(session.state, ThreeDsState::Redirected);
        let prefix = format!(
            "{}/acs/start?transId={}&t=",
            kit.sandbox.base_url(),
            session.trans_id
        );
        assert!(url.starts_with(&prefix), "{url}");
        assert!(is_lower_hex(&url[prefix.len()..], 32), "{url}");
        assert_eq!(tx.status, Status::Unprocessed);

        // The browser goes through the ACS and comes back to RetUrl with the AccessID.
        let back = kit.acs.authenticate(&url, CHALLENGE_OTP).await.unwrap();
        assert_eq!(back.action, RET_URL);
        assert_eq!(back.method, "post");
        assert_eq!(back.field("AccessID"), Some(entry.access_id.as_str()));
        assert_eq!(kit.status(&order_id), Status::Authenticated);

        let authorization = kit
            .client
            .send(&SecureTran2::new(access_id(&entry), access_pass(&entry)))
            .await
            .unwrap();
        let tx = kit.tx(&order_id);
        assert_eq!(tx.status, Status::Auth);
        assert_eq!(authorization.method, Some(Method::Installments(6)));
        assert_eq!(authorization.client_fields, None);
        assert_authorization_matches(&authorization, &tx, kit.sandbox.shop_pass());

        // Twice: already executed, and nothing changes.
        let error = kit
            .client
            .send(&SecureTran2::new(access_id(&entry), access_pass(&entry)))
            .await
            .unwrap_err();
        assert!(error.is_already_executed(), "{error:?}");
        assert_eq!(infos(&error), ["E01050004", "M01004014"]);
        assert_eq!(error.kind(), Some(ErrorKind::StateConflict));
        assert!(!error.outcome_unknown());
        assert_eq!(kit.tx(&order_id).tran_id, authorization.tran_id);
    }
}

#[tokio::test]
async fn client_fields_are_echoed_by_secure_tran2_too() {
    let kit = Kit::new().await;
    let order_id = order("echo-3ds");
    let entry = kit.entry_auth_3ds(&order_id, 800).await;
    let mut exec = exec_3ds(&order_id, &entry, kit.token(VISA));
    exec.client_fields.field2 = Some(gmo_core::values::ClientField::new("会員番号①").unwrap());
    exec.client_fields.echo = true;
    let url = redirect(kit.client.send(&exec).await.unwrap());
    kit.acs.authenticate(&url, CHALLENGE_OTP).await.unwrap();
    let authorization = kit
        .client
        .send(&SecureTran2::new(access_id(&entry), access_pass(&entry)))
        .await
        .unwrap();
    assert_eq!(
        authorization.client_fields,
        Some([String::new(), "会員番号①".to_owned(), String::new()])
    );
    assert_authorization_matches(&authorization, &kit.tx(&order_id), kit.sandbox.shop_pass());
}

#[tokio::test]
async fn failed_authentication_makes_secure_tran2_a_three_d_secure_failure() {
    // A rejected card (frictionless R) and a challenge answered with a wrong password.
    for (id, card, otp) in [
        ("rejected", REJECTED_3DS, CHALLENGE_OTP),
        ("wrong-otp", CHALLENGE_CARD, "000000"),
    ] {
        let kit = Kit::new().await;
        let order_id = order(id);
        let entry = kit.entry_auth_3ds(&order_id, 1_000).await;
        let url = redirect(
            kit.client
                .send(&exec_3ds(&order_id, &entry, kit.token(card)))
                .await
                .unwrap(),
        );
        kit.acs.authenticate(&url, otp).await.unwrap();
        let error = kit
            .client
            .send(&SecureTran2::new(access_id(&entry), access_pass(&entry)))
            .await
            .unwrap_err();
        assert_eq!(
            error.kind(),
            Some(ErrorKind::ThreeDSecureFailed),
            "{error:?}"
        );
        assert_eq!(infos(&error), ["E21030007"]);
        assert!(!error.outcome_unknown());
        assert_eq!(kit.status(&order_id), Status::Unprocessed);
    }
}

#[tokio::test]
async fn the_direct_flow_runs_tds2_auth_the_challenge_and_tds2_result() {
    let kit = Kit::new().await;
    let order_id = order("direct-challenge");
    let entry = kit.entry_auth_3ds(&order_id, 5_500).await;
    let mut exec = exec_3ds(&order_id, &entry, kit.token(CHALLENGE_CARD));
    if let Some(tds) = exec.three_d_secure.as_mut() {
        tds.callback_type = Some(CallbackType::Direct);
    }
    let url = redirect(kit.client.send(&exec).await.unwrap());
    assert_eq!(kit.tx(&order_id).three_ds.unwrap().callback_type, 2);

    // The 3DS Method step posts `param` back to RetUrl?MD=<AccessID>.
    let first = kit.acs.authenticate(&url, CHALLENGE_OTP).await.unwrap();
    assert_eq!(
        first.action,
        format!("{RET_URL}?MD={}", entry.access_id.as_str())
    );
    assert_eq!(first.field("event"), Some("3DSMethodFinished"));
    let param = first.field("param").expect("param").to_owned();
    assert_eq!(
        kit.tx(&order_id).three_ds.unwrap().state,
        ThreeDsState::MethodFinished
    );

    // A wrong param is refused and changes nothing.
    let error = kit
        .client
        .send(&Tds2Auth::new(
            access_id(&entry),
            access_pass(&entry),
            "0".repeat(64),
        ))
        .await
        .unwrap_err();
    assert_eq!(infos(&error), ["E01E40008"]);
    // Before the challenge there is no result to read.
    let error = kit
        .client
        .send(&Tds2Result::new(access_id(&entry), access_pass(&entry)))
        .await
        .unwrap_err();
    assert_eq!(infos(&error), ["E01E40008"]);

    let auth = kit
        .client
        .send(&Tds2Auth::new(
            access_id(&entry),
            access_pass(&entry),
            param,
        ))
        .await
        .unwrap();
    assert_eq!(auth.trans_status, Tds2TransStatus::ChallengeRequired);
    assert_eq!(auth.reason, None);
    let challenge_url = auth.challenge_url.expect("ChallengeUrl");
    let session = kit.tx(&order_id).three_ds.unwrap();
    assert_eq!(session.state, ThreeDsState::Challenge);
    assert!(
        challenge_url.starts_with(&format!(
            "{}/acs/challenge/{}/",
            kit.sandbox.base_url(),
            session.trans_id
        )),
        "{challenge_url}"
    );

    let done = kit
        .acs
        .authenticate(&challenge_url, CHALLENGE_OTP)
        .await
        .unwrap();
    assert_eq!(done.field("event"), Some("AuthResultReady"));
    assert_eq!(kit.status(&order_id), Status::Authenticated);

    let result = kit
        .client
        .send(&Tds2Result::new(access_id(&entry), access_pass(&entry)))
        .await
        .unwrap();
    assert_eq!(result.trans_status, Tds2TransStatus::Authenticated);
    assert!(result.trans_status.is_success());
    assert_eq!(result.reason, None);

    let authorization = kit
        .client
        .send(&SecureTran2::new(access_id(&entry), access_pass(&entry)))
        .await
        .unwrap();
    assert_eq!(kit.status(&order_id), Status::Auth);
    assert_authorization_matches(&authorization, &kit.tx(&order_id), kit.sandbox.shop_pass());

    // The result stays readable after the payment.
    let again = kit
        .client
        .send(&Tds2Result::new(access_id(&entry), access_pass(&entry)))
        .await
        .unwrap();
    assert_eq!(again.trans_status, Tds2TransStatus::Authenticated);
}

#[tokio::test]
async fn the_direct_flow_without_a_challenge_and_with_a_rejection() {
    for (id, card, status, reason) in [
        ("direct-y", VISA, Tds2TransStatus::Authenticated, None),
        (
            "direct-r",
            REJECTED_3DS,
            Tds2TransStatus::Rejected,
            Some("11"),
        ),
    ] {
        let kit = Kit::new().await;
        let order_id = order(id);
        let entry = kit.entry_auth_3ds(&order_id, 1_000).await;
        let mut exec = exec_3ds(&order_id, &entry, kit.token(card));
        if let Some(tds) = exec.three_d_secure.as_mut() {
            tds.callback_type = Some(CallbackType::Direct);
        }
        let url = redirect(kit.client.send(&exec).await.unwrap());
        let first = kit.acs.authenticate(&url, CHALLENGE_OTP).await.unwrap();
        let param = first.field("param").unwrap().to_owned();
        let auth = kit
            .client
            .send(&Tds2Auth::new(
                access_id(&entry),
                access_pass(&entry),
                param,
            ))
            .await
            .unwrap();
        assert_eq!(auth.trans_status, status);
        assert_eq!(auth.reason.as_deref(), reason);
        assert_eq!(auth.challenge_url, None);
        let result = kit
            .client
            .send(&Tds2Result::new(access_id(&entry), access_pass(&entry)))
            .await
            .unwrap();
        assert_eq!(result.trans_status, status);
        assert_eq!(result.reason.as_deref(), reason);

        let secure = kit
            .client
            .send(&SecureTran2::new(access_id(&entry), access_pass(&entry)))
            .await;
        if status.is_success() {
            secure.unwrap();
            assert_eq!(kit.status(&order_id), Status::Auth);
        } else {
            let error = secure.unwrap_err();
            assert_eq!(error.kind(), Some(ErrorKind::ThreeDSecureFailed));
            assert_eq!(kit.status(&order_id), Status::Unprocessed);
        }
    }
}

#[tokio::test]
async fn secure_tran2_before_authentication_is_refused() {
    let kit = Kit::new().await;
    let order_id = order("too-early");
    let entry = kit.entry_auth_3ds(&order_id, 1_000).await;
    redirect(
        kit.client
            .send(&exec_3ds(&order_id, &entry, kit.token(VISA)))
            .await
            .unwrap(),
    );
    let error = kit
        .client
        .send(&SecureTran2::new(access_id(&entry), access_pass(&entry)))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::ThreeDSecureFailed));
    assert_eq!(kit.status(&order_id), Status::Unprocessed);
}

#[tokio::test]
async fn a_check_with_three_d_secure_then_traded_card_registers_the_card() {
    // GMO's recommended way to store a card with 3-D Secure: CHECK + TdFlag=2, the ACS,
    // SecureTran2, then TradedCard.
    let kit = Kit::new().await;
    let order_id = order("register-3ds");
    let entry = kit
        .entry(
            &gmo_core::api::EntryTran::check(order_id.clone())
                .with_three_d_secure(gmo_core::api::ThreeDSecureEntry::new()),
        )
        .await;
    let mut exec = exec_3ds(&order_id, &entry, kit.token(CHALLENGE_CARD));
    exec.method = None;
    let mut risk = Tds2Data::new();
    risk.set(Tds2Field::Email, "taro@example.jp")
        .unwrap()
        .set(Tds2Field::BillAddrCountry, "392")
        .unwrap()
        .set(Tds2Field::BillAddrCity, "渋谷区")
        .unwrap()
        .set(Tds2Field::BillAddrLine1, "道玄坂１－２－３")
        .unwrap()
        .set(Tds2Field::MobilePhoneCc, "81")
        .unwrap()
        .set(Tds2Field::MobilePhoneSubscriber, "9012345678")
        .unwrap();
    if let Some(tds) = exec.three_d_secure.as_mut() {
        tds.data = risk;
    }
    let url = redirect(kit.client.send(&exec).await.unwrap());
    kit.acs.authenticate(&url, CHALLENGE_OTP).await.unwrap();
    let authorization = kit
        .client
        .send(&SecureTran2::new(access_id(&entry), access_pass(&entry)))
        .await
        .unwrap();
    assert_eq!(kit.status(&order_id), Status::Check);
    assert_eq!(authorization.method, None);
    assert_eq!(authorization.approve, "0000000");
    assert_authorization_matches(&authorization, &kit.tx(&order_id), kit.sandbox.shop_pass());

    let member = MemberId::new("registered-with-3ds").unwrap();
    kit.client
        .send(&gmo_core::api::SaveMember::new(member.clone()))
        .await
        .unwrap();
    let saved = kit
        .client
        .send(&gmo_core::api::TradedCard::new(order_id, member.clone()))
        .await
        .unwrap();
    assert_eq!(saved.masked_number, "************5000");
    let held = kit.sandbox.member(member.as_str()).unwrap();
    assert_eq!(held.cards.len(), 1);
    assert_eq!(held.cards[0].card_no_masked, "*************000");
}
