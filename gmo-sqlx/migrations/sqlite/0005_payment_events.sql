-- gmo-sqlx: payment events, SQLite.
--
-- Each event is written in the same transaction as the order change it reports. `seq` orders
-- the feed; `due_at`, `attempts` and `delivered_at` (unix microseconds) track delivery to the
-- app's handler, and `lease_owner` / `leased_until` the instance handing it over. The JSON holds
-- no card data and no secret (no AccessPass).
CREATE TABLE gmo_events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    order_id     TEXT NOT NULL,
    event        TEXT NOT NULL CHECK (json_valid(event)),
    created_at   INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    delivered_at INTEGER,
    lease_owner  TEXT,
    leased_until INTEGER
) STRICT;

-- Delivery: an order's undelivered events in order.
CREATE INDEX gmo_events_undelivered ON gmo_events (order_id, seq) WHERE delivered_at IS NULL;
