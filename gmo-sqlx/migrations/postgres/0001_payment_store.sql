-- gmo-sqlx: the payment store, PostgreSQL.
--
-- No column can hold card data: no card number, expiry, security code or card token is ever
-- stored (GMO keeps the cards; the merchant's side only sees one-time tokens, never stored).
-- gmo_orders.access_pass is a SECRET (GMO's transaction password: it authorises captures,
-- voids and refunds). Protect it like a password: encrypt the database or the column at rest,
-- restrict who can read the table, keep it out of logs and dumps you share.

-- The customer ↔ GMO member mapping.
CREATE TABLE gmo_members (
    customer_id TEXT PRIMARY KEY,
    member_id   TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);

-- One row per order. `state` is the compare-and-set column; `settled` mirrors
-- !OrderState::needs_settling() (written with every row) for the reconciliation index.
CREATE TABLE gmo_orders (
    order_id         TEXT PRIMARY KEY,
    customer_id      TEXT NOT NULL,
    purpose          TEXT NOT NULL,
    job              TEXT NOT NULL,
    amount           BIGINT NOT NULL CHECK (amount BETWEEN 0 AND 4294967295),
    tax              BIGINT NOT NULL CHECK (tax BETWEEN 0 AND 4294967295),
    state            TEXT NOT NULL,
    settled          BOOLEAN NOT NULL,
    access_id        TEXT UNIQUE,
    access_pass      TEXT,
    card_seq         BIGINT CHECK (card_seq BETWEEN 0 AND 4294967295),
    gmo_status       TEXT,
    tran_id          TEXT,
    approve          TEXT,
    forward          TEXT,
    redirect_url     TEXT,
    pending_amount   BIGINT CHECK (pending_amount BETWEEN 0 AND 4294967295),
    failure_kind     TEXT,
    failure_err_code TEXT,
    failure_err_info TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    CHECK ((failure_kind IS NULL) = (failure_err_code IS NULL)
       AND (failure_kind IS NULL) = (failure_err_info IS NULL))
);

COMMENT ON COLUMN gmo_orders.access_pass IS
    'SECRET: GMO AccessPass, authorises captures, voids and refunds. Encrypt at rest; never log.';

CREATE INDEX gmo_orders_by_customer ON gmo_orders (customer_id);
-- Reconciliation: orders that need settling, oldest update first.
CREATE INDEX gmo_orders_to_reconcile ON gmo_orders (updated_at, order_id) WHERE NOT settled;

-- The result-notification inbox. `seq` gives the arrival order.
CREATE TABLE gmo_notifications (
    key          TEXT PRIMARY KEY,
    seq          BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    order_id     TEXT,
    notification JSONB NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    processed_at TIMESTAMPTZ
);

CREATE INDEX gmo_notifications_unprocessed ON gmo_notifications (seq) WHERE processed_at IS NULL;
