-- Up Migration

-- The account's sessions as the platform reports them, so a contact change can end
-- every session but the one that made it (a contact is a security credential).
CREATE TABLE sessions (
  id            text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.:-]{1,128}$'),
  account_id    text NOT NULL REFERENCES accounts(id),
  ip            text,
  user_agent    text,
  fingerprint   text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  ended_at      timestamptz,
  ended_reason  text,
  ended_by_flow text
);
CREATE INDEX sessions_live ON sessions (account_id) WHERE ended_at IS NULL;

-- Down Migration
DROP TABLE sessions;
