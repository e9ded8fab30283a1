-- gmo-sqlx: checkout options, PostgreSQL.
--
-- `method` and `pay_times` are how the shopper pays (GMO's `Method` 1 to 5 and, for the two
-- instalment methods, `PayTimes`): fixed by the claim of ExecTran, then as GMO echoed them.
-- `risk_data` is the order's 3-D Secure 2.0 risk data (a JSON object of `Tds2*` fields) kept
-- for its ExecTran: personal data (e-mail, phone, addresses), never card data. Existing rows
-- stay valid: no method yet (a lump sum when their ExecTran runs) and no risk data.
ALTER TABLE gmo_orders ADD COLUMN method TEXT CHECK (method IN ('1', '2', '3', '4', '5'));
ALTER TABLE gmo_orders ADD COLUMN pay_times BIGINT CHECK (pay_times BETWEEN 1 AND 99);
ALTER TABLE gmo_orders ADD COLUMN risk_data TEXT;
