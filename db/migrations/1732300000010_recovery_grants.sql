-- Up Migration

-- Account recovery (issue 11): a run that proved control of an account (a code to its bound
-- phone or email, or a face check against its real-name identity) gives the platform a
-- single-use grant. Only the grant's SHA-256 is kept (grant_hash): the grant itself is derived
-- from the run's key with a server key when it is handed out (lib/recovery-grant.ts), so it is
-- in no table and no Temporal history. One grant per run (run_key), found by its hash.
CREATE TABLE recovery_grants (
  grant_hash   bytea PRIMARY KEY,
  run_key      text NOT NULL UNIQUE,
  flow_id      text NOT NULL,
  account_id   text NOT NULL REFERENCES accounts(id),
  method       text NOT NULL CHECK (method IN ('sms', 'mail', 'face')),
  issued_at    timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  redeemed_at  timestamptz,
  -- the sessions the redemption ended, as it answered them (a retried step answers the same)
  sessions_ended text[]
);
CREATE INDEX recovery_grants_account ON recovery_grants (account_id, issued_at DESC);

-- Down Migration
DROP TABLE recovery_grants;
