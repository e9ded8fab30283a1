//! GMO's result notification (結果通知プログラム): the form GMO posts to the merchant after each
//! state change. It is unsigned, so the flows treat it only as a hint and confirm with SearchTrade.

use crate::values::{JobCd, OrderId, Status};
use crate::wire::{DecodeError, parse_form};

/// A result notification as GMO posts it (card fields of `docs/protocol.md` §6). ShopPass and
/// AccessPass arrive masked and are not kept.
///
/// Nothing here is authenticated: the flows act on a notification only when its ShopID, OrderID
/// and AccessID match a stored order, and even then only through SearchTrade.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResultNotification {
    /// `ShopID`: must be ours.
    pub shop_id: String,
    /// `OrderID`; `None` only in GMO's connectivity test.
    pub order_id: Option<OrderId>,
    /// `AccessID` as sent (empty when missing): compared with the stored order's before the
    /// notification is acted on. Not a secret (the AccessPass is), but not logged either.
    #[serde(default)]
    pub access_id: String,
    /// `Status` after the operation.
    pub status: Option<Status>,
    /// `JobCd`: the operation that triggered the notification.
    pub job_cd: Option<JobCd>,
    /// `Amount`.
    pub amount: Option<u32>,
    /// `Tax`.
    pub tax: Option<u32>,
    /// `TranID`.
    pub tran_id: String,
    /// `TranDate` (`yyyyMMddHHmmss`, Japan time).
    pub tran_date: String,
    /// `ErrCode` when the operation failed, `|`-joined.
    pub err_code: String,
    /// `ErrInfo` when the operation failed, `|`-joined.
    pub err_info: String,
}

/// A notification body that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationError {
    /// The body is not a Windows-31J form.
    #[error("the notification body cannot be read: {0}")]
    Decode(#[from] DecodeError),
    /// A field GMO always sends is missing or malformed.
    #[error("the notification field `{0}` is missing or malformed")]
    Field(&'static str),
}

/// `ErrInfo` of the connectivity test GMO sends from its management screen.
const CONNECTIVITY_TEST: &str = "E00000000";

impl ResultNotification {
    /// Parses GMO's Windows-31J form body.
    pub fn parse(body: &[u8]) -> Result<Self, NotificationError> {
        let form = parse_form(body)?;
        let text = |key: &str| form.get(key).unwrap_or_default().to_owned();
        let number = |key: &'static str| -> Result<Option<u32>, NotificationError> {
            form.get_non_empty(key)
                .map(|v| v.parse().map_err(|_| NotificationError::Field(key)))
                .transpose()
        };
        let shop_id = form
            .get_non_empty("ShopID")
            .ok_or(NotificationError::Field("ShopID"))?
            .to_owned();
        let err_info = text("ErrInfo");
        let order_id = match form.get_non_empty("OrderID") {
            Some(id) => Some(OrderId::new(id).map_err(|_| NotificationError::Field("OrderID"))?),
            None if err_info == CONNECTIVITY_TEST => None,
            None => return Err(NotificationError::Field("OrderID")),
        };
        Ok(Self {
            shop_id,
            order_id,
            access_id: text("AccessID"),
            status: form.get_non_empty("Status").map(Status::parse),
            job_cd: form.get_non_empty("JobCd").map(JobCd::parse),
            amount: number("Amount")?,
            tax: number("Tax")?,
            tran_id: text("TranID"),
            tran_date: text("TranDate"),
            err_code: text("ErrCode"),
            err_info,
        })
    }

    /// Whether this is GMO's connectivity test (nothing to do but acknowledge).
    pub fn is_connectivity_test(&self) -> bool {
        self.err_info == CONNECTIVITY_TEST
    }

    /// The idempotency key of this delivery: GMO re-sends the same notification until it is
    /// acknowledged, and every field of the key is the same in each re-send.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}",
            self.order_id
                .as_ref()
                .map(OrderId::as_str)
                .unwrap_or_default(),
            self.status.as_ref().map(Status::as_str).unwrap_or_default(),
            self.job_cd.as_ref().map(JobCd::as_str).unwrap_or_default(),
            self.tran_id,
            self.tran_date,
            self.err_info,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_card_notification() {
        let body = b"ShopID=tshop00000001&ShopPass=**********&AccessID=0123456789abcdef0123456789abcdef&AccessPass=********************************&OrderID=order-1&Status=CAPTURE&JobCd=CAPTURE&Amount=1200&Tax=0&Currency=JPN&Forward=2a99662&Method=1&PayTimes=&TranID=2611271200111111111111000001&Approve=0000001&TranDate=20261127120000&ErrCode=&ErrInfo=&PayType=0";
        let n = ResultNotification::parse(body).unwrap();
        assert_eq!(n.order_id.as_ref().unwrap().as_str(), "order-1");
        assert_eq!(n.status, Some(Status::Capture));
        assert_eq!(n.amount, Some(1200));
        assert_eq!(n.access_id, "0123456789abcdef0123456789abcdef");
        assert!(!n.is_connectivity_test());
        assert_eq!(
            n.key(),
            "order-1|CAPTURE|CAPTURE|2611271200111111111111000001|20261127120000|"
        );
    }

    #[test]
    fn accepts_the_connectivity_test_and_refuses_garbage() {
        let n = ResultNotification::parse(b"ShopID=tshop1&ErrCode=E00&ErrInfo=E00000000").unwrap();
        assert!(n.is_connectivity_test());
        assert_eq!(
            ResultNotification::parse(b"OrderID=x"),
            Err(NotificationError::Field("ShopID"))
        );
        assert_eq!(
            ResultNotification::parse(b"ShopID=s&OrderID=bad id"),
            Err(NotificationError::Field("OrderID"))
        );
        assert_eq!(
            ResultNotification::parse(b"ShopID=s&OrderID=o&Amount=12x"),
            Err(NotificationError::Field("Amount"))
        );
    }
}
