-- Up Migration

-- The security check (issue 12, seed 4/30 #14 step 5: an unsafe environment is proven by an SMS
-- code): a run that proved the bound phone hands out a single-use security pass, kept like the
-- other grants by its SHA-256 only (flows/shared/grant-flow.ts, lib/recovery-grant.ts), with
-- purpose 'security'. The environment verdict is the device's (the seed's xc_is_security takes
-- the fingerprint), so the pass is bound to the device that asked (device_id: the platform's
-- opaque device id, no personal data). The real-name run that spends it is written down
-- (used_by_run_key, its side-effect key prefix: a retried step finds its own spending;
-- used_by_run_id, its Temporal run: a repeat start of that live run is told apart from a
-- second run); redeemed_at is when.
ALTER TABLE recovery_grants DROP CONSTRAINT recovery_grants_purpose_check;
ALTER TABLE recovery_grants
  ADD CONSTRAINT recovery_grants_purpose_check CHECK (purpose IN ('recovery', 'password_reset', 'security')),
  ADD COLUMN device_id text,
  ADD COLUMN used_by_run_key text,
  ADD COLUMN used_by_run_id text;

-- Down Migration
ALTER TABLE recovery_grants DROP COLUMN used_by_run_id, DROP COLUMN used_by_run_key, DROP COLUMN device_id;
ALTER TABLE recovery_grants DROP CONSTRAINT recovery_grants_purpose_check;
ALTER TABLE recovery_grants ADD CONSTRAINT recovery_grants_purpose_check CHECK (purpose IN ('recovery', 'password_reset'));
