//! The shop's side of an order: what was bought. The payment side (amount, state) is the
//! payments store's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use gmo_core::types::OrderId;

use crate::catalogue::Line;

/// One order's goods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopOrder {
    /// The payment order.
    pub order_id: OrderId,
    /// The buyer's user id.
    pub user_id: &'static str,
    /// What was bought.
    pub line: Line,
}

/// Every order's goods, in memory, newest last. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct OrderBook {
    orders: Arc<Mutex<Vec<ShopOrder>>>,
    index: Arc<Mutex<HashMap<String, usize>>>,
}

impl OrderBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an order.
    pub fn insert(&self, order: ShopOrder) {
        let mut orders = self.orders.lock().unwrap_or_else(PoisonError::into_inner);
        self.index
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(order.order_id.as_str().to_owned(), orders.len());
        orders.push(order);
    }

    /// An order's goods.
    pub fn get(&self, order_id: &str) -> Option<ShopOrder> {
        let at = *self
            .index
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(order_id)?;
        self.orders
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(at)
            .cloned()
    }

    /// A user's orders, newest first.
    pub fn of_user(&self, user_id: &str) -> Vec<ShopOrder> {
        self.all()
            .into_iter()
            .filter(|o| o.user_id == user_id)
            .collect()
    }

    /// Every order, newest first.
    pub fn all(&self) -> Vec<ShopOrder> {
        let orders = self.orders.lock().unwrap_or_else(PoisonError::into_inner);
        orders.iter().rev().cloned().collect()
    }
}
