-- Up Migration

-- Password reset (issue 12) hands out grants as account recovery does (flows/shared/grant-flow.ts):
-- the same table, with what each grant is for, so one kind's redeem route never redeems the
-- other's. Grants issued before this were recovery's.
ALTER TABLE recovery_grants
  ADD COLUMN purpose text NOT NULL DEFAULT 'recovery' CHECK (purpose IN ('recovery', 'password_reset'));

-- Down Migration
ALTER TABLE recovery_grants DROP COLUMN purpose;
