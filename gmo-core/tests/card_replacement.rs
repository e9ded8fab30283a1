//! Replacing a saved card from a token: in direct mode SaveCard with the card's `CardSeq` (the
//! number stays), in verified mode the registration's 3-D Secure `CHECK`, then TradedCard and
//! the old card deleted, once, also when the deletion's answer is lost.

mod support;

use gmo_core::CardToken;
use gmo_core::PaymentError;
use gmo_core::customer::CustomerId;
use gmo_core::flow::{Card, CardRegistration};
use gmo_core::order::OrderState;
use gmo_core::values::CardSeq;
use gmo_sandbox::{Api, CHALLENGE_OTP, Fault, FaultKind};
use support::{World, customer};

const VISA: &str = "4111111111111111";
const CHALLENGE: &str = "4100000000005000";

fn token(world: &World, card: &str, expiry: &str) -> CardToken {
    CardToken::new(
        world
            .sandbox
            .issue_token(card, expiry, "123")
            .expect("token"),
    )
}

fn seq(n: u16) -> CardSeq {
    CardSeq::new(n).unwrap()
}

/// Registers a card, through 3-D Secure when the mode asks: the saved card.
async fn register(world: &World, who: &CustomerId, card: &str) -> Card {
    let registration = world
        .payments
        .register_card(who, token(world, card, "2812"))
        .await
        .unwrap();
    finish(world, who, registration).await
}

/// A registration's answer, through 3-D Secure when it redirects: the saved card.
async fn finish(world: &World, who: &CustomerId, registration: CardRegistration) -> Card {
    match registration {
        CardRegistration::Registered { card } => card,
        CardRegistration::RedirectTo { url, .. } => {
            let ret = world.authenticate(&url, CHALLENGE_OTP).await;
            let completion = world.payments.complete_three_ds(ret).await.unwrap();
            assert_eq!(completion.order.state, OrderState::CardRegistered);
            let seq = completion.order.card_seq.unwrap();
            world
                .payments
                .cards(who)
                .await
                .unwrap()
                .into_iter()
                .find(|c| c.card_seq == seq.get())
                .expect("the saved card is listed")
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn direct_replacement_keeps_the_number_and_the_default_flag() {
    let world = World::direct().await;
    let kim = customer("kim");
    let first = register(&world, &kim, VISA).await;
    let second = register(&world, &kim, "5555555555554444").await;
    world
        .payments
        .set_default_card(&kim, seq(second.card_seq))
        .await
        .unwrap();

    let replaced = world
        .payments
        .replace_card(&kim, seq(second.card_seq), token(&world, VISA, "3001"))
        .await
        .unwrap();
    let CardRegistration::Registered { card } = replaced else {
        panic!("direct mode saves at once")
    };
    assert_eq!(card.card_seq, second.card_seq);
    assert_eq!(card.expiry.as_deref(), Some("01/30"));
    assert!(card.masked_number.ends_with("111"));
    assert!(card.default, "the default flag is kept");
    let cards = world.payments.cards(&kim).await.unwrap();
    assert_eq!(cards.len(), 2);
    assert_eq!(cards[0], first);
    assert_eq!(cards[1], card);
    assert_eq!(world.sandbox.calls(Api::TradedCard), 0);
}

#[tokio::test]
async fn replacing_a_card_one_does_not_have_is_not_found_and_spends_nothing() {
    let world = World::direct().await;
    let lee = customer("lee");
    let mia = customer("mia");
    register(&world, &lee, VISA).await;
    register(&world, &lee, VISA).await;
    register(&world, &mia, VISA).await;
    // Lee's card 1 is not Mia's; Nobody has no member at all.
    for (who, n) in [(&mia, 1), (&customer("nobody"), 0), (&lee, 7)] {
        let unused = token(&world, VISA, "3001");
        let err = world
            .payments
            .replace_card(who, seq(n), unused.clone())
            .await
            .unwrap_err();
        assert!(matches!(err, PaymentError::NotFound), "{err:?}");
        // The token was not used: it still saves a card.
        world
            .payments
            .replace_card(&lee, seq(0), unused)
            .await
            .unwrap();
    }
    assert_eq!(world.payments.cards(&mia).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_reused_token_is_a_card_problem() {
    for world in [World::direct().await, World::new().await] {
        let nia = customer("nia");
        let card = register(&world, &nia, VISA).await;
        let used = token(&world, VISA, "3001");
        let registration = world
            .payments
            .replace_card(&nia, seq(card.card_seq), used.clone())
            .await
            .unwrap();
        let replaced = finish(&world, &nia, registration).await;
        let again = world
            .payments
            .replace_card(&nia, seq(replaced.card_seq), used)
            .await
            .unwrap_err();
        assert!(
            matches!(again, PaymentError::CardProblem { .. }),
            "{again:?}"
        );
        assert_eq!(world.payments.cards(&nia).await.unwrap(), vec![replaced]);
    }
}

#[tokio::test]
async fn verified_replacement_runs_three_d_secure_then_swaps_the_card_once() {
    let world = World::new().await;
    let oli = customer("oli");
    let kept = register(&world, &oli, VISA).await;
    let old = register(&world, &oli, CHALLENGE).await;
    let old = world
        .payments
        .set_default_card(&oli, seq(old.card_seq))
        .await
        .unwrap();
    assert!(old.default);
    let traded_before = world.sandbox.calls(Api::TradedCard);

    let registration = world
        .payments
        .replace_card(&oli, seq(old.card_seq), token(&world, CHALLENGE, "3001"))
        .await
        .unwrap();
    let CardRegistration::RedirectTo { url, .. } = registration else {
        panic!("3-D Secure expected")
    };
    // Nothing changes before the issuer's page is passed.
    assert_eq!(
        world.payments.cards(&oli).await.unwrap(),
        vec![kept.clone(), old.clone()]
    );
    let ret = world.authenticate(&url, CHALLENGE_OTP).await;
    let completion = world.payments.complete_three_ds(ret.clone()).await.unwrap();
    assert_eq!(completion.order.state, OrderState::CardRegistered);
    let cards = world.payments.cards(&oli).await.unwrap();
    assert_eq!(cards.len(), 2, "{cards:?}");
    assert_eq!(cards[0], kept);
    let new = &cards[1];
    assert_eq!(
        completion.order.card_seq,
        Some(CardSeq::new(new.card_seq).unwrap())
    );
    assert_ne!(
        new.card_seq, old.card_seq,
        "TradedCard saves under a new number"
    );
    assert_eq!(new.expiry.as_deref(), Some("01/30"));
    assert!(new.default, "the default flag moves to the new card");
    // A replayed return changes nothing more.
    let again = world.payments.complete_three_ds(ret).await.unwrap();
    assert_eq!(again.order.state, OrderState::CardRegistered);
    assert_eq!(world.sandbox.calls(Api::TradedCard), traded_before + 1);
    assert_eq!(world.payments.cards(&oli).await.unwrap(), cards);
}

#[tokio::test]
async fn a_lost_deletion_is_finished_by_reconciliation() {
    let world = World::new().await;
    let pia = customer("pia");
    let old = register(&world, &pia, CHALLENGE).await;
    let registration = world
        .payments
        .replace_card(&pia, seq(old.card_seq), token(&world, CHALLENGE, "3001"))
        .await
        .unwrap();
    let CardRegistration::RedirectTo { order_id, url } = registration else {
        panic!("3-D Secure expected")
    };
    world.sandbox.add_fault(
        Fault::new(FaultKind::DropBeforeCommit)
            .on(Api::DeleteCard)
            .times(10),
    );
    let ret = world.authenticate(&url, CHALLENGE_OTP).await;
    let completion = world.payments.complete_three_ds(ret).await.unwrap();
    // TradedCard saved the new card; the old one could not be deleted yet: the claim stays.
    assert_eq!(completion.order.state, OrderState::Registering);
    assert_eq!(world.payments.cards(&pia).await.unwrap().len(), 2);

    world.sandbox.clear_faults();
    world
        .payments
        .reconcile_older_than(std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(world.state(&order_id).await, OrderState::CardRegistered);
    let cards = world.payments.cards(&pia).await.unwrap();
    assert_eq!(cards.len(), 1, "{cards:?}");
    assert_ne!(cards[0].card_seq, old.card_seq);
    assert_eq!(cards[0].expiry.as_deref(), Some("01/30"));
    assert_eq!(
        world.sandbox.calls(Api::TradedCard),
        2,
        "one per registration"
    );
}
