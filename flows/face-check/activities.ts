// The face check's side effects (DCloud face function, quota, face rows, picture), each
// idempotent by the face-check workflow id: issuing the certifyId, billing the check,
// the server-side result, the picture download and closing the row.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../activity-deps';
import { failure } from '../../lib/errors';
import { recordProviderCall } from '../../db/counters';
import { inTransaction } from '../../db/pool';
import {
  closeFaceRow,
  consumeQuota,
  decryptIdentity,
  holdQuota,
  quotaRequiredDetails,
  quotaState,
  releaseQuota,
  faceRowIdentity,
  findFaceRow,
  findRealNameRecord,
  insertFaceRow,
  recordPictureError,
  recordAad,
  refundQuota,
  storePicturePath,
  type QuotaSource,
} from '../../db/real-name';
import type { FaceProviderName } from '../../lib/face-providers';
import type { FaceProviderFailure } from '../../providers/shared/face-provider';
import { faceProvidersOf, providersForDevice } from './providers';
import { maskIdNumber, maskName, validateChineseName, validateIdNumber } from '../../lib/idcard';
import { providerCall } from '../../providers/shared/trace';
import { timed } from '../../lib/metrics';
import type { FaceIdentity } from './contract';
import { settleFaceCheck, type AuthResultSummary, type SettleInput, type Settled } from './settle';
import type { RequestMeta } from '../shared/contract';

export interface IssueCertifyIdInput {
  faceCheckId: string;
  ownerFlowId: string | null;
  /** the owner's run when the check runs inside it: where its completion and callback go */
  hostRunId?: string;
  accountId: string;
  scene: string;
  identity: FaceIdentity;
  deviceId: string;
  requestDigest: string;
  needPicture: boolean;
  /** the face token's lifetime: the quota hold lasts a little longer (absent: the configured one) */
  ttlSec?: number;
  meta: RequestMeta;
}

export interface IssuedCheck {
  certifyId: string;
  faceRecordId: string;
  /** which provider's SDK the app runs with the certifyId (WeChat: the verify_id); absent in checks of before: dcloud */
  provider?: FaceProviderName;
}

const TAG = 'face_provider';
/** Scenes that check a face against the account's own identity: a kept portrait may stand in for the authority's (LR_FR). */
const REFERENCE_SCENES = new Set(['rebind_phone', 'rebind_email', 'recovery', 'unfreeze', 'reset_security', 'cancellation']);
/** The metrics label of each provider's calls (DCloud's kept its name of before). */
const metricOf = (p: FaceProviderName) => (p === 'dcloud' ? 'face' : `face_${p}`);
const MAX_PICTURE_BYTES = 10 * 1024 * 1024;
const PICTURE_ATTEMPTS = 3;
const PICTURE_TYPES: Record<string, string> = { 'image/jpeg': 'jpg', 'image/jpg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

/** What the API's error details and the log carry of a face failure: the provider's own errCode and errMsg. */
const providerDetails = (f: FaceProviderFailure, provider: FaceProviderName) => ({ errCode: f.errCode, errMsg: f.errMsg, provider });

export function createFaceActivities(deps: ActivityDeps) {
  function providerError(f: FaceProviderFailure, provider: FaceProviderName, ctx: Record<string, unknown>) {
    // The seed's log line: [time] - [error: code and message] - [user]; personal data masked.
    const details = providerDetails(f, provider);
    deps.log.warn({ tag: TAG, ...ctx, ...details, retryable: f.retryable }, 'face provider error');
    return failure('FACE_PROVIDER_ERROR', details, { retryable: f.retryable });
  }

  /**
   * The account's kept portrait, for a comparison against it: only while picture collection is
   * on (FACE_COLLECT_PICTURE; switching it off stops every use of kept pictures), and not redacted.
   */
  async function referencePicture(input: IssueCertifyIdInput): Promise<Buffer | null> {
    if (!deps.cfg.realName.collectPicture || !REFERENCE_SCENES.has(input.scene) || !('ofAccount' in input.identity)) return null;
    const record = await findRealNameRecord(deps.pool, input.accountId);
    if (!record?.picture_enc) return null;
    try {
      return await fs.readFile(deps.fieldCrypto.decrypt(record.picture_enc, recordAad('picture', input.accountId)));
    } catch (err) {
      deps.log.warn({ tag: TAG, accountId: input.accountId, error: (err as Error).message }, 'kept portrait unreadable: the authority photo is used');
      return null;
    }
  }


  async function resolveIdentity(input: IssueCertifyIdInput): Promise<{ realName: string; idNumber: string }> {
    if ('ofAccount' in input.identity) {
      const record = await findRealNameRecord(deps.pool, input.accountId);
      // no record, or a redacted one: no identity to check a face against
      const identity = record && decryptIdentity(deps.fieldCrypto, record);
      if (!identity) throw failure('REAL_NAME_REQUIRED');
      return identity;
    }
    const name = validateChineseName(input.identity.realName);
    if (!name.ok) throw failure('REAL_NAME_INVALID_NAME', { reason: name.reason });
    const id = validateIdNumber(input.identity.idNumber);
    if (!id.ok) throw failure('REAL_NAME_INVALID_ID', { reason: id.reason });
    return { realName: name.normalized, idNumber: id.normalized };
  }

  /**
   * A quota unit held, getCertifyId, then the 'wait' row. A retry of this step finds its row and
   * pays nothing; a row that is not this step's (another run, device, request or a closed
   * check) is never handed out again.
   */
  async function issueCertifyId(input: IssueCertifyIdInput): Promise<IssuedCheck> {
    const existing = await findFaceRow(deps.pool, { faceCheckId: input.faceCheckId });
    if (existing) {
      const same =
        existing.status === 'wait' &&
        existing.account_id === input.accountId &&
        existing.owner_flow_id === input.ownerFlowId &&
        existing.device_id === input.deviceId &&
        existing.request_digest === input.requestDigest;
      if (!same) throw failure('FACE_TOKEN_INVALID', { reason: 'face check already used' });
      return { certifyId: existing.certify_id, faceRecordId: existing.id, provider: existing.provider };
    }
    if (!deps.cfg.realName.faceEnabled) throw failure('FACE_DISABLED');
    const { realName, idNumber } = await resolveIdentity(input);
    const { client, chain: order, serving: chain } = await providersForDevice(deps, input);
    if (!client || (!client.metaInfo && !client.openid)) throw failure('FACE_METAINFO_MISSING');
    if (chain.length === 0) throw failure('FACE_CLIENT_UNSUPPORTED', { providers: order.join(',') });
    const reference = chain.some((p) => p.name === 'aliyun') ? await referencePicture(input) : null;

    // Failover: a provider that cannot serve anyone now passes the check to the next, before
    // anything is billed (the hold is kept meanwhile); any other failure is the answer.
    const skipped: { provider: FaceProviderName; code: string }[] = [];
    const r = await holdThen(input, async () => {
      let last!: (FaceProviderFailure & { provider: FaceProviderName });
      for (const p of chain) {
        const issued = await timed(deps.metrics, metricOf(p.name), () =>
          p.issue({ faceCheckId: input.faceCheckId, realName, idNumber, client, needPicture: input.needPicture, referencePicture: p.name === 'aliyun' ? reference : null }),
        );
        if (issued.ok) return { ...issued, provider: p.name };
        last = { ...issued, provider: p.name };
        if (!issued.unavailable) break;
        skipped.push({ provider: p.name, code: issued.code });
        deps.log.warn({ tag: TAG, faceCheckId: input.faceCheckId, provider: p.name, errCode: issued.errCode, errMsg: issued.errMsg }, 'face provider unavailable: the next one is asked');
      }
      return last;
    });
    if (!r.ok) throw providerError(r, r.provider, { way: 'issue', faceCheckId: input.faceCheckId, accountId: input.accountId, idMasked: maskIdNumber(idNumber), failover: skipped });
    const kept = await insertFaceRow(deps.pool, deps.fieldCrypto, {
      faceCheckId: input.faceCheckId,
      ownerFlowId: input.ownerFlowId,
      ...(input.hostRunId && { hostRunId: input.hostRunId }),
      accountId: input.accountId,
      scene: input.scene,
      deviceId: input.deviceId,
      requestDigest: input.requestDigest,
      certifyId: r.certifyId,
      realName,
      idNumber,
      metaInfo: client.metaInfo,
      meta: input.meta,
      provider: r.provider,
      failover: skipped,
      openid: r.provider === 'wechat' ? client.openid : null,
      providerData: r.data,
    });
    deps.log.info(
      { faceCheckId: input.faceCheckId, scene: input.scene, provider: kept.provider, failover: skipped, nameMasked: maskName(realName), idMasked: maskIdNumber(idNumber) },
      'certifyId issued',
    );
    // a concurrent duplicate of this step may have kept its own first: the row's is the check's
    return { certifyId: kept.certifyId, faceRecordId: kept.id, provider: kept.provider };
  }

  /**
   * Holds a unit (every face scene draws on the account's one pool) before the paid call, and
   * gives it back when that call fails: a retry holds it again.
   */
  async function holdThen<T extends { ok: boolean }>(input: IssueCertifyIdInput, call: () => Promise<T>): Promise<T> {
    const cfg = deps.cfg.realName;
    // the hold outlives the token by a margin, for a completion accepted at the last moment
    const holdSec = (input.ttlSec ?? cfg.faceTokenTtlSec) + 600;
    const held = await inTransaction(deps.pool, (c) => holdQuota(c, input.faceCheckId, input.accountId, cfg.faceFreePerAccount, holdSec));
    if (!held) throw failure('FACE_QUOTA_REQUIRED', quotaRequiredDetails(cfg.faceFreePerAccount, cfg.facePriceCny));
    let r: T;
    try {
      r = await call();
    } catch (err) {
      await releaseQuota(deps.pool, input.faceCheckId);
      throw err;
    }
    if (!r.ok) await releaseQuota(deps.pool, input.faceCheckId);
    return r;
  }

  /** The check is billed once the app finished the scan: one unit per face check, ever. */
  async function consumeFaceQuota(input: { faceCheckId: string; accountId: string }): Promise<{ source: QuotaSource }> {
    const r = await inTransaction(deps.pool, (c) => consumeQuota(c, input.faceCheckId, input.accountId, deps.cfg.realName.faceFreePerAccount));
    if (r.consumedNow && r.source === 'none') deps.log.warn({ faceCheckId: input.faceCheckId, accountId: input.accountId }, 'face check billed with no quota left');
    return { source: r.source };
  }

  /**
   * Whether this check was billed. Its token expiring, the check asks first: a completion
   * accepted in a workflow task the history lost (the worker died, or the server refused the
   * task's completion because the timer fired meanwhile) may have consumed the unit.
   */
  async function faceCheckBilled(input: { faceCheckId: string }): Promise<boolean> {
    const state = await quotaState(deps.pool, input.faceCheckId);
    return state === 'consumed' || state === 'refunded';
  }

  /** Compensation: the unit goes back when the check cannot complete through no fault of the user. */
  async function refundFaceQuota(input: { faceCheckId: string; reason: string }): Promise<{ refunded: boolean }> {
    const r = await inTransaction(deps.pool, (c) => refundQuota(c, input.faceCheckId));
    if (r.refunded) deps.log.info({ faceCheckId: input.faceCheckId, source: r.source, reason: input.reason }, 'face quota refunded');
    return { refunded: r.refunded };
  }

  /** The provider's server-side verdict: the only thing that decides. Counts api:face once per check. */
  async function fetchAuthResult(input: { faceCheckId: string; ownerFlowId: string | null; accountId: string; certifyId: string }): Promise<AuthResultSummary> {
    const row = await findFaceRow(deps.pool, { faceCheckId: input.faceCheckId });
    const name: FaceProviderName = row?.provider ?? 'dcloud';
    const provider = faceProvidersOf(deps)[name];
    if (!provider) throw failure('FACE_PROVIDER_ERROR', { errCode: 'NOT_CONFIGURED', errMsg: `${name} is not configured`, provider: name }, { retryable: true });
    const r = await timed(deps.metrics, metricOf(name), () =>
      provider.verdict({
        faceCheckId: input.faceCheckId,
        certifyId: input.certifyId,
        issued: row?.provider_data ?? {},
        // decrypted only for a provider that binds the verdict to them (WeChat)
        identity: () => (row ? faceRowIdentity(deps.fieldCrypto, row) : null),
      }),
    );
    if (!r.ok) {
      if (r.notFinished) throw failure('FACE_RESULT_PENDING', providerDetails(r, name), { retryable: true });
      throw providerError(r, name, { way: 'verdict', faceCheckId: input.faceCheckId, accountId: input.accountId });
    }
    if (r.authState === 'PROCESSING') throw failure('FACE_RESULT_PENDING', { authState: 'PROCESSING', provider: name }, { retryable: true });
    await recordProviderCall(deps.pool, { callKey: `${input.faceCheckId}/getAuthResult`, api: 'api:face', provider: name, accountId: input.accountId, flowId: input.ownerFlowId, outcome: r.authState });
    const out: AuthResultSummary = { authState: r.authState, provider: name };
    if (r.score !== undefined) out.score = r.score;
    if (r.quality !== undefined) out.quality = r.quality;
    if (r.pictureUrl) out.pictureUrl = r.pictureUrl;
    if (Object.keys(r.data).length) out.data = r.data;
    return out;
  }

  /**
   * The picture into FACE_PICTURE_DIR as <unixtime>_<unique>.<ext>, opened with 'wx' so nothing
   * is ever overwritten; its path sealed on the face row. A download that keeps failing is
   * recorded on the row and does not fail the verification.
   */
  async function storeFacePicture(input: { faceCheckId: string; faceRecordId: string; url: string }): Promise<{ stored: boolean; error?: string }> {
    const row = await findFaceRow(deps.pool, { id: input.faceRecordId });
    if (row?.picture_enc) return { stored: true };
    const attempt = Context.current().info.attempt;
    let file: string | null = null;
    try {
      const download = () => fetch(input.url, { signal: AbortSignal.timeout(deps.cfg.face.timeoutMs) });
      const res = await timed(deps.metrics, 'face_picture', () => providerCall('face_picture', 'download', download), (x) =>
        x.status === 200 ? { outcome: 'ok', error: false } : { outcome: `http_${x.status}`, error: true },
      );
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const ext = PICTURE_TYPES[type];
      if (!ext) throw new Error(`not a picture: ${type || 'no content-type'}`);
      const body = Buffer.from(await res.arrayBuffer());
      if (body.length === 0 || body.length > MAX_PICTURE_BYTES) throw new Error(`picture of ${body.length} bytes`);
      const dir = deps.cfg.realName.pictureDir;
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      file = await writeNew(dir, ext, body);
      const stored = await storePicturePath(deps.pool, deps.fieldCrypto, { id: input.faceRecordId, faceCheckId: input.faceCheckId, file });
      if (!stored) await fs.rm(file, { force: true }); // a concurrent attempt stored it first
      deps.log.info({ faceCheckId: input.faceCheckId, bytes: body.length }, 'face picture stored');
      return { stored: true };
    } catch (err) {
      const message = err instanceof Error ? `${err.name === 'TimeoutError' ? 'timeout: ' : ''}${err.message}` : String(err);
      deps.log.warn({ tag: TAG, faceCheckId: input.faceCheckId, attempt, error: message }, 'face picture download failed');
      if (attempt < PICTURE_ATTEMPTS) throw failure('FACE_PROVIDER_ERROR', { picture: message }, { retryable: true });
      await recordPictureError(deps.pool, input.faceRecordId, message);
      return { stored: false, error: message };
    }
  }

  /**
   * Closes the row; a check that ends unbilled (expired) gives its held quota unit back. A
   * verdict (success, fail) is asked only once the unit was consumed, so nothing is held then.
   */
  async function closeFaceRecord(input: { faceRecordId: string; status: 'success' | 'fail' | 'expired' | 'error'; data: Record<string, unknown> }): Promise<void> {
    await closeFaceRow(deps.pool, input.faceRecordId, input.status, input.data);
    if (input.status === 'success' || input.status === 'fail') return;
    const row = await findFaceRow(deps.pool, { id: input.faceRecordId });
    if (row && (await releaseQuota(deps.pool, row.face_check_id))) deps.log.info({ faceCheckId: row.face_check_id }, 'face quota hold released');
  }

  /** Consuming, the verdict and closing as one step (./settle.ts). */
  async function settleFaceCheckStep(input: SettleInput): Promise<Settled> {
    return settleFaceCheck({ consumeFaceQuota, fetchAuthResult, closeFaceRecord }, input, Context.current().info.attempt);
  }

  return {
    issueCertifyId,
    consumeFaceQuota,
    faceCheckBilled,
    refundFaceQuota,
    fetchAuthResult,
    storeFacePicture,
    closeFaceRecord,
    settleFaceCheck: settleFaceCheckStep,
  };
}

/** What the workflows that call these type their proxy by (a type-only import: nothing of this file enters the bundle). */
export type FaceCheckActivities = ReturnType<typeof createFaceActivities>;

/** <unixtime>_<unique>.<ext>, created exclusively: an existing name is never overwritten. */
async function writeNew(dir: string, ext: string, body: Buffer): Promise<string> {
  for (let i = 0; i < 5; i++) {
    const file = path.join(dir, `${Math.floor(Date.now() / 1000)}_${randomBytes(8).toString('hex')}.${ext}`);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    try {
      await handle.writeFile(body);
    } finally {
      await handle.close();
    }
    return file;
  }
  throw new Error('could not find a free picture file name');
}
