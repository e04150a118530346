// Account recovery's rows (migrations 1732300000010_recovery_grants.sql, 0011, 0013): which accounts an
// identifier leads to, and the grant of a proven grant flow (recovery, password reset), kept by its hash only
// (lib/recovery-grant.ts). Every write is keyed by the flow run, so a retried step finds its own.
import type { Pool, PoolClient } from 'pg';
import type { GrantMethod, GrantPurpose } from '../flows/shared/contract';
import { identityRedactedSql } from './redaction';

type Db = Pool | PoolClient;

export type IdentifierKind = 'phone' | 'email' | 'idNumber';

export interface RecoveryCandidate {
  id: string;
  phone_enc: string | null;
  email_enc: string | null;
  real_name_status: 'none' | 'verified';
  /** verified, but the identity was redacted (db/redaction.ts): no face method */
  identity_redacted: boolean;
  frozen_at: Date | null;
}

/**
 * The accounts an identifier's blind index leads to: the one a phone or an email is bound to,
 * or those an ID number verified (ID_SUBJECT_LIMIT may allow several), oldest first.
 */
export async function accountsByIdentifier(db: Db, kind: IdentifierKind, idx: Buffer): Promise<RecoveryCandidate[]> {
  const where =
    kind === 'idNumber'
      ? "id IN (SELECT account_id FROM real_name_records WHERE id_idx = $1) AND real_name_status = 'verified'"
      : `${kind === 'phone' ? 'phone_idx' : 'email_idx'} = $1`;
  const { rows } = await db.query<RecoveryCandidate>(`SELECT id, phone_enc, email_enc, real_name_status, frozen_at,
            ${identityRedactedSql('accounts.id')} AS identity_redacted
     FROM accounts WHERE ${where} ORDER BY created_at, id`, [idx]);
  return rows;
}

export interface GrantRow {
  grant_hash: Buffer;
  run_key: string;
  flow_id: string;
  account_id: string;
  method: GrantMethod;
  purpose: GrantPurpose;
  issued_at: Date;
  expires_at: Date;
  redeemed_at: Date | null;
  sessions_ended: string[] | null;
  /** the security pass: the device it is good for, and the real-name run that spent it */
  device_id: string | null;
  used_by_run_key: string | null;
  used_by_run_id: string | null;
}

/** The run's grant: written once, the same row for every retry. */
export async function insertGrant(
  c: Db,
  g: { grantHash: Buffer; runKey: string; flowId: string; accountId: string; method: GrantMethod; purpose: GrantPurpose; expiresAt: string; deviceId?: string | null },
): Promise<GrantRow> {
  await c.query(
    `INSERT INTO recovery_grants (grant_hash, run_key, flow_id, account_id, method, purpose, expires_at, device_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (run_key) DO NOTHING`,
    [g.grantHash, g.runKey, g.flowId, g.accountId, g.method, g.purpose, g.expiresAt, g.deviceId ?? null],
  );
  return (await grantOfRun(c, g.runKey))!;
}

export async function grantOfRun(db: Db, runKey: string, forUpdate = false): Promise<GrantRow | null> {
  const { rows } = await db.query<GrantRow>(`SELECT * FROM recovery_grants WHERE run_key = $1${forUpdate ? ' FOR UPDATE' : ''}`, [runKey]);
  return rows[0] ?? null;
}

/** A grant by its hash; `forUpdate`: locked, as a security pass's spending is decided on it. */
export async function grantByHash(db: Db, hash: Buffer, forUpdate = false): Promise<GrantRow | null> {
  const { rows } = await db.query<GrantRow>(`SELECT * FROM recovery_grants WHERE grant_hash = $1${forUpdate ? ' FOR UPDATE' : ''}`, [hash]);
  return rows[0] ?? null;
}

/** Marks the run's grant redeemed with the sessions it ended (once: a retry changes nothing). */
export async function markRedeemed(c: PoolClient, runKey: string, sessionsEnded: string[]): Promise<void> {
  await c.query('UPDATE recovery_grants SET redeemed_at = now(), sessions_ended = $2 WHERE run_key = $1 AND redeemed_at IS NULL', [runKey, sessionsEnded]);
}

/** The security pass spent by a real-name run (once: the row was checked unspent under its lock). */
export async function markSpent(c: PoolClient, hash: Buffer, run: { runKey: string; runId: string | null }): Promise<void> {
  await c.query('UPDATE recovery_grants SET redeemed_at = now(), used_by_run_key = $2, used_by_run_id = $3 WHERE grant_hash = $1 AND used_by_run_key IS NULL', [hash, run.runKey, run.runId]);
}
