//! The compare-and-set of an order, around a backend's conditional `UPDATE`.

use std::future::Future;

use gmo_core::order::{Order, OrderState};
use gmo_core::store::{PaymentStore, StoreError, Updated};

/// How many times an update is tried when the order is seen back in the expected state.
const ATTEMPTS: usize = 8;

/// Runs `try_update` (an `UPDATE … WHERE order_id = … AND state = expected` that answers
/// whether it changed a row) and, when it changed nothing, reads the order to say why.
///
/// The read comes after the update, so the order may have moved on and come back to `expected`
/// in between (`Executing → Entered`, for one). Answering `Conflict` with an order in the
/// expected state would be a lie, so the update is tried again: at that moment the state was
/// the expected one, as a real compare-and-set would have seen it.
pub(crate) async fn compare_and_set<S, F, Fut>(
    store: &S,
    order: &Order,
    expected: OrderState,
    mut try_update: F,
) -> Result<Updated, StoreError>
where
    S: PaymentStore + ?Sized,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, StoreError>>,
{
    for _ in 0..ATTEMPTS {
        if try_update().await? {
            return Ok(Updated::Done);
        }
        match store.order(&order.order_id).await? {
            None => return Ok(Updated::NotFound),
            Some(current) if current.state != expected => {
                return Ok(Updated::Conflict(Box::new(current)));
            }
            Some(_) => {}
        }
    }
    Err(StoreError::new(
        "the order kept returning to the expected state without the update applying",
    ))
}
