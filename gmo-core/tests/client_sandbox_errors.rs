//! How the client classifies real failures of the sandbox: issuer declines, token problems,
//! 3-D Secure failures, card-network errors, throttling (retried for reads, never for money),
//! and every fault that leaves the outcome unknown, checked against what the sandbox did.

#[path = "support/client_sandbox.rs"]
mod kit;
mod support;

use std::time::Duration;

use gmo_core::api::{
    AlterTran, EntryTran, ExecTran, SaveMember, SearchMember, SearchTrade, ThreeDSecureEntry,
};
use gmo_core::error::TransportFailure;
use gmo_core::values::{MemberId, Method, OrderId, Status, TdRequired, Tds2Type};
use gmo_core::{CardToken, ErrorKind, GmoError};
use gmo_sandbox::{
    Api, DEFAULT_SHOP_ID, DEFAULT_SHOP_PASS, Fault, FaultKind, ManualClock, Sandbox, ShopConfig,
    TokenRequest,
};
use kit::{
    EXPIRE, FAILS_CHECK, Kit, NETWORK_ERROR, NOT_ENROLLED, VISA, amount, api_error, exec_3ds,
    exec_with_token, infos, order,
};

/// ExecTran lump sum with a token.
fn exec_lump(order_id: &OrderId, entry: &gmo_core::api::EntryResult, token: CardToken) -> ExecTran {
    let mut exec = exec_with_token(order_id, entry, token);
    exec.method = Some(Method::Lump);
    exec
}

fn transport_failure(error: &GmoError) -> TransportFailure {
    match error {
        GmoError::Transport(e) => e.failure(),
        other => panic!("expected a transport failure, got {other:?}"),
    }
}

/// An AUTH of 1,000 yen registered and ready for ExecTran with the Visa test card.
async fn ready_to_exec(kit: &Kit, id: &str) -> (OrderId, ExecTran) {
    let order_id = order(id);
    let entry = kit.entry_auth(&order_id, 1_000).await;
    let exec = exec_lump(&order_id, &entry, kit.token(VISA));
    (order_id, exec)
}

// ---------------------------------------------------------------------------------------------
// Answers of the card companies and of GMO

#[tokio::test]
async fn every_decline_card_is_declined_with_its_code_and_messages() {
    let kit = Kit::new().await;
    let cases = [
        ("4100000000000407", "G02", false),
        ("4100000000000506", "G83", false),
        ("4100000000000605", "G44", false),
        (FAILS_CHECK, "G12", true),
    ];
    for (i, (card, code, check)) in cases.into_iter().enumerate() {
        let order_id = order(&format!("decline-{i}"));
        let entry = if check {
            EntryTran::check(order_id.clone())
        } else {
            EntryTran::auth(order_id.clone(), amount(1_000))
        };
        let entry = kit.entry(&entry).await;
        let mut exec = exec_with_token(&order_id, &entry, kit.token(card));
        if !check {
            exec.method = Some(Method::Lump);
        }
        let error = kit.client.send(&exec).await.unwrap_err();
        assert_eq!(error.kind(), Some(ErrorKind::Declined), "{card}: {error:?}");
        assert_eq!(error.class(), "declined");
        assert!(!error.outcome_unknown());
        let declined = error.declined().expect("a decline code");
        let info = format!("42{code}0000");
        assert_eq!(
            (declined.code.as_str(), declined.info.as_str()),
            (code, info.as_str())
        );
        assert!(declined.is_decline());
        assert!(!declined.message_en().unwrap_or("").is_empty(), "{code}");
        assert!(!declined.message_ja().unwrap_or("").is_empty(), "{code}");
        assert_eq!(api_error(&error).api(), "ExecTran");
        // Nothing happened at GMO.
        let tx = kit.tx(&order_id);
        assert_eq!(tx.status, Status::Unprocessed);
        assert!(tx.tran_id.is_empty());
    }

    // The validity-check card is only declined by a check.
    let order_id = order("g12-auth");
    let entry = kit.entry_auth(&order_id, 1_000).await;
    kit.client
        .send(&exec_lump(&order_id, &entry, kit.token(FAILS_CHECK)))
        .await
        .unwrap();
    assert_eq!(kit.status(&order_id), Status::Auth);
}

#[tokio::test]
async fn token_problems_are_told_apart() {
    let clock = ManualClock::starting_now();
    let other_shop = "tshop00000002";
    let kit = Kit::with(
        Sandbox::builder()
            .clock(clock)
            .shop(ShopConfig::new(DEFAULT_SHOP_ID, DEFAULT_SHOP_PASS))
            .shop(ShopConfig::new(other_shop, "shoppass02")),
    )
    .await;

    let unknown = CardToken::new("0123456789abcdef".repeat(4));
    let used = kit.token(VISA);
    let paid = order("spends-the-token");
    let paid_entry = kit.entry_auth(&paid, 1_000).await;
    kit.client
        .send(&exec_lump(&paid, &paid_entry, used.clone()))
        .await
        .unwrap();
    assert_eq!(kit.status(&paid), Status::Auth);
    let foreign = CardToken::new(
        kit.sandbox
            .issue_tokens(
                TokenRequest::card(VISA, EXPIRE)
                    .securitycode("123")
                    .shopid(other_shop),
            )
            .unwrap()
            .tokens
            .remove(0),
    );

    let order_id = order("token-problems");
    let entry = kit.entry_auth(&order_id, 1_000).await;
    for (token, info) in [
        (unknown, "EX1000301"),
        (used, "EX1000302"),
        (foreign, "EX1000304"),
    ] {
        let error = kit
            .client
            .send(&exec_lump(&order_id, &entry, token))
            .await
            .unwrap_err();
        assert_eq!(
            error.kind(),
            Some(ErrorKind::TokenProblem),
            "{info}: {error:?}"
        );
        assert_eq!(infos(&error), [info]);
        assert!(!error.outcome_unknown());
        assert!(
            !api_error(&error).codes()[0]
                .message_en()
                .unwrap()
                .is_empty()
        );
        assert_eq!(kit.status(&order_id), Status::Unprocessed);
    }

    // Tokens live 30 minutes.
    let stale = kit.token(VISA);
    assert!(kit.sandbox.advance_clock(Duration::from_secs(31 * 60)));
    let error = kit
        .client
        .send(&exec_lump(&order_id, &entry, stale))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::TokenProblem));
    assert_eq!(infos(&error), ["EX1000303"]);
    assert_eq!(kit.status(&order_id), Status::Unprocessed);

    // None of this touched the transaction: a fresh token pays it.
    kit.client
        .send(&exec_lump(&order_id, &entry, kit.token(VISA)))
        .await
        .unwrap();
    assert_eq!(kit.status(&order_id), Status::Auth);
}

#[tokio::test]
async fn three_d_secure_refusals_at_exec_tran() {
    let kit = Kit::new().await;
    let cases = [
        ("tds2-error", Some(Tds2Type::Error), None, "E21030201"),
        ("td-required", None, Some(TdRequired::Required), "E21030202"),
    ];
    for (id, tds2_type, td_required, info) in cases {
        let order_id = order(id);
        let mut tds = ThreeDSecureEntry::new();
        tds.tds2_type = tds2_type;
        tds.td_required = td_required;
        let entry = kit
            .entry(&EntryTran::auth(order_id.clone(), amount(1_000)).with_three_d_secure(tds))
            .await;
        let error = kit
            .client
            .send(&exec_3ds(&order_id, &entry, kit.token(NOT_ENROLLED)))
            .await
            .unwrap_err();
        assert_eq!(
            error.kind(),
            Some(ErrorKind::ThreeDSecureFailed),
            "{error:?}"
        );
        assert_eq!(infos(&error), [info]);
        assert!(!error.outcome_unknown());
        assert!(error.declined().is_none());
        assert_eq!(kit.status(&order_id), Status::Unprocessed);
    }
}

#[tokio::test]
async fn a_card_network_error_leaves_the_outcome_unknown_and_search_trade_resolves_it() {
    let kit = Kit::new().await;
    let order_id = order("network-c01");
    let entry = kit.entry_auth(&order_id, 1_000).await;
    let error = kit
        .client
        .send(&exec_lump(&order_id, &entry, kit.token(NETWORK_ERROR)))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::OutcomeUnknown), "{error:?}");
    assert!(error.outcome_unknown());
    assert!(error.declined().is_none());
    let code = &api_error(&error).codes()[0];
    assert_eq!(
        (code.code.as_str(), code.info.as_str()),
        ("C01", "42C010000")
    );
    assert!(!code.message_en().unwrap_or("").is_empty());
    // The authorisation did happen; SearchTrade tells.
    assert_eq!(kit.status(&order_id), Status::Auth);
    let trade = kit.client.send(&SearchTrade::new(order_id)).await.unwrap();
    assert_eq!(trade.status, Status::Auth);
    assert!(trade.tran_id.is_some());
}

// ---------------------------------------------------------------------------------------------
// Throttling and retries

#[tokio::test]
async fn throttled_searches_are_retried_until_the_retries_run_out() {
    let kit = Kit::new().await;
    let (order_id, _) = ready_to_exec(&kit, "throttled-search").await;
    let search = SearchTrade::new(order_id.clone());

    kit.sandbox.add_fault(
        Fault::new(FaultKind::Throttled)
            .on(Api::SearchTrade)
            .times(2),
    );
    let before = kit.sandbox.calls(Api::SearchTrade);
    let trade = kit.client.send(&search).await.unwrap();
    assert_eq!(trade.status, Status::Unprocessed);
    assert_eq!(kit.sandbox.calls(Api::SearchTrade), before + 3);

    // Three throttled answers in a row exhaust the two retries.
    kit.sandbox.add_fault(
        Fault::new(FaultKind::Throttled)
            .on(Api::SearchTrade)
            .times(3),
    );
    let before = kit.sandbox.calls(Api::SearchTrade);
    let error = kit.client.send(&search).await.unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::Throttled));
    assert_eq!(infos(&error), ["E92000001"]);
    assert!(!error.outcome_unknown());
    assert_eq!(kit.sandbox.calls(Api::SearchTrade), before + 3);

    // A client without retries sends once.
    kit.sandbox.add_fault(
        Fault::new(FaultKind::Throttled)
            .on(Api::SearchMember)
            .times(1),
    );
    let once = kit.client_with(Duration::from_secs(5), 0);
    let before = kit.sandbox.calls(Api::SearchMember);
    let error = once
        .send(&SearchMember::new(MemberId::new("anyone").unwrap()))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::Throttled));
    assert_eq!(kit.sandbox.calls(Api::SearchMember), before + 1);
}

#[tokio::test]
async fn throttled_money_calls_are_never_retried() {
    let kit = Kit::new().await;
    let (order_id, exec) = ready_to_exec(&kit, "throttled-exec").await;
    kit.sandbox
        .add_fault(Fault::new(FaultKind::Throttled).on(Api::ExecTran).times(1));
    let before = kit.sandbox.calls(Api::ExecTran);
    let error = kit.client.send(&exec).await.unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::Throttled));
    assert!(!error.outcome_unknown());
    assert_eq!(kit.sandbox.calls(Api::ExecTran), before + 1);
    assert_eq!(kit.status(&order_id), Status::Unprocessed);
    // Nothing happened, so the caller may send it again itself.
    kit.client.send(&exec).await.unwrap();
    assert_eq!(kit.status(&order_id), Status::Auth);

    let entry = kit.tx(&order_id);
    kit.sandbox
        .add_fault(Fault::new(FaultKind::Throttled).on(Api::AlterTran).times(1));
    let before = kit.sandbox.calls(Api::AlterTran);
    let error = kit
        .client
        .send(&AlterTran::sales(
            gmo_core::values::AccessId::new(&entry.access_id).unwrap(),
            entry.access_pass.clone(),
            amount(1_000),
        ))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::Throttled));
    assert_eq!(kit.sandbox.calls(Api::AlterTran), before + 1);
    assert_eq!(kit.status(&order_id), Status::Auth);
}

#[tokio::test]
async fn failed_searches_are_retried_after_transport_failures() {
    let kit = Kit::new().await;
    let (order_id, _) = ready_to_exec(&kit, "search-retries").await;
    let search = SearchTrade::new(order_id.clone());
    for kind in [
        FaultKind::ServiceUnavailable,
        FaultKind::DropBeforeCommit,
        FaultKind::DropAfterCommit,
        FaultKind::TruncatedAfterCommit,
    ] {
        kit.sandbox
            .add_fault(Fault::new(kind).on(Api::SearchTrade).times(1));
        let before = kit.sandbox.calls(Api::SearchTrade);
        let trade = kit.client.send(&search).await.unwrap();
        assert_eq!(trade.status, Status::Unprocessed, "{kind:?}");
        assert_eq!(kit.sandbox.calls(Api::SearchTrade), before + 2, "{kind:?}");
    }

    // An unreadable answer to a search is a decode error that changed nothing.
    kit.sandbox.add_fault(
        Fault::new(FaultKind::GarbageAfterCommit)
            .on(Api::SearchTrade)
            .times(1),
    );
    let error = kit.client.send(&search).await.unwrap_err();
    assert!(matches!(error, GmoError::Decode { .. }), "{error:?}");
    assert!(!error.outcome_unknown());
    assert_eq!(error.kind(), None);
    assert_eq!(error.class(), "decode");
}

// ---------------------------------------------------------------------------------------------
// Unknown outcomes of money-moving calls

#[tokio::test]
async fn faults_after_commit_leave_the_outcome_unknown_and_the_payment_made() {
    for kind in [
        FaultKind::UnknownOutcomeAfterCommit,
        FaultKind::DropAfterCommit,
        FaultKind::GarbageAfterCommit,
        FaultKind::TruncatedAfterCommit,
    ] {
        let kit = Kit::new().await;
        let (order_id, exec) = ready_to_exec(&kit, "after-commit").await;
        kit.sandbox
            .add_fault(Fault::new(kind).on(Api::ExecTran).times(1));
        let error = kit.client.send(&exec).await.unwrap_err();
        assert!(error.outcome_unknown(), "{kind:?}: {error:?}");
        assert_eq!(error.kind(), Some(ErrorKind::OutcomeUnknown), "{kind:?}");
        match kind {
            FaultKind::UnknownOutcomeAfterCommit => {
                assert_eq!(infos(&error), ["E91099999"]);
            }
            FaultKind::DropAfterCommit => {
                assert_eq!(transport_failure(&error), TransportFailure::ConnectionLost);
            }
            FaultKind::GarbageAfterCommit => {
                assert!(matches!(error, GmoError::Decode { .. }), "{error:?}");
            }
            _ => {
                assert_eq!(transport_failure(&error), TransportFailure::BodyUnreadable);
            }
        }
        // Sent once, and it went through.
        assert_eq!(kit.sandbox.calls(Api::ExecTran), 1, "{kind:?}");
        let tx = kit.tx(&order_id);
        assert_eq!(tx.status, Status::Auth, "{kind:?}");
        let trade = kit.client.send(&SearchTrade::new(order_id)).await.unwrap();
        assert_eq!(trade.status, Status::Auth);
        assert_eq!(trade.tran_id.as_deref(), Some(tx.tran_id.as_str()));
    }
}

#[tokio::test]
async fn faults_before_commit_look_the_same_but_nothing_happened() {
    for kind in [
        FaultKind::UnknownOutcome,
        FaultKind::DropBeforeCommit,
        FaultKind::ServiceUnavailable,
    ] {
        let kit = Kit::new().await;
        let (order_id, exec) = ready_to_exec(&kit, "before-commit").await;
        kit.sandbox
            .add_fault(Fault::new(kind).on(Api::ExecTran).times(1));
        let error = kit.client.send(&exec).await.unwrap_err();
        // The client cannot tell these from the faults after commit.
        assert!(error.outcome_unknown(), "{kind:?}: {error:?}");
        assert_eq!(error.kind(), Some(ErrorKind::OutcomeUnknown), "{kind:?}");
        match kind {
            FaultKind::UnknownOutcome => assert_eq!(infos(&error), ["E91099999"]),
            FaultKind::DropBeforeCommit => {
                assert_eq!(transport_failure(&error), TransportFailure::ConnectionLost);
            }
            _ => assert_eq!(transport_failure(&error), TransportFailure::HttpStatus(503)),
        }
        assert_eq!(kit.sandbox.calls(Api::ExecTran), 1, "{kind:?}");
        // The lookup shows nothing happened; only then is the payment sent again, with the same
        // token, which the failed call did not spend.
        let trade = kit
            .client
            .send(&SearchTrade::new(order_id.clone()))
            .await
            .unwrap();
        assert_eq!(trade.status, Status::Unprocessed, "{kind:?}");
        assert_eq!(trade.tran_id, None);
        kit.client.send(&exec).await.unwrap();
        assert_eq!(kit.status(&order_id), Status::Auth);
    }
}

#[tokio::test]
async fn a_call_slower_than_the_timeout_has_an_unknown_outcome_and_still_happens() {
    let kit = Kit::new().await;
    let (order_id, exec) = ready_to_exec(&kit, "too-slow").await;
    let impatient = kit.client_with(Duration::from_millis(200), 2);
    kit.sandbox.add_fault(
        Fault::new(FaultKind::Latency(Duration::from_millis(700)))
            .on(Api::ExecTran)
            .times(1),
    );
    let error = impatient.send(&exec).await.unwrap_err();
    assert_eq!(transport_failure(&error), TransportFailure::TimedOut);
    assert!(error.outcome_unknown());
    assert_eq!(error.kind(), Some(ErrorKind::OutcomeUnknown));
    // GMO does not stop because the client did.
    kit.wait_for_status(&order_id, Status::Auth, Duration::from_secs(5))
        .await;
    assert_eq!(kit.sandbox.calls(Api::ExecTran), 1);
}

#[tokio::test]
async fn unknown_outcomes_of_other_changes_are_flagged_too() {
    let kit = Kit::new().await;

    // EntryTran: the order is registered although the answer was lost; registering it again is
    // a duplicate, and SearchTrade recovers its AccessID and AccessPass.
    let order_id = order("entry-lost");
    kit.sandbox.add_fault(
        Fault::new(FaultKind::DropAfterCommit)
            .on(Api::EntryTran)
            .times(1),
    );
    let entry = EntryTran::auth(order_id.clone(), amount(1_000));
    let error = kit.client.send(&entry).await.unwrap_err();
    assert!(error.outcome_unknown());
    let again = kit.client.send(&entry).await.unwrap_err();
    assert!(again.is_duplicate_order());
    let trade = kit
        .client
        .send(&SearchTrade::new(order_id.clone()))
        .await
        .unwrap();
    let tx = kit.tx(&order_id);
    assert_eq!(trade.access_id.as_str(), tx.access_id);
    assert_eq!(
        trade.access_pass.expose_secret(),
        tx.access_pass.expose_secret()
    );

    // AlterTran: the capture happened.
    let paid = order("sales-lost");
    let (entry, _) = kit.authorized(&paid, 1_000).await;
    kit.sandbox.add_fault(
        Fault::new(FaultKind::UnknownOutcomeAfterCommit)
            .on(Api::AlterTran)
            .times(1),
    );
    let error = kit
        .client
        .send(&AlterTran::sales(
            entry.access_id,
            entry.access_pass,
            amount(1_000),
        ))
        .await
        .unwrap_err();
    assert!(error.outcome_unknown());
    assert_eq!(kit.status(&paid), Status::Sales);

    // Site API changes: the member was saved.
    kit.sandbox.add_fault(
        Fault::new(FaultKind::GarbageAfterCommit)
            .on(Api::SaveMember)
            .times(1),
    );
    let member = MemberId::new("saved-anyway").unwrap();
    let error = kit
        .client
        .send(&SaveMember::new(member.clone()))
        .await
        .unwrap_err();
    assert!(matches!(error, GmoError::Decode { .. }), "{error:?}");
    assert!(error.outcome_unknown());
    assert!(kit.sandbox.member(member.as_str()).is_some());
}

#[tokio::test]
async fn a_slow_issuer_is_still_authorising_when_the_client_gives_up() {
    let slow_card = "4100000000000803";
    let kit = Kit::with(Sandbox::builder().slow_card_delay(Duration::from_millis(600))).await;
    let order_id = order("slow-issuer");
    let entry = kit.entry_auth(&order_id, 1_000).await;
    let impatient = kit.client_with(Duration::from_millis(150), 2);
    let error = impatient
        .send(&exec_lump(&order_id, &entry, kit.token(slow_card)))
        .await
        .unwrap_err();
    assert_eq!(transport_failure(&error), TransportFailure::TimedOut);
    assert!(error.outcome_unknown());

    // While the issuer thinks, SearchTrade still says UNPROCESSED, and another payment attempt
    // on the transaction is refused with an "outcome unknown" code.
    let trade = kit
        .client
        .send(&SearchTrade::new(order_id.clone()))
        .await
        .unwrap();
    assert_eq!(trade.status, Status::Unprocessed);
    let error = kit
        .client
        .send(&exec_lump(&order_id, &entry, kit.token(VISA)))
        .await
        .unwrap_err();
    assert_eq!(infos(&error), ["E90010001"]);
    assert_eq!(error.kind(), Some(ErrorKind::OutcomeUnknown));
    assert!(error.outcome_unknown());

    kit.wait_for_status(&order_id, Status::Auth, Duration::from_secs(5))
        .await;
    let trade = kit.client.send(&SearchTrade::new(order_id)).await.unwrap();
    assert_eq!(trade.status, Status::Auth);
    assert_eq!(trade.masked_number.as_deref(), Some("************0803"));
}

// ---------------------------------------------------------------------------------------------
// Failures before anything reaches GMO, and credentials GMO refuses

#[tokio::test]
async fn wrong_credentials_are_a_merchant_configuration_problem() {
    let kit = Kit::new().await;
    let wrong = support::client_builder(&kit.sandbox)
        .shop(
            gmo_core::values::ShopId::new(kit.sandbox.shop_id()).unwrap(),
            gmo_core::ShopPass::new("wrongpass1"),
        )
        .site(
            gmo_core::values::SiteId::new(kit.sandbox.site_id()).unwrap(),
            gmo_core::SitePass::new("wrongpass2"),
        )
        .build()
        .unwrap();
    let order_id = order("bad-shop-pass");
    let error = wrong
        .send(&EntryTran::auth(order_id.clone(), amount(100)))
        .await
        .unwrap_err();
    assert_eq!(infos(&error), ["E01030002"]);
    assert_eq!(error.kind(), Some(ErrorKind::MerchantConfiguration));
    assert!(kit.sandbox.transaction(order_id.as_str()).is_none());

    let member = MemberId::new("bad-site-pass").unwrap();
    let error = wrong
        .send(&SaveMember::new(member.clone()))
        .await
        .unwrap_err();
    assert_eq!(infos(&error), ["E01210002"]);
    assert_eq!(error.kind(), Some(ErrorKind::MerchantConfiguration));
    assert!(kit.sandbox.member(member.as_str()).is_none());
}

#[tokio::test]
async fn requests_the_client_refuses_never_reach_gmo() {
    let kit = Kit::new().await;
    // No site credentials for a Site-API call.
    let shop_only = gmo_core::GmoClient::builder(gmo_core::Environment::Custom(
        kit.sandbox.base_url().to_owned(),
    ))
    .shop(
        gmo_core::values::ShopId::new(kit.sandbox.shop_id()).unwrap(),
        kit.shop_pass(),
    )
    .build()
    .unwrap();
    let error = shop_only
        .send(&SaveMember::new(MemberId::new("m").unwrap()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            GmoError::Request(gmo_core::error::RequestError::MissingCredentials {
                credentials: "site",
                ..
            })
        ),
        "{error:?}"
    );
    assert!(!error.outcome_unknown());

    // A CHECK has no amount.
    let mut check = EntryTran::check(order("check-with-tax"));
    check.tax = Some(gmo_core::values::Tax::new(10).unwrap());
    let error = kit.client.send(&check).await.unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::InvalidRequest));
    assert!(matches!(error, GmoError::Request(_)), "{error:?}");

    assert_eq!(kit.sandbox.calls(Api::SaveMember), 0);
    assert_eq!(kit.sandbox.calls(Api::EntryTran), 0);
}

#[tokio::test]
async fn a_gmo_that_cannot_be_reached_means_nothing_was_sent() {
    let kit = Kit::new().await;
    let client = kit.client.clone();
    let Kit { sandbox, .. } = kit;
    sandbox.shutdown().await;
    let error = client
        .send(&EntryTran::auth(order("never-sent"), amount(100)))
        .await
        .unwrap_err();
    assert_eq!(transport_failure(&error), TransportFailure::NotSent);
    assert!(!error.outcome_unknown());
    assert_eq!(error.kind(), None);
}
