// Verification codes: one row per code request (its request key), the code only as a keyed
// hash (lib/codes.ts). The code's lifetime is the workflow's timer; a row's status is its
// place in single use: pending → sent → used, or superseded by a newer code of the run, or
// failed when its message did not go out.
import type { Pool, PoolClient } from 'pg';
import type { Channel, Scene } from '../lib/scenes';

export async function codeOfRequest(db: Pool, requestKey: string): Promise<{ id: string; status: string } | undefined> {
  const { rows } = await db.query<{ id: string; status: string }>('SELECT id, status FROM verification_codes WHERE request_key = $1', [requestKey]);
  return rows[0];
}

/** The request's code, pending until its message went out; a repeat of the request replaces its hash. */
export async function upsertPendingCode(
  db: Pool,
  c: { id: string; requestKey: string; accountId: string; flowId: string; scene: Scene; channel: Channel; targetIdx: Buffer; codeHash: Buffer },
): Promise<void> {
  await db.query(
    `INSERT INTO verification_codes (id, request_key, account_id, flow_id, scene, channel, target_idx, code_hash, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')
     ON CONFLICT (request_key) DO UPDATE SET code_hash = EXCLUDED.code_hash, status = 'pending'`,
    [c.id, c.requestKey, c.accountId, c.flowId, c.scene, c.channel, c.targetIdx, c.codeHash],
  );
}

export async function markCodeFailed(db: Pool, codeId: string): Promise<void> {
  await db.query("UPDATE verification_codes SET status = 'failed' WHERE id = $1", [codeId]);
}

/**
 * In the caller's transaction: the code is sent, and the run's other sent codes are
 * superseded (the newest code of a flow run is the only live one; other runs' rows are
 * theirs). Flows recorded before run keys (runKey null) supersede across the flow.
 */
export async function markCodeSent(c: PoolClient, flowId: string, codeId: string, runKey: string | null): Promise<void> {
  await c.query(
    `UPDATE verification_codes SET status = 'superseded'
     WHERE flow_id = $1 AND id <> $2 AND status = 'sent' AND ($3::text IS NULL OR starts_with(request_key, $3 || '/'))`,
    [flowId, codeId, runKey],
  );
  await c.query("UPDATE verification_codes SET status = 'sent', sent_at = COALESCE(sent_at, now()) WHERE id = $1", [codeId]);
}

export async function findFlowCode(db: Pool, codeId: string, flowId: string): Promise<{ code_hash: Buffer; status: string; used_by: string | null } | undefined> {
  const { rows } = await db.query<{ code_hash: Buffer; status: string; used_by: string | null }>(
    'SELECT code_hash, status, used_by FROM verification_codes WHERE id = $1 AND flow_id = $2',
    [codeId, flowId],
  );
  return rows[0];
}

/** Uses a sent code for one submission; false when another got there first (or it is not sent). */
export async function useCode(db: Pool, codeId: string, submissionKey: string): Promise<boolean> {
  const won = await db.query(
    "UPDATE verification_codes SET status = 'used', used_at = now(), used_by = $2 WHERE id = $1 AND status = 'sent'",
    [codeId, submissionKey],
  );
  return won.rowCount === 1;
}
