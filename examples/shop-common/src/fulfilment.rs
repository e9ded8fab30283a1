//! The shop's handler of payment events: when a payment is authorised (at the 3-D Secure
//! return, by GMO's notification, or by reconciliation after the shopper left), the buyer gets
//! the confirmation and the order is marked ready to ship, once per event, on whichever instance
//! hands the event over.

use gmo_core::event::{EventKind, PaymentEvent};
use gmo_core::flow::{HandlerError, PaymentEventHandler};
use gmo_core::order::Purpose;

use crate::orders::{Email, OrderBook};

/// Confirms paid orders from their `Authorized` event.
#[derive(Debug, Clone)]
pub struct Fulfilment {
    orders: OrderBook,
}

impl Fulfilment {
    /// Fulfils the orders of `orders`.
    pub fn new(orders: OrderBook) -> Self {
        Self { orders }
    }
}

#[async_trait::async_trait]
impl PaymentEventHandler for Fulfilment {
    async fn handle(&self, event: &PaymentEvent) -> Result<(), HandlerError> {
        if event.kind != EventKind::Authorized || event.purpose != Purpose::Purchase {
            return Ok(());
        }
        let email = Email {
            event_id: event.id.clone(),
            order_id: event.order_id.as_str().to_owned(),
            user_id: event.customer_id.as_str().to_owned(),
            subject: format!(
                "Thank you for your order {} (¥{})",
                event.order_id,
                u64::from(event.amount) + u64::from(event.tax)
            ),
        };
        self.orders
            .confirm_paid(email)
            .await
            .map_err(HandlerError::new)
    }
}
