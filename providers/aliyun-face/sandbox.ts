// A local stand-in for Alibaba Cloud ID Verification (Cloudauth, API version 2019-03-07):
// InitFaceVerify and DescribeFaceVerify as the official SDK (`@alicloud/cloudauth20190307`)
// calls them, so providers/aliyun-face/client.ts is what the tests exercise, not a fake of it.
//
// Wire (docs/providers.md#alibaba-cloud-id-verification): RPC style over the V3 signature.
//   POST /?<action parameters> (GET works the same), form body for the rest
//   (FaceContrastPicture, Model); headers host, x-acs-action, x-acs-version: 2019-03-07,
//   x-acs-date (ISO 8601 UTC), x-acs-signature-nonce, x-acs-content-sha256 (hex SHA-256 of
//   the body), content-type, and
//   Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<a;b;…>,Signature=<hex>
//   CanonicalRequest = METHOD \n / \n <sorted k=v, RFC 3986-encoded> \n <name:value\n per signed
//   header> \n <signed header names> \n <x-acs-content-sha256>;
//   Signature = hex HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex SHA-256(CanonicalRequest)).
// Gateway refusals (JSON { RequestId, HostId, Code, Message, Recommend }, HTTP status as shown):
//   400 IncompleteSignature       no/malformed Authorization, a required header missing or unsigned
//   400 InvalidSignatureMethod    an algorithm other than ACS3-HMAC-SHA256
//   404 InvalidAccessKeyId.NotFound
//   400 InvalidTimeStamp.Format / InvalidTimeStamp.Expired (x-acs-date more than 15 min off)
//   400 SignatureDoesNotMatch     wrong secret, anything signed changed, or a body that is not
//                                 the one x-acs-content-sha256 names
//   400 SignatureNonceUsed        a nonce seen in the last 31 minutes (checked after the signature)
//   404 InvalidApi.NotFound / 400 InvalidVersion, 400 UnsupportedHTTPMethod
// Business answers are HTTP 200 { RequestId, Code, Message, ResultObject? }: Code '200' with
// ResultObject, or the product's codes (400 参数不能为空, 401 参数非法, 404 认证场景配置不存在,
// 406 无效的CertifyId, 417, 418, 424, 427, 500).
//
// Magic words, in MetaInfo: its "sandbox" key (MetaInfo is the app SDK's JSON), or
// `sandbox:<word>` anywhere in it:
//   (none)        passes: Passed T, SubCode 200
//   201 … 206     Passed F with that SubCode; after 201/202/203 the same identity's next
//                 InitFaceVerify answers 417, as Alibaba's does
//   pending       unfinished: DescribeFaceVerify answers 424 until finish(certifyId, …)
//   403           unfinished, and DescribeFaceVerify says so with 403 认证未完成 instead
//   417 / 418 / 500   InitFaceVerify answers that Code
//   427           DescribeFaceVerify answers 427 业务策略限制
// Every other certifyId is finished as soon as it is issued (the user was instant), and its
// callback, when InitFaceVerify named a CallbackUrl, is sent right after the answer:
//   GET <CallbackUrl>[?|&]certifyId=…&passed=T|F&subcode=…[&callbackToken=…]
// CallbackUrl must be https, except to a loopback host (a sandbox allowance).
// finish(certifyId, subCode?) settles a certifyId (the app side) and sends its callback;
// POST /sandbox/finish {certifyId, subCode?} does the same over HTTP for a demo app. A CertifyId
// is good for one scan within 30 minutes: finishing it later fails (HTTP 410).
//
// setFailure(mode) until setFailure(null): 'http500' (an HTML 500 before any check),
// 'timeout' (hold the socket), 'reset' (drop the connection), 'unavailable' (503
// ServiceUnavailable), 'throttling' (400 Throttling.User), '500' (business Code 500); the
// last three after the signature checks.
//
// Listings hold SHA-256 hashes of names and ID numbers, never the values.
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { httpUrl, listen } from '../../lib/listen';
import { validateChineseName, validateIdNumber } from '../../lib/idcard';
import { readBody } from '../shared/http-body';
import { closeServer } from '../shared/close-server';
import { playTransportFault, sandboxWordOf } from '../shared/sandbox';
import { SANDBOX_JPEG } from '../dcloud-face/sandbox';

export const ALIYUN_VERSION = '2019-03-07';
export const ALIYUN_ALGORITHM = 'ACS3-HMAC-SHA256';
export const SUB_CODES = ['200', '201', '202', '203', '204', '205', '206'] as const;
export type SubCode = (typeof SUB_CODES)[number];
export type AliyunMagic = Exclude<SubCode, '200'> | 'pending' | '403' | '417' | '418' | '427' | '500';
export type AliyunFailureMode = 'http500' | 'timeout' | 'reset' | 'unavailable' | 'throttling' | '500';

export const CLOUDAUTH_MESSAGES = {
  '200': 'success',
  '400': '参数不能为空',
  '401': '参数非法',
  '403': '认证未完成',
  '404': '认证场景配置不存在',
  '406': '无效的CertifyId',
  '417': '无法使用刷脸服务',
  '418': '刷脸失败次数过多',
  '424': '身份认证记录不存在',
  '427': '业务策略限制',
  '500': '系统错误',
} as const;

export const SUB_CODE_MESSAGES: Record<SubCode, string> = {
  '200': '认证通过',
  '201': '姓名和身份证不一致',
  '202': '查询不到身份信息',
  '203': '查询不到照片或照片不可用',
  '204': '人脸比对不一致',
  '205': '活体检测存在风险',
  '206': '业务策略限制',
};

export interface AliyunFaceSandboxOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** AccessKeyId → AccessKeySecret */
  credentials: Record<string, string>;
  /** The scenes created "in the console"; other SceneIds answer 404. */
  sceneIds: number[];
  /** ms since epoch; defaults to Date.now */
  now?: () => number;
}

export interface CertificationRecord {
  certifyId: string;
  sceneId: number;
  productCode: string;
  outerOrderNo: string;
  certNameHash: string | null;
  certNoHash: string | null;
  magic: AliyunMagic | null;
  /** null while unfinished */
  subCode: SubCode | null;
  callback: boolean;
  createdAt: string;
}

export interface CallbackRecord {
  certifyId: string;
  /** The query Alibaba added, callbackToken included. */
  params: Record<string, string>;
  /** Our receiver's HTTP status, or the transport error's text. */
  outcome: number | string;
}

export interface AliyunFaceSandbox {
  /** http://host:port */
  url: string;
  /** host:port, what ALIYUN_FACE_ENDPOINT takes */
  endpoint: string;
  port: number;
  setFailure(mode: AliyunFailureMode | null): void;
  /** Requests received, answered or not; of one action (its x-acs-action) when given. */
  requests(action?: string): number;
  certifications(): CertificationRecord[];
  /** The app side finished the scan: settle with the magic's SubCode (or this one), send the callback. */
  finish(certifyId: string, subCode?: SubCode): Promise<CallbackRecord | null>;
  callbacks(): CallbackRecord[];
  close(): Promise<void>;
}

const HOST_ID = 'cloudauth.aliyuncs.com';
const ACTIONS = new Set(['InitFaceVerify', 'DescribeFaceVerify']);
const PRODUCT_CODES = new Set(['ID_PRO', 'ID_PLUS', 'LR_FR']);
const MODELS = new Set(['LIVENESS', 'PHOTINUS_LIVENESS', 'MULTI_ACTION', 'MOVE_ACTION', 'MULTI_FAPTCHA', 'MOVE_PHOTINUS']);
const MAGICS = new Set<string>(['201', '202', '203', '204', '205', '206', 'pending', '403', '417', '418', '427', '500']);
const UNFINISHED_MAGICS = new Set<string>(['pending', '403']);
/** InitFaceVerify's CertifyId: 30 minutes for its one scan */
const CERTIFY_TTL_MS = 30 * 60 * 1000;
const FAILURE_MODES = new Set<string>(['http500', 'timeout', 'reset', 'unavailable', 'throttling', '500']);
const MAX_SKEW_MS = 15 * 60 * 1000;
/** Alibaba's gateway refuses a nonce again for 31 minutes. */
const NONCE_TTL_MS = 31 * 60 * 1000;
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const PICTURE_PREFIX = '/oss/verify/';
const FINISH_PATH = '/sandbox/finish';
const CALLBACK_TIMEOUT_MS = 5000;
/** the identities whose authority record failed (201–203) answer 417 afterwards */
const BLOCKING_SUB_CODES = new Set(['201', '202', '203']);

class GatewayError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export class CertifyIdExpired extends Error {
  constructor(certifyId: string) {
    super(`certifyId ${certifyId} was issued more than 30 minutes ago`);
  }
}

class BusinessError extends Error {
  constructor(readonly code: keyof typeof CLOUDAUTH_MESSAGES, message?: string) {
    super(message ?? CLOUDAUTH_MESSAGES[code]);
  }
}

interface Entry extends CertificationRecord {
  identityKey: string | null;
  callbackUrl: string | null;
  callbackToken: string | null;
}

/** RFC 3986 percent-encoding, as Alibaba's canonical query string wants it. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A query string or form body as ordered pairs ('+' is a space, as forms encode it). */
export function parsePairs(raw: string): [string, string][] {
  if (!raw) return [];
  return raw.split('&').filter(Boolean).map((part) => {
    const i = part.indexOf('=');
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return i < 0 ? [dec(part), ''] : [dec(part.slice(0, i)), dec(part.slice(i + 1))];
  });
}

/** The V3 canonical request of what arrived, for the signed headers the client named. */
export function canonicalRequest(method: string, path: string, query: [string, string][], headers: Record<string, string>, signed: string[], payloadHash: string): string {
  const q = [...query]
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const h = signed.map((name) => `${name}:${(headers[name] ?? '').trim()}\n`).join('');
  return `${method}\n${path}\n${q}\n${h}\n${signed.join(';')}\n${payloadHash}`;
}

export function v3Signature(secret: string, canonical: string): string {
  const stringToSign = `${ALIYUN_ALGORITHM}\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
  return createHmac('sha256', secret).update(stringToSign, 'utf8').digest('hex');
}

export async function startAliyunFaceSandbox(opts: AliyunFaceSandboxOptions): Promise<AliyunFaceSandbox> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? Date.now;
  const credentials = new Map(Object.entries(opts.credentials));
  const scenes = new Set(opts.sceneIds);
  const entries = new Map<string, Entry>();
  const nonces = new Map<string, number>();
  const blockedIdentities = new Set<string>();
  const pictures = new Set<string>();
  const callbackLog: CallbackRecord[] = [];
  const actionCounts = new Map<string, number>();
  let requestCount = 0;
  let failure: AliyunFailureMode | null = null;
  const held = new Set<ServerResponse>();
  let base = '';

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendGatewayError(res, 500, 'InternalError', `sandbox error: ${(err as Error).message}`);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_BODY_BYTES);
    const rawUrl = req.url ?? '/';
    const qi = rawUrl.indexOf('?');
    const path = qi < 0 ? rawUrl : rawUrl.slice(0, qi);
    if (path.startsWith(PICTURE_PREFIX)) return servePicture(res, path.slice(PICTURE_PREFIX.length));
    if (path === FINISH_PATH) return finishOverHttp(req, res, body);

    requestCount++;
    const action = headerOf(req, 'x-acs-action') ?? '';
    actionCounts.set(action, (actionCounts.get(action) ?? 0) + 1);
    if (body === undefined) return sendGatewayError(res, 413, 'RequestEntityTooLarge', 'The request body is too large.');
    if (playTransportFault(failure, res, held)) return;
    if (failure === 'reset') {
      req.socket.destroy();
      return;
    }

    try {
      if (path !== '/') throw new GatewayError(404, 'InvalidApi.NotFound', 'Specified api is not found, please check your url and method.');
      if (req.method !== 'POST' && req.method !== 'GET') throw new GatewayError(400, 'UnsupportedHTTPMethod', 'This http method not supported.');
      const query = parsePairs(qi < 0 ? '' : rawUrl.slice(qi + 1));
      authenticate(req, path, query, body);
      if (failure === 'throttling') throw new GatewayError(400, 'Throttling.User', 'Request was denied due to user flow control.');
      if (failure === 'unavailable') throw new GatewayError(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.');
      if (!ACTIONS.has(action)) throw new GatewayError(404, 'InvalidApi.NotFound', 'Specified api is not found, please check your url and method.');
      if (headerOf(req, 'x-acs-version') !== ALIYUN_VERSION) throw new GatewayError(400, 'InvalidVersion', 'Specified parameter Version is not valid.');

      const params = new Map<string, string>(query);
      if ((headerOf(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
        for (const [k, v] of parsePairs(body.toString('utf8'))) params.set(k, v);
      }
      const requestId = newRequestId();
      try {
        if (failure === '500') throw new BusinessError('500');
        const resultObject = action === 'InitFaceVerify' ? init(params) : describe(params);
        sendJson(res, 200, { RequestId: requestId, Code: '200', Message: 'success', ResultObject: resultObject });
        if (action === 'InitFaceVerify') {
          const e = entries.get(resultObject.CertifyId as string);
          // the answer goes out first: a callback never overtakes the CertifyId it is about
          if (e && e.subCode !== null) setImmediate(() => void deliverCallback(e));
        }
      } catch (err) {
        if (!(err instanceof BusinessError)) throw err;
        sendJson(res, 200, { RequestId: requestId, Code: err.code, Message: err.message });
      }
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      sendGatewayError(res, err.status, err.code, err.message);
    }
  }

  function authenticate(req: IncomingMessage, path: string, query: [string, string][], body: Buffer): void {
    const auth = headerOf(req, 'authorization');
    const incomplete = (why: string) => new GatewayError(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards. ${why}`);
    if (!auth) throw incomplete('Authorization is missing.');
    const sp = auth.indexOf(' ');
    const algorithm = sp < 0 ? auth : auth.slice(0, sp);
    if (algorithm !== ALIYUN_ALGORITHM) throw new GatewayError(400, 'InvalidSignatureMethod', 'Specified signature method is not valid.');
    const fields = new Map<string, string>();
    for (const part of auth.slice(sp + 1).split(',')) {
      const i = part.indexOf('=');
      if (i > 0) fields.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
    }
    const accessKeyId = fields.get('Credential');
    const signedList = fields.get('SignedHeaders');
    const signature = fields.get('Signature');
    if (!accessKeyId || !signedList || !signature) throw incomplete('Credential, SignedHeaders and Signature are required.');
    const secret = credentials.get(accessKeyId);
    if (secret === undefined) throw new GatewayError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
    const signed = signedList.split(';').map((s) => s.trim().toLowerCase());
    for (const name of ['x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256']) {
      if (!headers[name]) throw incomplete(`${name} is missing.`);
    }
    // every x-acs-* header, host and content-type must be covered: an unsigned one could be swapped
    const mustSign = Object.keys(headers).filter((h) => h.startsWith('x-acs-') || h === 'host' || h === 'content-type');
    const unsigned = mustSign.filter((h) => !signed.includes(h));
    if (unsigned.length) throw incomplete(`${unsigned.join(', ')} must be signed.`);
    if ([...signed].sort().join(';') !== signed.join(';') || new Set(signed).size !== signed.length) throw incomplete('SignedHeaders must be sorted and distinct.');

    const date = headers['x-acs-date'] as string;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(date) || Number.isNaN(Date.parse(date))) {
      throw new GatewayError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.');
    }
    if (Math.abs(now() - Date.parse(date)) > MAX_SKEW_MS) throw new GatewayError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');

    const payloadHash = headers['x-acs-content-sha256'] as string;
    const actualHash = createHash('sha256').update(body).digest('hex');
    if (!safeEqual(payloadHash.toLowerCase(), actualHash)) {
      throw new GatewayError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation. (x-acs-content-sha256 is not the body\'s)');
    }
    const expected = v3Signature(secret, canonicalRequest(req.method ?? 'POST', path, query, headers, signed, payloadHash));
    if (!safeEqual(signature.toLowerCase(), expected)) throw new GatewayError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');

    const t = now();
    for (const [n, at] of nonces) if (t - at > NONCE_TTL_MS) nonces.delete(n);
    const nonce = headers['x-acs-signature-nonce'] as string;
    if (nonces.has(nonce)) throw new GatewayError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    nonces.set(nonce, t);
  }

  function init(p: Map<string, string>): Record<string, unknown> {
    const sceneId = sceneOf(p);
    const outerOrderNo = required(p, 'OuterOrderNo');
    if (!/^[A-Za-z0-9]{1,32}$/.test(outerOrderNo)) throw new BusinessError('401', `${CLOUDAUTH_MESSAGES['401']}:OuterOrderNo`);
    const productCode = required(p, 'ProductCode');
    if (!PRODUCT_CODES.has(productCode)) throw new BusinessError('401', `${CLOUDAUTH_MESSAGES['401']}:ProductCode`);
    const metaInfo = required(p, 'MetaInfo');
    if (!isJsonObject(metaInfo)) throw new BusinessError('401', `${CLOUDAUTH_MESSAGES['401']}:MetaInfo`);
    const model = p.get('Model');
    if (model !== undefined && !MODELS.has(model)) throw new BusinessError('401', `${CLOUDAUTH_MESSAGES['401']}:Model`);

    const certName = p.get('CertName');
    const certNo = p.get('CertNo');
    if (productCode === 'ID_PRO') {
      if (required(p, 'CertType') !== 'IDENTITY_CARD') throw new BusinessError('401', `${CLOUDAUTH_MESSAGES['401']}:CertType`);
      required(p, 'CertName');
      required(p, 'CertNo');
    }
    if (certName !== undefined && !validateChineseName(certName).ok) throw new BusinessError('401', `${CLOUDAUTH_MESSAGES['401']}:CertName`);
    if (certNo !== undefined && !validateIdNumber(certNo).ok) throw new BusinessError('401', `${CLOUDAUTH_MESSAGES['401']}:CertNo`);
    if (productCode === 'LR_FR') {
      const picture = p.get('FaceContrastPicture');
      const hasOther = !!p.get('FaceContrastPictureUrl') || (!!p.get('OssBucketName') && !!p.get('OssObjectName'));
      if (!picture && !hasOther) throw new BusinessError('400', `${CLOUDAUTH_MESSAGES['400']}:FaceContrastPicture`);
      if (picture && !isPicture(picture)) throw new BusinessError('401', `${CLOUDAUTH_MESSAGES['401']}:FaceContrastPicture`);
    }
    const callbackUrl = p.get('CallbackUrl') ?? null;
    if (callbackUrl !== null && !callbackAllowed(callbackUrl)) throw new BusinessError('401', `${CLOUDAUTH_MESSAGES['401']}:CallbackUrl`);

    const magic = magicOf(metaInfo);
    if (magic === '417' || magic === '418' || magic === '500') throw new BusinessError(magic);
    const identityKey = certNo ? sha256(`${(certName ?? '').trim()}|${certNo.trim().toUpperCase()}`) : null;
    if (identityKey && blockedIdentities.has(identityKey)) throw new BusinessError('417');

    const certifyId = randomBytes(16).toString('hex');
    const createdAt = now();
    const entry: Entry = {
      certifyId,
      sceneId,
      productCode,
      outerOrderNo,
      certNameHash: certName ? sha256(certName.trim()) : null,
      certNoHash: certNo ? sha256(certNo.trim().toUpperCase()) : null,
      magic,
      subCode: null,
      callback: callbackUrl !== null,
      createdAt: new Date(createdAt).toISOString(),
      identityKey,
      callbackUrl,
      callbackToken: p.get('CallbackToken') ?? null,
    };
    entries.set(certifyId, entry);
    if (!magic || !UNFINISHED_MAGICS.has(magic)) settle(entry, undefined);
    return { CertifyId: certifyId };
  }

  function describe(p: Map<string, string>): Record<string, unknown> {
    const sceneId = sceneOf(p);
    const certifyId = required(p, 'CertifyId');
    const e = entries.get(certifyId);
    if (!e || e.sceneId !== sceneId) throw new BusinessError('406');
    if (e.magic === '427') throw new BusinessError('427');
    if (e.subCode === null) throw new BusinessError(e.magic === '403' ? '403' : '424');
    const passed = e.subCode === '200';
    const token = randomBytes(16).toString('hex');
    pictures.add(token);
    const material = {
      faceAttack: e.subCode === '205' ? 'T' : 'F',
      faceOcclusion: 'F',
      facialPictureFront: {
        faceAttackScore: e.subCode === '205' ? 0.97 : 0.0001,
        qualityScore: 92.5,
        verifyScore: e.subCode === '204' ? 31.4 : passed ? 96.8 : 0,
        ossBucketName: 'cn-shanghai-aliyun-cloudauth-sandbox',
        ossObjectName: `verify/sandbox/${token}.jpeg`,
        pictureUrl: `${base}${PICTURE_PREFIX}${token}.jpeg`,
      },
    };
    return {
      Passed: passed ? 'T' : 'F',
      SubCode: e.subCode,
      IdentityInfo: null,
      DeviceToken: `sandbox-${e.certifyId.slice(0, 8)}`,
      DeviceRisk: '',
      MaterialInfo: JSON.stringify(material),
    };
  }

  function sceneOf(p: Map<string, string>): number {
    const raw = required(p, 'SceneId');
    if (!/^\d{1,18}$/.test(raw)) throw new BusinessError('401', `${CLOUDAUTH_MESSAGES['401']}:SceneId`);
    const sceneId = Number(raw);
    if (!scenes.has(sceneId)) throw new BusinessError('404');
    return sceneId;
  }

  function settle(e: Entry, subCode: SubCode | undefined): void {
    const magicSub = e.magic && (SUB_CODES as readonly string[]).includes(e.magic) ? (e.magic as SubCode) : '200';
    e.subCode = subCode ?? magicSub;
    if (e.identityKey && BLOCKING_SUB_CODES.has(e.subCode)) blockedIdentities.add(e.identityKey);
  }

  async function deliverCallback(e: Entry): Promise<CallbackRecord | null> {
    if (!e.callbackUrl || e.subCode === null) return null;
    const params: Record<string, string> = { certifyId: e.certifyId, passed: e.subCode === '200' ? 'T' : 'F', subcode: e.subCode };
    if (e.callbackToken !== null) params.callbackToken = e.callbackToken;
    const qs = Object.entries(params).map(([k, v]) => `${k}=${percentEncode(v)}`).join('&');
    const url = `${e.callbackUrl}${e.callbackUrl.includes('?') ? '&' : '?'}${qs}`;
    const record: CallbackRecord = { certifyId: e.certifyId, params, outcome: 0 };
    try {
      const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS) });
      await res.arrayBuffer();
      record.outcome = res.status;
    } catch (err) {
      record.outcome = (err as Error).message;
    }
    callbackLog.push(record);
    return record;
  }

  async function finish(certifyId: string, subCode?: SubCode): Promise<CallbackRecord | null> {
    const e = entries.get(certifyId);
    if (!e) throw new Error(`unknown certifyId ${certifyId}`);
    if (subCode !== undefined && !(SUB_CODES as readonly string[]).includes(subCode)) throw new Error(`subCode must be one of ${SUB_CODES.join(', ')}`);
    if (now() - Date.parse(e.createdAt) > CERTIFY_TTL_MS) throw new CertifyIdExpired(certifyId);
    settle(e, subCode);
    return deliverCallback(e);
  }

  async function finishOverHttp(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<void> {
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body?.toString('utf8') || '{}');
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return sendJson(res, 400, { error: 'body must be JSON {certifyId, subCode?}' });
    const p = parsed as Record<string, unknown>;
    const certifyId = typeof p.certifyId === 'string' ? p.certifyId : '';
    const subCode = typeof p.subCode === 'string' ? (p.subCode as SubCode) : undefined;
    if (!entries.has(certifyId)) return sendJson(res, 404, { error: 'unknown certifyId' });
    if (subCode !== undefined && !(SUB_CODES as readonly string[]).includes(subCode)) return sendJson(res, 400, { error: `subCode must be one of ${SUB_CODES.join(', ')}` });
    if (now() - Date.parse(entries.get(certifyId)!.createdAt) > CERTIFY_TTL_MS) return sendJson(res, 410, { error: 'certifyId expired (30 minutes)' });
    const cb = await finish(certifyId, subCode);
    sendJson(res, 200, { certifyId, subCode: entries.get(certifyId)?.subCode, callback: cb ? cb.outcome : null });
  }

  function servePicture(res: ServerResponse, file: string): void {
    const token = /^([0-9a-f]{32})\.jpeg$/.exec(file)?.[1];
    if (!token || !pictures.has(token)) {
      res.writeHead(404, { 'Content-Type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code></Error>\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': SANDBOX_JPEG.length }).end(SANDBOX_JPEG);
  }

  function sendGatewayError(res: ServerResponse, status: number, code: string, message: string): void {
    const requestId = newRequestId();
    sendJson(res, status, {
      RequestId: requestId,
      HostId: HOST_ID,
      Code: code,
      Message: message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=Cloudauth&requestId=${requestId}`,
    });
  }

  const port = await listen(server, opts.port ?? 0, host);
  base = httpUrl(host, port);

  return {
    url: base,
    endpoint: base.replace(/^http:\/\//, ''),
    port,
    setFailure: (mode) => {
      if (mode !== null && !FAILURE_MODES.has(mode)) throw new Error(`unknown failure mode "${String(mode)}"; use ${[...FAILURE_MODES].join(', ')}`);
      failure = mode;
    },
    requests: (action) => (action === undefined ? requestCount : (actionCounts.get(action) ?? 0)),
    certifications: () =>
      [...entries.values()].map((e) => ({
        certifyId: e.certifyId,
        sceneId: e.sceneId,
        productCode: e.productCode,
        outerOrderNo: e.outerOrderNo,
        certNameHash: e.certNameHash,
        certNoHash: e.certNoHash,
        magic: e.magic,
        subCode: e.subCode,
        callback: e.callback,
        createdAt: e.createdAt,
      })),
    finish,
    callbacks: () => callbackLog.map((c) => ({ ...c, params: { ...c.params } })),
    close: () => closeServer(server, held),
  };
}

/** The magic word of a MetaInfo string, if any. */
export function magicOf(metaInfo: string): AliyunMagic | null {
  const word = sandboxWordOf(metaInfo);
  return word !== undefined && MAGICS.has(word) ? (word as AliyunMagic) : null;
}

function required(p: Map<string, string>, name: string): string {
  const v = p.get(name);
  if (v === undefined || v === '') throw new BusinessError('400', `${CLOUDAUTH_MESSAGES['400']}:${name}`);
  return v;
}

function callbackAllowed(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

function isJsonObject(s: string): boolean {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** A base64 JPEG or PNG. */
function isPicture(b64: string): boolean {
  const buf = Buffer.from(b64, 'base64');
  return (buf.length > 3 && buf[0] === 0xff && buf[1] === 0xd8) || (buf.length > 8 && buf.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47])));
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function newRequestId(): string {
  return randomUUID().toUpperCase();
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8', 'Content-Length': Buffer.byteLength(body) }).end(body);
}
