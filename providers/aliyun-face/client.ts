// Alibaba Cloud ID Verification (Cloudauth 2019-03-07, seed 001's product today) through the
// official SDK, `@alicloud/cloudauth20190307`: InitFaceVerify issues a CertifyId for the app's
// face SDK, DescribeFaceVerify says whether the person passed. Every outcome becomes a value,
// a ProviderResult (providers/shared/result.ts; `ref` is Alibaba's RequestId): the caller (an
// activity) decides about retries and failover, so nothing here throws.
//
// How the SDK (openapi-core 1.x, darabonba, httpx) reports things, read from its source:
//  - the product's own codes come in an HTTP 200 body { Code, Message, RequestId, ResultObject }
//    and the SDK returns them as an answer: Code '200' is success, anything else ('401', '417',
//    '418', '424', '427', '500') is the product refusing;
//  - a gateway refusal (HTTP 4xx/5xx with { Code, Message, RequestId }) is thrown as ClientError /
//    ServerError / ThrottlingError with .code, .statusCode and .requestId;
//  - an HTTP error whose body is not JSON throws a SyntaxError from reading it;
//  - no answer: httpx's error (RequestTimeoutError, ECONNREFUSED, ECONNRESET …) whose message
//    holds the request URL, and so the query with CertName and CertNo: it is never passed on.
// The SDK sends CertName, CertNo and MetaInfo in the query string, FaceContrastPicture and Model
// in the form body, and signs all of it with ACS3-HMAC-SHA256 (docs/providers.md).
//
// Retryable: no answer, HTTP 5xx, Throttling*, InternalError / ServiceUnavailable, a body that
// is not the product's answer, SignatureNonceUsed (the retry has a fresh nonce) and Code 500;
// these also carry `unavailable` (another provider may serve the person). 424 carries
// `notFinished` (ask again later); 417 / 418 / 427 carry `limit`. Everything else (our
// parameters, keys, scene, clock, the account's state) is not retryable. 403 (认证未完成) is
// taken as 424.
import Cloudauth, { DescribeFaceVerifyRequest, InitFaceVerifyRequest } from '@alicloud/cloudauth20190307';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { isRecord, parseJson, scrubIdentity } from '../shared/http-answer';
import { TRANSPORT_ERROR, type ProviderFailure, type ProviderResult } from '../shared/result';
import { providerCall } from '../shared/trace';

export type AliyunProductCode = 'ID_PRO' | 'LR_FR';

export interface AliyunFaceConfig {
  /** host[:port]: cloudauth.aliyuncs.com, or the sandbox's 127.0.0.1:8085 */
  endpoint: string;
  protocol: 'HTTPS' | 'HTTP';
  accessKeyId: string;
  accessKeySecret: string;
  /** the scene created in the Cloudauth console */
  sceneId: number;
  productCode: AliyunProductCode;
  /** liveness type (LIVENESS, MOVE_ACTION, …); the console's default when unset */
  model?: string;
  timeoutMs: number;
}

/**
 * limit: why the product will not verify this person now. 'daily_failures' (418: too many
 * failed scans today), 'identity_unusable' (417: the authority's record cannot be compared,
 * after a 201/202/203), 'risk_policy' (427). None of them is the provider being down.
 */
export type AliyunFaceFailure = ProviderFailure & {
  notFinished?: true;
  unavailable?: true;
  limit?: 'daily_failures' | 'identity_unusable' | 'risk_policy';
};

export interface BeginInput {
  /** ours, unique per attempt: 1–32 letters and digits (Alibaba's rule) */
  outerOrderNo: string;
  certName?: string;
  certNo?: string;
  /** the app face SDK's getMetaInfo(), passed through */
  metaInfo: string;
  productCode?: AliyunProductCode;
  model?: string;
  /** LR_FR: the reference portrait, base64 JPEG/PNG */
  faceContrastPicture?: string;
  /** Alibaba calls url back with certifyId, passed, subcode and token (callback.ts) */
  callback?: { url: string; token: string };
}

export interface Material {
  /** liveness face vs. the authority's (ID_PRO) or the given (LR_FR) photo, 0–100 */
  verifyScore?: number;
  qualityScore?: number;
  /** 'T' when the scan looked like an attack */
  faceAttack?: string;
  /** the best frame, when the scene keeps materials (an OSS link, minutes long) */
  pictureUrl?: string;
}

export type BeginResult = ProviderResult<{ certifyId: string; requestId: string }, AliyunFaceFailure>;
export type VerdictResult = ProviderResult<{ passed: boolean; subCode: string; material: Material; requestId: string }, AliyunFaceFailure>;

export interface AliyunFaceClient {
  begin(input: BeginInput): Promise<BeginResult>;
  verdict(input: { certifyId: string }): Promise<VerdictResult>;
}

/** 424 身份认证记录不存在 (not finished, abandoned or in progress), 403 认证未完成 */
const NOT_FINISHED = new Set(['424', '403']);
const LIMITS: Record<string, AliyunFaceFailure['limit']> = { '417': 'identity_unusable', '418': 'daily_failures', '427': 'risk_policy' };
const RETRYABLE_GATEWAY = /^(Throttling|InternalError|ServiceUnavailable|SignatureNonceUsed)/;

export function createAliyunFaceClient(cfg: AliyunFaceConfig): AliyunFaceClient {
  const sdk = new Cloudauth(
    new $OpenApiUtil.Config({
      accessKeyId: cfg.accessKeyId,
      accessKeySecret: cfg.accessKeySecret,
      endpoint: cfg.endpoint,
      protocol: cfg.protocol,
      readTimeout: cfg.timeoutMs,
      connectTimeout: cfg.timeoutMs,
    }),
  );

  async function begin(input: BeginInput): Promise<BeginResult> {
    const scrub = (s: string) => scrubIdentity(s, input.certName ?? '', input.certNo ?? '');
    const productCode = input.productCode ?? cfg.productCode;
    const model = input.model ?? cfg.model;
    try {
      const res = await sdk.initFaceVerify(
        new InitFaceVerifyRequest({
          sceneId: cfg.sceneId,
          outerOrderNo: input.outerOrderNo,
          productCode,
          metaInfo: input.metaInfo,
          ...(input.certNo !== undefined && { certType: 'IDENTITY_CARD', certName: input.certName, certNo: input.certNo }),
          ...(model && { model }),
          ...(input.faceContrastPicture !== undefined && { faceContrastPicture: input.faceContrastPicture }),
          ...(input.callback && { callbackUrl: input.callback.url, callbackToken: input.callback.token }),
        }),
      );
      const body = res.body;
      const refused = fromBody(body?.code, body?.message, body?.requestId, scrub);
      if (refused) return refused;
      const certifyId = body?.resultObject?.certifyId;
      if (typeof certifyId !== 'string' || !certifyId) return failure('InvalidResponse', 'Code 200 without ResultObject.CertifyId', true, body?.requestId, true);
      return { ok: true, certifyId, requestId: body?.requestId ?? '' };
    } catch (err) {
      return fromException(err, cfg.timeoutMs, scrub);
    }
  }

  async function verdict({ certifyId }: { certifyId: string }): Promise<VerdictResult> {
    const keep = (s: string) => scrubIdentity(s, '', '');
    try {
      const res = await sdk.describeFaceVerify(new DescribeFaceVerifyRequest({ sceneId: cfg.sceneId, certifyId }));
      const body = res.body;
      const refused = fromBody(body?.code, body?.message, body?.requestId, keep);
      if (refused) return refused;
      const r = body?.resultObject;
      if (!r || (r.passed !== 'T' && r.passed !== 'F') || typeof r.subCode !== 'string') {
        return failure('InvalidResponse', `Code 200 with Passed ${JSON.stringify(r?.passed)}`, true, body?.requestId, true);
      }
      // Alibaba: judge by Passed; SubCode says why
      return { ok: true, passed: r.passed === 'T', subCode: r.subCode, material: materialOf(r.materialInfo), requestId: body?.requestId ?? '' };
    } catch (err) {
      return fromException(err, cfg.timeoutMs, keep);
    }
  }

  return {
    begin: (input) => providerCall('aliyun_face', 'InitFaceVerify', () => begin(input)),
    verdict: (input) => providerCall('aliyun_face', 'DescribeFaceVerify', () => verdict(input)),
  };
}

function failure(code: string, message: string, retryable: boolean, ref?: string, unavailable?: boolean): AliyunFaceFailure {
  return { ok: false, code, message, retryable, ...(ref ? { ref } : {}), ...(unavailable ? { unavailable: true as const } : {}) };
}

/** The product's refusal in a 200 body, or null for Code 200. */
function fromBody(code: unknown, message: unknown, requestId: unknown, scrub: (s: string) => string): AliyunFaceFailure | null {
  const c = typeof code === 'string' ? code : typeof code === 'number' ? String(code) : '';
  if (c === '200') return null;
  const ref = typeof requestId === 'string' ? requestId : undefined;
  const msg = scrub(typeof message === 'string' ? message : '');
  if (!c) return failure('InvalidResponse', 'an answer without Code', true, ref, true);
  if (NOT_FINISHED.has(c)) return { ...failure(c, msg, false, ref), notFinished: true };
  const limit = LIMITS[c];
  if (limit) return { ...failure(c, msg, false, ref), limit };
  if (c === '500') return failure(c, msg, true, ref, true);
  return failure(c, msg, false, ref);
}

interface SdkError {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  requestId?: unknown;
  data?: unknown;
}

function fromException(err: unknown, timeoutMs: number, scrub: (s: string) => string): AliyunFaceFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkError;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status !== undefined && typeof e.code === 'string') {
    // a gateway refusal: its own Message, never the SDK's text (which adds nothing we lack)
    const ref = typeof e.requestId === 'string' && e.requestId !== 'undefined' ? e.requestId : undefined;
    const data = isRecord(e.data) ? e.data : {};
    const msg = scrub(`HTTP ${status}: ${typeof data.Message === 'string' ? data.Message : ''}`.trim());
    const retry = status >= 500 || RETRYABLE_GATEWAY.test(e.code);
    return failure(e.code, msg, retry, ref, retry && e.code !== 'SignatureNonceUsed');
  }
  if (err instanceof SyntaxError) return failure('InvalidResponse', 'the answer is not JSON', true, undefined, true);
  // no answer at all: say which kind, from fields that cannot hold the request's URL
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (name === 'RequestTimeoutError') return failure('TIMEOUT', `no answer within ${timeoutMs} ms`, true, undefined, true);
  return failure(TRANSPORT_ERROR, scrub(code ? `${name}: ${code}` : name), true, undefined, true);
}

function materialOf(raw: unknown): Material {
  const m = typeof raw === 'string' ? parseJson(raw) : raw;
  if (!isRecord(m)) return {};
  const front = isRecord(m.facialPictureFront) ? m.facialPictureFront : {};
  const out: Material = {};
  if (typeof front.verifyScore === 'number') out.verifyScore = front.verifyScore;
  if (typeof front.qualityScore === 'number') out.qualityScore = front.qualityScore;
  if (typeof m.faceAttack === 'string') out.faceAttack = m.faceAttack;
  if (typeof front.pictureUrl === 'string' && front.pictureUrl) out.pictureUrl = front.pictureUrl;
  return out;
}
