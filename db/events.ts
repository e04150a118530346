// Audit trail and callback events. Both are keyed so an activity retry writes once.
import type { Pool, PoolClient } from 'pg';
import type { RequestMeta } from '../flows/shared/contract';
import { someSubscriberWantsSql } from './webhooks';

export async function recordAudit(
  db: Pool | PoolClient,
  e: { dedupeKey: string; accountId: string | null; flowId: string | null; type: string; data?: Record<string, unknown>; meta?: RequestMeta },
): Promise<void> {
  await db.query(
    `INSERT INTO audit_events (dedupe_key, account_id, flow_id, type, data, ip, user_agent, fingerprint)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING`,
    [e.dedupeKey, e.accountId, e.flowId, e.type, JSON.stringify(e.data ?? {}), e.meta?.ip ?? null, e.meta?.userAgent ?? null, e.meta?.fingerprint ?? null],
  );
}

/**
 * Answers whether some live endpoint wants events of its type, read in the same statement: the
 * dispatcher's wake-up after the commit then needs no query of its own (notifyWebhookDispatcher).
 */
export async function recordCallbackEvent(
  db: Pool | PoolClient,
  e: { eventKey: string; type: string; accountId: string; flowId: string | null; payload: Record<string, unknown> },
): Promise<boolean> {
  // a data-modifying WITH runs whether or not the SELECT reads it, also on a conflict
  const { rows } = await db.query<{ wanted: boolean }>(
    `WITH recorded AS (
       INSERT INTO callback_events (event_key, type, account_id, flow_id, payload)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_key) DO NOTHING)
     SELECT ${someSubscriberWantsSql(2)} AS wanted`,
    [e.eventKey, e.type, e.accountId, e.flowId, JSON.stringify(e.payload)],
  );
  return !!rows[0]?.wanted;
}

/** Whether the audit row of this key was written (a retried step finding its own write). */
export async function auditRecorded(db: Pool | PoolClient, dedupeKey: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM audit_events WHERE dedupe_key = $1', [dedupeKey]);
  return !!rowCount;
}
