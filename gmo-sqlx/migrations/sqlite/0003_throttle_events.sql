-- gmo-sqlx: the card-testing throttle's counts, shared by the app's instances (SQLite).
--
-- One row per counted event of a key: a failed card attempt, an attempt in flight (pending), a
-- new card. `scope` is the limit (customer, ip, new_cards), `key` a customer id or an address
-- key (192.0.2.1, 2001:db8::/64), `subject` the customer an address event was for. Times are
-- INTEGER unix milliseconds from the throttle's clock. No card data: the throttle never sees any.
CREATE TABLE IF NOT EXISTS gmo_throttle_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    scope   TEXT NOT NULL,
    key     TEXT NOT NULL,
    subject TEXT,
    at_ms   INTEGER NOT NULL,
    pending INTEGER NOT NULL CHECK (pending IN (0, 1))
) STRICT;

-- A key's window, and the expired events of a scope.
CREATE INDEX IF NOT EXISTS gmo_throttle_events_key ON gmo_throttle_events (scope, key, at_ms);
CREATE INDEX IF NOT EXISTS gmo_throttle_events_age ON gmo_throttle_events (scope, at_ms);
