// Real-name persistence: device metaInfo, the pre-checks (docs/rules.md#pre-checks), the face rows,
// the real-name record under the subject-limit lock, and the face quota ledger.
// Name, ID number and picture path are only ever stored sealed (AAD = column + row key).
import type { Pool, PoolClient } from 'pg';
import { isFaceProviderName, type FaceProviderName } from '../lib/face-providers';
import type { FieldCrypto } from '../lib/field-crypto';
import type { ErrorCode } from '../lib/errors';
import { maskIdNumber, maskName, validateChineseName, validateIdNumber } from '../lib/idcard';
import type { RequestMeta } from '../flows/shared/contract';
import type { RealNameInput } from '../flows/real-name/contract';
import { findAccount, type AccountRow } from './accounts';
import { returnOrderUnit, takeOrderUnit } from './face-quota-orders';

type Db = Pool | PoolClient;

export const idNumberIndex = (crypto: FieldCrypto, normalizedId: string) => crypto.blindIndex('id_number', normalizedId);
export const faceAad = (column: 'name' | 'id_number' | 'picture' | 'openid', faceCheckId: string) => `face_verifications.${column}:${faceCheckId}`;
export const recordAad = (column: 'name' | 'id_number' | 'picture', accountId: string) => `real_name_records.${column}:${accountId}`;
const deviceAad = (accountId: string, deviceId: string) => `face_devices.openid:${accountId}:${deviceId}`;

// ---------------------------------------------------------------------------------------
// Devices

/**
 * The device's face client, replaced whole on every registration: an app's SDK metaInfo, or a
 * mini-program user's openid (sealed), or both.
 */
export async function upsertDevice(
  db: Db,
  crypto: FieldCrypto,
  d: { accountId: string; deviceId: string; metaInfo: string | null; openid?: string | null; platform?: string } & Pick<RequestMeta, 'ip' | 'userAgent'>,
): Promise<{ created: boolean }> {
  const openid = d.openid ? crypto.encrypt(d.openid, deviceAad(d.accountId, d.deviceId)) : null;
  const { rows } = await db.query<{ created: boolean }>(
    `INSERT INTO face_devices (account_id, device_id, meta_info, openid_enc, platform, ip, user_agent)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (account_id, device_id) DO UPDATE SET meta_info = EXCLUDED.meta_info, openid_enc = EXCLUDED.openid_enc, platform = EXCLUDED.platform,
       ip = EXCLUDED.ip, user_agent = EXCLUDED.user_agent, updated_at = now()
     RETURNING (xmax = 0) AS created`,
    [d.accountId, d.deviceId, d.metaInfo, openid, d.platform ?? null, d.ip ?? null, d.userAgent ?? null],
  );
  return { created: rows[0]!.created };
}

/** Whether the device can run some face client (an app's metaInfo, a mini-program's openid). */
export async function deviceRegistered(db: Db, accountId: string, deviceId: string): Promise<boolean> {
  const { rows } = await db.query(
    "SELECT 1 FROM face_devices WHERE account_id = $1 AND device_id = $2 AND (COALESCE(meta_info, '') <> '' OR openid_enc IS NOT NULL)",
    [accountId, deviceId],
  );
  return rows.length > 0;
}

/**
 * What the device can run (the app SDK: metaInfo; a mini-program: openid; null: not registered)
 * and the operator's providers for the scene (null: none chosen), in one round trip: both are
 * read on the way to every certifyId.
 */
export async function deviceAndSceneProviders(
  db: Db,
  crypto: FieldCrypto,
  p: { accountId: string; deviceId: string; taskQueue: string; scene: string },
): Promise<{ client: { metaInfo: string | null; openid: string | null } | null; providers: FaceProviderName[] | null }> {
  const { rows } = await db.query<{ registered: boolean; meta_info: string | null; openid_enc: string | null; providers: string[] | null }>(
    `SELECT d.account_id IS NOT NULL AS registered, d.meta_info, d.openid_enc,
            (SELECT providers FROM face_provider_settings WHERE task_queue = $3 AND scene = $4) AS providers
     FROM (SELECT 1) AS one LEFT JOIN face_devices d ON d.account_id = $1 AND d.device_id = $2`,
    [p.accountId, p.deviceId, p.taskQueue, p.scene],
  );
  const r = rows[0]!;
  const client = r.registered
    ? { metaInfo: r.meta_info || null, openid: r.openid_enc ? crypto.decrypt(r.openid_enc, deviceAad(p.accountId, p.deviceId)) : null }
    : null;
  return { client, providers: r.providers ? r.providers.filter(isFaceProviderName) : null };
}

// ---------------------------------------------------------------------------------------
// Pre-checks, before any paid call

/** The request's fields as the saga's input names them (here still as the caller sent them: the checks normalize). */
export interface PrecheckInput extends Pick<RealNameInput, 'accountId' | 'realName' | 'idNumber' | 'deviceId' | 'environmentSafe'> {
  enabled: boolean;
  faceEnabled: boolean;
  subjectLimit: number;
  freePerAccount: number;
  /** shown with FACE_QUOTA_REQUIRED */
  priceCny?: number;
  /**
   * An unsafe environment with a security pass (flows/security-check/): asked at the environment
   * check instead of refusing; null lets the checks go on, a code refuses with it.
   */
  securityPass?: () => Promise<ErrorCode | null>;
  /**
   * Runs just before the first check whose answer tells something about other accounts (the
   * subject limit): the API takes a rate-limit slot there, so that answer is no free oracle.
   */
  beforeSharedChecks?: () => Promise<void>;
  /** the account as the caller already read it (the API's request); otherwise read here */
  readAccount?: () => Promise<AccountRow | null>;
}

export type PrecheckResult =
  | { ok: true; realName: string; idNumber: string; idIdx: Buffer; quota: 'free' | 'purchased' }
  | { ok: false; code: ErrorCode; details?: Record<string, unknown> };

/**
 * In order (docs/rules.md#pre-checks): switched on; account exists; phone bound; not yet verified; environment
 * flagged safe (or a good security pass); device metaInfo present; name; ID number; subject limit; face quota.
 */
export async function precheckRealName(db: Db, crypto: FieldCrypto, p: PrecheckInput, now = Date.now()): Promise<PrecheckResult> {
  if (!p.enabled) return { ok: false, code: 'REAL_NAME_DISABLED' };
  if (!p.faceEnabled) return { ok: false, code: 'FACE_DISABLED' };
  const account = await (p.readAccount ? p.readAccount() : findAccount(db, p.accountId));
  if (!account) return { ok: false, code: 'REAL_NAME_LOGIN_REQUIRED' };
  if (!account.phone_idx) return { ok: false, code: 'REAL_NAME_PHONE_REQUIRED' };
  if (account.real_name_status === 'verified') return { ok: false, code: 'REAL_NAME_ALREADY_VERIFIED' };
  if (p.environmentSafe !== true) {
    const refusal = p.securityPass ? await p.securityPass() : 'REAL_NAME_UNSAFE_ENVIRONMENT';
    if (refusal) return { ok: false, code: refusal };
  }
  if (!(await deviceRegistered(db, p.accountId, p.deviceId))) return { ok: false, code: 'FACE_METAINFO_MISSING' };
  const name = validateChineseName(p.realName);
  if (!name.ok) return { ok: false, code: 'REAL_NAME_INVALID_NAME', details: { reason: name.reason } };
  const id = validateIdNumber(p.idNumber, { now });
  if (!id.ok) return { ok: false, code: 'REAL_NAME_INVALID_ID', details: { reason: id.reason } };
  await p.beforeSharedChecks?.();
  const idIdx = idNumberIndex(crypto, id.normalized);
  const verified = await subjectCount(db, idIdx);
  if (verified >= p.subjectLimit) return { ok: false, code: 'REAL_NAME_SUBJECT_LIMIT', details: { limit: p.subjectLimit } };
  // Units held by live face checks are not subtracted here: the account's own live real-name
  // check (a repeat start) holds one. The face check's hold is the authoritative count.
  const q = unitsOwned(account, p.freePerAccount);
  if (q.freeLeft + q.purchased < 1) return { ok: false, code: 'FACE_QUOTA_REQUIRED', details: quotaRequiredDetails(p.freePerAccount, p.priceCny) };
  const quota: 'free' | 'purchased' = q.freeLeft > 0 ? 'free' : 'purchased';
  return { ok: true, realName: name.normalized, idNumber: id.normalized, idIdx, quota };
}

export function quotaRequiredDetails(freePerAccount: number, priceCny?: number): Record<string, unknown> {
  return { freePerAccount, ...(priceCny !== undefined ? { priceCny } : {}) };
}

export async function subjectCount(db: Db, idIdx: Buffer): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM real_name_records WHERE id_idx = $1', [idIdx]);
  return Number(rows[0]!.n);
}

// ---------------------------------------------------------------------------------------
// Face rows

export interface FaceRow {
  id: string;
  face_check_id: string;
  owner_flow_id: string | null;
  account_id: string;
  scene: string;
  device_id: string;
  request_digest: string;
  certify_id: string;
  name_enc: string;
  id_enc: string;
  id_idx: Buffer;
  picture_enc: string | null;
  picture_error: string | null;
  provider_data: Record<string, unknown>;
  provider: FaceProviderName;
  openid_enc: string | null;
  status: 'wait' | 'success' | 'fail' | 'expired' | 'error';
  ip: string | null;
  user_agent: string | null;
  fingerprint: string | null;
}

export async function findFaceRow(db: Db, where: { faceCheckId: string } | { id: string }, forUpdate = false): Promise<FaceRow | null> {
  const [col, val] = 'id' in where ? ['id', where.id] : ['face_check_id', where.faceCheckId];
  const { rows } = await db.query<FaceRow>(
    `SELECT id::text AS id, face_check_id, owner_flow_id, account_id, scene, device_id, request_digest, certify_id, name_enc, id_enc, id_idx,
            picture_enc, picture_error, provider_data, provider, openid_enc, status, ip, user_agent, fingerprint
     FROM face_verifications WHERE ${col} = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [val],
  );
  return rows[0] ?? null;
}

/** The workflow run a check's messages go to: its own workflow, or the owner run that hosts it. */
export interface FaceCheckHost {
  workflowId: string;
  /** absent: the check's own workflow, whichever run it is */
  runId?: string;
}

/** Where a check runs, from what its row or its face token says: the hosting run when it has one. */
export function faceCheckHostOf(faceCheckId: string, ownerFlowId: string | null, hostRunId: string | null | undefined): FaceCheckHost {
  return hostRunId && ownerFlowId ? { workflowId: ownerFlowId, runId: hostRunId } : { workflowId: faceCheckId };
}

export function faceCheckHost(r: { face_check_id: string; owner_flow_id: string | null; host_run_id: string | null }): FaceCheckHost {
  return faceCheckHostOf(r.face_check_id, r.owner_flow_id, r.host_run_id);
}

/** The check a provider's callback is about (its certifyId is unique per provider, not across them). */
export async function faceCheckOfCertifyId(
  db: Db,
  provider: FaceProviderName,
  certifyId: string,
): Promise<{ faceCheckId: string; host: FaceCheckHost; deviceId: string; status: FaceRow['status']; providerData: Record<string, unknown> } | null> {
  const { rows } = await db.query<{ face_check_id: string; owner_flow_id: string | null; host_run_id: string | null; device_id: string; status: FaceRow['status']; provider_data: Record<string, unknown> }>(
    'SELECT face_check_id, owner_flow_id, host_run_id, device_id, status, provider_data FROM face_verifications WHERE provider = $1 AND certify_id = $2 ORDER BY id DESC LIMIT 1',
    [provider, certifyId],
  );
  const r = rows[0];
  return r ? { faceCheckId: r.face_check_id, host: faceCheckHost(r), deviceId: r.device_id, status: r.status, providerData: r.provider_data } : null;
}

export async function insertFaceRow(
  db: Db,
  crypto: FieldCrypto,
  r: {
    faceCheckId: string;
    ownerFlowId: string | null;
    /** the owner's run, when the check runs inside it (no workflow of its own) */
    hostRunId?: string;
    accountId: string;
    scene: string;
    deviceId: string;
    requestDigest: string;
    certifyId: string;
    realName: string;
    idNumber: string;
    metaInfo: string | null;
    meta: RequestMeta;
    provider: FaceProviderName;
    /** the providers asked first, and why each could not serve */
    failover: { provider: FaceProviderName; code: string }[];
    openid: string | null;
    providerData: Record<string, unknown>;
  },
): Promise<{ id: string; certifyId: string; provider: FaceProviderName }> {
  const ins = await db.query<{ id: string }>(
    `INSERT INTO face_verifications (face_check_id, owner_flow_id, account_id, scene, device_id, request_digest, certify_id,
       name_enc, id_enc, id_idx, meta_info, status, ip, user_agent, fingerprint, agreement_id, agreement_version, agreement_accepted_at,
       provider, failover, openid_enc, provider_data, host_run_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'wait', $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
     ON CONFLICT (face_check_id) DO NOTHING RETURNING id::text AS id`,
    [
      r.faceCheckId, r.ownerFlowId, r.accountId, r.scene, r.deviceId, r.requestDigest, r.certifyId,
      crypto.encrypt(r.realName, faceAad('name', r.faceCheckId)),
      crypto.encrypt(r.idNumber, faceAad('id_number', r.faceCheckId)),
      idNumberIndex(crypto, r.idNumber),
      r.metaInfo, r.meta.ip ?? null, r.meta.userAgent ?? null, r.meta.fingerprint ?? null,
      r.meta.agreement?.id ?? null, r.meta.agreement?.version ?? null, r.meta.agreement?.acceptedAt ?? null,
      r.provider, r.failover.length ? JSON.stringify(r.failover) : null,
      r.openid ? crypto.encrypt(r.openid, faceAad('openid', r.faceCheckId)) : null, JSON.stringify(r.providerData), r.hostRunId ?? null,
    ],
  );
  if (ins.rows[0]) return { id: ins.rows[0].id, certifyId: r.certifyId, provider: r.provider };
  const row = (await findFaceRow(db, { faceCheckId: r.faceCheckId }))!;
  return { id: row.id, certifyId: row.certify_id, provider: row.provider };
}

/** Closes a 'wait' row once; a retry (or a late second close) changes nothing. */
export async function closeFaceRow(db: Db, id: string, status: 'success' | 'fail' | 'expired' | 'error', providerData: Record<string, unknown>): Promise<boolean> {
  const r = await db.query(
    `UPDATE face_verifications SET status = $2, provider_data = provider_data || $3::jsonb, completed_at = now()
     WHERE id = $1 AND status = 'wait'`,
    [id, status, JSON.stringify(providerData)],
  );
  return r.rowCount === 1;
}

/** The stored picture's path, sealed, once: false when a concurrent attempt stored one first. */
export async function storePicturePath(db: Db, crypto: FieldCrypto, r: { id: string; faceCheckId: string; file: string }): Promise<boolean> {
  const sealed = crypto.encrypt(r.file, faceAad('picture', r.faceCheckId));
  const upd = await db.query('UPDATE face_verifications SET picture_enc = $2, picture_error = NULL WHERE id = $1 AND picture_enc IS NULL', [r.id, sealed]);
  return upd.rowCount === 1;
}

/** Why the picture could not be stored (cut to 500 characters), unless one was stored meanwhile. */
export async function recordPictureError(db: Db, id: string, message: string): Promise<void> {
  await db.query('UPDATE face_verifications SET picture_error = $2 WHERE id = $1 AND picture_enc IS NULL', [id, message.slice(0, 500)]);
}

// ---------------------------------------------------------------------------------------
// Real-name records

export interface RealNameRecordRow {
  id: string;
  account_id: string;
  flow_id: string;
  face_record_id: string;
  /** null once redacted (db/redaction.ts): the account stays verified, its identity is gone */
  name_enc: string | null;
  id_enc: string | null;
  picture_enc: string | null;
  created_at: Date;
}

export async function findRealNameRecord(db: Db, accountId: string): Promise<RealNameRecordRow | null> {
  const { rows } = await db.query<RealNameRecordRow>(
    `SELECT id::text AS id, account_id, flow_id, face_record_id::text AS face_record_id, name_enc, id_enc, picture_enc, created_at
     FROM real_name_records WHERE account_id = $1`,
    [accountId],
  );
  return rows[0] ?? null;
}

/**
 * Locks the ID subject's row (created on first use) for the caller's transaction, so two
 * accounts racing with one ID number are serialized and the subject limit holds.
 */
export async function lockSubject(c: PoolClient, idIdx: Buffer): Promise<void> {
  await c.query('INSERT INTO real_name_subjects (id_idx) VALUES ($1) ON CONFLICT (id_idx) DO NOTHING', [idIdx]);
  await c.query('SELECT 1 FROM real_name_subjects WHERE id_idx = $1 FOR UPDATE', [idIdx]);
}

/** The record of a verified face row: its identity re-sealed for this table (AAD per account). */
export async function insertRealNameRecord(
  c: PoolClient,
  crypto: FieldCrypto,
  r: {
    accountId: string;
    flowId: string;
    face: FaceRow;
    realName: string;
    idNumber: string;
    picture: string | null;
    meta: RequestMeta;
  },
): Promise<string> {
  const { rows } = await c.query<{ id: string }>(
    `INSERT INTO real_name_records (account_id, flow_id, face_record_id, certify_id, name_enc, id_enc, id_idx, picture_enc,
       provider_data, ip, user_agent, fingerprint)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id::text AS id`,
    [
      r.accountId, r.flowId, r.face.id, r.face.certify_id,
      crypto.encrypt(r.realName, recordAad('name', r.accountId)),
      crypto.encrypt(r.idNumber, recordAad('id_number', r.accountId)),
      r.face.id_idx,
      r.picture ? crypto.encrypt(r.picture, recordAad('picture', r.accountId)) : null,
      JSON.stringify(r.face.provider_data ?? {}),
      r.meta.ip ?? null, r.meta.userAgent ?? null, r.meta.fingerprint ?? null,
    ],
  );
  return rows[0]!.id;
}

export async function markAccountVerified(c: PoolClient, accountId: string): Promise<void> {
  await c.query("UPDATE accounts SET real_name_status = 'verified', real_name_verified_at = now(), updated_at = now() WHERE id = $1", [accountId]);
}

/** The record's identity, or null when it was redacted. */
/** The name, ID number and openid a face row was issued for; null once redacted. */
export function faceRowIdentity(crypto: FieldCrypto, row: FaceRow): { realName: string; idNumber: string; openid: string | null } | null {
  if (row.name_enc === null || row.id_enc === null) return null;
  return {
    realName: crypto.decrypt(row.name_enc, faceAad('name', row.face_check_id)),
    idNumber: crypto.decrypt(row.id_enc, faceAad('id_number', row.face_check_id)),
    openid: row.openid_enc ? crypto.decrypt(row.openid_enc, faceAad('openid', row.face_check_id)) : null,
  };
}

export function decryptIdentity(crypto: FieldCrypto, row: RealNameRecordRow): { realName: string; idNumber: string } | null {
  if (row.name_enc === null || row.id_enc === null) return null;
  return {
    realName: crypto.decrypt(row.name_enc, recordAad('name', row.account_id)),
    idNumber: crypto.decrypt(row.id_enc, recordAad('id_number', row.account_id)),
  };
}

export interface IdentityView {
  status: 'none' | 'verified';
  realName: string | null;
  idNumber: string | null;
  verifiedAt: string | null;
  masked: boolean;
}

/** 张** and 1101**********0015, or whole for operators. */
export function viewIdentity(crypto: FieldCrypto, row: RealNameRecordRow | null, whole: boolean): IdentityView {
  if (!row) return { status: 'none', realName: null, idNumber: null, verifiedAt: null, masked: !whole };
  const identity = decryptIdentity(crypto, row);
  // redacted: verified still (the outcome is kept), nothing left to show
  if (!identity) return { status: 'verified', realName: null, idNumber: null, verifiedAt: row.created_at.toISOString(), masked: !whole };
  const { realName, idNumber } = identity;
  return {
    status: 'verified',
    realName: whole ? realName : maskName(realName),
    idNumber: whole ? idNumber : maskIdNumber(idNumber),
    verifiedAt: row.created_at.toISOString(),
    masked: !whole,
  };
}

// ---------------------------------------------------------------------------------------
// Face quota, one pool for every face scene: the free count first, then purchased units,
// never below zero. A face check holds a unit when it issues its certifyId (so two checks
// of one account cannot both count on the last unit), consumes it once when it is billed,
// and releases it when it ends unbilled; a hold nobody released lapses at hold_until.

export type QuotaSource = 'free' | 'purchased' | 'none';

export interface QuotaView {
  freeLeft: number;
  purchased: number;
  held: number;
  /** what a new face check may count on */
  available: number;
}

/** The units an account row holds, free and bought, before any live check's hold: no query. */
export function unitsOwned(account: { face_free_used: number; face_number: number }, freePerAccount: number): Pick<QuotaView, 'freeLeft' | 'purchased'> {
  return { freeLeft: Math.max(0, freePerAccount - account.face_free_used), purchased: account.face_number };
}

export async function faceQuota(db: Db, account: { id: string; face_free_used: number; face_number: number }, freePerAccount: number): Promise<QuotaView> {
  const { rows } = await db.query<{ n: string }>(
    "SELECT count(*) AS n FROM face_quota_ledger WHERE account_id = $1 AND state = 'held' AND hold_until > now()",
    [account.id],
  );
  const { freeLeft, purchased } = unitsOwned(account, freePerAccount);
  const held = Number(rows[0]!.n);
  return { freeLeft, purchased, held, available: freeLeft + purchased - held };
}

/** Holds one unit for a face check (key: its id); false when none is left. Idempotent per key. */
export async function holdQuota(c: PoolClient, key: string, accountId: string, freePerAccount: number, holdSec: number): Promise<boolean> {
  const account = await findAccount(c, accountId, true);
  if (!account) throw new Error(`account ${accountId} vanished`);
  const prior = await c.query<{ state: string }>('SELECT state FROM face_quota_ledger WHERE key = $1 FOR UPDATE', [key]);
  const state = prior.rows[0]?.state;
  if (state === 'held' || state === 'consumed') return true;
  if ((await faceQuota(c, account, freePerAccount)).available < 1) return false;
  await c.query(
    `INSERT INTO face_quota_ledger (key, account_id, source, state, hold_until) VALUES ($1, $2, 'none', 'held', now() + make_interval(secs => $3))
     ON CONFLICT (key) DO UPDATE SET state = 'held', hold_until = EXCLUDED.hold_until`,
    [key, accountId, holdSec],
  );
  return true;
}

/** The ledger state of one check's unit (held, consumed, released, lapsed, refunded), null when it has none. */
export async function quotaState(db: Db, key: string): Promise<string | null> {
  const { rows } = await db.query<{ state: string }>('SELECT state FROM face_quota_ledger WHERE key = $1', [key]);
  return rows[0]?.state ?? null;
}

export async function releaseQuota(db: Db, key: string): Promise<boolean> {
  const r = await db.query("UPDATE face_quota_ledger SET state = 'released' WHERE key = $1 AND state = 'held'", [key]);
  return r.rowCount === 1;
}

export async function consumeQuota(c: PoolClient, key: string, accountId: string, freePerAccount: number): Promise<{ source: QuotaSource; consumedNow: boolean }> {
  const account = await findAccount(c, accountId, true);
  if (!account) throw new Error(`account ${accountId} vanished`);
  const prior = await c.query<{ source: QuotaSource; state: string }>('SELECT source, state FROM face_quota_ledger WHERE key = $1 FOR UPDATE', [key]);
  const row = prior.rows[0];
  if (row && (row.state === 'consumed' || row.state === 'refunded')) return { source: row.source, consumedNow: false };
  let source: QuotaSource = 'none';
  let orderId: string | null = null;
  if (account.face_free_used < freePerAccount) {
    source = 'free';
    await c.query('UPDATE accounts SET face_free_used = face_free_used + 1, updated_at = now() WHERE id = $1', [accountId]);
  } else if (account.face_number >= 1) {
    source = 'purchased';
    await c.query('UPDATE accounts SET face_number = face_number - 1, updated_at = now() WHERE id = $1 AND face_number >= 1', [accountId]);
    // the order the unit came from (null for units credited before orders existed)
    orderId = await takeOrderUnit(c, accountId);
    if (orderId) {
      await c.query('UPDATE face_verifications f SET pay_ref = o.payment_ref FROM face_quota_orders o WHERE o.id = $2 AND f.face_check_id = $1', [key, orderId]);
    }
  }
  // a held (or lapsed, or released) unit becomes consumed; a check recorded before holds has no row
  await c.query(
    `INSERT INTO face_quota_ledger (key, account_id, source, state, order_id) VALUES ($1, $2, $3, 'consumed', $4)
     ON CONFLICT (key) DO UPDATE SET source = EXCLUDED.source, state = 'consumed', hold_until = NULL, order_id = EXCLUDED.order_id`,
    [key, accountId, source, orderId],
  );
  return { source, consumedNow: true };
}

export async function refundQuota(c: PoolClient, key: string): Promise<{ refunded: boolean; source: QuotaSource | null }> {
  const { rows } = await c.query<{ account_id: string; source: QuotaSource; state: string; order_id: string | null }>(
    'SELECT account_id, source, state, order_id FROM face_quota_ledger WHERE key = $1 FOR UPDATE',
    [key],
  );
  const row = rows[0];
  if (!row || row.state !== 'consumed') return { refunded: false, source: row?.source ?? null };
  if (row.source === 'free') {
    await c.query('UPDATE accounts SET face_free_used = GREATEST(face_free_used - 1, 0), updated_at = now() WHERE id = $1', [row.account_id]);
  } else if (row.source === 'purchased') {
    await c.query('UPDATE accounts SET face_number = face_number + 1, updated_at = now() WHERE id = $1', [row.account_id]);
    if (row.order_id) await returnOrderUnit(c, row.order_id);
  }
  await c.query("UPDATE face_quota_ledger SET state = 'refunded', refunded_at = now() WHERE key = $1", [key]);
  return { refunded: true, source: row.source };
}
