//! The one `PaymentStore` implementation, written once for both backends.
//!
//! The backends differ only in their SQL dialect's few statements, their timestamp
//! representation ([`StoredTime`](crate::columns::StoredTime)) and their pool type; the logic of
//! every method (create-only inserts, compare-and-set, the inbox) is the same. sqlx's generic
//! executor bounds make a generic `impl` unreadable, so a macro stamps it out per backend.

/// Implements `PaymentStore` for `$store` storing timestamps as `$time`. `$store` has a `pool`
/// field for reads and three write methods: `run_write(work)`, which runs `work` (a closure that
/// writes on a connection) where the backend writes (SQLite: in its group commit, inside a
/// savepoint of the batch's transaction; PostgreSQL: on a connection of the pool);
/// `run_statement(work)`, the same for a `work` that writes with one statement (SQLite: no
/// savepoint needed, see `Writer::write_statement`); and
/// `compare_and_set(order, read_version, events)`, the order's update with its events, atomic,
/// answering whether the version matched. The invoking module provides
/// `PUT_NOTIFICATION`, `SELECT_NOTIFICATION_OF_ORDER` and `SELECT_UNPROCESSED_NOTIFICATIONS`,
/// its dialect's statements of the inbox, `LEASE_ORDERS` and `LEASE_EVENTS`, its lease
/// statements, `SELECT_EVENTS_AFTER`, its feed, and `MARK_EVENTS_DELIVERED` with `seq_list`,
/// which makes the one value that statement binds for a batch of seqs.
macro_rules! impl_payment_store {
    ($store:ty, $time:ty) => {
        impl $store {
            /// Runs `sql`, binding an event's `seq` and a time, in the store's write turn.
            async fn mark_event(
                &self,
                sql: &'static str,
                seq: u64,
                at: time::OffsetDateTime,
            ) -> Result<(), gmo_core::store::StoreError> {
                use $crate::columns::StoredTime as _;
                let query = sqlx::query(sql)
                    .bind($crate::columns::version_column(seq)?)
                    .bind(<$time>::from_time(at)?);
                self.run_statement(move |conn| {
                    Box::pin(async move { query.execute(&mut *conn).await.map(drop) })
                })
                .await
                .map_err($crate::columns::driver)
            }
        }

        #[async_trait::async_trait]
        impl gmo_core::store::PaymentStore for $store {
            async fn member(
                &self,
                customer: &gmo_core::customer::CustomerId,
            ) -> Result<Option<gmo_core::store::Member>, gmo_core::store::StoreError> {
                sqlx::query_as::<_, $crate::columns::MemberRow<$time>>(
                    $crate::columns::SELECT_MEMBER,
                )
                .bind(customer.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err($crate::columns::driver)?
                .map($crate::columns::MemberRow::into_member)
                .transpose()
            }

            async fn insert_member(
                &self,
                member: &gmo_core::store::Member,
            ) -> Result<
                gmo_core::store::Inserted<gmo_core::store::Member>,
                gmo_core::store::StoreError,
            > {
                let query = $crate::columns::bind_member::<_, $time>(
                    sqlx::query($crate::columns::INSERT_MEMBER),
                    member,
                )?;
                let done = self
                    .run_statement(move |conn| {
                        Box::pin(async move { query.execute(&mut *conn).await })
                    })
                    .await
                    .map_err($crate::columns::driver)?;
                if done.rows_affected() == 1 {
                    return Ok(gmo_core::store::Inserted::Created);
                }
                match self.member(&member.customer_id).await? {
                    Some(existing) => Ok(gmo_core::store::Inserted::Existing(existing)),
                    None => Err($crate::columns::vanished("gmo_members")),
                }
            }

            async fn delete_member(
                &self,
                customer: &gmo_core::customer::CustomerId,
            ) -> Result<(), gmo_core::store::StoreError> {
                let query =
                    sqlx::query($crate::columns::DELETE_MEMBER).bind(customer.as_str().to_owned());
                self.run_statement(move |conn| {
                    Box::pin(async move { query.execute(&mut *conn).await.map(drop) })
                })
                .await
                .map_err($crate::columns::driver)
            }

            async fn has_claims(
                &self,
                customer: &gmo_core::customer::CustomerId,
            ) -> Result<bool, gmo_core::store::StoreError> {
                let found: Option<(String,)> = sqlx::query_as($crate::columns::SELECT_HAS_CLAIMS)
                    .bind(customer.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::columns::driver)?;
                Ok(found.is_some())
            }

            async fn order(
                &self,
                order_id: &gmo_core::values::OrderId,
            ) -> Result<Option<gmo_core::order::Order>, gmo_core::store::StoreError> {
                sqlx::query_as::<_, $crate::columns::OrderRow<$time>>($crate::columns::SELECT_ORDER)
                    .bind(order_id.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::columns::driver)?
                    .map($crate::columns::OrderRow::into_order)
                    .transpose()
            }

            async fn order_by_access_id(
                &self,
                access_id: &gmo_core::values::AccessId,
            ) -> Result<Option<gmo_core::order::Order>, gmo_core::store::StoreError> {
                sqlx::query_as::<_, $crate::columns::OrderRow<$time>>(
                    $crate::columns::SELECT_ORDER_BY_ACCESS_ID,
                )
                .bind(access_id.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err($crate::columns::driver)?
                .map($crate::columns::OrderRow::into_order)
                .transpose()
            }

            async fn insert_order(
                &self,
                order: &gmo_core::order::Order,
            ) -> Result<
                gmo_core::store::Inserted<gmo_core::order::Order>,
                gmo_core::store::StoreError,
            > {
                let query = $crate::columns::bind_order::<_, $time>(
                    sqlx::query($crate::columns::INSERT_ORDER),
                    order,
                )?;
                let done = self
                    .run_statement(move |conn| {
                        Box::pin(async move { query.execute(&mut *conn).await })
                    })
                    .await
                    .map_err($crate::columns::driver)?;
                if done.rows_affected() == 1 {
                    return Ok(gmo_core::store::Inserted::Created);
                }
                match self.order(&order.order_id).await? {
                    Some(existing) => Ok(gmo_core::store::Inserted::Existing(existing)),
                    None => Err($crate::columns::vanished("gmo_orders")),
                }
            }

            async fn update_order(
                &self,
                order: &gmo_core::order::Order,
                read_version: u64,
                events: &[gmo_core::event::PaymentEvent],
            ) -> Result<gmo_core::store::Updated, gmo_core::store::StoreError> {
                if self.compare_and_set(order, read_version, events).await? {
                    return Ok(gmo_core::store::Updated::Done);
                }
                // Versions only grow, so the order read now is the one that won: no retry.
                Ok(match self.order(&order.order_id).await? {
                    Some(current) => gmo_core::store::Updated::Conflict(Box::new(current)),
                    None => gmo_core::store::Updated::NotFound,
                })
            }

            async fn lease_orders_to_reconcile(
                &self,
                lease: &gmo_core::store::Lease,
                updated_before: time::OffsetDateTime,
                limit: usize,
            ) -> Result<Vec<gmo_core::order::Order>, gmo_core::store::StoreError> {
                use $crate::columns::StoredTime as _;
                let query = sqlx::query_as::<_, $crate::columns::OrderRow<$time>>(LEASE_ORDERS)
                    .bind(lease.owner.clone())
                    .bind(<$time>::from_time(lease.until)?)
                    .bind(<$time>::from_time(updated_before)?)
                    .bind(<$time>::from_time(lease.taken_at)?)
                    .bind($crate::columns::sql_limit(limit));
                let rows = self
                    .run_statement(move |conn| {
                        Box::pin(async move { query.fetch_all(&mut *conn).await })
                    })
                    .await
                    .map_err($crate::columns::driver)?;
                let mut orders = rows
                    .into_iter()
                    .map($crate::columns::OrderRow::into_order)
                    .collect::<Result<Vec<_>, _>>()?;
                // RETURNING keeps no order.
                orders.sort_by(|a, b| {
                    (!a.state.settles_first(), a.updated_at, &a.order_id).cmp(&(
                        !b.state.settles_first(),
                        b.updated_at,
                        &b.order_id,
                    ))
                });
                Ok(orders)
            }

            async fn release_leases(&self, owner: &str) -> Result<(), gmo_core::store::StoreError> {
                let query = sqlx::query($crate::columns::RELEASE_LEASES).bind(owner.to_owned());
                self.run_statement(move |conn| {
                    Box::pin(async move { query.execute(&mut *conn).await.map(drop) })
                })
                .await
                .map_err($crate::columns::driver)
            }

            async fn events_after(
                &self,
                cursor: u64,
                limit: usize,
            ) -> Result<Vec<gmo_core::event::StoredEvent>, gmo_core::store::StoreError> {
                sqlx::query_as::<_, $crate::columns::EventRow<$time>>(SELECT_EVENTS_AFTER)
                    .bind($crate::columns::version_column(cursor)?)
                    .bind($crate::columns::sql_limit(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::columns::driver)?
                    .into_iter()
                    .map($crate::columns::EventRow::into_stored)
                    .collect()
            }

            async fn lease_events(
                &self,
                lease: &gmo_core::store::Lease,
                limit: usize,
            ) -> Result<Vec<gmo_core::event::StoredEvent>, gmo_core::store::StoreError> {
                use $crate::columns::StoredTime as _;
                let query = sqlx::query_as::<_, $crate::columns::EventRow<$time>>(LEASE_EVENTS)
                    .bind(lease.owner.clone())
                    .bind(<$time>::from_time(lease.until)?)
                    .bind(<$time>::from_time(lease.taken_at)?)
                    .bind($crate::columns::sql_limit(limit));
                let rows = self
                    .run_statement(move |conn| {
                        Box::pin(async move { query.fetch_all(&mut *conn).await })
                    })
                    .await
                    .map_err($crate::columns::driver)?;
                let mut events = rows
                    .into_iter()
                    .map($crate::columns::EventRow::into_stored)
                    .collect::<Result<Vec<_>, _>>()?;
                // RETURNING keeps no order.
                events.sort_by_key(|e| e.seq);
                Ok(events)
            }

            async fn events_delivered(
                &self,
                seqs: &[u64],
                at: time::OffsetDateTime,
            ) -> Result<(), gmo_core::store::StoreError> {
                use $crate::columns::StoredTime as _;
                if seqs.is_empty() {
                    return Ok(());
                }
                let seqs = seqs
                    .iter()
                    .map(|&seq| $crate::columns::version_column(seq))
                    .collect::<Result<Vec<i64>, _>>()?;
                // One statement for the batch, its seqs bound as one list.
                let query = sqlx::query(MARK_EVENTS_DELIVERED)
                    .bind(seq_list(seqs))
                    .bind(<$time>::from_time(at)?);
                self.run_write(move |conn| {
                    Box::pin(async move { query.execute(&mut *conn).await.map(drop) })
                })
                .await
                .map_err($crate::columns::driver)
            }

            async fn event_failed(
                &self,
                seq: u64,
                retry_at: time::OffsetDateTime,
            ) -> Result<(), gmo_core::store::StoreError> {
                self.mark_event($crate::columns::MARK_EVENT_FAILED, seq, retry_at)
                    .await
            }

            async fn put_notification(
                &self,
                entry: &gmo_core::store::InboxEntry,
            ) -> Result<Option<gmo_core::store::InboxEntry>, gmo_core::store::StoreError> {
                let Some(order_id) = &entry.notification.order_id else {
                    return Err(gmo_core::store::StoreError::new(
                        "an inbox entry needs an order id",
                    ));
                };
                let put =
                    $crate::columns::bind_entry::<_, $time>(sqlx::query(PUT_NOTIFICATION), entry)?;
                let select = sqlx::query_as::<_, $crate::columns::InboxRow<$time>>(
                    SELECT_NOTIFICATION_OF_ORDER,
                )
                .bind(order_id.as_str().to_owned());
                // The replaced entry is read and replaced in one transaction (SQLite: a savepoint
                // in the batch's), so that the answer is the entry this put replaced.
                let replaced = self
                    .run_write(move |conn| {
                        Box::pin(async move {
                            use sqlx::Connection as _;
                            let mut tx = conn.begin().await?;
                            let replaced = select.fetch_optional(&mut *tx).await?;
                            put.execute(&mut *tx).await?;
                            tx.commit().await?;
                            Ok(replaced)
                        })
                    })
                    .await
                    .map_err($crate::columns::driver)?;
                replaced
                    .map($crate::columns::InboxRow::into_entry)
                    .transpose()
            }

            async fn unprocessed_notifications(
                &self,
                limit: usize,
            ) -> Result<Vec<gmo_core::store::InboxEntry>, gmo_core::store::StoreError> {
                sqlx::query_as::<_, $crate::columns::InboxRow<$time>>(
                    SELECT_UNPROCESSED_NOTIFICATIONS,
                )
                .bind($crate::columns::sql_limit(limit))
                .fetch_all(&self.pool)
                .await
                .map_err($crate::columns::driver)?
                .into_iter()
                .map($crate::columns::InboxRow::into_entry)
                .collect()
            }

            async fn mark_notification_processed(
                &self,
                key: &str,
                at: time::OffsetDateTime,
            ) -> Result<(), gmo_core::store::StoreError> {
                use $crate::columns::StoredTime as _;
                let query = sqlx::query($crate::columns::MARK_NOTIFICATION_PROCESSED)
                    .bind(key.to_owned())
                    .bind(<$time>::from_time(at)?);
                self.run_statement(move |conn| {
                    Box::pin(async move { query.execute(&mut *conn).await.map(drop) })
                })
                .await
                .map_err($crate::columns::driver)
            }
        }
    };
}

pub(crate) use impl_payment_store;
