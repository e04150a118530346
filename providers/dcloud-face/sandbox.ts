// A local stand-in for the platform's DCloud face cloud function (uni-cloud-verify,
// URL-ized at <url>/face) and for the object storage its pictureUrl points at. It speaks the
// same wire format as the seed's function, so providers/dcloud-face/client.ts is what the tests
// exercise.
//
// POST /face with JSON { way, ...params } and the secret header (default x-verify-secret):
//   secret header missing or wrong        { errCode: -3, errMsg: '非法请求[-3]' }
//   body missing, empty, not a JSON object, or no/unknown `way`
//                                         { errCode: -2, errMsg: '携带参数不完整[-2]' }
//   way getCertifyId { realName, idCard, metaInfo, needPicture? }
//     a parameter missing                 50001 缺少参数:<name>
//     realName not 1–8 Han (· allowed), idCard not a valid ID number, needPicture not boolean
//                                         50002 参数错误:<name>
//     otherwise                           { errCode: 0, errMsg: '', certifyId: <32 hex> }
//   way getAuthResult { certifyId }
//     certifyId missing / not a string    50001 / 50002
//     unknown certifyId                   54020 记录不存在或certifyId无效
//     issued more than 24 h ago           56001 请求记录已过期
//     queried more than 5 times (the 6th) 56002 请求次数已超限
//     otherwise the outcome below; every query of a known, unexpired certifyId counts.
//
// Outcome by magic in metaInfo: the "sandbox" key of metaInfo parsed as JSON (the app's
// metaInfo is a JSON string), or `sandbox:<word>` / `sandbox=<word>` anywhere in it:
//   (none)         SUCCESS, score 99.0–99.9, quality 80–95, pictureUrl when needPicture
//   fail           FAIL (no score, quality or picture)
//   processing     424 该certifyId用户未完成认证或认证进行中, until complete(certifyId, …)
//   pending        errCode 0 with authState PROCESSING, until complete(certifyId, …)
//   picture_error  SUCCESS, but downloading its pictureUrl answers HTTP 500
//   balance        getCertifyId → 54100 账户余额不足
//   not_activated  getCertifyId → 55023 实人认证服务未开通
//   upstream       getCertifyId → 55001 实人认证服务商服务不可用,请联系DCloud处理
// complete(certifyId, 'SUCCESS' | 'FAIL') settles a processing/pending (or any) certifyId.
//
// Pictures: GET /picture/<token>.jpg serves a small valid JPEG (8×8 grey baseline) for
// 15 minutes after the getAuthResult answer that issued the URL; afterwards 403 with an
// OSS-style AccessDenied XML body; an unknown token is 404.
//
// setFailure(mode) until setFailure(null), for both ways, after the secret and body checks:
//   '55000' | '55001' | '60000' → that uni error; 'http500' → HTTP 500 HTML (before any check);
//   'timeout' → the socket is held until the client gives up (before any check).
//
// The clock (`now`) is injectable so tests can pass the 24 h and 15 min limits.
// Listings never hold names or ID numbers: only SHA-256 hashes of them.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { httpUrl, listen } from '../../lib/listen';
import { readBody } from '../shared/http-body';
import { validateChineseName, validateIdNumber } from '../../lib/idcard';
import { closeServer } from '../shared/close-server';
import { playTransportFault, sandboxWordOf } from '../shared/sandbox';

export type FaceOutcome = 'SUCCESS' | 'FAIL';
export type FaceMagic = 'fail' | 'processing' | 'pending' | 'picture_error' | 'balance' | 'not_activated' | 'upstream';
export type FaceFailureMode = '55000' | '55001' | '60000' | 'http500' | 'timeout';
export type FaceWay = 'getCertifyId' | 'getAuthResult';

export interface FaceFunctionOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  secret: string;
  secretHeader?: string;
  /** ms since epoch; defaults to Date.now */
  now?: () => number;
}

export interface CertifyRecord {
  certifyId: string;
  createdAt: string;
  realNameHash: string;
  idCardHash: string;
  needPicture: boolean;
  magic: FaceMagic | null;
  /** SUCCESS/FAIL once settled; null while processing/pending. */
  outcome: FaceOutcome | null;
  queries: number;
}

export interface FaceFunction {
  /** The function's URL (…/face), what FACE_FUNCTION_URL points at. */
  url: string;
  port: number;
  /** Where issued pictures live: <pictureBaseUrl>/<token>.jpg */
  pictureBaseUrl: string;
  setFailure(mode: FaceFailureMode | null): void;
  /** Requests to the function (all, or those naming this way). */
  calls(way?: FaceWay): number;
  certifyIds(): CertifyRecord[];
  /** Settle a certifyId, as if the user finished the scan with this outcome. */
  complete(certifyId: string, outcome: FaceOutcome): void;
  /** Picture downloads answered (any status). */
  pictureRequests(): number;
  close(): Promise<void>;
}

export const FACE_MESSAGES = {
  illegal: '非法请求[-3]',
  incomplete: '携带参数不完整[-2]',
  notFinished: '该certifyId用户未完成认证或认证进行中',
  notFound: '记录不存在或certifyId无效',
  expired: '请求记录已过期',
  tooMany: '请求次数已超限',
  balance: '账户余额不足',
  notActivated: '实人认证服务未开通',
  upstream: '实人认证服务商服务不可用,请联系DCloud处理',
  serverError: '服务端错误',
  unavailable: '服务不可用',
} as const;

const FUNCTION_PATH = '/face';
const PICTURE_PREFIX = '/picture/';
const CERTIFY_TTL_MS = 24 * 3600 * 1000;
const MAX_QUERIES = 5;
const PICTURE_TTL_MS = 15 * 60 * 1000;
const MAX_BODY_BYTES = 64 * 1024;
const MAGICS = new Set<string>(['fail', 'processing', 'pending', 'picture_error', 'balance', 'not_activated', 'upstream']);
const FAILURE_MODES = new Set<string>(['55000', '55001', '60000', 'http500', 'timeout']);
const FAILURE_ERRORS: Record<string, { errCode: number; errMsg: string }> = {
  '55000': { errCode: 55000, errMsg: FACE_MESSAGES.serverError },
  '55001': { errCode: 55001, errMsg: FACE_MESSAGES.upstream },
  '60000': { errCode: 60000, errMsg: FACE_MESSAGES.unavailable },
};

/**
 * An 8×8 mid-grey baseline JPEG (159 bytes): SOI, JFIF APP0, an all-ones DQT, SOF0 with one
 * component, one-code DC and AC Huffman tables, a scan whose single block is DC 0 + EOB, EOI.
 * Decodes with libjpeg (djpeg) and jpeg-js.
 */
export const SANDBOX_JPEG: Buffer = Buffer.from(
  [
    'FFD8',
    'FFE000104A46494600010100000100010000',
    'FFDB004300' + '01'.repeat(64),
    'FFC0000B080008000801011100',
    'FFC4001400' + '01' + '00'.repeat(15) + '00',
    'FFC4001410' + '01' + '00'.repeat(15) + '00',
    'FFDA0008010100003F00',
    '3F',
    'FFD9',
  ].join(''),
  'hex',
);

interface Entry extends CertifyRecord {
  createdAtMs: number;
}

interface Picture {
  issuedAtMs: number;
  broken: boolean;
}

class UniError extends Error {
  constructor(readonly errCode: number, readonly errMsg: string) {
    super(errMsg);
  }
}

export async function startFaceFunction(opts: FaceFunctionOptions): Promise<FaceFunction> {
  const host = opts.host ?? '127.0.0.1';
  const headerName = (opts.secretHeader ?? 'x-verify-secret').toLowerCase();
  const now = opts.now ?? Date.now;
  const secret = Buffer.from(opts.secret, 'utf8');
  const entries = new Map<string, Entry>();
  const pictures = new Map<string, Picture>();
  const callCounts = { all: 0, getCertifyId: 0, getAuthResult: 0 };
  let pictureCount = 0;
  let failure: FaceFailureMode | null = null;
  const held = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { errCode: 'SANDBOX_ERROR', errMsg: `sandbox error: ${(err as Error).message}` });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_BODY_BYTES);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith(PICTURE_PREFIX)) return servePicture(req, res, path.slice(PICTURE_PREFIX.length));
    if (path !== FUNCTION_PATH) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }

    callCounts.all++;
    const parsed = body === undefined ? undefined : parseObject(body);
    const way = parsed?.way;
    if (way === 'getCertifyId' || way === 'getAuthResult') callCounts[way]++;

    if (playTransportFault(failure, res, held)) return;
    if (req.method !== 'POST' || !secretMatches(req)) return sendUni(res, -3, FACE_MESSAGES.illegal);
    if (!parsed || (way !== 'getCertifyId' && way !== 'getAuthResult')) return sendUni(res, -2, FACE_MESSAGES.incomplete);
    if (failure) {
      const e = FAILURE_ERRORS[failure] as { errCode: number; errMsg: string };
      return sendUni(res, e.errCode, e.errMsg);
    }

    try {
      const answer = way === 'getCertifyId' ? getCertifyId(parsed) : getAuthResult(parsed);
      sendJson(res, 200, { errCode: 0, errMsg: '', ...answer });
    } catch (err) {
      if (!(err instanceof UniError)) throw err;
      sendUni(res, err.errCode, err.errMsg);
    }
  }

  function secretMatches(req: IncomingMessage): boolean {
    const v = req.headers[headerName];
    const got = Buffer.from((Array.isArray(v) ? v[0] : v) ?? '', 'utf8');
    return got.length === secret.length && got.length > 0 && timingSafeEqual(got, secret);
  }

  function getCertifyId(p: Record<string, unknown>): { certifyId: string } {
    for (const key of ['realName', 'idCard', 'metaInfo'] as const) {
      if (p[key] === undefined || p[key] === null || p[key] === '') throw new UniError(50001, `缺少参数:${key}`);
    }
    if (typeof p.realName !== 'string' || !validateChineseName(p.realName).ok) throw new UniError(50002, '参数错误:realName');
    if (typeof p.idCard !== 'string' || !validateIdNumber(p.idCard).ok) throw new UniError(50002, '参数错误:idCard');
    if (typeof p.metaInfo !== 'string') throw new UniError(50002, '参数错误:metaInfo');
    if (p.needPicture !== undefined && typeof p.needPicture !== 'boolean') throw new UniError(50002, '参数错误:needPicture');

    const magic = magicOf(p.metaInfo);
    if (magic === 'balance') throw new UniError(54100, FACE_MESSAGES.balance);
    if (magic === 'not_activated') throw new UniError(55023, FACE_MESSAGES.notActivated);
    if (magic === 'upstream') throw new UniError(55001, FACE_MESSAGES.upstream);

    const certifyId = randomBytes(16).toString('hex');
    const createdAtMs = now();
    entries.set(certifyId, {
      certifyId,
      createdAtMs,
      createdAt: new Date(createdAtMs).toISOString(),
      realNameHash: sha256(p.realName.trim()),
      idCardHash: sha256(p.idCard.trim().toUpperCase()),
      needPicture: p.needPicture === true,
      magic,
      outcome: magic === 'processing' || magic === 'pending' ? null : magic === 'fail' ? 'FAIL' : 'SUCCESS',
      queries: 0,
    });
    return { certifyId };
  }

  function getAuthResult(p: Record<string, unknown>): Record<string, unknown> {
    if (p.certifyId === undefined || p.certifyId === null || p.certifyId === '') throw new UniError(50001, '缺少参数:certifyId');
    if (typeof p.certifyId !== 'string') throw new UniError(50002, '参数错误:certifyId');
    const e = entries.get(p.certifyId);
    if (!e) throw new UniError(54020, FACE_MESSAGES.notFound);
    if (now() - e.createdAtMs > CERTIFY_TTL_MS) throw new UniError(56001, FACE_MESSAGES.expired);
    e.queries++;
    if (e.queries > MAX_QUERIES) throw new UniError(56002, FACE_MESSAGES.tooMany);

    if (e.outcome === null) {
      if (e.magic === 'pending') return { authState: 'PROCESSING' };
      throw new UniError(424, FACE_MESSAGES.notFinished);
    }
    if (e.outcome === 'FAIL') return { authState: 'FAIL' };
    const answer: Record<string, unknown> = {
      authState: 'SUCCESS',
      score: randomInt(9900, 10000) / 100,
      quality: randomInt(8000, 9500) / 100,
    };
    if (e.needPicture) {
      const token = randomBytes(16).toString('hex');
      pictures.set(token, { issuedAtMs: now(), broken: e.magic === 'picture_error' });
      answer.pictureUrl = `${pictureBaseUrl}/${token}.jpg`;
    }
    return answer;
  }

  function servePicture(req: IncomingMessage, res: ServerResponse, file: string): void {
    pictureCount++;
    const token = /^([0-9a-f]{32})\.jpg$/.exec(file)?.[1];
    const pic = token ? pictures.get(token) : undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (!pic) return sendOssError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    if (now() - pic.issuedAtMs > PICTURE_TTL_MS) return sendOssError(res, 403, 'AccessDenied', 'Request has expired.');
    if (pic.broken) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('sandbox: picture_error');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': SANDBOX_JPEG.length, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : SANDBOX_JPEG);
  }

  const port = await listen(server, opts.port ?? 0, host);
  const base = httpUrl(host, port);
  const pictureBaseUrl = `${base}/picture`;

  return {
    url: `${base}${FUNCTION_PATH}`,
    port,
    pictureBaseUrl,
    setFailure: (mode) => {
      if (mode !== null && !FAILURE_MODES.has(mode)) {
        throw new Error(`unknown face function failure mode "${String(mode)}"; use ${[...FAILURE_MODES].join(', ')}`);
      }
      failure = mode;
    },
    calls: (way) => (way ? callCounts[way] : callCounts.all),
    certifyIds: () => [...entries.values()].map(({ createdAtMs: _ms, ...r }) => ({ ...r })),
    complete: (certifyId, outcome) => {
      const e = entries.get(certifyId);
      if (!e) throw new Error(`unknown certifyId ${certifyId}`);
      if (outcome !== 'SUCCESS' && outcome !== 'FAIL') throw new Error(`outcome must be SUCCESS or FAIL, not ${String(outcome)}`);
      e.outcome = outcome;
    },
    pictureRequests: () => pictureCount,
    close: () => closeServer(server, held),
  };
}

/** The magic word of a metaInfo string, if any. */
export function magicOf(metaInfo: string): FaceMagic | null {
  const word = sandboxWordOf(metaInfo);
  return word !== undefined && MAGICS.has(word) ? (word as FaceMagic) : null;
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return undefined;
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0 ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

function sendUni(res: ServerResponse, errCode: number, errMsg: string): void {
  sendJson(res, 200, { errCode, errMsg });
}

function sendOssError(res: ServerResponse, status: number, code: string, message: string): void {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${message}</Message>\n` +
    `  <RequestId>${randomBytes(12).toString('hex').toUpperCase()}</RequestId>\n  <HostId>sandbox-oss.local</HostId>\n</Error>\n`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

