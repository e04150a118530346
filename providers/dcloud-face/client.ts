// The DCloud face cloud function (uni-cloud-verify, backed by Alibaba Cloud), reached over
// HTTP at a configured URL with our own secret header, as the seed's xc_dcloud_face does.
// Every outcome becomes a value, a ProviderResult (providers/shared/result.ts); the caller
// (an activity) decides about retries. A failure's `code` is the uni errCode as a string
// ('-3', '55001', '424') or our own ('TIMEOUT', 'TRANSPORT', 'HTTP_502', 'INVALID_RESPONSE');
// uniErrCode gives back the errCode as the function answered it (a number for uni's numeric
// codes), which is what the API's error details carry.
//
// Wire (docs/providers.md#dcloud-face-function): POST <url> with JSON { way, ...params } and the secret header.
//   way getCertifyId  { realName, idCard, metaInfo, needPicture } → { errCode: 0, certifyId }
//   way getAuthResult { certifyId } → { errCode: 0, authState, score?, quality?, pictureUrl? }
//   errors: uni error objects { errCode, errMsg }; the wrapper's own -3 (secret) and -2 (body).
//
// retryable: transport errors and timeouts, HTTP 5xx, a body that is not the function's
// answer, 55000 (server error), 55001 (upstream unavailable), 60000 (service unavailable).
// Not retryable: -2/-3 (our request or secret is wrong), 424 (user has not finished; the
// result carries notFinished), 50001/50002 (parameters), 54020 (unknown certifyId), 54100
// (balance), 55023 (not activated), 56001 (expired), 56002 (queried too often), and any
// code we do not know.
import { isRecord, isTimeout, parseJson, scrubIdentity, snippet, transportMessage } from '../shared/http-answer';
import type { ProviderFailure, ProviderResult } from '../shared/result';
import { providerCall } from '../shared/trace';

export interface FaceConfig {
  /** The URL-ized cloud function, e.g. https://fc-mp-….next.bspapp.com/face */
  url: string;
  secret: string;
  /** Header carrying the secret; the seed does not name it, our function uses x-verify-secret. */
  secretHeader: string;
  timeoutMs: number;
}

/** notFinished: 424, the user has not finished the check (or it is in progress). */
export type FaceFailure = ProviderFailure & { notFinished?: true };

export type CertifyIdResult = ProviderResult<{ certifyId: string }, FaceFailure>;

export type AuthResult = ProviderResult<{ authState: 'SUCCESS' | 'FAIL' | 'PROCESSING'; score?: number; quality?: number; pictureUrl?: string }, FaceFailure>;

export interface FaceClient {
  getCertifyId(p: { realName: string; idCard: string; metaInfo: string; needPicture: boolean }): Promise<CertifyIdResult>;
  getAuthResult(certifyId: string): Promise<AuthResult>;
}

export const DEFAULT_SECRET_HEADER = 'x-verify-secret';

/** Codes that describe the provider's momentary state. */
const RETRYABLE_CODES = new Set(['55000', '55001', '60000']);
/** "该certifyId用户未完成认证或认证进行中" */
const NOT_FINISHED_CODE = '424';
const MAX_BODY_CHARS = 256 * 1024;
const AUTH_STATES = new Set(['SUCCESS', 'FAIL', 'PROCESSING']);

export function createFaceClient(cfg: FaceConfig): FaceClient {
  const headerName = (cfg.secretHeader || DEFAULT_SECRET_HEADER).toLowerCase();

  // every way goes through this one door: a span per call, named by its `way`
  const call = (body: Record<string, unknown> & { way: string }, scrub: (s: string) => string) => providerCall('face', body.way, () => post(body, scrub));

  async function post(body: Record<string, unknown>, scrub: (s: string) => string): Promise<{ ok: true; data: Record<string, unknown> } | FaceFailure> {
    let status: number;
    let text: string;
    try {
      const res = await fetch(cfg.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', [headerName]: cfg.secret },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(cfg.timeoutMs),
      });
      status = res.status;
      text = (await res.text()).slice(0, MAX_BODY_CHARS);
    } catch (err) {
      const timeout = isTimeout(err);
      return failure(timeout ? 'TIMEOUT' : 'TRANSPORT', scrub(transportMessage(err, cfg.timeoutMs)), true);
    }

    const data = parseJson(text);
    if (isRecord(data) && data.errCode !== undefined && data.errCode !== null) {
      const code = normalizeCode(data.errCode);
      if (code === 0) return { ok: true, data };
      const errMsg = scrub(typeof data.errMsg === 'string' ? data.errMsg : typeof data.message === 'string' ? data.message : '');
      const key = String(code);
      if (key === NOT_FINISHED_CODE) return { ok: false, code: key, message: errMsg, retryable: false, notFinished: true };
      return failure(code, errMsg, RETRYABLE_CODES.has(key) || (status >= 500 && !/^-?\d+$/.test(key)));
    }
    if (status >= 500 || status === 429) return failure(`HTTP_${status}`, scrub(`HTTP ${status} ${snippet(text)}`.trim()), true);
    if (status < 200 || status >= 300) return failure(`HTTP_${status}`, scrub(`HTTP ${status} ${snippet(text)}`.trim()), false);
    return failure('INVALID_RESPONSE', scrub(`answer is not a uni result: ${snippet(text)}`), true);
  }

  return {
    async getCertifyId(p) {
      const scrub = (s: string) => scrubIdentity(s, p.realName, p.idCard);
      const r = await call(
        { way: 'getCertifyId', realName: p.realName, idCard: p.idCard, metaInfo: p.metaInfo, needPicture: p.needPicture },
        scrub,
      );
      if (!r.ok) return r;
      const certifyId = r.data.certifyId;
      if (typeof certifyId !== 'string' || certifyId === '') {
        return failure('INVALID_RESPONSE', 'errCode 0 without a certifyId', true);
      }
      return { ok: true, certifyId };
    },

    async getAuthResult(certifyId) {
      const r = await call({ way: 'getAuthResult', certifyId }, (s) => s);
      if (!r.ok) return r;
      const { authState, score, quality, pictureUrl } = r.data;
      if (typeof authState !== 'string' || !AUTH_STATES.has(authState)) {
        return failure('INVALID_RESPONSE', `errCode 0 with authState ${JSON.stringify(authState)}`, true);
      }
      const out: AuthResult & { ok: true } = { ok: true, authState: authState as 'SUCCESS' | 'FAIL' | 'PROCESSING' };
      const s = toNumber(score);
      const q = toNumber(quality);
      if (s !== undefined) out.score = s;
      if (q !== undefined) out.quality = q;
      if (typeof pictureUrl === 'string' && pictureUrl) out.pictureUrl = pictureUrl;
      return out;
    },
  };
}

function failure(errCode: number | string, errMsg: string, retryable: boolean): FaceFailure {
  return { ok: false, code: String(errCode), message: errMsg, retryable };
}

/** A failure's code as the function answered it: uni's numeric codes as numbers, the others as they are. */
export function uniErrCode(code: string): number | string {
  return /^-?\d+$/.test(code) ? Number(code) : code;
}

/** 55001 and "55001" are the same code; other strings stay strings. */
function normalizeCode(v: unknown): number | string {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return String(v);
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
