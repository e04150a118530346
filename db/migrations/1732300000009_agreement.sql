-- Up Migration

-- The real-name agreement (the seed's "账户实名认证协议", id real) the user accepted to start the
-- check, kept with its face row beside the request's ip, user agent and fingerprint: which
-- version, and when. Null for scenes that ask for none and for rows made before this.
ALTER TABLE face_verifications ADD COLUMN agreement_id text;
ALTER TABLE face_verifications ADD COLUMN agreement_version text;
ALTER TABLE face_verifications ADD COLUMN agreement_accepted_at timestamptz;

-- Down Migration
ALTER TABLE face_verifications DROP COLUMN agreement_accepted_at;
ALTER TABLE face_verifications DROP COLUMN agreement_version;
ALTER TABLE face_verifications DROP COLUMN agreement_id;
