//! Two instances of a shop binary on one PostgreSQL database, as behind a load balancer:
//! checkouts start on instance A, the issuer sends shoppers back to instance B (A's public URL
//! is B's), GMO's notifications go to B, and repeated 3-D Secure returns reach both at once.
//! Some shoppers close the tab after the issuer's page, some before it: both instances'
//! reconciliations (every second, for orders untouched for three) race to settle those. The
//! answers of three SecureTran2 calls are lost (two after GMO authorised, one that never
//! arrived). Every order is paid once, no call that took effect is sent again (the one that
//! never arrived is, once GMO showed twice that it had none), both instances show what GMO
//! holds, and although both deliver the payment events, each authorised order gets exactly one
//! confirmation (on either instance's emails page) and is ready to ship, no other order either.

use std::time::Duration;

use futures_util::future::join_all;
use gmo_sandbox::{Api, DeliveryOutcome, Fault, FaultKind, Sandbox};
use serde_json::json;

use shop_common::storage::Storage;

use crate::consistency::{agrees, borrowed, fulfilled_once, notify_url, reconciling_shop_env};
use crate::database::{in_new_schema, rows_in_schema};
use crate::driver::{Answer, Client, sandbox_builder};
use crate::process::{ShopProcess, binary_name};
use crate::shopping::{authenticate_at_acs, buy, order, send_return};

/// How many orders the shoppers place.
const ORDERS: usize = 20;

/// The shoppers (several, so that no one reaches the card-testing throttle with the declines).
const SHOPPERS: [&str; 3] = ["alice", "bob", "carol"];

/// The cards of the orders, in turn: frictionless, 3-D Secure challenges, a decline.
const CARDS: [&str; 5] = [
    "4111111111111111",
    "4100000000005000",
    "4100000000005000",
    "5555555555554444",
    "4100000000000407",
];

/// How long the shops' reconciliation may take to settle the abandoned orders.
const SETTLING_DEADLINE: Duration = Duration::from_secs(20);

/// What a shopper does once the shop sends them to the issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AtTheIssuer {
    /// Authenticates; the return reaches B and A at once, then B again.
    ReturnsTwiceAtOnce,
    /// Authenticates and closes the tab: reconciliation finalizes the payment.
    ClosesTheTab,
    /// Never opens the issuer's page: reconciliation expires the order.
    NeverGoes,
}

impl AtTheIssuer {
    /// The behaviour of the `i`-th order: mostly returns, a few abandoned either way.
    fn of_order(i: usize) -> Self {
        match i % 10 {
            7 => Self::ClosesTheTab,
            8 => Self::NeverGoes,
            _ => Self::ReturnsTwiceAtOnce,
        }
    }
}

/// Runs the binary at `path` twice on one new PostgreSQL schema (skipped, saying so, without
/// `GMO_TEST_DATABASE_URL`) and checks the orders paid across both instances.
pub async fn two_instances_share_one_database(path: &str) {
    let path = path.to_owned();
    let test = format!("two instances of {} on one database", binary_name(&path));
    in_new_schema(&test, |url| async move {
        tokio::time::timeout(Duration::from_secs(60), pay_across_instances(&path, &url))
            .await
            .expect("in time");
    })
    .await;
}

/// The scenario on the database at `database_url`.
async fn pay_across_instances(path: &str, database_url: &str) {
    let running = sandbox_builder()
        .notification_retries(20, Duration::from_millis(200))
        // The answers of the first SecureTran2 calls are lost: two after GMO authorised, one
        // before it did. Each is looked up, none is sent again.
        .fault(
            Fault::new(FaultKind::DropAfterCommit)
                .on(Api::SecureTran2)
                .times(2),
        )
        .fault(
            Fault::new(FaultKind::DropBeforeCommit)
                .on(Api::SecureTran2)
                .times(1),
        )
        .spawn()
        .await
        .expect("the sandbox starts");
    let sandbox = running.sandbox().clone();
    // Three seconds: longer than a shopper takes at the issuer, even on a busy machine; an
    // order left awaiting 3-D Secure that long is abandoned, and expired.
    let mut env = reconciling_shop_env(&sandbox, database_url, 3);
    let b = ShopProcess::start(path, &borrowed(&env));
    env.push(("SHOP_PUBLIC_URL", b.url.clone()));
    let a = ShopProcess::start(path, &borrowed(&env));
    sandbox.set_notify_url(Some(notify_url(&b.url)));

    let (on_a, on_b) = (signed_in(&a.url).await, signed_in(&b.url).await);
    // The shoppers at once, each one's orders one after the other (as the card-testing
    // throttle wants them).
    let by_shopper = join_all(on_a.iter().enumerate().map(|(shopper, client)| {
        let (sandbox, a_url, b_url) = (&sandbox, &a.url, &b.url);
        async move {
            let mut placed = Vec::new();
            for i in (shopper..ORDERS).step_by(SHOPPERS.len()) {
                let (card, at_issuer) = (CARDS[i % CARDS.len()], AtTheIssuer::of_order(i));
                let paid = place_and_pay(sandbox, client, a_url, b_url, card, at_issuer).await;
                placed.push((i, paid));
            }
            placed
        }
    }))
    .await;
    let mut placed: Vec<_> = by_shopper.into_iter().flatten().collect();
    placed.sort_by_key(|(i, _)| *i);
    let placed: Vec<(String, Vec<Answer>)> = placed.into_iter().map(|(_, p)| p).collect();
    let ids: Vec<String> = placed.iter().map(|(id, _)| id.clone()).collect();
    if let Err(why) = settles(&sandbox, &on_a, &ids).await {
        panic!("the orders do not stand on A as GMO has them: {why}");
    }
    assert!(
        sandbox.notifications_settled(Duration::from_secs(20)).await,
        "notifications still pending: {:?}",
        sandbox.notifications()
    );
    let b_notify = notify_url(&b.url);
    let deliveries = sandbox.notifications();
    assert!(!deliveries.is_empty(), "GMO notified the payments");
    for delivery in deliveries {
        assert_eq!(delivery.url, b_notify, "{delivery:?}");
        assert_eq!(delivery.outcome, DeliveryOutcome::Delivered, "{delivery:?}");
    }
    let lost: Vec<_> = sandbox.fired_faults();
    assert_eq!(lost.len(), 3, "the lost answers: {lost:?}");
    // The SecureTran2 that never arrived is sent again, once GMO showed twice that it had no
    // effect; every other call reaches GMO once.
    let never_arrived = lost
        .iter()
        .find(|f| f.kind == FaultKind::DropBeforeCommit)
        .and_then(|f| f.order_id.clone());
    for (i, (order_id, _)) in placed.iter().enumerate() {
        let finalized = u64::from(AtTheIssuer::of_order(i) != AtTheIssuer::NeverGoes);
        let resent = u64::from(never_arrived.as_deref() == Some(order_id.as_str()));
        assert_eq!(
            (
                sandbox.calls_of(Api::ExecTran, order_id),
                sandbox.calls_of(Api::SecureTran2, order_id)
            ),
            (1, finalized + resent),
            "ExecTran and SecureTran2 calls of {order_id}"
        );
    }
    // Both instances' pools (payments and order book) worked in the test's schema.
    for table in ["gmo_orders", "shop_orders"] {
        let (schema, rows) = rows_in_schema(database_url, table).await;
        assert!(schema.starts_with("gmo_it_"), "{table} in {schema}");
        assert_eq!(
            rows,
            i64::try_from(ORDERS).expect("a count"),
            "{schema}.{table}"
        );
    }
    for (i, (order_id, returns)) in placed.iter().enumerate() {
        for answer in returns {
            assert_eq!(answer.status, 303, "a return of {order_id}: {answer}");
            assert_eq!(
                answer.location().as_deref(),
                Some(format!("/orders/{order_id}").as_str()),
                "a return of {order_id}: {answer}"
            );
        }
        let owner = &on_b[i % SHOPPERS.len()];
        let state = state_of(owner, order_id).await;
        agrees(&sandbox, order_id, &state).unwrap_or_else(|e| panic!("{e} (on B)"));
    }
    let opened = Storage::Postgres(database_url.to_owned())
        .open()
        .await
        .expect("the shops' storage");
    for url in [&a.url, &b.url] {
        let owner = Client::new(url);
        owner.sign_in("owner").await;
        fulfilled_once(
            &owner,
            opened.payments.as_ref(),
            &opened.orders,
            &ids,
            SETTLING_DEADLINE,
        )
        .await
        .unwrap_or_else(|e| panic!("the fulfilment on {url}: {e}"));
    }
}

/// The order's state as its owner sees it.
async fn state_of(owner: &Client, order_id: &str) -> String {
    order(owner, order_id).await["state"]
        .as_str()
        .expect("a state")
        .to_owned()
}

/// Waits, at most [`SETTLING_DEADLINE`], until every order of `ids` (the `i`-th paid by
/// `shoppers[i % 3]`) stands on the instance of `shoppers` as GMO's transaction says; what
/// does not, then.
async fn settles(sandbox: &Sandbox, shoppers: &[Client], ids: &[String]) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + SETTLING_DEADLINE;
    loop {
        let mut disagreement = Ok(());
        for (i, order_id) in ids.iter().enumerate() {
            let state = state_of(&shoppers[i % SHOPPERS.len()], order_id).await;
            disagreement = disagreement.and(agrees(sandbox, order_id, &state));
        }
        if disagreement.is_ok() || tokio::time::Instant::now() > deadline {
            return disagreement;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A client per shopper, signed in on the instance at `url` (sessions are an instance's own).
async fn signed_in(url: &str) -> Vec<Client> {
    let mut clients = Vec::new();
    for user in SHOPPERS {
        let client = Client::new(url);
        client.sign_in(user).await;
        clients.push(client);
    }
    clients
}

/// One order placed on instance A and confirmed with `card` there, which sends the shopper to
/// the issuer (3-D Secure); there, the shopper does `at_issuer`. When the shopper returns, the
/// issuer's return form is posted at once to B (where the issuer sends it) and to the same path
/// on A, then once more to B. The order's id and the answers to the returns.
async fn place_and_pay(
    sandbox: &Sandbox,
    shopper: &Client,
    a_url: &str,
    b_url: &str,
    card: &str,
    at_issuer: AtTheIssuer,
) -> (String, Vec<Answer>) {
    let order_id = buy(shopper, "matcha").await;
    let token = sandbox
        .issue_token(card, "2812", "123")
        .expect("a card token");
    let confirmation = shopper
        .post_json(
            &format!("/payments/checkout/{order_id}"),
            json!({"token": token}),
        )
        .await;
    // Every card goes through 3-D Secure 2.0 (frictionless ones too): the shop asks for it.
    assert_eq!(
        confirmation.json()["status"],
        "redirect_to",
        "checkout of {order_id}: {confirmation}"
    );
    if at_issuer == AtTheIssuer::NeverGoes {
        return (order_id, Vec::new());
    }
    let redirect = confirmation.json()["url"]
        .as_str()
        .expect("the issuer's URL")
        .to_owned();
    let to_b = authenticate_at_acs(&redirect, gmo_sandbox::CHALLENGE_OTP).await;
    assert!(
        to_b.action.starts_with(b_url),
        "the issuer sends the shopper to B: {}",
        to_b.action
    );
    if at_issuer == AtTheIssuer::ClosesTheTab {
        return (order_id, Vec::new());
    }
    let mut to_a = to_b.clone();
    to_a.action = to_b.action.replacen(b_url, a_url, 1);
    let (on_b, on_a) = tokio::join!(send_return(shopper, &to_b), send_return(shopper, &to_a));
    let again_on_b = send_return(shopper, &to_b).await;
    let returns = [on_b, on_a, again_on_b]
        .into_iter()
        .map(|answer| answer.expect("the shop answers the return"))
        .collect();
    (order_id, returns)
}
