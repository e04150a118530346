-- Up Migration

-- Reports (seed 001): per scene and window, counted in Postgres from the records.
-- Each index leads with the scene (equality) then the creation time (the window's range),
-- and carries the columns the report counts on, so the query is an index-only range scan.

-- Face checks (personal, rebind_phone, rebind_email): status decides pass / failure.
CREATE INDEX face_verifications_scene_created ON face_verifications (scene, created_at) INCLUDE (status);

-- Verification codes (bind_phone, bind_email, unbind_phone, unbind_email): status and
-- sent_at decide delivered / used / superseded / expired.
CREATE INDEX verification_codes_scene_created ON verification_codes (scene, created_at) INCLUDE (status, sent_at);

-- Counters: certifyIds issued (api:face_certify), and messages by channel and status
-- (sms:sent, mail:sent, …).
CREATE INDEX face_verifications_created ON face_verifications (created_at);
CREATE INDEX message_log_channel_status_created ON message_log (channel, status, created_at);

-- Down Migration
DROP INDEX message_log_channel_status_created;
DROP INDEX face_verifications_created;
DROP INDEX verification_codes_scene_created;
DROP INDEX face_verifications_scene_created;
