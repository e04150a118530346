// The session registry: the platform registers its users' sessions here; flows that
// change a contact end all but the one that made the change.
import type { Pool, PoolClient } from 'pg';
import type { RequestMeta } from '../flows/shared/contract';

export interface SessionRow {
  id: string;
  account_id: string;
  ip: string | null;
  user_agent: string | null;
  fingerprint: string | null;
  created_at: Date;
  ended_at: Date | null;
  ended_reason: string | null;
  ended_by_flow: string | null;
}

export interface SessionView {
  id: string;
  live: boolean;
  createdAt: string;
  endedAt: string | null;
  endedReason: string | null;
  endedByFlow: string | null;
}

export function viewSession(r: SessionRow): SessionView {
  return {
    id: r.id,
    live: r.ended_at === null,
    createdAt: r.created_at.toISOString(),
    endedAt: r.ended_at?.toISOString() ?? null,
    endedReason: r.ended_reason,
    endedByFlow: r.ended_by_flow,
  };
}

/** Idempotent: registering a known session of the same account answers it. */
export async function registerSession(pool: Pool, accountId: string, id: string, meta: RequestMeta): Promise<{ created: boolean; row: SessionRow | null }> {
  const ins = await pool.query<SessionRow>(
    `INSERT INTO sessions (id, account_id, ip, user_agent, fingerprint) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO NOTHING RETURNING *`,
    [id, accountId, meta.ip ?? null, meta.userAgent ?? null, meta.fingerprint ?? null],
  );
  if (ins.rows[0]) return { created: true, row: ins.rows[0] };
  const { rows } = await pool.query<SessionRow>('SELECT * FROM sessions WHERE id = $1 AND account_id = $2', [id, accountId]);
  return { created: false, row: rows[0] ?? null };
}

/** Whether this session of the account is live (not ended). */
export async function sessionIsLive(pool: Pool, accountId: string, id: string): Promise<boolean> {
  const { rowCount } = await pool.query('SELECT 1 FROM sessions WHERE id = $1 AND account_id = $2 AND ended_at IS NULL', [id, accountId]);
  return rowCount === 1;
}

export async function listSessions(pool: Pool, accountId: string): Promise<SessionRow[]> {
  const { rows } = await pool.query<SessionRow>('SELECT * FROM sessions WHERE account_id = $1 ORDER BY created_at, id', [accountId]);
  return rows;
}

export async function endSession(pool: Pool, accountId: string, id: string, reason: string): Promise<SessionRow | null> {
  const { rows } = await pool.query<SessionRow>(
    `UPDATE sessions SET ended_at = COALESCE(ended_at, now()), ended_reason = COALESCE(ended_reason, $3)
     WHERE id = $1 AND account_id = $2 RETURNING *`,
    [id, accountId, reason],
  );
  return rows[0] ?? null;
}

/**
 * Ends every live session of the account except `keep`. A retry finds the sessions it
 * ended before (ended_by_flow) and answers the same list.
 */
export async function endOtherSessions(db: Pool | PoolClient, accountId: string, keep: string | null, flowId: string, reason: string): Promise<string[]> {
  await db.query(
    `UPDATE sessions SET ended_at = now(), ended_reason = $4, ended_by_flow = $3
     WHERE account_id = $1 AND ended_at IS NULL AND ($2::text IS NULL OR id <> $2)`,
    [accountId, keep, flowId, reason],
  );
  const { rows } = await db.query<{ id: string }>('SELECT id FROM sessions WHERE account_id = $1 AND ended_by_flow = $2 ORDER BY id', [accountId, flowId]);
  return rows.map((r) => r.id);
}
