//! Crashes mid-flow: a shop binary is killed (`SIGKILL`) at random moments while shoppers pay,
//! with GMO slowed down so that the kills land between GMO's answers and the shop's store
//! writes. It is started again on the same storage and port; about half the shoppers whose
//! "pay" got no answer press it again, about half those whose issuer page was sending them back
//! submit the return again (the others close the tab), and GMO's notifications (retried until
//! the shop is back; lost in some rounds) and reconciliation (every second, for orders
//! untouched for two) settle the rest. After every round, every order agrees with GMO, none is
//! left in a claim or waiting, the owner sees each one as stored, no ExecTran or SecureTran2
//! ran twice, and the payment events the crashes left undelivered were delivered after the
//! restart: each authorised order has exactly one confirmation and is ready to ship, no other
//! order has either.
//!
//! The kill moments come from a seeded generator: the seed is printed, and `GMO_CRASH_SEED`
//! replays it (the timing of the processes still varies).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use gmo_core::order::OrderState;
use gmo_core::store::PaymentStore;
use gmo_core::values::OrderId;
use gmo_sandbox::{DeliveryOutcome, ReturnForm, Sandbox};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde_json::json;
use shop_common::storage::Storage;

use crate::consistency::{
    agrees, borrowed, fulfilled_once, no_call_ran_twice, notify_url, reconciling_shop_env,
};
use crate::database::in_new_schema;
use crate::driver::{Body, Client, sandbox_builder};
use crate::process::{ShopProcess, binary_name};
use crate::shopping::{authenticate_at_acs, send_return};

/// How many times the shop is killed.
const ROUNDS: usize = 12;

/// How many shoppers pay in each round.
const SHOPPERS_PER_ROUND: usize = 5;

/// The customers the shoppers sign in as.
const USERS: [&str; 3] = ["alice", "bob", "carol"];

/// What the sandbox adds to every GMO call, so that calls are in flight when the kill comes.
const GMO_LATENCY: Duration = Duration::from_millis(150);

/// How long a round may take to settle after the restart.
const SETTLING_DEADLINE: Duration = Duration::from_secs(20);

/// The variable that replays a run's kill moments.
pub const SEED_VARIABLE: &str = "GMO_CRASH_SEED";

/// Kills and restarts the binary at `path` on a SQLite file of its own.
pub async fn crashes_mid_flow_are_settled(path: &str) {
    let name = binary_name(path);
    let dir = std::env::temp_dir().join(format!(
        "gmo-{name}-crash-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).expect("a data directory");
    let file: PathBuf = dir.join(shop_common::storage::SQLITE_FILE);
    let url = format!("sqlite://{}", file.display());
    crash_rounds(path, &url, Storage::Sqlite(file)).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Kills and restarts the binary at `path` on a new PostgreSQL schema (skipped, saying so,
/// without `GMO_TEST_DATABASE_URL`).
pub async fn crashes_mid_flow_are_settled_on_postgres(path: &str) {
    let path = path.to_owned();
    let test = format!("{} killed mid-flow on PostgreSQL", binary_name(&path));
    in_new_schema(&test, |url| async move {
        crash_rounds(&path, &url, Storage::Postgres(url.clone())).await;
    })
    .await;
}

/// What the shoppers of every round left behind.
#[derive(Debug, Default)]
struct Shoppers {
    /// The orders the shop confirmed creating.
    placed: Mutex<Vec<String>>,
    /// Confirmations that found the shop dead (confirmed again, or abandoned).
    unconfirmed: Mutex<Vec<Unconfirmed>>,
    /// Returns from the issuer that found the shop dead (submitted again, or abandoned).
    unreturned: Mutex<Vec<ReturnForm>>,
}

/// An order whose confirmation got no answer.
#[derive(Debug)]
struct Unconfirmed {
    user: &'static str,
    order_id: String,
    card: &'static str,
}

/// Where a payment stopped: the shop did not answer.
#[derive(Debug)]
enum Interrupted {
    /// The confirmation.
    Confirmation,
    /// The return from the issuer, with its form.
    Return(ReturnForm),
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The rounds against the shop storing in `database_url`, which the test reads as `storage`.
async fn crash_rounds(path: &str, database_url: &str, storage: Storage) {
    let seed = std::env::var(SEED_VARIABLE)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    println!("crash rounds with seed {seed} ({SEED_VARIABLE}={seed} replays them)");
    let mut rng = StdRng::seed_from_u64(seed);
    let running = sandbox_builder()
        .latency(GMO_LATENCY)
        .notification_retries(80, Duration::from_millis(250))
        .spawn()
        .await
        .expect("the sandbox starts");
    let sandbox = running.sandbox().clone();
    let mut env = reconciling_shop_env(&sandbox, database_url, 2);
    // Three customers on one address pay 60 times with random cards, declines included: far
    // over the card-testing limits, which the shop keeps in its database across restarts.
    env.push(("SHOP_CARD_THROTTLE", "off".to_owned()));
    let mut shop = ShopProcess::start(path, &borrowed(&env));
    let port = shop
        .url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .expect("a port")
        .to_owned();
    // Restarted where it was, as a service is: GMO's retries and the issuer's returns find it.
    env.push(("PORT", port));
    let opened = storage.open().await.expect("the shop's storage");
    let (store, book) = (opened.payments, opened.orders);
    let shoppers = Arc::new(Shoppers::default());
    // Where the crashes left the orders (what reconciliation had to settle), for the log.
    let mut found_after_crash = std::collections::BTreeMap::<&str, usize>::new();
    let mut before_round = 0;
    let mut returned_again = 0;
    let mut abandoned = 0;
    let mut confirmed_again = 0;
    let mut rounds_without_notifications = 0;
    let mut unfulfilled_after_crash = 0;

    for round in 0..ROUNDS {
        // In some rounds GMO's notifications are lost: reconciliation alone settles those.
        let notified = rng.random_bool(0.5);
        sandbox.set_notify_url(notified.then(|| notify_url(&shop.url)));
        rounds_without_notifications += usize::from(!notified);
        let flows = start_shoppers(&mut rng, &shop.url, &sandbox, &shoppers).await;
        tokio::time::sleep(Duration::from_millis(rng.random_range(50..800))).await;
        shop.kill();
        for flow in flows {
            flow.await.expect("a shopper's flow");
        }
        let placed = locked(&shoppers.placed).clone();
        for order_id in &placed[before_round..] {
            let id = OrderId::new(order_id.as_str()).expect("an order id");
            if let Ok(Some(order)) = store.order(&id).await {
                *found_after_crash.entry(order.state.as_str()).or_default() += 1;
                // Authorised, its event not handled yet: the restart must deliver it.
                if order.state == OrderState::Authorized
                    && !book.is_ready_to_ship(order_id).await.unwrap_or(true)
                {
                    unfulfilled_after_crash += 1;
                }
            }
        }
        before_round = placed.len();
        shop = ShopProcess::start(path, &borrowed(&env));
        let unconfirmed: Vec<Unconfirmed> = std::mem::take(&mut *locked(&shoppers.unconfirmed));
        for order in unconfirmed {
            // Some shoppers press "pay" again (on the restarted shop: signed in again).
            if rng.random_bool(0.5) {
                continue;
            }
            confirmed_again += 1;
            let client = Client::new(&shop.url);
            client.sign_in(order.user).await;
            pay(&client, &sandbox, &order.order_id, order.card)
                .await
                .expect("the restarted shop answers");
        }
        let unreturned: Vec<ReturnForm> = std::mem::take(&mut *locked(&shoppers.unreturned));
        for form in unreturned {
            // Some shoppers close the tab: their authenticated payments are reconciliation's.
            if rng.random_bool(0.5) {
                abandoned += 1;
                continue;
            }
            returned_again += 1;
            let answer = send_return(&Client::new(&shop.url), &form)
                .await
                .expect("the restarted shop answers the return");
            assert_eq!(answer.status, 303, "a return after the restart: {answer}");
        }
        if let Err(why) = settles(&sandbox, store.as_ref(), &placed).await {
            panic!("round {round} (seed {seed}) did not settle: {why}");
        }
        owner_sees(&shop.url, store.as_ref(), &placed).await;
        let owner = Client::new(&shop.url);
        owner.sign_in("owner").await;
        if let Err(why) =
            fulfilled_once(&owner, store.as_ref(), &book, &placed, SETTLING_DEADLINE).await
        {
            panic!("round {round} (seed {seed}): the fulfilment is not once per paid order: {why}");
        }
    }
    shop.kill();
    println!(
        "{ROUNDS} crashes ({rounds_without_notifications} without GMO's notifications), {} orders settled, {confirmed_again} confirmations and {returned_again} returns from the issuer sent again after a restart ({abandoned} returns not); the orders' states after the crashes: {found_after_crash:?}, of which authorised but not yet fulfilled (delivered after the restart): {unfulfilled_after_crash}",
        locked(&shoppers.placed).len(),
    );
}

/// Starts the round's shoppers at the shop at `url`, signed in, each with a random card and a
/// random moment to start.
async fn start_shoppers(
    rng: &mut StdRng,
    url: &str,
    sandbox: &Sandbox,
    shoppers: &Arc<Shoppers>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut flows = Vec::new();
    for shopper in 0..SHOPPERS_PER_ROUND {
        let client = Client::new(url);
        // In turn, so that no customer has more attempts at once than the card-testing
        // throttle admits.
        let user = USERS[shopper % USERS.len()];
        client.sign_in(user).await;
        let card = if rng.random_bool(0.5) {
            "4111111111111111"
        } else {
            "4100000000005000"
        };
        let start_after = Duration::from_millis(rng.random_range(0..400));
        flows.push(tokio::spawn(shop_until_crash(
            client,
            user,
            sandbox.clone(),
            card,
            start_after,
            shoppers.clone(),
        )));
    }
    flows
}

/// One shopper signed in as `user`: after `start_after`, orders and pays with `card`, until the
/// shop stops answering.
async fn shop_until_crash(
    client: Client,
    user: &'static str,
    sandbox: Sandbox,
    card: &'static str,
    start_after: Duration,
    shoppers: Arc<Shoppers>,
) {
    tokio::time::sleep(start_after).await;
    let body = Body::Json(json!({"product": "matcha", "quantity": 1}));
    let Ok(created) = client.try_request("POST", "/orders", body, &JSON).await else {
        return;
    };
    assert_eq!(created.status, 201, "create order: {created}");
    let order_id = created.json()["order_id"]
        .as_str()
        .expect("order_id")
        .to_owned();
    locked(&shoppers.placed).push(order_id.clone());
    match pay(&client, &sandbox, &order_id, card).await {
        Ok(()) => {}
        Err(Interrupted::Confirmation) => locked(&shoppers.unconfirmed).push(Unconfirmed {
            user,
            order_id,
            card,
        }),
        Err(Interrupted::Return(form)) => locked(&shoppers.unreturned).push(form),
    }
}

/// Asking for JSON.
const JSON: [(&str, &str); 1] = [("accept", "application/json")];

/// Confirms `order_id` with a new token of `card` and, when the shop sends the shopper to the
/// issuer, authenticates there and submits the return. The answers must be sane: the
/// confirmation a redirect or the paid order, or for an order already under way `202
/// outcome_pending` or `409` (in progress, or no longer payable); the return a `303`.
async fn pay(
    client: &Client,
    sandbox: &Sandbox,
    order_id: &str,
    card: &str,
) -> Result<(), Interrupted> {
    let token = sandbox
        .issue_token(card, "2812", "123")
        .expect("a card token");
    let path = format!("/payments/checkout/{order_id}");
    let body = Body::Json(json!({ "token": token }));
    let confirmation = client
        .try_request("POST", &path, body, &JSON)
        .await
        .map_err(|_| Interrupted::Confirmation)?;
    assert!(
        [200, 202, 409].contains(&confirmation.status),
        "checkout of {order_id}: {confirmation}"
    );
    if confirmation.json()["status"] != "redirect_to" {
        return Ok(());
    }
    let redirect = confirmation.json()["url"]
        .as_str()
        .expect("the issuer's URL")
        .to_owned();
    let form = authenticate_at_acs(&redirect, gmo_sandbox::CHALLENGE_OTP).await;
    let returned = send_return(client, &form)
        .await
        .map_err(|_| Interrupted::Return(form))?;
    assert_eq!(returned.status, 303, "the return of {order_id}: {returned}");
    Ok(())
}

/// The shop's owner finds every order of `placed` on the admin page (`/admin/orders` as JSON),
/// in the state the store holds.
async fn owner_sees(url: &str, store: &dyn PaymentStore, placed: &[String]) {
    let owner = Client::new(url);
    owner.sign_in("owner").await;
    let listed = owner.get_json("/admin/orders").await;
    assert_eq!(listed.status, 200, "{listed}");
    let states: std::collections::HashMap<String, String> = listed.json()["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| {
            let field = |name: &str| o["order"][name].as_str().unwrap_or_default().to_owned();
            (field("order_id"), field("state"))
        })
        .collect();
    for order_id in placed {
        let id = OrderId::new(order_id.as_str()).expect("an order id");
        let stored = store
            .order(&id)
            .await
            .expect("the store")
            .expect("the order");
        assert_eq!(
            states.get(order_id).map(String::as_str),
            Some(stored.state.as_str()),
            "order {order_id} on the admin page"
        );
    }
}

/// Waits until everything is [`settled`], at most [`SETTLING_DEADLINE`]; what is not, then.
async fn settles(
    sandbox: &Sandbox,
    store: &dyn PaymentStore,
    placed: &[String],
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + SETTLING_DEADLINE;
    loop {
        match settled(sandbox, store, placed).await {
            Err(_) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            outcome => return outcome,
        }
    }
}

/// Whether everything is settled: every notification delivered and acted on, no order left to
/// reconcile (in a claim, or waiting for a shopper), every order of `placed` as GMO has it, and
/// each money-moving call run once. What is not, otherwise.
async fn settled(
    sandbox: &Sandbox,
    store: &dyn PaymentStore,
    placed: &[String],
) -> Result<(), String> {
    if let Some(pending) = sandbox
        .notifications()
        .iter()
        .find(|d| d.outcome != DeliveryOutcome::Delivered)
    {
        return Err(format!("a notification is not delivered: {pending:?}"));
    }
    let unprocessed = store
        .unprocessed_notifications(100)
        .await
        .map_err(|e| e.to_string())?;
    if !unprocessed.is_empty() {
        return Err(format!("{} notifications not acted on", unprocessed.len()));
    }
    let now = time::OffsetDateTime::now_utc();
    let look = gmo_core::store::Lease {
        owner: "crash-check".into(),
        taken_at: now,
        until: now,
    };
    let everything = now + time::Duration::days(1);
    // A lease that runs out as it is taken: a look that keeps nothing from reconciliation.
    let unsettled = store
        .lease_orders_to_reconcile(&look, everything, 1000)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(order) = unsettled.first() {
        return Err(format!(
            "{} orders unsettled, e.g. {} in {}",
            unsettled.len(),
            order.order_id.as_str(),
            order.state
        ));
    }
    for order_id in placed {
        let id = OrderId::new(order_id.as_str()).expect("an order id");
        let order = store
            .order(&id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("order {order_id} is lost"))?;
        agrees(sandbox, order_id, order.state.as_str())?;
    }
    no_call_ran_twice(sandbox, placed)
}
