// The account state the platform sets and the face scenes act on (migration
// 1732300000008_face_scenes.sql): security flags, the freeze, a cancellation request. The
// platform's own changes are plain updates with an audit row; a face scene's effect is one
// transaction with its session endings, audit row and callback event, keyed by the flow run
// (flows/shared/run-key.ts) so a retried step finds what it committed.
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { RequestMeta } from '../flows/shared/contract';
import type { FaceSceneEffect, SceneName } from '../flows/face-scene/contract';
import type { ErrorCode } from '../lib/errors';
import { recordAudit, recordCallbackEvent } from './events';
import { inTransaction } from './pool';

type Db = Pool | PoolClient;

export interface SecurityRow {
  id: string;
  security_flags: string[];
  security_flags_reason: string | null;
  security_flags_set_at: Date | null;
  frozen_at: Date | null;
  frozen_reason: string | null;
  cancellation_requested_at: Date | null;
  cancellation_effective_at: Date | null;
  cancellation_flow_id: string | null;
}

export interface SecurityView {
  accountId: string;
  securityFlags: { flags: string[]; reason: string | null; setAt: string | null };
  frozen: { at: string; reason: string | null } | null;
  cancellation: { requestedAt: string; effectiveAt: string; flowId: string | null } | null;
}

const COLUMNS =
  'id, security_flags, security_flags_reason, security_flags_set_at, frozen_at, frozen_reason, cancellation_requested_at, cancellation_effective_at, cancellation_flow_id';

export async function findSecurity(db: Db, accountId: string, forUpdate = false): Promise<SecurityRow | null> {
  const { rows } = await db.query<SecurityRow>(`SELECT ${COLUMNS} FROM accounts WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [accountId]);
  return rows[0] ?? null;
}

export function viewSecurity(r: SecurityRow): SecurityView {
  return {
    accountId: r.id,
    securityFlags: { flags: r.security_flags, reason: r.security_flags_reason, setAt: r.security_flags_set_at?.toISOString() ?? null },
    frozen: r.frozen_at ? { at: r.frozen_at.toISOString(), reason: r.frozen_reason } : null,
    cancellation:
      r.cancellation_requested_at && r.cancellation_effective_at
        ? { requestedAt: r.cancellation_requested_at.toISOString(), effectiveAt: r.cancellation_effective_at.toISOString(), flowId: r.cancellation_flow_id }
        : null,
  };
}

/** Why a scene cannot start (or apply) on this account now; null when it can. */
export function sceneRefusal(scene: SceneName, r: Pick<SecurityRow, 'frozen_at' | 'security_flags' | 'cancellation_requested_at'>): ErrorCode | null {
  if (scene === 'unfreeze') return r.frozen_at ? null : 'ACCOUNT_NOT_FROZEN';
  if (r.frozen_at) return 'ACCOUNT_FROZEN';
  if (scene === 'reset_security' && r.security_flags.length === 0) return 'SECURITY_FLAGS_NOT_SET';
  if (scene === 'cancellation' && r.cancellation_requested_at) return 'CANCELLATION_PENDING';
  return null;
}

type PlatformChange = 'security_flags.set' | 'account.frozen' | 'account.unfrozen_by_platform' | 'cancellation.withdrawn';

function platformUpdate(pool: Pool, accountId: string, sql: string, params: unknown[], type: PlatformChange, meta: RequestMeta): Promise<SecurityRow | null> {
  return inTransaction(pool, async (c) => {
    const { rows } = await c.query<SecurityRow>(`UPDATE accounts SET ${sql}, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [accountId, ...params]);
    const row = rows[0] ?? null;
    // each of the platform's changes is its own: no key to find it by again
    if (row) await recordAudit(c, { dedupeKey: `platform/${accountId}/${type}/${randomUUID()}`, accountId, flowId: null, type, data: { ...viewSecurity(row) }, meta });
    return row;
  });
}

/** The platform's flags replace the previous ones; an empty list clears them. */
export function setSecurityFlags(pool: Pool, accountId: string, flags: string[], reason: string | null, meta: RequestMeta) {
  return platformUpdate(
    pool,
    accountId,
    'security_flags = $2, security_flags_reason = $3, security_flags_set_at = CASE WHEN cardinality($2::text[]) = 0 THEN NULL ELSE now() END',
    [[...new Set(flags)].sort(), flags.length ? reason : null],
    'security_flags.set',
    meta,
  );
}

/** Freezing a frozen account keeps the first time and reason: the user sees why it was frozen then. */
export function freezeAccount(pool: Pool, accountId: string, reason: string | null, meta: RequestMeta) {
  return platformUpdate(pool, accountId, 'frozen_reason = CASE WHEN frozen_at IS NULL THEN $2 ELSE frozen_reason END, frozen_at = COALESCE(frozen_at, now())', [reason], 'account.frozen', meta);
}

export function unfreezeByPlatform(pool: Pool, accountId: string, meta: RequestMeta) {
  return platformUpdate(pool, accountId, 'frozen_at = NULL, frozen_reason = NULL', [], 'account.unfrozen_by_platform', meta);
}

export function withdrawCancellation(pool: Pool, accountId: string, meta: RequestMeta) {
  return platformUpdate(pool, accountId, 'cancellation_requested_at = NULL, cancellation_effective_at = NULL, cancellation_flow_id = NULL', [], 'cancellation.withdrawn', meta);
}

// ---------------------------------------------------------------------------------------
// A face scene's effect

/** reset_security: the flags cleared and the other sessions ended; unfreeze: since when it was
 *  frozen; cancellation: when the cooling-off ends. */
export type SceneEffect = FaceSceneEffect;

export interface SceneApply {
  runKey: string;
  flowId: string;
  accountId: string;
  scene: SceneName;
  eventType: string;
  keepSessionId: string | null;
  coolingDays: number;
  faceRecordId: string | null;
  /** how the owner proved it is them (absent: the face, as before the code method) */
  method?: 'face' | 'sms';
  meta: RequestMeta;
}

const effectKey = (runKey: string, eventType: string) => `${runKey}/${eventType}`;

/** What this run committed, if it did (its audit row holds the effect). */
export async function committedSceneEffect(db: Db, runKey: string, eventType: string): Promise<SceneEffect | null> {
  const { rows } = await db.query<{ data: SceneEffect }>('SELECT data FROM audit_events WHERE dedupe_key = $1', [effectKey(runKey, eventType)]);
  return rows[0]?.data ?? null;
}

/**
 * The scene's effect over the locked account row, its audit row and its callback event; the
 * caller's transaction. A refusal (the platform froze the account meanwhile, …) is returned,
 * and nothing is written.
 */
/** `wanted`, when this call wrote the event: whether some webhook endpoint wants it (recordCallbackEvent). */
export async function applySceneEffect(c: PoolClient, a: SceneApply): Promise<{ ok: true; effect: SceneEffect; wanted?: boolean } | { ok: false; code: ErrorCode }> {
  const row = await findSecurity(c, a.accountId, true);
  if (!row) return { ok: false, code: 'ACCOUNT_NOT_FOUND' };
  const prior = await committedSceneEffect(c, a.runKey, a.eventType);
  if (prior) return { ok: true, effect: prior };
  // the platform unfreezing directly while the user's face check ran leaves nothing to refuse:
  // the user proved who they are, and the account is where they wanted it
  const refusal = a.scene === 'unfreeze' ? null : sceneRefusal(a.scene, row);
  if (refusal && refusal !== 'SECURITY_FLAGS_NOT_SET') return { ok: false, code: refusal };

  const effect: SceneEffect = { flagsCleared: [], sessionsEnded: [], frozenAt: null, coolingOffUntil: null };
  if (a.scene === 'reset_security') {
    effect.flagsCleared = row.security_flags;
    await c.query('UPDATE accounts SET security_flags = $2, security_flags_reason = NULL, security_flags_set_at = NULL, updated_at = now() WHERE id = $1', [a.accountId, []]);
    const ended = await c.query<{ id: string }>(
      `UPDATE sessions SET ended_at = now(), ended_reason = 'security_reset', ended_by_flow = $3
       WHERE account_id = $1 AND ended_at IS NULL AND ($2::text IS NULL OR id <> $2) RETURNING id`,
      [a.accountId, a.keepSessionId, a.flowId],
    );
    effect.sessionsEnded = ended.rows.map((r) => r.id).sort();
  } else if (a.scene === 'unfreeze') {
    effect.frozenAt = row.frozen_at?.toISOString() ?? null;
    await c.query('UPDATE accounts SET frozen_at = NULL, frozen_reason = NULL, updated_at = now() WHERE id = $1', [a.accountId]);
  } else {
    const { rows } = await c.query<{ until: Date }>(
      `UPDATE accounts SET cancellation_requested_at = now(), cancellation_effective_at = now() + make_interval(days => $2), cancellation_flow_id = $3, updated_at = now()
       WHERE id = $1 RETURNING cancellation_effective_at AS until`,
      [a.accountId, a.coolingDays, a.flowId],
    );
    effect.coolingOffUntil = rows[0]!.until.toISOString();
  }
  const key = effectKey(a.runKey, a.eventType);
  await recordAudit(c, { dedupeKey: key, accountId: a.accountId, flowId: a.flowId, type: a.eventType, data: { ...effect }, meta: a.meta });
  // the seed's generic face-success hook (xc_face_ok_hook: type, id, table_name) plus what the platform acts on
  const wanted = await recordCallbackEvent(c, {
    eventKey: key,
    type: a.eventType,
    accountId: a.accountId,
    flowId: a.flowId,
    payload: { accountId: a.accountId, flowId: a.flowId, type: a.scene, method: a.method ?? 'face', id: a.faceRecordId, table_name: 'face_verifications', ...effect },
  });
  return { ok: true, effect, wanted };
}

/**
 * Units held by the live face checks of one flow id (their keys are `<flowId>/<nonce>/face`): a
 * repeat start of that flow is answered by the flow itself, so its own hold is not "in use".
 */
export async function heldByFlow(db: Db, accountId: string, flowId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM face_quota_ledger WHERE account_id = $1 AND state = 'held' AND hold_until > now() AND starts_with(key, $2)",
    [accountId, `${flowId}/`],
  );
  return rows[0]!.n;
}
