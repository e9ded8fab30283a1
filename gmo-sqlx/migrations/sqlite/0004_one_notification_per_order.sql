-- gmo-sqlx 0004: the notification inbox keeps one entry per order.
--
-- A notification is unsigned: with an inbox keyed by delivery, anyone who could reach the
-- notification URL could add rows. From now on a newer notification replaces its order's entry
-- (pending or processed), so the inbox never holds more rows than there are orders.
--
-- Existing rows: the newest of each order stays. Acting on it settles the order against GMO
-- after every older one arrived, which covers them. Rows without an order are never written
-- by the store (GMO's connectivity test is not stored) and go.
DELETE FROM gmo_notifications WHERE order_id IS NULL;
DELETE FROM gmo_notifications
    WHERE EXISTS (
        SELECT 1 FROM gmo_notifications AS newer
        WHERE newer.order_id = gmo_notifications.order_id AND newer.seq > gmo_notifications.seq
    );

CREATE UNIQUE INDEX gmo_notifications_one_per_order ON gmo_notifications (order_id);
