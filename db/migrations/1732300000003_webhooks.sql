-- Up Migration

-- Webhook delivery of callback_events (the outbox every flow writes to).
-- dispatched_at: the event was fanned out into one delivery per subscribed endpoint;
-- delivered_at (existing column): every one of those deliveries succeeded (set at once
-- when no endpoint was subscribed). Events recorded before this migration predate every
-- subscriber, so they count as dispatched.
ALTER TABLE callback_events ADD COLUMN dispatched_at timestamptz;
UPDATE callback_events SET dispatched_at = created_at;
CREATE INDEX callback_events_undispatched ON callback_events (account_id, created_at, id) WHERE dispatched_at IS NULL;

-- Endpoints the platform's integrators register. The signing secret is sealed
-- (lib/field-crypto.ts, AAD: column + row id) and shown once, at creation or rotation;
-- after a rotation the previous secret keeps signing beside the new one for a grace period.
CREATE TABLE webhook_subscribers (
  id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  url                        text NOT NULL,
  event_types                text[] NOT NULL CHECK (cardinality(event_types) > 0),
  description                text NOT NULL DEFAULT '',
  enabled                    boolean NOT NULL DEFAULT true,
  secret_enc                 text NOT NULL,
  previous_secret_enc        text,
  previous_secret_expires_at timestamptz,
  secret_rotated_at          timestamptz,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  updated_at                 timestamptz NOT NULL DEFAULT now(),
  deleted_at                 timestamptz
);
CREATE INDEX webhook_subscribers_live ON webhook_subscribers (created_at) WHERE enabled AND deleted_at IS NULL;

-- One delivery per (event, subscriber). run counts the attempt sequences (1, then +1 per
-- redelivery) so a stale attempt of an earlier sequence cannot touch a newer one.
CREATE TABLE webhook_deliveries (
  id               bigserial PRIMARY KEY,
  event_id         bigint NOT NULL REFERENCES callback_events(id),
  subscriber_id    uuid NOT NULL REFERENCES webhook_subscribers(id),
  account_id       text NOT NULL,
  event_type       text NOT NULL,
  state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  run              integer NOT NULL DEFAULT 1,
  -- when the current run began: its retry window is counted from here, whatever happens to the workflow
  run_started_at   timestamptz NOT NULL DEFAULT now(),
  attempts         integer NOT NULL DEFAULT 0,
  last_status_code integer,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  UNIQUE (event_id, subscriber_id)
);
CREATE INDEX webhook_deliveries_account_pending ON webhook_deliveries (account_id, updated_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_account ON webhook_deliveries (account_id, id);
CREATE INDEX webhook_deliveries_subscriber ON webhook_deliveries (subscriber_id, id);
CREATE INDEX webhook_deliveries_state ON webhook_deliveries (state, id);

-- Every HTTP attempt: its number within the delivery (across runs), the answer or the error.
CREATE TABLE webhook_attempts (
  id           bigserial PRIMARY KEY,
  delivery_id  bigint NOT NULL REFERENCES webhook_deliveries(id),
  run          integer NOT NULL,
  attempt      integer NOT NULL,
  status_code  integer,
  error        text,
  duration_ms  integer NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (delivery_id, attempt)
);

-- Down Migration
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscribers;
DROP INDEX callback_events_undispatched;
ALTER TABLE callback_events DROP COLUMN dispatched_at;
