// Notices owed by a committed change, queued in message_log (status 'pending') in the same
// transaction as the change, then sent by an activity that updates the same row. The
// recipient is sealed: it is the contact the account had before the change. A code being
// sent has a 'pending' row too (providers/outbox.ts), so a queued notice is kind 'notice'.
import type { Pool, PoolClient } from 'pg';
import type { FieldCrypto } from '../lib/field-crypto';
import type { Channel } from '../lib/scenes';
import { MESSAGE_TARGET_AAD as AAD } from './messages';
import { contactIndex, decryptContact, type AccountRow } from './accounts';
import { CONTACT, CONTACT_KINDS, type ContactKind } from '../lib/contact-kinds';

export interface QueuedNotice {
  requestKey: string;
  accountId: string;
  flowId: string;
  channel: Channel;
  target: string;
  targetIdx: Buffer;
  /** SMS template id or mail subject */
  template: string;
  /** what message_log files it under: rebind_notice, recovery_notice */
  scene: string;
}

/**
 * A notice queued to each contact the account has bound (the caller's transaction, the account
 * row read in it); `template` gives each channel's SMS template id or mail subject. Past the
 * day's cap for this account, scene and channel (Asia/Shanghai calendar day, as the code limits)
 * the row is 'capped' instead: recorded, never sent. The account's notice lock makes two
 * changes committing at once count one after the other.
 */
export async function queueNoticesToContacts(
  c: PoolClient,
  crypto: FieldCrypto,
  account: Pick<AccountRow, 'id' | 'phone_enc' | 'email_enc'>,
  n: { requestKey: string; flowId: string; scene: string; template: (kind: ContactKind) => string; dailyLimit: Record<Channel, number> },
): Promise<void> {
  await c.query(`SELECT pg_advisory_xact_lock(hashtextextended('notice:' || $1, 0))`, [account.id]);
  for (const kind of CONTACT_KINDS) {
    const to = decryptContact(crypto, account, kind);
    if (!to) continue;
    const channel = CONTACT[kind].channel;
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM message_log
       WHERE account_id = $1 AND scene = $2 AND channel = $3 AND kind = 'notice' AND status <> 'capped' AND request_key <> $4
         AND created_at >= date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai'`,
      [account.id, n.scene, channel, n.requestKey],
    );
    const status = rows[0]!.n >= n.dailyLimit[channel] ? 'capped' : 'pending';
    await c.query(
      `INSERT INTO message_log (request_key, account_id, flow_id, kind, scene, channel, target_enc, target_idx, template, status)
       VALUES ($1, $2, $3, 'notice', $8, $4, $5, $6, $7, $9)
       ON CONFLICT (request_key, channel) DO NOTHING`,
      [n.requestKey, account.id, n.flowId, channel, crypto.encrypt(to, AAD), contactIndex(crypto, kind, to), n.template(kind), n.scene, status],
    );
  }
}

export interface OutboxNotice extends QueuedNotice {
  status: 'pending' | 'sent' | 'failed' | 'capped';
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
    scene: string;
    status: OutboxNotice['status'];
    provider_code: string | null;
  }>(
    `SELECT account_id, flow_id, channel, target_enc, target_idx, template, scene, status, provider_code
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
    scene: r.scene,
    status: r.status,
    providerCode: r.provider_code,
  }));
}
