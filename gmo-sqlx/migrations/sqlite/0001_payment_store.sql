-- gmo-sqlx: the payment store, SQLite.
--
-- No column can hold card data: no card number, expiry, security code or card token is ever
-- stored (GMO keeps the cards; the merchant's side only sees one-time tokens, never stored).
-- gmo_orders.access_pass is a SECRET (GMO's transaction password: it authorises captures,
-- voids and refunds). Protect it like a password: encrypt the database file at rest (e.g. an
-- encrypted volume or SQLCipher), restrict who can read it, keep it out of logs.
--
-- Timestamps are INTEGER unix microseconds, UTC: exact, and ordered as numbers.

-- The customer ↔ GMO member mapping.
CREATE TABLE gmo_members (
    customer_id TEXT PRIMARY KEY NOT NULL,
    member_id   TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
) STRICT;

-- One row per order. `state` is the compare-and-set column; `settled` mirrors
-- !OrderState::needs_settling() (written with every row) for the reconciliation index.
CREATE TABLE gmo_orders (
    order_id         TEXT PRIMARY KEY NOT NULL,
    customer_id      TEXT NOT NULL,
    purpose          TEXT NOT NULL,
    job              TEXT NOT NULL,
    amount           INTEGER NOT NULL CHECK (amount BETWEEN 0 AND 4294967295),
    tax              INTEGER NOT NULL CHECK (tax BETWEEN 0 AND 4294967295),
    state            TEXT NOT NULL,
    settled          INTEGER NOT NULL CHECK (settled IN (0, 1)),
    access_id        TEXT UNIQUE,
    access_pass      TEXT, -- SECRET: GMO AccessPass. Encrypt at rest; never log.
    card_seq         INTEGER CHECK (card_seq BETWEEN 0 AND 4294967295),
    gmo_status       TEXT,
    tran_id          TEXT,
    approve          TEXT,
    forward          TEXT,
    redirect_url     TEXT,
    pending_amount   INTEGER CHECK (pending_amount BETWEEN 0 AND 4294967295),
    failure_kind     TEXT,
    failure_err_code TEXT,
    failure_err_info TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    CHECK ((failure_kind IS NULL) = (failure_err_code IS NULL)
       AND (failure_kind IS NULL) = (failure_err_info IS NULL))
) STRICT;

CREATE INDEX gmo_orders_by_customer ON gmo_orders (customer_id);
-- Reconciliation: orders that need settling, oldest update first.
CREATE INDEX gmo_orders_to_reconcile ON gmo_orders (updated_at, order_id) WHERE NOT settled;

-- The result-notification inbox. `seq` gives the arrival order.
CREATE TABLE gmo_notifications (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    key          TEXT NOT NULL UNIQUE,
    order_id     TEXT,
    notification TEXT NOT NULL CHECK (json_valid(notification)),
    received_at  INTEGER NOT NULL,
    processed_at INTEGER
) STRICT;

CREATE INDEX gmo_notifications_unprocessed ON gmo_notifications (seq) WHERE processed_at IS NULL;
