//! The client against every variant of GMO's answers the sandbox can show (each `Content-Type`
//! GMO has been recorded sending, and `Approve= 004536`-style approval numbers): the same calls
//! give the same typed answers, and CheckString verification keeps the leading space.

#[path = "support/client_sandbox.rs"]
mod kit;
mod support;

use gmo_core::ShopPass;
use gmo_core::api::{AlterTran, ChangeTran, SearchTrade, TradeState};
use gmo_core::check_string::CheckStringFields;
use gmo_core::values::{JobCd, Status};
use gmo_sandbox::{ApprovePadding, ContentTypeVariant, Sandbox};
use kit::{
    CHALLENGE_CARD, Kit, access_id, access_pass, amount, assert_authorization_matches, infos, order,
};

/// Every content type, each with padded approval numbers, and the random draws.
fn variants() -> Vec<(ContentTypeVariant, ApprovePadding)> {
    let mut variants: Vec<_> = ContentTypeVariant::FIXED
        .iter()
        .map(|(variant, _)| (*variant, ApprovePadding::Always))
        .collect();
    variants.push((ContentTypeVariant::Random, ApprovePadding::Random));
    variants.push((ContentTypeVariant::Windows31J, ApprovePadding::Never));
    variants
}

fn is_approval_number(approve: &str, padding: ApprovePadding) -> bool {
    let digits = approve.trim_start_matches(' ');
    let shape = approve.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit());
    shape
        && match padding {
            ApprovePadding::Never => digits.len() == 7,
            ApprovePadding::Always => digits.len() == 6,
            ApprovePadding::Random => true,
        }
}

fn assert_trade_approve(state: &TradeState, approve: &str) {
    assert_eq!(state.approve.as_deref(), Some(approve), "kept verbatim");
}

#[tokio::test]
async fn the_client_reads_every_variant_of_gmos_answers() {
    for (content_type, padding) in variants() {
        let kit = Kit::with(
            Sandbox::builder()
                .content_type_variant(content_type)
                .approve_padding(padding)
                .variant_seed(19),
        )
        .await;
        let shop_pass = kit.sandbox.shop_pass().to_owned();
        let label = format!("{content_type:?}/{padding:?}");

        // ExecTran without 3-D Secure: the client verified the CheckString over the approval
        // number as sent.
        let plain = order("variant-plain");
        let (entry, authorization) = kit.authorized(&plain, 1_000).await;
        assert!(
            is_approval_number(&authorization.approve, padding),
            "{label}: {:?}",
            authorization.approve
        );
        assert_authorization_matches(&authorization, &kit.tx(&plain), &shop_pass);
        let state = kit.client.send(&SearchTrade::new(plain.clone())).await;
        assert_trade_approve(&state.unwrap(), &authorization.approve);

        // AlterTran and ChangeTran echo their own (re-drawn) approval numbers verbatim.
        let sold = kit
            .client
            .send(&AlterTran::sales(
                access_id(&entry),
                access_pass(&entry),
                amount(1_000),
            ))
            .await
            .unwrap();
        assert_eq!(sold.approve, kit.tx(&plain).approve, "{label}");
        let changed = kit
            .client
            .send(&ChangeTran::new(
                access_id(&entry),
                access_pass(&entry),
                JobCd::Capture,
                amount(900),
            ))
            .await
            .unwrap();
        assert!(is_approval_number(&changed.approve, padding), "{label}");
        assert_eq!(changed.approve, kit.tx(&plain).approve, "{label}");

        // 3-D Secure: SecureTran2's CheckString too.
        let secured = order("variant-3ds");
        let (_, authorization) = kit.secured(&secured, 2_000, CHALLENGE_CARD).await;
        assert_authorization_matches(&authorization, &kit.tx(&secured), &shop_pass);

        // Error answers read the same under every label.
        kit.entry_auth(&order("variant-dup"), 100).await;
        let error = kit
            .client
            .send(&gmo_core::api::EntryTran::auth(
                order("variant-dup"),
                amount(100),
            ))
            .await
            .unwrap_err();
        assert_eq!(infos(&error), ["E01040010"], "{label}");
        assert_eq!(kit.status(&secured), Status::Auth);
        kit.sandbox.shutdown().await;
    }
}

/// What a client that trims values would compute: not GMO's CheckString. The client above
/// verified the untrimmed one, so a trim anywhere in the path would have failed it.
#[tokio::test]
async fn a_trimmed_approval_number_breaks_the_check_string() {
    let kit = Kit::with(Sandbox::builder().approve_padding(ApprovePadding::Always)).await;
    let order_id = order("trimmed");
    let (_, authorization) = kit.authorized(&order_id, 500).await;
    assert!(authorization.approve.starts_with(' '));
    let shop_pass = ShopPass::new(kit.sandbox.shop_pass());
    let tran_date = authorization.tran_date.as_str().to_owned();
    let fields = |approve| CheckStringFields {
        order_id: order_id.as_str(),
        forward: &authorization.forward,
        method: "1",
        pay_times: "",
        approve,
        tran_id: &authorization.tran_id,
        tran_date: &tran_date,
    };
    assert!(fields(&authorization.approve).matches(&authorization.check_string, &shop_pass));
    assert!(!fields(authorization.approve.trim()).matches(&authorization.check_string, &shop_pass));
}
