//! Read-only views of the sandbox's state for tests. Card numbers appear masked only.

use gmo_core::AccessPass;
use gmo_core::values::{JobCd, Status};

use crate::cards::{mask_last3, mask_last4};
use crate::state::{Member, ThreeDsStage, Transaction};

/// A transaction as the sandbox holds it.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct TransactionSnapshot {
    /// The shop.
    pub shop_id: String,
    /// The order.
    pub order_id: String,
    /// The status.
    pub status: Status,
    /// The last requested job.
    pub job_cd: JobCd,
    /// The job given to EntryTran.
    pub entry_job_cd: JobCd,
    /// The amount.
    pub amount: u32,
    /// Tax and shipping.
    pub tax: u32,
    /// `ItemCode`.
    pub item_code: String,
    /// `AccessID`.
    pub access_id: String,
    /// `AccessPass`.
    pub access_pass: AccessPass,
    /// `TranID` of the last operation (empty before authorisation).
    pub tran_id: String,
    /// `Approve` of the last operation.
    pub approve: String,
    /// `Forward`.
    pub forward: String,
    /// `TranDate` of the last operation.
    pub tran_date: String,
    /// `ProcessDate`.
    pub process_date: String,
    /// `Method` (empty before authorisation and for CHECK).
    pub method: String,
    /// `PayTimes`.
    pub pay_times: String,
    /// The card of the last ExecTran, masked as SearchTrade masks it (`************1111`).
    pub card_no_masked: Option<String>,
    /// The card's expiry, `YYMM`.
    pub expire: Option<String>,
    /// `ClientField1..3`.
    pub client_fields: [String; 3],
    /// The 3-D Secure 2.0 risk data of the last ExecTran (`Tds2*` fields but
    /// `Tds2ChallengeIndType`), by GMO field name, as sent.
    pub tds2_fields: std::collections::BTreeMap<String, String>,
    /// Whether EntryTran asked for 3-D Secure (`TdFlag=2`).
    pub three_ds_requested: bool,
    /// The 3-D Secure session, if ExecTran opened one.
    pub three_ds: Option<ThreeDsSnapshot>,
}

/// A 3-D Secure 2.0 session.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ThreeDsSnapshot {
    /// The 3DS server's transaction id (the `transId` of the RedirectUrl).
    pub trans_id: String,
    /// `CallbackType` (1 POST, 2 direct, 3 GET).
    pub callback_type: u8,
    /// Where the session stands.
    pub state: ThreeDsState,
}

/// Where a 3-D Secure 2.0 session stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ThreeDsState {
    /// ExecTran answered `ACS=2`; the browser has not reached the ACS.
    Redirected,
    /// CallbackType 2: the 3DS Method step is done, waiting for Tds2Auth.
    MethodFinished,
    /// A challenge is waiting for the OTP.
    Challenge,
    /// Finished with `Tds2TransResult` (`Y`, `N`, `R`…) and its reason.
    Finished {
        /// `Tds2TransResult`.
        result: char,
        /// `Tds2TransResultReason` (empty when none).
        reason: String,
    },
}

impl TransactionSnapshot {
    pub(crate) fn of(tx: &Transaction) -> Self {
        Self {
            shop_id: tx.shop_id.clone(),
            order_id: tx.order_id.clone(),
            status: tx.status.clone(),
            job_cd: tx.job_cd.clone(),
            entry_job_cd: tx.entry_job.clone(),
            amount: tx.amount,
            tax: tx.tax,
            item_code: tx.item_code.clone(),
            access_id: tx.access_id.clone(),
            access_pass: AccessPass::new(tx.access_pass.clone()),
            tran_id: tx.tran_id.clone(),
            approve: tx.approve.clone(),
            forward: tx.forward.clone(),
            tran_date: tx.tran_date.clone(),
            process_date: tx.process_date.clone(),
            method: tx.exec.method.clone(),
            pay_times: tx.exec.pay_times.clone(),
            card_no_masked: tx.card.as_ref().map(|c| mask_last4(&c.number)),
            expire: tx.card.as_ref().map(|c| c.expire.clone()),
            client_fields: tx.exec.client_fields.clone(),
            tds2_fields: tx.exec.tds2_fields.clone(),
            three_ds_requested: tx.three_ds_requested,
            three_ds: tx.three_ds.as_ref().map(|s| ThreeDsSnapshot {
                trans_id: s.trans_id.clone(),
                callback_type: s.callback_type,
                state: match s.stage {
                    ThreeDsStage::Redirected => ThreeDsState::Redirected,
                    ThreeDsStage::MethodFinished => ThreeDsState::MethodFinished,
                    ThreeDsStage::Challenge => ThreeDsState::Challenge,
                    ThreeDsStage::Done(result, reason) => ThreeDsState::Finished {
                        result,
                        reason: reason.to_owned(),
                    },
                },
            }),
        }
    }
}

/// A member and its cards.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct MemberSnapshot {
    /// The site.
    pub site_id: String,
    /// `MemberID`.
    pub member_id: String,
    /// `MemberName`.
    pub name: String,
    /// Every card ever stored, deleted ones included, in physical order.
    pub cards: Vec<StoredCardSnapshot>,
}

/// A stored card.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct StoredCardSnapshot {
    /// The permanent `CardSeq` (physical mode).
    pub physical_seq: u32,
    /// The card number masked as SearchCard masks it (`*************111`).
    pub card_no_masked: String,
    /// `YYMM`.
    pub expire: String,
    /// `HolderName`.
    pub holder_name: String,
    /// `CardName`.
    pub card_name: String,
    /// `DefaultFlag=1`.
    pub default: bool,
    /// Logically deleted.
    pub deleted: bool,
}

impl MemberSnapshot {
    pub(crate) fn of(site_id: &str, member: &Member) -> Self {
        Self {
            site_id: site_id.to_owned(),
            member_id: member.id.clone(),
            name: member.name.clone(),
            cards: member
                .cards
                .iter()
                .map(|c| StoredCardSnapshot {
                    physical_seq: c.physical_seq,
                    card_no_masked: mask_last3(&c.number),
                    expire: c.expire.clone(),
                    holder_name: c.holder_name.clone(),
                    card_name: c.card_name.clone(),
                    default: c.default,
                    deleted: c.deleted,
                })
                .collect(),
        }
    }
}
