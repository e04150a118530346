// Notices owed by a committed change, queued in message_log (status 'pending') in the same
// transaction as the change, then sent by an activity that updates the same row. The
// recipient is sealed: it is the contact the account had before the change. A code being
// sent has a 'pending' row too (providers/outbox.ts), so a queued notice is kind 'notice'.
import type { Pool, PoolClient } from 'pg';
import type { FieldCrypto } from '../lib/field-crypto';
import type { Channel } from '../lib/scenes';
import { MESSAGE_TARGET_AAD as AAD } from './messages';

export interface QueuedNotice {
  requestKey: string;
  accountId: string;
  flowId: string;
  channel: Channel;
  target: string;
  targetIdx: Buffer;
  /** SMS template id or mail subject */
  template: string;
}

export async function queueNotice(c: PoolClient, crypto: FieldCrypto, n: QueuedNotice): Promise<void> {
  await c.query(
    `INSERT INTO message_log (request_key, account_id, flow_id, kind, scene, channel, target_enc, target_idx, template, status)
     VALUES ($1, $2, $3, 'notice', 'rebind_notice', $4, $5, $6, $7, 'pending')
     ON CONFLICT (request_key, channel) DO NOTHING`,
    [n.requestKey, n.accountId, n.flowId, n.channel, crypto.encrypt(n.target, AAD), n.targetIdx, n.template],
  );
}

export interface OutboxNotice extends QueuedNotice {
  status: 'pending' | 'sent' | 'failed';
  providerCode: string | null;
}

/** The notices of one request key, whatever their state, in channel order (sms, then mail). */
export async function noticeOutbox(pool: Pool, crypto: FieldCrypto, requestKey: string): Promise<OutboxNotice[]> {
  const { rows } = await pool.query<{
    account_id: string;
    flow_id: string;
    channel: Channel;
    target_enc: string;
    target_idx: Buffer;
    template: string;
    status: OutboxNotice['status'];
    provider_code: string | null;
  }>(
    `SELECT account_id, flow_id, channel, target_enc, target_idx, template, status, provider_code
     FROM message_log WHERE request_key = $1 AND kind = 'notice' ORDER BY channel DESC`,
    [requestKey],
  );
  return rows.map((r) => ({
    requestKey,
    accountId: r.account_id,
    flowId: r.flow_id,
    channel: r.channel,
    target: crypto.decrypt(r.target_enc, AAD),
    targetIdx: r.target_idx,
    template: r.template,
    status: r.status,
    providerCode: r.provider_code,
  }));
}
