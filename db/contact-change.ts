// The moment a contact changes (bind or rebind): the account row, the end of the other
// sessions, the audit row and the callback event are written in the caller's transaction,
// so none of them exists without the others. Keyed by the flow run (flows/shared/run-key.ts):
// a retry of the step finds what its first attempt committed and answers the same.
import type { Pool, PoolClient } from 'pg';
import type { ContactKind } from '../lib/contact-kinds';
import type { FieldCrypto } from '../lib/field-crypto';
import { setContact, type AccountRow } from './accounts';
import type { RequestMeta } from '../flows/shared/contract';
import { recordAudit, recordCallbackEvent } from './events';

export interface ContactChange {
  runKey: string;
  flowId: string;
  kind: ContactKind;
  /** normalized phone or email */
  target: string;
  /** phone.bound, email.rebound, … */
  eventType: string;
  keepSessionId: string | null;
  meta: RequestMeta;
  /** the callback event's payload, without contactVersion and sessionsEnded (added here) */
  payload: Record<string, unknown>;
}

export interface CommittedChange {
  contactVersion: number;
  sessionsEnded: string[];
}

const changeKey = (runKey: string, eventType: string) => `${runKey}/${eventType}`;

/** What this run already committed, if it did. */
export async function committedChange(c: Pool | PoolClient, runKey: string, eventType: string): Promise<CommittedChange | null> {
  const { rows } = await c.query<{ data: Partial<CommittedChange> }>('SELECT data FROM audit_events WHERE dedupe_key = $1', [changeKey(runKey, eventType)]);
  const data = rows[0]?.data;
  return data ? { contactVersion: data.contactVersion ?? 0, sessionsEnded: data.sessionsEnded ?? [] } : null;
}

/** The account row must be locked by the caller (findAccount(c, id, true)). */
/** `wanted`: whether some webhook endpoint wants the event (recordCallbackEvent). */
export async function applyContactChange(c: PoolClient, crypto: FieldCrypto, account: AccountRow, ch: ContactChange): Promise<CommittedChange & { wanted: boolean }> {
  const contactVersion = await setContact(c, crypto, account.id, ch.kind, ch.target);
  // a contact is a security credential: every other session of the account ends with the change
  const ended = await c.query<{ id: string }>(
    `UPDATE sessions SET ended_at = now(), ended_reason = $4, ended_by_flow = $3
     WHERE account_id = $1 AND ended_at IS NULL AND ($2::text IS NULL OR id <> $2) RETURNING id`,
    [account.id, ch.keepSessionId, ch.flowId, ch.eventType.replace('.', '_')],
  );
  const sessionsEnded = ended.rows.map((r) => r.id).sort();
  const key = changeKey(ch.runKey, ch.eventType);
  await recordAudit(c, { dedupeKey: key, accountId: account.id, flowId: ch.flowId, type: ch.eventType, data: { contactVersion, sessionsEnded }, meta: ch.meta });
  const wanted = await recordCallbackEvent(c, {
    eventKey: key,
    type: ch.eventType,
    accountId: account.id,
    flowId: ch.flowId,
    payload: { ...ch.payload, contactVersion, sessionsEnded },
  });
  return { contactVersion, sessionsEnded, wanted };
}
