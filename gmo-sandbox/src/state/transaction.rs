//! A card transaction as GMO keeps it.

use gmo_core::values::{JobCd, Status};

use crate::cards::ThreeDsBehaviour;

/// The card a transaction was (or is being) paid with.
#[derive(Debug, Clone)]
pub(crate) struct CardOnFile {
    pub(crate) number: String,
    /// `YYMM`.
    pub(crate) expire: String,
    /// Set when a stored member card was used.
    pub(crate) site_id: String,
    pub(crate) member_id: String,
}

/// What ExecTran was called with, kept for the answer of SecureTran2.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExecParams {
    /// As sent (`1`…`5`), empty for CHECK.
    pub(crate) method: String,
    /// Empty unless the method takes a number of payments.
    pub(crate) pay_times: String,
    pub(crate) client_fields: [String; 3],
    pub(crate) client_field_flag: bool,
    /// The 3-D Secure 2.0 risk data (`Tds2*` fields) as sent, by name.
    pub(crate) tds2_fields: std::collections::BTreeMap<String, String>,
}

/// Where a 3-D Secure 2.0 authentication stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ThreeDsStage {
    /// ExecTran answered `ACS=2`; the browser has not reached the ACS yet.
    Redirected,
    /// CallbackType 2: the 3DS Method step is done and `param` was posted to RetUrl; waiting for
    /// Tds2Auth.
    MethodFinished,
    /// The issuer wants a challenge; the OTP page is (or will be) shown.
    Challenge,
    /// Finished: `Tds2TransResult` and its reason.
    Done(char, &'static str),
}

/// A 3-D Secure 2.0 session of a transaction.
#[derive(Debug, Clone)]
pub(crate) struct ThreeDs {
    pub(crate) trans_id: String,
    pub(crate) t: String,
    pub(crate) callback_type: u8,
    pub(crate) ret_url: String,
    pub(crate) behaviour: ThreeDsBehaviour,
    pub(crate) stage: ThreeDsStage,
    /// The opaque `param` of CallbackType 2, to be given back in `Tds2Param`.
    pub(crate) param: String,
    pub(crate) requestor_trans_id: String,
}

impl ThreeDs {
    /// Whether the authentication finished successfully (`Y` or `A`).
    pub(crate) fn succeeded(&self) -> bool {
        matches!(self.stage, ThreeDsStage::Done('Y' | 'A', _))
    }
}

/// A card transaction.
#[derive(Debug, Clone)]
pub(crate) struct Transaction {
    pub(crate) shop_id: String,
    pub(crate) order_id: String,
    pub(crate) access_id: String,
    pub(crate) access_pass: String,
    /// The job of EntryTran: what ExecTran/SecureTran2 authorise.
    pub(crate) entry_job: JobCd,
    /// The last requested job (SearchTrade's `JobCd`).
    pub(crate) job_cd: JobCd,
    pub(crate) status: Status,
    pub(crate) amount: u32,
    pub(crate) tax: u32,
    pub(crate) item_code: String,
    /// `TdFlag=2`.
    pub(crate) three_ds_requested: bool,
    pub(crate) tds2_type: Option<u8>,
    pub(crate) td_required: Option<u8>,
    pub(crate) process_date: String,
    /// The card of the last ExecTran (shown in SearchTrade once authorised).
    pub(crate) card: Option<CardOnFile>,
    pub(crate) exec: ExecParams,
    pub(crate) forward: String,
    pub(crate) tran_id: String,
    pub(crate) approve: String,
    pub(crate) tran_date: String,
    pub(crate) three_ds: Option<ThreeDs>,
    /// An authorisation is under way (the slow card): other money-moving calls get `E90010001`.
    pub(crate) in_flight: bool,
}

impl Transaction {
    /// Whether the transaction has been authorised at some point (it has a card, a TranID…).
    pub(crate) fn is_settled(&self) -> bool {
        !matches!(self.status, Status::Unprocessed | Status::Authenticated)
    }
}
