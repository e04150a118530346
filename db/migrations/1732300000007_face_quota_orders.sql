-- Up Migration

-- Face quota the user buys (issue 11): an order quotes units × the unit price and waits for
-- the platform to confirm the payment (its payment system is outside this product). Paid once,
-- it credits accounts.face_number once, whoever confirms it how many times; payment_ref is
-- unique, so one payment never pays two orders. units_used counts the units face checks took
-- from it, oldest paid order first, so a check's ledger row names the order (and the payment
-- reference, the seed's `pay`) its unit came from, and a refund gives the unit back there.
CREATE TABLE face_quota_orders (
  id              text PRIMARY KEY,
  account_id      text NOT NULL REFERENCES accounts(id),
  -- the caller's Idempotency-Key, per account: a double click makes one order
  request_key     text UNIQUE,
  units           integer NOT NULL CHECK (units > 0),
  unit_price_fen  integer NOT NULL CHECK (unit_price_fen >= 0),
  amount_fen      integer NOT NULL CHECK (amount_fen >= 0),
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'paid', 'cancelled')),
  payment_ref     text UNIQUE,
  paid_via        text CHECK (paid_via IN ('api', 'callback')),
  units_used      integer NOT NULL DEFAULT 0 CHECK (units_used >= 0 AND units_used <= units),
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  paid_at         timestamptz,
  cancelled_at    timestamptz
);
CREATE INDEX face_quota_orders_account ON face_quota_orders (account_id, created_at);
CREATE INDEX face_quota_orders_units_left ON face_quota_orders (account_id, paid_at) WHERE state = 'paid' AND units_used < units;

ALTER TABLE face_quota_ledger ADD COLUMN order_id text REFERENCES face_quota_orders(id);
-- the face row keeps the payment reference of the unit it consumed (the seed's `pay`)
ALTER TABLE face_verifications ADD COLUMN pay_ref text;

-- Down Migration
ALTER TABLE face_verifications DROP COLUMN pay_ref;
ALTER TABLE face_quota_ledger DROP COLUMN order_id;
DROP TABLE face_quota_orders;
