-- Up Migration

-- When the first attempt to send a message started, written before the provider is called.
-- A retry that finds it set (and the message not logged sent) knows an earlier attempt may
-- have reached the provider and died before logging the answer, and asks the provider's
-- delivery reports before sending again. NULL: no attempt yet (a queued notice), or a row
-- logged before this column existed.
ALTER TABLE message_log ADD COLUMN send_started_at timestamptz;

-- Down Migration
ALTER TABLE message_log DROP COLUMN send_started_at;
