// Redaction of face checks (issue 12; Stripe Identity's `redact` is the model) and the rows the
// retention sweep picks. A redacted check keeps its outcome (scene, status, certifyId, times,
// the provider's verdict data, its quota unit, the request's ip / user agent / fingerprint and
// the agreement accepted); its sealed name, ID number and picture path, its device metaInfo, its
// request digest and blind index are wiped. The real-name record a check made loses the same
// (the blind index stays: the ID subject limit and the recovery lookup read it).
// docs/rules.md#redaction-and-retention.
import type { Pool, PoolClient } from 'pg';
import type { FieldCrypto } from '../lib/field-crypto';
import { faceAad, recordAad } from './real-name';
import { recordAudit, recordCallbackEvent } from './events';

type Db = Pool | PoolClient;

/** What is wiped: the picture only (its retention is the shorter), or every personal field. */
export type RedactionScope = 'picture' | 'all';

/** Keyset position of the retention sweep (flows/retention/contract.ts has the same shape). */
export interface RetentionCursor {
  createdAt: string;
  id: string;
}
export type RedactedBy = 'operator' | 'retention';

export const REDACTED_EVENT = 'face_verification.redacted';

export interface VerificationRow {
  id: string;
  face_check_id: string;
  owner_flow_id: string | null;
  host_run_id: string | null;
  account_id: string;
  scene: string;
  certify_id: string;
  status: string;
  created_at: Date;
  completed_at: Date | null;
  picture_redacted_at: Date | null;
  redacted_at: Date | null;
  redacted_by: RedactedBy | null;
}

const COLUMNS = `id::text AS id, face_check_id, owner_flow_id, host_run_id, account_id, scene, certify_id, status, created_at, completed_at,
  picture_redacted_at, redacted_at, redacted_by`;

export async function findVerification(db: Db, accountId: string, id: string): Promise<VerificationRow | null> {
  if (!/^[0-9]{1,18}$/.test(id)) return null;
  const { rows } = await db.query<VerificationRow>(`SELECT ${COLUMNS} FROM face_verifications WHERE id = $1 AND account_id = $2`, [id, accountId]);
  return rows[0] ?? null;
}

export async function findVerificationById(db: Db, id: string): Promise<VerificationRow | null> {
  const { rows } = await db.query<VerificationRow>(`SELECT ${COLUMNS} FROM face_verifications WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** Every face check of the account, oldest first. */
export async function accountVerifications(db: Db, accountId: string): Promise<VerificationRow[]> {
  const { rows } = await db.query<VerificationRow>(`SELECT ${COLUMNS} FROM face_verifications WHERE account_id = $1 ORDER BY created_at, id`, [accountId]);
  return rows;
}

/** The answer of a redaction, the same on every repeat. Nothing personal. */
export interface RedactionView {
  id: string;
  accountId: string;
  faceCheckId: string;
  ownerFlowId: string | null;
  scene: string;
  status: string;
  certifyId: string;
  startedAt: string;
  completedAt: string | null;
  pictureRedactedAt: string | null;
  redactedAt: string | null;
  redactedBy: RedactedBy | null;
}

export function viewRedaction(r: VerificationRow): RedactionView {
  return {
    id: r.id,
    accountId: r.account_id,
    faceCheckId: r.face_check_id,
    ownerFlowId: r.owner_flow_id,
    scene: r.scene,
    status: r.status,
    certifyId: r.certify_id,
    startedAt: r.created_at.toISOString(),
    completedAt: r.completed_at?.toISOString() ?? null,
    pictureRedactedAt: r.picture_redacted_at?.toISOString() ?? null,
    redactedAt: r.redacted_at?.toISOString() ?? null,
    redactedBy: r.redacted_by,
  };
}

/**
 * Redacts one face check in the caller's transaction. The row (and the real-name record it
 * made) are locked first, so a concurrent duplicate waits and then finds the work done: it
 * changes nothing and records no second event. The picture files are removed (removeFile)
 * before the columns naming them are wiped, inside the transaction: a failure after the
 * removal rolls the wipe back and a retry removes nothing twice, and no file is ever left
 * without the sealed path that finds it.
 */
export async function redactVerificationRow(
  c: PoolClient,
  crypto: FieldCrypto,
  p: { id: string; scope: RedactionScope; by: RedactedBy },
  removeFile: (file: string) => Promise<void>,
): Promise<{ changed: boolean; row: VerificationRow; wanted?: boolean }> {
  const { rows } = await c.query<VerificationRow & { picture_enc: string | null }>(`SELECT ${COLUMNS}, picture_enc FROM face_verifications WHERE id = $1 FOR UPDATE`, [p.id]);
  const face = rows[0];
  if (!face) throw new Error(`face row ${p.id} vanished`);
  const rec = await c.query<{ id: string; picture_enc: string | null; redacted_at: Date | null }>(
    'SELECT id::text AS id, picture_enc, redacted_at FROM real_name_records WHERE face_record_id = $1 FOR UPDATE',
    [p.id],
  );
  const record = rec.rows[0] ?? null;
  const done = p.scope === 'all' ? face.redacted_at !== null : face.picture_enc === null && !record?.picture_enc;
  if (done) return { changed: false, row: face };

  const files = new Set<string>();
  if (face.picture_enc) files.add(crypto.decrypt(face.picture_enc, faceAad('picture', face.face_check_id)));
  if (record?.picture_enc) files.add(crypto.decrypt(record.picture_enc, recordAad('picture', face.account_id)));
  for (const f of files) await removeFile(f);

  const hadPicture = files.size > 0;
  const upd = await c.query<VerificationRow>(
    `UPDATE face_verifications SET picture_enc = NULL,
       picture_redacted_at = CASE WHEN $2 THEN COALESCE(picture_redacted_at, now()) ELSE picture_redacted_at END
       ${p.scope === 'all' ? ', name_enc = NULL, id_enc = NULL, id_idx = NULL, request_digest = NULL, meta_info = NULL, openid_enc = NULL, redacted_at = now(), redacted_by = $3' : ''}
     WHERE id = $1 RETURNING ${COLUMNS}`,
    p.scope === 'all' ? [p.id, hadPicture, p.by] : [p.id, hadPicture],
  );
  if (record) {
    await c.query(
      `UPDATE real_name_records SET picture_enc = NULL,
         picture_redacted_at = CASE WHEN picture_enc IS NOT NULL THEN now() ELSE picture_redacted_at END
         ${p.scope === 'all' ? ', name_enc = NULL, id_enc = NULL, redacted_at = COALESCE(redacted_at, now())' : ''}
       WHERE id = $1`,
      [record.id],
    );
  }
  const row = upd.rows[0]!;
  const key = `${REDACTED_EVENT}/${p.id}/${p.scope}`;
  const data = {
    faceVerificationId: row.id,
    faceCheckId: row.face_check_id,
    ownerFlowId: row.owner_flow_id,
    scene: row.scene,
    status: row.status,
    certifyId: row.certify_id,
    scope: p.scope,
    by: p.by,
    picture: hadPicture,
    realNameRecord: record !== null,
  };
  await recordAudit(c, { dedupeKey: key, accountId: row.account_id, flowId: row.owner_flow_id, type: REDACTED_EVENT, data });
  // whether some webhook endpoint wants the event (recordCallbackEvent)
  const wanted = await recordCallbackEvent(c, { eventKey: key, type: REDACTED_EVENT, accountId: row.account_id, flowId: row.owner_flow_id, payload: { accountId: row.account_id, ...data } });
  return { changed: true, row, wanted };
}

/**
 * Whether an account's real-name identity was redacted (it stays verified, but no face check can
 * run against it), as SQL over the account id `accountIdSql`: the one definition every query uses.
 */
export const identityRedactedSql = (accountIdSql: string) =>
  `EXISTS (SELECT 1 FROM real_name_records r WHERE r.account_id = ${accountIdSql} AND r.name_enc IS NULL)`;

export async function realNameIdentityRedacted(db: Db, accountId: string): Promise<boolean> {
  const { rows } = await db.query<{ redacted: boolean }>(`SELECT ${identityRedactedSql('$1')} AS redacted`, [accountId]);
  return rows[0]!.redacted;
}

/**
 * The next batch the retention sweep redacts, after `after` (keyset order: a row skipped
 * because its flow still runs does not stop the sweep). `picture`: rows still holding a
 * picture, older than the picture period. `all`: rows not yet redacted, older than the
 * identity period, except the check that made a real-name record: the account's identity is
 * kept while the account is verified (its face scenes check against it); an operator's
 * redaction removes it.
 */
export async function retentionBatch(db: Db, p: { scope: RedactionScope; olderThanDays: number; after: RetentionCursor | null; limit: number }): Promise<{ id: string; at: string }[]> {
  const where =
    p.scope === 'picture'
      ? 'f.picture_enc IS NOT NULL'
      : 'f.redacted_at IS NULL AND NOT EXISTS (SELECT 1 FROM real_name_records r WHERE r.face_record_id = f.id AND r.name_enc IS NOT NULL)';
  // the cursor's time as Postgres writes it: microseconds, which a JS Date would cut
  const { rows } = await db.query<{ id: string; at: string }>(
    `SELECT f.id::text AS id, f.created_at::text AS at FROM face_verifications f
     WHERE ${where} AND f.created_at < now() - make_interval(days => $1)
       AND ($2::timestamptz IS NULL OR (f.created_at, f.id) > ($2::timestamptz, $3::bigint))
     ORDER BY f.created_at, f.id LIMIT $4`,
    [p.olderThanDays, p.after?.createdAt ?? null, p.after?.id ?? null, p.limit],
  );
  return rows;
}
