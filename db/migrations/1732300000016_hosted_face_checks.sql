-- Up Migration

-- A face check may run inside its owner's run instead of as a child workflow of its own (the
-- real-name flow, from its patch hosted-face on). Its data is then in the owner run's history,
-- which the API's completion, a provider's callback and redaction address by this run id; a
-- check with its own workflow keeps it null and is addressed by face_check_id as before.
ALTER TABLE face_verifications ADD COLUMN host_run_id text;

-- Down Migration

ALTER TABLE face_verifications DROP COLUMN host_run_id;
