-- Up Migration

-- Security notices are capped per account, scene and calendar day (the seed's rebind_push: SMS 3,
-- mail 5 a day). A notice over the cap is kept as 'capped': the change that owed it is on record,
-- and the count of a day is the count of its rows that went out or were to.
ALTER TABLE message_log DROP CONSTRAINT message_log_status_check;
ALTER TABLE message_log ADD CONSTRAINT message_log_status_check CHECK (status IN ('pending', 'sent', 'failed', 'capped'));
CREATE INDEX message_log_notice_day ON message_log (account_id, scene, channel, created_at) WHERE kind = 'notice';

-- Down Migration
DROP INDEX message_log_notice_day;
DELETE FROM message_log WHERE status = 'capped';
ALTER TABLE message_log DROP CONSTRAINT message_log_status_check;
ALTER TABLE message_log ADD CONSTRAINT message_log_status_check CHECK (status IN ('pending', 'sent', 'failed'));
