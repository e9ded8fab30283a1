//! State changes of transactions: the one record every change leaves, for inspection and for
//! whatever reacts to changes (result notifications).

use gmo_core::values::{JobCd, Status};

/// One change of a transaction's state, as GMO's result notification would report it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StateChange {
    /// The shop of the transaction.
    pub shop_id: String,
    /// The order.
    pub order_id: String,
    /// The transaction id.
    pub access_id: String,
    /// The API call that made the change, e.g. `ExecTran`.
    pub api: &'static str,
    /// The job that triggered it (`AUTH`, `SALES`, `VOID`…).
    pub job_cd: JobCd,
    /// The status before.
    pub from: Status,
    /// The status after.
    pub to: Status,
    /// Amount after the change.
    pub amount: u32,
    /// Tax after the change.
    pub tax: u32,
    /// `Forward` after the change.
    pub forward: String,
    /// `Method` after the change (empty for CHECK).
    pub method: String,
    /// `PayTimes` after the change.
    pub pay_times: String,
    /// `TranID` after the change.
    pub tran_id: String,
    /// `Approve` after the change.
    pub approve: String,
    /// `TranDate` of the change, `yyyyMMddHHmmss` JST.
    pub tran_date: String,
    /// The error the caller was told although the change happened (the `C01` test card), as
    /// `(ErrCode, ErrInfo)`.
    pub reported_error: Option<(String, String)>,
}
