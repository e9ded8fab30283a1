-- gmo-sqlx: versioned compare-and-set and leased reconciliation, SQLite.
--
-- `version` is what the order update compares (the state alone cannot tell a stale copy from
-- a current one: an order may leave a state and come back to it). Existing rows start at 0.
-- `settle_first` mirrors OrderState::settles_first() (written with every row): reconciliation
-- settles orders with money at stake before the others. `lease_owner` and `leased_until` (unix
-- microseconds) are a reconciler's hold on an order; order updates leave them alone.
-- `gmo_unconfirmed_at` is when reconciliation first found a stale claim's call not taken effect
-- at GMO (it fails on a second reading).
ALTER TABLE gmo_orders ADD COLUMN version INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0);
ALTER TABLE gmo_orders ADD COLUMN settle_first INTEGER NOT NULL DEFAULT 0
    CHECK (settle_first IN (0, 1));
UPDATE gmo_orders SET settle_first = state NOT IN ('prepared', 'entered');
ALTER TABLE gmo_orders ADD COLUMN lease_owner TEXT;
ALTER TABLE gmo_orders ADD COLUMN leased_until INTEGER;
ALTER TABLE gmo_orders ADD COLUMN gmo_unconfirmed_at INTEGER;
-- The card-testing throttle's hold on the order's card attempt (its event ids, JSON), until
-- the attempt's outcome is known. No card or customer data.
ALTER TABLE gmo_orders ADD COLUMN card_attempt TEXT;

DROP INDEX gmo_orders_to_reconcile;
-- Reconciliation: orders that need settling, money first, oldest update first.
CREATE INDEX gmo_orders_to_reconcile ON gmo_orders (settle_first DESC, updated_at, order_id)
    WHERE NOT settled;
-- Releasing a reconciler's leases.
CREATE INDEX gmo_orders_leased ON gmo_orders (lease_owner) WHERE lease_owner IS NOT NULL;
