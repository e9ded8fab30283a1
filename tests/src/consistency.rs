//! Shops run as processes against a sandbox of the test: their settings, and the checks that
//! their orders agree with GMO's transactions, that every money-moving call ran once, and that
//! the shop's fulfilment acted once on each paid order.

use std::time::Duration;

use gmo_core::order::{OrderState, Purpose};
use gmo_core::store::PaymentStore;
use gmo_core::values::{OrderId, Status};
use gmo_core::web::routes::{DEFAULT_PREFIX, NOTIFY};
use gmo_sandbox::{Api, Sandbox};
use shop_common::orders::OrderBook;

use crate::driver::Client;
use crate::shopping::{confirmed_once, emails_by_order, eventually};

/// The environment that makes a shop binary pay through `sandbox` (as it would through GMO).
pub fn gateway_env(sandbox: &Sandbox) -> Vec<(&'static str, String)> {
    vec![
        ("GMO_BASE_URL", sandbox.base_url().to_owned()),
        ("GMO_SHOP_ID", sandbox.shop_id().to_owned()),
        ("GMO_SHOP_PASS", sandbox.shop_pass().to_owned()),
        ("GMO_SITE_ID", sandbox.site_id().to_owned()),
        ("GMO_SITE_PASS", sandbox.site_pass().to_owned()),
    ]
}

/// The environment of a shop paying through `sandbox` with its orders at `database_url`, that
/// reconciles every second the orders untouched for `reconcile_after_secs` (at least 2). Its GMO
/// calls time out in half that time: reconciliation may only settle orders older than any call
/// in flight, with as long again for GMO to finish a call the shop gave up on.
pub fn reconciling_shop_env(
    sandbox: &Sandbox,
    database_url: &str,
    reconcile_after_secs: u64,
) -> Vec<(&'static str, String)> {
    let mut env = gateway_env(sandbox);
    env.extend([
        ("SHOP_DATABASE_URL", database_url.to_owned()),
        ("SHOP_RECONCILE_EVERY_SECS", "1".to_owned()),
        (
            "SHOP_RECONCILE_AFTER_SECS",
            reconcile_after_secs.to_string(),
        ),
        (
            "GMO_REQUEST_TIMEOUT_SECS",
            (reconcile_after_secs / 2).max(1).to_string(),
        ),
    ]);
    env
}

/// Borrows an owned environment as [`crate::process::ShopProcess::start`] takes it.
pub fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The URL of the result notifications of a shop at `shop_url`.
pub fn notify_url(shop_url: &str) -> String {
    format!("{}{DEFAULT_PREFIX}{NOTIFY}", shop_url.trim_end_matches('/'))
}

/// The states a purchase may rightly stand in, in the shop, given GMO's transaction of
/// `order_id`: the settled state GMO's status means (`AUTH` → `authorized`, `CAPTURE` →
/// `captured`…); `failed` or `expired` when nothing was charged (no transaction, or one never
/// authorised); `failed` for an authentication the issuer then declined at SecureTran2. An
/// authentication never finalised matches nothing: the shop lost a payment the shopper
/// completed.
pub fn shop_states_for(sandbox: &Sandbox, order_id: &str) -> Vec<&'static str> {
    let uncharged = vec![OrderState::Failed.as_str(), OrderState::Expired.as_str()];
    let Some(transaction) = sandbox.transaction(order_id) else {
        return uncharged;
    };
    match OrderState::from_gmo_status(&transaction.status, Purpose::Purchase) {
        Some(settled) => vec![settled.as_str()],
        None => match transaction.status {
            Status::Unprocessed => uncharged,
            Status::Authenticated if sandbox.calls_of(Api::SecureTran2, order_id) > 0 => {
                vec![OrderState::Failed.as_str()]
            }
            _ => Vec::new(),
        },
    }
}

/// Whether the shop's `state` of `order_id` is what the sandbox's transaction means; the
/// disagreement otherwise.
pub fn agrees(sandbox: &Sandbox, order_id: &str, state: &str) -> Result<(), String> {
    let allowed = shop_states_for(sandbox, order_id);
    if allowed.contains(&state) {
        Ok(())
    } else {
        Err(format!(
            "order {order_id}: the shop says {state}, GMO says {:?} (expected one of {allowed:?})",
            sandbox.transaction(order_id).map(|t| t.status)
        ))
    }
}

/// Whether each order of `order_ids` had at most one ExecTran and at most one SecureTran2 (failed
/// calls included).
pub fn no_call_ran_twice(sandbox: &Sandbox, order_ids: &[String]) -> Result<(), String> {
    for order_id in order_ids {
        for api in [Api::ExecTran, Api::SecureTran2] {
            let calls = sandbox.calls_of(api, order_id);
            if calls > 1 {
                return Err(format!("order {order_id}: {calls} calls of {api:?}"));
            }
        }
    }
    Ok(())
}

/// Waits, at most `deadline`, until the shop's fulfilment caught up with the orders of `placed`
/// (kept in `store` and `book`, the owner's emails page seen by `owner`): each authorised order
/// has exactly one confirmation and is ready to ship, no other order has either. What is not
/// so, then.
pub async fn fulfilled_once(
    owner: &Client,
    store: &dyn PaymentStore,
    book: &OrderBook,
    placed: &[String],
    deadline: Duration,
) -> Result<(), String> {
    eventually(deadline, || async {
        let (mut paid, mut unpaid) = (Vec::new(), Vec::new());
        for order_id in placed {
            let id = OrderId::new(order_id.as_str()).map_err(|e| e.to_string())?;
            let order = store
                .order(&id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("order {order_id} is lost"))?;
            let authorized = order.state == OrderState::Authorized;
            let ready = book
                .is_ready_to_ship(order_id)
                .await
                .map_err(|e| e.to_string())?;
            if ready != authorized {
                return Err(format!(
                    "order {order_id} in {}: ready to ship {ready}",
                    order.state
                ));
            }
            if authorized {
                paid.push(order_id.clone());
            } else {
                unpaid.push(order_id.clone());
            }
        }
        confirmed_once(&emails_by_order(owner).await, &paid, &unpaid)
    })
    .await
}
