-- gmo-sqlx: the card-testing throttle's counts, shared by the app's instances (PostgreSQL).
--
-- One row per counted event of a key: a failed card attempt, an attempt in flight (pending), a
-- new card. `scope` is the limit (customer, ip, new_cards), `key` a customer id or an address
-- key (192.0.2.1, 2001:db8::/64), `subject` the customer an address event was for. Times are
-- unix milliseconds from the throttle's clock. No card data: the throttle never sees any.
CREATE TABLE IF NOT EXISTS gmo_throttle_events (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope   TEXT NOT NULL,
    key     TEXT NOT NULL,
    subject TEXT,
    at_ms   BIGINT NOT NULL,
    pending BOOLEAN NOT NULL
);

-- A key's window, and the expired events of a scope.
CREATE INDEX IF NOT EXISTS gmo_throttle_events_key ON gmo_throttle_events (scope, key, at_ms);
CREATE INDEX IF NOT EXISTS gmo_throttle_events_age ON gmo_throttle_events (scope, at_ms);
