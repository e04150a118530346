// The message log: one row per message (code or notice) and channel, keyed by its request
// key, so a retried send updates its row instead of adding one. The recipient is sealed.
// providers/outbox.ts writes it around each provider call; db/notices.ts queues notices in it.
import type { Pool } from 'pg';
import type { FieldCrypto } from '../lib/field-crypto';
import type { Channel } from '../lib/scenes';

export const MESSAGE_TARGET_AAD = 'message_log.target';

export interface MessageLogEntry {
  requestKey: string;
  accountId: string | null;
  flowId: string | null;
  kind: 'code' | 'notice';
  scene: string;
  channel: Channel;
  target: string;
  targetIdx: Buffer;
  /** SMS template id or mail subject */
  template: string;
}

export interface EarlierAttempt {
  status: 'pending' | 'sent' | 'failed';
  send_started_at: Date | null;
  provider_code: string | null;
  provider_message: string | null;
  provider_ref: string | null;
}

export interface LoggedOutcome {
  ok: boolean;
  providerCode: string;
  providerMessage: string;
  providerRef: string | null;
}

/**
 * Writes (and commits) that an attempt is about to call the provider, and answers what the
 * row said before. A new code gets a 'pending' row of kind 'code' (readers of queued notices
 * select kind 'notice'); an existing row keeps its status, so counters still see each message
 * once at its last outcome. The earliest start is kept: a report of any earlier attempt must
 * fall inside the window a retry asks about.
 */
export async function markAttemptStarted(db: Pool, crypto: FieldCrypto, m: MessageLogEntry): Promise<EarlierAttempt | undefined> {
  const { rows } = await db.query<EarlierAttempt>(
    `WITH earlier AS (
       SELECT status, send_started_at, provider_code, provider_message, provider_ref
       FROM message_log WHERE request_key = $1 AND channel = $6
     ), started AS (
       INSERT INTO message_log (request_key, account_id, flow_id, kind, scene, channel, target_enc, target_idx, template, status, send_started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', now())
       ON CONFLICT (request_key, channel) DO UPDATE SET send_started_at = COALESCE(message_log.send_started_at, now())
     )
     SELECT * FROM earlier`,
    [m.requestKey, m.accountId, m.flowId, m.kind, m.scene, m.channel, crypto.encrypt(m.target, MESSAGE_TARGET_AAD), m.targetIdx, m.template],
  );
  return rows[0];
}

/** The provider's answer on the message's row (provider message cut to 500 characters). */
export async function logMessageOutcome(db: Pool, crypto: FieldCrypto, m: MessageLogEntry, outcome: LoggedOutcome): Promise<void> {
  await db.query(
    `INSERT INTO message_log (request_key, account_id, flow_id, kind, scene, channel, target_enc, target_idx, template, status, provider_code, provider_message, provider_ref, send_started_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
     ON CONFLICT (request_key, channel) DO UPDATE SET status = EXCLUDED.status, provider_code = EXCLUDED.provider_code,
       provider_message = EXCLUDED.provider_message, provider_ref = EXCLUDED.provider_ref, created_at = now(),
       send_started_at = COALESCE(message_log.send_started_at, EXCLUDED.send_started_at)`,
    [
      m.requestKey, m.accountId, m.flowId, m.kind, m.scene, m.channel,
      crypto.encrypt(m.target, MESSAGE_TARGET_AAD), m.targetIdx, m.template,
      outcome.ok ? 'sent' : 'failed', outcome.providerCode, outcome.providerMessage.slice(0, 500), outcome.providerRef,
    ],
  );
}

/** The status of a request's message on a channel, if it has a row. */
export async function messageStatus(db: Pool, requestKey: string, channel: Channel): Promise<{ status: string; provider_code: string } | undefined> {
  const { rows } = await db.query<{ status: string; provider_code: string }>(
    'SELECT status, provider_code FROM message_log WHERE request_key = $1 AND channel = $2',
    [requestKey, channel],
  );
  return rows[0];
}

/** Whether a request's message on a channel went out (the provider took it). */
export async function messageSent(db: Pool, requestKey: string, channel: Channel): Promise<boolean> {
  const { rowCount } = await db.query("SELECT 1 FROM message_log WHERE request_key = $1 AND channel = $2 AND status = 'sent'", [requestKey, channel]);
  return !!rowCount;
}
