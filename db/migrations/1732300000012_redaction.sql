-- Up Migration

-- Redaction (issue 12, Stripe Identity's `redact` as the model): an operator, or the retention
-- sweep, wipes a face check's personal data and keeps its outcome. What goes: the sealed name,
-- ID number and picture path, the device metaInfo, the request digest (a keyed hash of name, ID
-- and scene) and the face row's blind index. What stays: scene, status, certifyId, times, the
-- provider's verdict data, the quota unit, the request's ip / user agent / fingerprint (the
-- record of which agreement was accepted from where). The columns become nullable for that.
-- picture_redacted_at: the retention of pictures is shorter than that of identities, so a row
-- may lose its picture first; redacted_at: the whole row (identity and picture) is gone.
ALTER TABLE face_verifications
  ALTER COLUMN name_enc DROP NOT NULL,
  ALTER COLUMN id_enc DROP NOT NULL,
  ALTER COLUMN id_idx DROP NOT NULL,
  ALTER COLUMN request_digest DROP NOT NULL,
  ADD COLUMN picture_redacted_at timestamptz,
  ADD COLUMN redacted_at timestamptz,
  -- who redacted: 'operator' (the API) or 'retention' (the schedule)
  ADD COLUMN redacted_by text CHECK (redacted_by IN ('operator', 'retention'));

-- The retention sweep's two queries: checks by age, not yet redacted (or not yet
-- without their picture).
CREATE INDEX face_verifications_unredacted ON face_verifications (created_at) WHERE redacted_at IS NULL;
CREATE INDEX face_verifications_pictures ON face_verifications (created_at) WHERE picture_enc IS NOT NULL;

-- The real-name record of a redacted verification keeps the account verified and its blind
-- index (the ID subject limit and the recovery lookup by ID number read it: a keyed HMAC,
-- useless without the server's key); the sealed name, ID number and picture path go.
ALTER TABLE real_name_records
  ALTER COLUMN name_enc DROP NOT NULL,
  ALTER COLUMN id_enc DROP NOT NULL,
  ADD COLUMN picture_redacted_at timestamptz,
  ADD COLUMN redacted_at timestamptz;

-- Down Migration
-- (the columns stay nullable: a redacted row has nothing to put back)
ALTER TABLE real_name_records DROP COLUMN redacted_at, DROP COLUMN picture_redacted_at;
DROP INDEX face_verifications_pictures;
DROP INDEX face_verifications_unredacted;
ALTER TABLE face_verifications DROP COLUMN redacted_by, DROP COLUMN redacted_at, DROP COLUMN picture_redacted_at;
