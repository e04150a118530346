-- Up Migration

-- An account is the platform's user: its id comes from the platform. Phone and email
-- are sealed (lib/field-crypto.ts); the *_idx blind indexes carry uniqueness.
CREATE TABLE accounts (
  id                   text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.:-]{1,64}$'),
  phone_enc            text,
  phone_idx            bytea UNIQUE,
  email_enc            text,
  email_idx            bytea UNIQUE,
  -- bumped on every contact change so a flow can apply its change only if nothing moved meanwhile
  contact_version      integer NOT NULL DEFAULT 0,
  real_name_status     text NOT NULL DEFAULT 'none' CHECK (real_name_status IN ('none', 'verified')),
  real_name_verified_at timestamptz,
  face_free_used       integer NOT NULL DEFAULT 0 CHECK (face_free_used >= 0),
  face_number          integer NOT NULL DEFAULT 0 CHECK (face_number >= 0),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CHECK ((phone_enc IS NULL) = (phone_idx IS NULL)),
  CHECK ((email_enc IS NULL) = (email_idx IS NULL))
);

-- Only the keyed hash of a code is kept. request_key (flow id + request number) makes
-- the send activity idempotent across retries.
CREATE TABLE verification_codes (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_key  text NOT NULL UNIQUE,
  account_id   text NOT NULL REFERENCES accounts(id),
  flow_id      text NOT NULL,
  scene        text NOT NULL,
  channel      text NOT NULL CHECK (channel IN ('sms', 'mail')),
  target_idx   bytea NOT NULL,
  code_hash    bytea NOT NULL,
  status       text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'used', 'superseded')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz,
  used_at      timestamptz,
  -- the submission that consumed the code: its retry may see "ok" again, nobody else
  used_by      text
);
CREATE INDEX verification_codes_flow ON verification_codes (flow_id);

-- Every SMS and mail we try to send, with the provider's per-channel answer.
CREATE TABLE message_log (
  id               bigserial PRIMARY KEY,
  request_key      text NOT NULL,
  account_id       text REFERENCES accounts(id),
  flow_id          text,
  kind             text NOT NULL CHECK (kind IN ('code', 'notice')),
  scene            text NOT NULL,
  channel          text NOT NULL CHECK (channel IN ('sms', 'mail')),
  target_enc       text NOT NULL,
  target_idx       bytea NOT NULL,
  template         text NOT NULL,
  status           text NOT NULL CHECK (status IN ('sent', 'failed')),
  provider_code    text,
  provider_message text,
  provider_ref     text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (request_key, channel)
);
CREATE INDEX message_log_account ON message_log (account_id, created_at DESC);
CREATE INDEX message_log_created ON message_log (created_at);

-- What happened to an account, and from where. data never holds personal data in clear.
CREATE TABLE audit_events (
  id          bigserial PRIMARY KEY,
  dedupe_key  text NOT NULL UNIQUE,
  account_id  text,
  flow_id     text,
  type        text NOT NULL,
  data        jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip          text,
  user_agent  text,
  fingerprint text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_account ON audit_events (account_id, created_at DESC);

-- Outcomes other parts of the platform subscribe to (the seed's "do_action" hooks),
-- written in the same transaction as the change they announce; delivered later.
CREATE TABLE callback_events (
  id           bigserial PRIMARY KEY,
  event_key    text NOT NULL UNIQUE,
  type         text NOT NULL,
  account_id   text NOT NULL,
  flow_id      text,
  payload      jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);
CREATE INDEX callback_events_pending ON callback_events (created_at) WHERE delivered_at IS NULL;

-- Down Migration
DROP TABLE callback_events;
DROP TABLE audit_events;
DROP TABLE message_log;
DROP TABLE verification_codes;
DROP TABLE accounts;
