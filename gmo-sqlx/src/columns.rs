//! The mapping between gmo-core's records and table rows, and the SQL both backends share.
//!
//! Both backends bind the same values in the same order and read the same columns; only the
//! timestamp representation differs ([`StoredTime`]).

use gmo_core::customer::CustomerId;
use gmo_core::error::ErrorKind;
#[cfg(feature = "sqlite")]
use gmo_core::event::PaymentEvent;
use gmo_core::event::StoredEvent;
use gmo_core::order::{Failure, Order, OrderState, Purpose};
use gmo_core::secret::AccessPass;
use gmo_core::store::{InboxEntry, Member, StoreError};
use gmo_core::values::{AccessId, JobCd, MemberId, Method, OrderId, Status};
use serde::Deserialize;
use serde::de::IntoDeserializer;
use sqlx::query::Query;
use sqlx::{Database, Encode, Type};
use time::OffsetDateTime;

/// A stored value that this version cannot read back: a row written by hand, or by a newer
/// version that knows more states or error kinds. The value itself is not shown (it may be the
/// AccessPass).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the stored column `{table}.{column}` holds a value this version cannot read")]
pub struct UnreadableColumn {
    /// The table, e.g. `gmo_orders`.
    pub table: &'static str,
    /// The column, e.g. `state`.
    pub column: &'static str,
}

fn unreadable(table: &'static str, column: &'static str) -> StoreError {
    StoreError::new(UnreadableColumn { table, column })
}

/// How a backend stores a timestamp: PostgreSQL as `timestamptz`, SQLite as unix microseconds.
pub(crate) trait StoredTime: Sized {
    fn from_time(time: OffsetDateTime) -> Result<Self, StoreError>;
    fn into_time(
        self,
        table: &'static str,
        column: &'static str,
    ) -> Result<OffsetDateTime, StoreError>;
}

#[cfg(feature = "postgres")]
impl StoredTime for OffsetDateTime {
    fn from_time(time: OffsetDateTime) -> Result<Self, StoreError> {
        Ok(time)
    }

    fn into_time(self, _: &'static str, _: &'static str) -> Result<OffsetDateTime, StoreError> {
        Ok(self)
    }
}

/// Unix microseconds, UTC.
#[cfg(feature = "sqlite")]
impl StoredTime for i64 {
    fn from_time(time: OffsetDateTime) -> Result<Self, StoreError> {
        // Floor, so that ordering by the stored number is ordering by time.
        i64::try_from(time.unix_timestamp_nanos().div_euclid(1000))
            .map_err(|_| StoreError::new("timestamp out of range"))
    }

    fn into_time(
        self,
        table: &'static str,
        column: &'static str,
    ) -> Result<OffsetDateTime, StoreError> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self) * 1000)
            .map_err(|_| unreadable(table, column))
    }
}

/// The columns of `gmo_orders` that make an [`Order`], in binding order (`$1`…`$27`).
macro_rules! order_columns {
    () => {
        "order_id, customer_id, purpose, job, amount, tax, state, access_id, access_pass, \
         card_seq, gmo_status, tran_id, approve, forward, redirect_url, pending_amount, \
         failure_kind, failure_err_code, failure_err_info, created_at, updated_at, version, \
         gmo_unconfirmed_at, card_attempt, method, pay_times, risk_data"
    };
}

/// Placeholders for [`order_columns!`], `settled` (`$28`) and `settle_first` (`$29`).
macro_rules! order_values {
    () => {
        "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
         $20, $21, $22, $23, $24, $25, $26, $27, $28, $29"
    };
}

pub(crate) const SELECT_ORDER: &str = concat!(
    "SELECT ",
    order_columns!(),
    " FROM gmo_orders WHERE order_id = $1"
);
pub(crate) const SELECT_ORDER_BY_ACCESS_ID: &str = concat!(
    "SELECT ",
    order_columns!(),
    " FROM gmo_orders WHERE access_id = $1"
);
/// Binds [`bind_order`], then nothing.
pub(crate) const INSERT_ORDER: &str = concat!(
    "INSERT INTO gmo_orders (",
    order_columns!(),
    ", settled, settle_first) VALUES (",
    order_values!(),
    ") ON CONFLICT (order_id) DO NOTHING"
);
/// Binds [`bind_order`], then the version read (`$30`): the compare-and-set. The lease columns
/// are left alone.
macro_rules! update_order {
    () => {
        concat!(
            "UPDATE gmo_orders SET (",
            $crate::columns::order_columns!(),
            ", settled, settle_first) = (",
            $crate::columns::order_values!(),
            ") WHERE order_id = $1 AND version = $30"
        )
    };
}
pub(crate) use order_values;
#[cfg(feature = "postgres")]
pub(crate) use update_order;
/// See [`update_order!`].
pub(crate) const UPDATE_ORDER: &str = update_order!();
/// The orders a lease may take, for the backend's `UPDATE … WHERE order_id IN (…)`: binds the
/// cut-off (`$3`), the lease's start (`$4`) and the limit (`$5`). `NOT settled` and the order
/// match the partial index.
macro_rules! orders_to_lease {
    () => {
        "SELECT order_id FROM gmo_orders WHERE NOT settled AND updated_at < $3 \
         AND (leased_until IS NULL OR leased_until <= $4) \
         ORDER BY settle_first DESC, updated_at, order_id LIMIT $5"
    };
}
pub(crate) use orders_to_lease;
/// Takes a lease on the orders of `$select` (binds the owner `$1` and the end `$2`, then what
/// [`orders_to_lease!`] binds) and answers them.
macro_rules! lease_orders {
    ($select:expr) => {
        concat!(
            "UPDATE gmo_orders SET lease_owner = $1, leased_until = $2 WHERE order_id IN (",
            $select,
            ") RETURNING ",
            $crate::columns::order_columns!()
        )
    };
}
pub(crate) use lease_orders;
pub(crate) use order_columns;
/// Binds the owner.
pub(crate) const RELEASE_LEASES: &str =
    "UPDATE gmo_orders SET lease_owner = NULL, leased_until = NULL WHERE lease_owner = $1";

pub(crate) const SELECT_MEMBER: &str =
    "SELECT customer_id, member_id, created_at FROM gmo_members WHERE customer_id = $1";
pub(crate) const INSERT_MEMBER: &str = "INSERT INTO gmo_members (customer_id, member_id, created_at) \
     VALUES ($1, $2, $3) ON CONFLICT (customer_id) DO NOTHING";

pub(crate) const DELETE_MEMBER: &str = "DELETE FROM gmo_members WHERE customer_id = $1";
/// Binds the customer. The states are `OrderState::is_claim`'s (a test holds them equal).
pub(crate) const SELECT_HAS_CLAIMS: &str = "SELECT order_id FROM gmo_orders WHERE customer_id = $1 \
     AND state IN ('entering', 'executing', 'finalizing', 'registering', 'capturing', 'voiding', \
     'refunding', 'changing_amount', 'reversing') LIMIT 1";

pub(crate) const MARK_NOTIFICATION_PROCESSED: &str =
    "UPDATE gmo_notifications SET processed_at = $2 WHERE key = $1";

/// A `gmo_orders` row as read.
#[derive(sqlx::FromRow)]
pub(crate) struct OrderRow<T> {
    order_id: String,
    customer_id: String,
    purpose: String,
    job: String,
    amount: i64,
    tax: i64,
    state: String,
    access_id: Option<String>,
    access_pass: Option<String>,
    card_seq: Option<i64>,
    gmo_status: Option<String>,
    tran_id: Option<String>,
    approve: Option<String>,
    forward: Option<String>,
    redirect_url: Option<String>,
    pending_amount: Option<i64>,
    failure_kind: Option<String>,
    failure_err_code: Option<String>,
    failure_err_info: Option<String>,
    created_at: T,
    updated_at: T,
    version: i64,
    gmo_unconfirmed_at: Option<T>,
    card_attempt: Option<String>,
    method: Option<String>,
    pay_times: Option<i64>,
    risk_data: Option<String>,
}

const ORDERS: &str = "gmo_orders";

fn purpose_name(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Purchase => "purchase",
        Purpose::CardRegistration => "card_registration",
    }
}

fn parse_purpose(name: &str) -> Option<Purpose> {
    [Purpose::Purchase, Purpose::CardRegistration]
        .into_iter()
        .find(|&p| purpose_name(p) == name)
}

/// The inverse of [`ErrorKind::as_str`], which is also its serde name.
fn parse_error_kind(name: &str) -> Option<ErrorKind> {
    let name: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        name.into_deserializer();
    ErrorKind::deserialize(name).ok()
}

/// A column of a validated number type: an out-of-range or invalid value is unreadable.
fn number_column<N, V>(value: i64, column: &'static str) -> Result<V, StoreError>
where
    N: TryFrom<i64>,
    V: TryFrom<N>,
{
    N::try_from(value)
        .ok()
        .and_then(|n| V::try_from(n).ok())
        .ok_or_else(|| unreadable(ORDERS, column))
}

impl<T: StoredTime> OrderRow<T> {
    pub(crate) fn into_order(self) -> Result<Order, StoreError> {
        let failure = match (
            self.failure_kind,
            self.failure_err_code,
            self.failure_err_info,
        ) {
            (None, None, None) => None,
            (Some(kind), Some(err_code), Some(err_info)) => Some(Failure {
                kind: parse_error_kind(&kind).ok_or_else(|| unreadable(ORDERS, "failure_kind"))?,
                err_code,
                err_info,
            }),
            _ => return Err(unreadable(ORDERS, "failure_kind")),
        };
        Ok(Order {
            order_id: OrderId::new(self.order_id).map_err(|_| unreadable(ORDERS, "order_id"))?,
            customer_id: CustomerId::new(self.customer_id)
                .map_err(|_| unreadable(ORDERS, "customer_id"))?,
            purpose: parse_purpose(&self.purpose).ok_or_else(|| unreadable(ORDERS, "purpose"))?,
            job: JobCd::parse(&self.job),
            amount: number_column::<u32, _>(self.amount, "amount")?,
            tax: number_column::<u32, _>(self.tax, "tax")?,
            state: OrderState::parse(&self.state).ok_or_else(|| unreadable(ORDERS, "state"))?,
            access_id: self
                .access_id
                .map(|id| AccessId::new(id).map_err(|_| unreadable(ORDERS, "access_id")))
                .transpose()?,
            access_pass: self.access_pass.map(AccessPass::new),
            card_seq: self
                .card_seq
                .map(|n| number_column::<u16, _>(n, "card_seq"))
                .transpose()?,
            gmo_status: self.gmo_status.as_deref().map(Status::parse),
            tran_id: self.tran_id,
            approve: self.approve,
            forward: self.forward,
            redirect_url: self.redirect_url,
            pending_amount: self
                .pending_amount
                .map(|n| number_column::<u32, _>(n, "pending_amount"))
                .transpose()?,
            failure,
            created_at: self.created_at.into_time(ORDERS, "created_at")?,
            updated_at: self.updated_at.into_time(ORDERS, "updated_at")?,
            version: u64::try_from(self.version).map_err(|_| unreadable(ORDERS, "version"))?,
            gmo_unconfirmed_at: self
                .gmo_unconfirmed_at
                .map(|t| t.into_time(ORDERS, "gmo_unconfirmed_at"))
                .transpose()?,
            card_attempt: self
                .card_attempt
                .map(|json| {
                    serde_json::from_str(&json).map_err(|_| unreadable(ORDERS, "card_attempt"))
                })
                .transpose()?,
            method: self
                .method
                .map(|code| {
                    let pay_times = self.pay_times.map(|n| n.to_string()).unwrap_or_default();
                    Method::parse(&code, &pay_times).ok_or_else(|| unreadable(ORDERS, "method"))
                })
                .transpose()?,
            risk_data: self
                .risk_data
                .map(|json| {
                    serde_json::from_str(&json).map_err(|_| unreadable(ORDERS, "risk_data"))
                })
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

/// Binds an order's columns as `$1`…`$27` in [`order_columns!`] order, `settled` as `$28` and
/// `settle_first` as `$29`.
pub(crate) fn bind_order<'q, DB, T>(
    query: Query<'q, DB, <DB as Database>::Arguments<'q>>,
    order: &Order,
) -> Result<Query<'q, DB, <DB as Database>::Arguments<'q>>, StoreError>
where
    DB: Database,
    T: StoredTime + Encode<'q, DB> + Type<DB> + 'q,
    Option<T>: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
{
    let text = |s: Option<&str>| s.map(str::to_owned);
    let failure = order.failure.as_ref();
    Ok(query
        .bind(order.order_id.as_str().to_owned())
        .bind(order.customer_id.as_str().to_owned())
        .bind(purpose_name(order.purpose).to_owned())
        .bind(order.job.as_str().to_owned())
        .bind(i64::from(order.amount.yen()))
        .bind(i64::from(order.tax.yen()))
        .bind(order.state.as_str().to_owned())
        .bind(text(order.access_id.as_ref().map(AccessId::as_str)))
        .bind(text(
            order.access_pass.as_ref().map(AccessPass::expose_secret),
        ))
        .bind(order.card_seq.map(|seq| i64::from(seq.get())))
        .bind(text(order.gmo_status.as_ref().map(Status::as_str)))
        .bind(order.tran_id.clone())
        .bind(order.approve.clone())
        .bind(order.forward.clone())
        .bind(order.redirect_url.clone())
        .bind(order.pending_amount.map(|yen| i64::from(yen.yen())))
        .bind(text(failure.map(|f| f.kind.as_str())))
        .bind(text(failure.map(|f| f.err_code.as_str())))
        .bind(text(failure.map(|f| f.err_info.as_str())))
        .bind(T::from_time(order.created_at)?)
        .bind(T::from_time(order.updated_at)?)
        .bind(version_column(order.version)?)
        .bind(order.gmo_unconfirmed_at.map(T::from_time).transpose()?)
        .bind(
            order
                .card_attempt
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(StoreError::new)?,
        )
        .bind(text(order.method.map(Method::code)))
        .bind(order.method.and_then(Method::pay_times).map(i64::from))
        .bind(if order.risk_data.is_empty() {
            None
        } else {
            Some(serde_json::to_string(&order.risk_data).map_err(StoreError::new)?)
        })
        .bind(!order.state.needs_settling())
        .bind(order.state.settles_first()))
}

/// A version as the `BIGINT` column holds it.
pub(crate) fn version_column(version: u64) -> Result<i64, StoreError> {
    i64::try_from(version).map_err(|_| StoreError::new("the order's version is out of range"))
}

/// The event columns read back: `seq`, the event's JSON as text, `attempts`, `delivered_at`.
macro_rules! event_columns {
    ($json:literal) => {
        concat!("seq, ", $json, " AS event, attempts, delivered_at")
    };
}
pub(crate) use event_columns;

/// Inserts a new event, due at once, binding [`bind_event`]; `$json` is the backend's
/// placeholder for the JSON text (SQLite's `$3`; PostgreSQL inserts its events in its
/// compare-and-set's statement).
#[cfg(feature = "sqlite")]
macro_rules! insert_event {
    ($json:literal) => {
        concat!(
            "INSERT INTO gmo_events (id, order_id, event, created_at, due_at, attempts) \
             VALUES ($1, $2, ",
            $json,
            ", $4, $4, 0)"
        )
    };
}
#[cfg(feature = "sqlite")]
pub(crate) use insert_event;
/// Marks a batch of events delivered: binds the backend's list of seqs (`$1`, matched by
/// `$seqs`, the backend's test of `seq` against it) and the time.
macro_rules! mark_events_delivered {
    ($seqs:literal) => {
        concat!(
            "UPDATE gmo_events SET delivered_at = $2, lease_owner = NULL, leased_until = NULL \
             WHERE ",
            $seqs,
            " AND delivered_at IS NULL"
        )
    };
}
pub(crate) use mark_events_delivered;
/// Binds the seq and when it is due again.
pub(crate) const MARK_EVENT_FAILED: &str = "UPDATE gmo_events SET attempts = attempts + 1, \
     due_at = $2, lease_owner = NULL, leased_until = NULL WHERE seq = $1 AND delivered_at IS NULL";
/// The events a lease may take, for the backend's `UPDATE … WHERE seq IN (…)`: binds the
/// lease's start (`$3`) and the limit (`$4`). An event waits for its order's earlier ones.
macro_rules! events_to_lease {
    () => {
        "SELECT e.seq FROM gmo_events e WHERE e.delivered_at IS NULL AND e.due_at <= $3 \
         AND (e.leased_until IS NULL OR e.leased_until <= $3) \
         AND NOT EXISTS (SELECT 1 FROM gmo_events p WHERE p.order_id = e.order_id \
         AND p.seq < e.seq AND p.delivered_at IS NULL) ORDER BY e.seq LIMIT $4"
    };
}
pub(crate) use events_to_lease;

/// A `gmo_events` row's columns as written: id, order id, the event as JSON, when (also when
/// it is due).
pub(crate) struct EventColumns {
    pub(crate) id: String,
    pub(crate) order_id: String,
    pub(crate) json: String,
    pub(crate) at: time::OffsetDateTime,
}

impl EventColumns {
    pub(crate) fn of(event: &PaymentEvent) -> Result<Self, StoreError> {
        Ok(Self {
            id: event.id.clone(),
            order_id: event.order_id.as_str().to_owned(),
            json: serde_json::to_string(event).map_err(StoreError::new)?,
            at: event.at,
        })
    }
}

/// Binds an event as `$1` id, `$2` order id, `$3` JSON, `$4` when (also when it is due).
#[cfg(feature = "sqlite")]
pub(crate) fn bind_event<'q, DB, T>(
    query: Query<'q, DB, <DB as Database>::Arguments<'q>>,
    event: &PaymentEvent,
) -> Result<Query<'q, DB, <DB as Database>::Arguments<'q>>, StoreError>
where
    DB: Database,
    T: StoredTime + Encode<'q, DB> + Type<DB> + 'q,
    String: Encode<'q, DB> + Type<DB>,
{
    let row = EventColumns::of(event)?;
    Ok(query
        .bind(row.id)
        .bind(row.order_id)
        .bind(row.json)
        .bind(T::from_time(row.at)?))
}

/// A `gmo_events` row as read.
#[derive(sqlx::FromRow)]
pub(crate) struct EventRow<T> {
    seq: i64,
    event: String,
    attempts: i64,
    delivered_at: Option<T>,
}

const EVENTS: &str = "gmo_events";

impl<T: StoredTime> EventRow<T> {
    pub(crate) fn into_stored(self) -> Result<StoredEvent, StoreError> {
        Ok(StoredEvent {
            seq: u64::try_from(self.seq).map_err(|_| unreadable(EVENTS, "seq"))?,
            event: serde_json::from_str(&self.event).map_err(|_| unreadable(EVENTS, "event"))?,
            attempts: u32::try_from(self.attempts).map_err(|_| unreadable(EVENTS, "attempts"))?,
            delivered_at: self
                .delivered_at
                .map(|t| t.into_time(EVENTS, "delivered_at"))
                .transpose()?,
        })
    }
}

/// A `gmo_members` row as read.
#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow<T> {
    customer_id: String,
    member_id: String,
    created_at: T,
}

const MEMBERS: &str = "gmo_members";

impl<T: StoredTime> MemberRow<T> {
    pub(crate) fn into_member(self) -> Result<Member, StoreError> {
        Ok(Member {
            customer_id: CustomerId::new(self.customer_id)
                .map_err(|_| unreadable(MEMBERS, "customer_id"))?,
            member_id: MemberId::new(self.member_id)
                .map_err(|_| unreadable(MEMBERS, "member_id"))?,
            created_at: self.created_at.into_time(MEMBERS, "created_at")?,
        })
    }
}

/// Binds a member as `$1`…`$3` of [`INSERT_MEMBER`].
pub(crate) fn bind_member<'q, DB, T>(
    query: Query<'q, DB, <DB as Database>::Arguments<'q>>,
    member: &Member,
) -> Result<Query<'q, DB, <DB as Database>::Arguments<'q>>, StoreError>
where
    DB: Database,
    T: StoredTime + Encode<'q, DB> + Type<DB> + 'q,
    String: Encode<'q, DB> + Type<DB>,
{
    Ok(query
        .bind(member.customer_id.as_str().to_owned())
        .bind(member.member_id.as_str().to_owned())
        .bind(T::from_time(member.created_at)?))
}

/// A `gmo_notifications` row as read (the backend's SQL gives the JSON as text).
#[derive(sqlx::FromRow)]
pub(crate) struct InboxRow<T> {
    key: String,
    notification: String,
    received_at: T,
    processed_at: Option<T>,
}

const INBOX: &str = "gmo_notifications";

impl<T: StoredTime> InboxRow<T> {
    pub(crate) fn into_entry(self) -> Result<InboxEntry, StoreError> {
        Ok(InboxEntry {
            key: self.key,
            notification: serde_json::from_str(&self.notification)
                .map_err(|_| unreadable(INBOX, "notification"))?,
            received_at: self.received_at.into_time(INBOX, "received_at")?,
            processed_at: self
                .processed_at
                .map(|t| t.into_time(INBOX, "processed_at"))
                .transpose()?,
        })
    }
}

/// Binds an inbox entry as `$1` key, `$2` order id, `$3` notification JSON, `$4` received at,
/// `$5` processed at.
pub(crate) fn bind_entry<'q, DB, T>(
    query: Query<'q, DB, <DB as Database>::Arguments<'q>>,
    entry: &InboxEntry,
) -> Result<Query<'q, DB, <DB as Database>::Arguments<'q>>, StoreError>
where
    DB: Database,
    T: StoredTime + Encode<'q, DB> + Type<DB> + 'q,
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    Option<T>: Encode<'q, DB> + Type<DB>,
{
    let json = serde_json::to_string(&entry.notification).map_err(StoreError::new)?;
    Ok(query
        .bind(entry.key.clone())
        .bind(
            entry
                .notification
                .order_id
                .as_ref()
                .map(|id| id.as_str().to_owned()),
        )
        .bind(json)
        .bind(T::from_time(entry.received_at)?)
        .bind(entry.processed_at.map(T::from_time).transpose()?))
}

/// A limit as SQL wants it (`usize::MAX` means "all").
pub(crate) fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Wraps a driver error.
pub(crate) fn driver(error: sqlx::Error) -> StoreError {
    StoreError::new(error)
}

/// The error when a row that a conflict proved to exist cannot be read back.
pub(crate) fn vanished(table: &'static str) -> StoreError {
    StoreError::new(format!(
        "a {table} row conflicted but could not be read back (deleted meanwhile?)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purpose_and_error_kind_names_round_trip() {
        for purpose in [Purpose::Purchase, Purpose::CardRegistration] {
            assert_eq!(parse_purpose(purpose_name(purpose)), Some(purpose));
        }
        for kind in [
            ErrorKind::InvalidRequest,
            ErrorKind::Declined,
            ErrorKind::TokenProblem,
            ErrorKind::StateConflict,
            ErrorKind::OutcomeUnknown,
            ErrorKind::Throttled,
            ErrorKind::MerchantConfiguration,
            ErrorKind::ThreeDSecureFailed,
        ] {
            assert_eq!(parse_error_kind(kind.as_str()), Some(kind));
        }
        assert_eq!(parse_error_kind("nonsense"), None);
        assert_eq!(parse_purpose("nonsense"), None);
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn microseconds_keep_order_and_microsecond_precision() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_795_000_000_123_456_789).unwrap();
        let stored = <i64 as StoredTime>::from_time(t).unwrap();
        assert_eq!(stored, 1_795_000_000_123_456);
        let back = stored.into_time("t", "c").unwrap();
        assert_eq!(back.unix_timestamp_nanos(), 1_795_000_000_123_456_000);
        // Before 1970 the floor keeps the order of the stored numbers.
        let early = OffsetDateTime::from_unix_timestamp_nanos(-1_500).unwrap();
        let earlier = OffsetDateTime::from_unix_timestamp_nanos(-500).unwrap();
        assert!(
            <i64 as StoredTime>::from_time(early).unwrap()
                < <i64 as StoredTime>::from_time(earlier).unwrap()
        );
    }

    #[test]
    fn the_claim_states_are_the_core_s() {
        let listed: Vec<&str> = SELECT_HAS_CLAIMS.split('\'').skip(1).step_by(2).collect();
        let claims: Vec<&str> = OrderState::ALL
            .iter()
            .filter(|s| s.is_claim())
            .map(|s| s.as_str())
            .collect();
        assert_eq!(listed, claims);
    }

    #[test]
    fn placeholders_match_the_columns() {
        let columns = order_columns!().split(',').count();
        let values = order_values!().split(',').count();
        assert_eq!(columns, 27);
        assert_eq!(
            values,
            columns + 2,
            "two more for `settled` and `settle_first`"
        );
    }
}
