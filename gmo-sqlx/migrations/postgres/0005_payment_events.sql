-- gmo-sqlx: payment events, PostgreSQL.
--
-- Each event is written in the same transaction as the order change it reports. `seq` orders
-- the feed; `due_at`, `attempts` and `delivered_at` track delivery to the app's handler, and
-- `lease_owner` / `leased_until` the instance handing it over. The JSON holds no card data and
-- no secret (no AccessPass).
CREATE TABLE gmo_events (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    order_id     TEXT NOT NULL,
    event        JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    due_at       TIMESTAMPTZ NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    delivered_at TIMESTAMPTZ,
    lease_owner  TEXT,
    leased_until TIMESTAMPTZ
);

-- Delivery: an order's undelivered events in order.
CREATE INDEX gmo_events_undelivered ON gmo_events (order_id, seq) WHERE delivered_at IS NULL;
