-- Up Migration

-- Rebind notices become an outbox: the change and its notices to the old contacts are
-- written in one transaction (status 'pending', old contact sealed), then sent. So a notice
-- goes out for every change that happened and for no change that did not.
ALTER TABLE message_log DROP CONSTRAINT message_log_status_check;
ALTER TABLE message_log ADD CONSTRAINT message_log_status_check CHECK (status IN ('pending', 'sent', 'failed'));
CREATE INDEX message_log_pending ON message_log (created_at) WHERE status = 'pending';

-- Face quota is held when a face check issues its certifyId and consumed when the check is
-- billed, so no check runs on a unit another check of the same account already counts on.
-- A hold that is neither consumed nor released (its flow was terminated) lapses at hold_until.
ALTER TABLE face_quota_ledger ADD COLUMN state text NOT NULL DEFAULT 'consumed'
  CHECK (state IN ('held', 'consumed', 'released', 'refunded'));
ALTER TABLE face_quota_ledger ADD COLUMN hold_until timestamptz;
UPDATE face_quota_ledger SET state = 'refunded' WHERE refunded_at IS NOT NULL;
CREATE INDEX face_quota_ledger_held ON face_quota_ledger (account_id, hold_until) WHERE state = 'held';

-- Down Migration
DROP INDEX face_quota_ledger_held;
ALTER TABLE face_quota_ledger DROP COLUMN hold_until;
ALTER TABLE face_quota_ledger DROP COLUMN state;
DROP INDEX message_log_pending;
DELETE FROM message_log WHERE status = 'pending';
ALTER TABLE message_log DROP CONSTRAINT message_log_status_check;
ALTER TABLE message_log ADD CONSTRAINT message_log_status_check CHECK (status IN ('sent', 'failed'));
