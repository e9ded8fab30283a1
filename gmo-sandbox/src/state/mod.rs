//! Everything the sandbox remembers, behind one lock: shops, sites, transactions, members, tokens
//! and counters. [`Ledger::change_state`] is the one place where a transaction's status changes.

mod member;
mod transaction;

use std::collections::{HashMap, VecDeque};

use gmo_core::values::{JobCd, Status};

pub(crate) use member::{Member, SeqMode, StoredCard};
pub(crate) use transaction::{CardOnFile, ExecParams, ThreeDs, ThreeDsStage, Transaction};

use crate::config::{Settings, ShopConfig, SiteConfig};
use crate::events::StateChange;
use crate::ids::IdGenerator;
use crate::tokens::TokenStore;

/// The sandbox's memory.
#[derive(Debug)]
pub(crate) struct Ledger {
    pub(crate) shops: HashMap<String, ShopConfig>,
    pub(crate) sites: HashMap<String, SiteConfig>,
    /// By AccessID.
    pub(crate) transactions: HashMap<String, Transaction>,
    /// ShopID → OrderID → AccessID (nested, so that a lookup needs no owned key).
    pub(crate) orders: HashMap<String, HashMap<String, String>>,
    /// 3-D Secure `transId` → AccessID.
    pub(crate) three_ds_sessions: HashMap<String, String>,
    /// `(SiteID, MemberID)` → member.
    pub(crate) members: HashMap<(String, String), Member>,
    pub(crate) tokens: TokenStore,
    pub(crate) ids: IdGenerator,
    pub(crate) calls_by_api: HashMap<String, u64>,
    pub(crate) calls_by_order: HashMap<String, u64>,
    /// OrderID → API name → calls.
    pub(crate) calls_by_order_and_api: HashMap<String, HashMap<String, u64>>,
    /// The most recent state changes, at most `history_limit`.
    pub(crate) history: VecDeque<StateChange>,
    pub(crate) history_limit: usize,
    /// State changes of the call being handled, handed to listeners once the lock is released.
    pub(crate) pending_changes: Vec<StateChange>,
}

impl Ledger {
    pub(crate) fn new(settings: &Settings) -> Self {
        Self {
            shops: settings
                .shops
                .iter()
                .map(|s| (s.id.clone(), s.clone()))
                .collect(),
            sites: settings
                .sites
                .iter()
                .map(|s| (s.id.clone(), s.clone()))
                .collect(),
            transactions: HashMap::new(),
            orders: HashMap::new(),
            three_ds_sessions: HashMap::new(),
            members: HashMap::new(),
            tokens: TokenStore::default(),
            ids: IdGenerator::new(settings.approve_padding, settings.variant_seed),
            calls_by_api: HashMap::new(),
            calls_by_order: HashMap::new(),
            calls_by_order_and_api: HashMap::new(),
            history: VecDeque::new(),
            history_limit: settings.history_limit,
            pending_changes: Vec::new(),
        }
    }

    /// The transaction of an order of a shop.
    pub(crate) fn order(&self, shop_id: &str, order_id: &str) -> Option<&Transaction> {
        let access_id = self.orders.get(shop_id)?.get(order_id)?;
        self.transactions.get(access_id)
    }

    /// The transaction with this AccessID and AccessPass.
    pub(crate) fn by_access(&self, access_id: &str, access_pass: &str) -> Option<&Transaction> {
        self.transactions
            .get(access_id)
            .filter(|tx| tx.access_pass == access_pass)
    }

    /// Changes a transaction's state, records the change and queues it for the listeners. Every
    /// status change goes through here.
    pub(crate) fn change_state(
        &mut self,
        access_id: &str,
        api: &'static str,
        reported_error: Option<(String, String)>,
        apply: impl FnOnce(&mut Transaction),
    ) {
        let Some(tx) = self.transactions.get_mut(access_id) else {
            return;
        };
        let from = tx.status.clone();
        apply(tx);
        let change = StateChange {
            shop_id: tx.shop_id.clone(),
            order_id: tx.order_id.clone(),
            access_id: tx.access_id.clone(),
            api,
            job_cd: tx.job_cd.clone(),
            from,
            to: tx.status.clone(),
            amount: tx.amount,
            tax: tx.tax,
            forward: tx.forward.clone(),
            method: tx.exec.method.clone(),
            pay_times: tx.exec.pay_times.clone(),
            tran_id: tx.tran_id.clone(),
            approve: tx.approve.clone(),
            tran_date: tx.tran_date.clone(),
            reported_error,
        };
        tracing::debug!(
            order_id = %change.order_id,
            api,
            from = %change.from,
            to = %change.to,
            "sandbox state change"
        );
        if self.history_limit > 0 {
            if self.history.len() >= self.history_limit {
                self.history.pop_front();
            }
            self.history.push_back(change.clone());
        }
        self.pending_changes.push(change);
    }

    /// Counts a received call, and the order it names.
    pub(crate) fn count_call(&mut self, api: &str, order_id: Option<String>) {
        match self.calls_by_api.get_mut(api) {
            Some(n) => *n += 1,
            None => {
                self.calls_by_api.insert(api.to_owned(), 1);
            }
        }
        if let Some(order_id) = order_id {
            *self
                .calls_by_order_and_api
                .entry(order_id.clone())
                .or_default()
                .entry(api.to_owned())
                .or_default() += 1;
            *self.calls_by_order.entry(order_id).or_default() += 1;
        }
    }

    /// Registers a new transaction (EntryTran).
    pub(crate) fn insert_transaction(&mut self, tx: Transaction) {
        self.orders
            .entry(tx.shop_id.clone())
            .or_default()
            .insert(tx.order_id.clone(), tx.access_id.clone());
        self.transactions.insert(tx.access_id.clone(), tx);
    }
}

/// The status a successful authorisation gives: the job of EntryTran.
pub(crate) fn status_for_job(job: &JobCd) -> Status {
    match job {
        JobCd::Check => Status::Check,
        JobCd::Capture => Status::Capture,
        JobCd::Sauth => Status::Sauth,
        JobCd::Sales => Status::Sales,
        JobCd::Void => Status::Void,
        JobCd::Return => Status::Return,
        JobCd::ReturnX => Status::ReturnX,
        _ => Status::Auth,
    }
}
