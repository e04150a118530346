-- Up Migration

-- The account state the face scenes (issue 11 part 2) act on. The platform sets it over the API
-- and owns what it means (locking a login after a remote-login alert, deleting an account after
-- the cooling-off); this product keeps it so a face check can clear it and other flows can
-- refuse a frozen account. No personal data: flags are codes such as 'remote_login'.
ALTER TABLE accounts
  ADD COLUMN security_flags             text[] NOT NULL DEFAULT '{}',
  ADD COLUMN security_flags_reason      text,
  ADD COLUMN security_flags_set_at      timestamptz,
  ADD COLUMN frozen_at                  timestamptz,
  ADD COLUMN frozen_reason              text,
  -- a face-confirmed cancellation request: when it was made, by which flow run, and when the
  -- cooling-off ends (the platform deletes the account after that unless it was withdrawn)
  ADD COLUMN cancellation_requested_at  timestamptz,
  ADD COLUMN cancellation_effective_at  timestamptz,
  ADD COLUMN cancellation_flow_id       text;

-- Down Migration
ALTER TABLE accounts
  DROP COLUMN cancellation_flow_id,
  DROP COLUMN cancellation_effective_at,
  DROP COLUMN cancellation_requested_at,
  DROP COLUMN frozen_reason,
  DROP COLUMN frozen_at,
  DROP COLUMN security_flags_set_at,
  DROP COLUMN security_flags_reason,
  DROP COLUMN security_flags;
