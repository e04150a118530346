// A local stand-in for the ID two-factor API (身份证二要素) sold on the Tencent Cloud API
// market: the market gateway's HMAC key-pair check in front of a vendor's
// POST /id_name/check?idcard=…&name=… . It verifies the real signature, so
// providers/idcard-market/client.ts is what the tests exercise.
//
// Gateway (answers HTTP 401/403 with { message }, as Tencent's API gateway does):
//   no / unparsable Authorization            401 HMAC signature cannot be verified, a validate authorization header is required
//   no / unparsable X-Date, or not signed    401 HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication
//   X-Date more than 15 min off              401 HMAC signature cannot be verified, the x-date header is out of date for HMAC Authentication
//   unknown SecretId                         403 HMAC signature cannot be verified
//   wrong signature                          403 HMAC signature does not match
//   another path or method                   404 { message: 'There is no api match …' }
//
// API (HTTP 200 with { code, msg, data }). Query validation: idcard or name missing, an
// idcard that fails lib/idcard validation, or a name that is not 1–8 Han characters →
// code 400 "参数错误:…".
//
// Magic ID numbers (all valid: region 110101 东城区, born 1990-01-01, the sequence code
// tells the outcome; the names accepted with them are not checked):
//
//   ID number            seq  outcome
//   110101199001010015   001  match, 男, 19900101, 北京市东城区景山前街4号
//   110101199001010023   002  match, 女, 19900101, 北京市东城区景山前街4号
//   110101199001012010   201  result 2, mismatch ("不一致")
//   110101199001013013   301  result 3, no record ("无记录")
//   110101199001014016   401  code 400 "参数错误:姓名或身份证号格式错误"
//   110101199001015019   501  code 500 "系统维护,请稍后再试"        (provider fault)
//   110101199001015027   502  HTTP 502 with an HTML body (not JSON)  (provider fault)
//   110101199001015035   503  HTTP 403 "Found no validate usage plan": the market package is
//                             used up or expired, i.e. our account is in arrears (provider fault)
//   110101199001019992   999  code 999 "核验中心异常"                (provider fault)
//   110101199001015043   504  slow: answers match (女) only after 3 s (client timeouts)
//
// Any other valid ID number matches, with sex and birthday taken from the number.
//
// setFailure(mode) makes every request fail the same way until setFailure(null):
//   'http500' → HTTP 500 HTML; 'timeout' → hold the socket; 'reset' → drop the connection;
//   'maintenance' → code 500 envelope; 'arrears' → 403 Found no validate usage plan.
// Outages come before the signature check, as they would in front of it.
//
// requests() lists calls that passed the gateway (what the vendor would bill or count), with
// the ID number masked; calls() counts every HTTP request received.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { httpUrl, listen } from '../../lib/listen';
import { maskIdNumber, validateChineseName, validateIdNumber } from '../../lib/idcard';
import { closeServer } from '../shared/close-server';

export interface IdCardGatewayOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** SecretId → SecretKey */
  credentials: Record<string, string>;
  /** Delay of the slow magic number, ms (default 3000). */
  slowMs?: number;
}

export interface IdCardRequestRecord {
  idcardMasked: string;
  at: string;
}

export type IdCardFailureMode = 'http500' | 'timeout' | 'reset' | 'maintenance' | 'arrears';

export interface IdCardGateway {
  url: string;
  port: number;
  calls(): number;
  requests(): IdCardRequestRecord[];
  setFailure(mode: IdCardFailureMode | null): void;
  close(): Promise<void>;
}

type Magic =
  | { kind: 'match'; sex: '男' | '女' }
  | { kind: 'result'; result: '2' | '3' }
  | { kind: 'code'; code: number; msg: string }
  | { kind: 'http502' }
  | { kind: 'no_usage_plan' }
  | { kind: 'slow' };

export const IDCARD_MAGIC = {
  matchMale: '110101199001010015',
  matchFemale: '110101199001010023',
  mismatch: '110101199001012010',
  noRecord: '110101199001013013',
  badRequest: '110101199001014016',
  maintenance: '110101199001015019',
  http502: '110101199001015027',
  arrears: '110101199001015035',
  centerError: '110101199001019992',
  slow: '110101199001015043',
} as const;

const MAGIC: Readonly<Record<string, Magic>> = {
  [IDCARD_MAGIC.matchMale]: { kind: 'match', sex: '男' },
  [IDCARD_MAGIC.matchFemale]: { kind: 'match', sex: '女' },
  [IDCARD_MAGIC.mismatch]: { kind: 'result', result: '2' },
  [IDCARD_MAGIC.noRecord]: { kind: 'result', result: '3' },
  [IDCARD_MAGIC.badRequest]: { kind: 'code', code: 400, msg: '参数错误:姓名或身份证号格式错误' },
  [IDCARD_MAGIC.maintenance]: { kind: 'code', code: 500, msg: '系统维护,请稍后再试' },
  [IDCARD_MAGIC.http502]: { kind: 'http502' },
  [IDCARD_MAGIC.arrears]: { kind: 'no_usage_plan' },
  [IDCARD_MAGIC.centerError]: { kind: 'code', code: 999, msg: '核验中心异常' },
  [IDCARD_MAGIC.slow]: { kind: 'slow' },
};

export const IDCARD_GATEWAY_MESSAGES = {
  noAuth: 'HMAC signature cannot be verified, a validate authorization header is required',
  noDate: 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication',
  staleDate: 'HMAC signature cannot be verified, the x-date header is out of date for HMAC Authentication',
  unknownKey: 'HMAC signature cannot be verified',
  badSignature: 'HMAC signature does not match',
  noUsagePlan: 'Found no validate usage plan',
} as const;

const PATH = '/id_name/check';
const MAX_SKEW_MS = 15 * 60 * 1000;
const FAILURE_MODES = new Set<string>(['http500', 'timeout', 'reset', 'maintenance', 'arrears']);
const AUTH_RE = /^hmac\s+(.*)$/i;

const PROVINCE_NAMES: Readonly<Record<string, string>> = {
  '11': '北京市', '12': '天津市', '13': '河北省', '14': '山西省', '15': '内蒙古自治区',
  '21': '辽宁省', '22': '吉林省', '23': '黑龙江省', '31': '上海市', '32': '江苏省', '33': '浙江省',
  '34': '安徽省', '35': '福建省', '36': '江西省', '37': '山东省', '41': '河南省', '42': '湖北省',
  '43': '湖南省', '44': '广东省', '45': '广西壮族自治区', '46': '海南省', '50': '重庆市', '51': '四川省',
  '52': '贵州省', '53': '云南省', '54': '西藏自治区', '61': '陕西省', '62': '甘肃省', '63': '青海省',
  '64': '宁夏回族自治区', '65': '新疆维吾尔自治区', '71': '台湾省', '81': '香港特别行政区', '82': '澳门特别行政区',
};

class GatewayError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function startIdCardGateway(opts: IdCardGatewayOptions): Promise<IdCardGateway> {
  const host = opts.host ?? '127.0.0.1';
  const slowMs = opts.slowMs ?? 3000;
  const credentials = new Map(Object.entries(opts.credentials));
  let failure: IdCardFailureMode | null = null;
  let callCount = 0;
  const records: IdCardRequestRecord[] = [];
  const held = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    callCount++;
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: `sandbox error: ${(err as Error).message}` });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await drain(req);
    if (failure) return forcedFailure(failure, res);

    const requestId = randomUUID();
    res.setHeader('X-Api-RequestId', requestId);
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    if (req.method !== 'POST' || url.pathname !== PATH) {
      sendJson(res, 404, { message: `There is no api match method[${req.method}], path[${url.pathname}]` });
      return;
    }
    try {
      verifyGateway(req, credentials);
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      sendJson(res, err.status, { message: err.message });
      return;
    }

    const idcard = url.searchParams.get('idcard') ?? '';
    const name = url.searchParams.get('name') ?? '';
    records.push({ idcardMasked: maskIdNumber(idcard), at: new Date().toISOString() });

    if (!idcard.trim()) return sendEnvelope(res, requestId, 400, '参数错误:idcard不能为空');
    if (!name.trim()) return sendEnvelope(res, requestId, 400, '参数错误:name不能为空');
    const id = validateIdNumber(idcard);
    if (!id.ok) return sendEnvelope(res, requestId, 400, '参数错误:身份证号格式错误');
    if (!validateChineseName(name).ok) return sendEnvelope(res, requestId, 400, '参数错误:姓名格式错误');

    const magic = MAGIC[id.normalized];
    const match = (sex: '男' | '女') =>
      sendEnvelope(res, requestId, 200, '成功', {
        result: '1',
        message: '一致',
        sex,
        birthday: id.birthDate.replace(/-/g, ''),
        address: id.normalized.startsWith('110101') ? '北京市东城区景山前街4号' : `${PROVINCE_NAMES[id.normalized.slice(0, 2)] ?? ''}`,
      });

    switch (magic?.kind) {
      case undefined:
        return match(id.sex === 'M' ? '男' : '女');
      case 'match':
        return match(magic.sex);
      case 'result':
        return sendEnvelope(res, requestId, 200, '成功', { result: magic.result, message: magic.result === '2' ? '不一致' : '无记录' });
      case 'code':
        return sendEnvelope(res, requestId, magic.code, magic.msg);
      case 'http502':
        return sendHtml(res, 502, 'Bad Gateway');
      case 'no_usage_plan':
        return sendJson(res, 403, { message: IDCARD_GATEWAY_MESSAGES.noUsagePlan });
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) match(id.sex === 'M' ? '男' : '女');
        }, slowMs);
        timers.add(timer);
        return;
      }
    }
  }

  function forcedFailure(mode: IdCardFailureMode, res: ServerResponse): void {
    switch (mode) {
      case 'http500':
        return sendHtml(res, 500, 'Internal Server Error');
      case 'timeout':
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      case 'reset':
        res.socket?.destroy();
        return;
      case 'maintenance':
        return sendEnvelope(res, randomUUID(), 500, '系统维护,请稍后再试');
      case 'arrears':
        return sendJson(res, 403, { message: IDCARD_GATEWAY_MESSAGES.noUsagePlan });
    }
  }

  const port = await listen(server, opts.port ?? 0, host);

  return {
    url: httpUrl(host, port),
    port,
    calls: () => callCount,
    requests: () => records.map((r) => ({ ...r })),
    setFailure: (mode) => {
      if (mode !== null && !FAILURE_MODES.has(mode)) {
        throw new Error(`unknown ID card gateway failure mode "${String(mode)}"; use ${[...FAILURE_MODES].join(', ')}`);
      }
      failure = mode;
    },
    close: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return closeServer(server, held);
    },
  };
}

// ---------------------------------------------------------------------------------------
// Gateway signature (hmac id="…", algorithm="hmac-sha1", headers="x-date x-source", signature="…")

function verifyGateway(req: IncomingMessage, credentials: Map<string, string>): void {
  const m = AUTH_RE.exec(header(req, 'authorization') ?? '');
  const params = m ? parseAuthParams(m[1] as string) : undefined;
  const id = params?.get('id');
  const algorithm = params?.get('algorithm')?.toLowerCase();
  const headersParam = params?.get('headers');
  const signature = params?.get('signature');
  if (!params || !id || !algorithm || headersParam === undefined || !signature) {
    throw new GatewayError(401, IDCARD_GATEWAY_MESSAGES.noAuth);
  }
  if (algorithm !== 'hmac-sha1' && algorithm !== 'hmac-sha256') throw new GatewayError(401, IDCARD_GATEWAY_MESSAGES.noAuth);

  const signed = headersParam.toLowerCase().split(/\s+/).filter(Boolean);
  const xDate = header(req, 'x-date');
  const when = xDate ? Date.parse(xDate) : NaN;
  if (!signed.includes('x-date') || !xDate || Number.isNaN(when) || !/GMT$/.test(xDate)) {
    throw new GatewayError(401, IDCARD_GATEWAY_MESSAGES.noDate);
  }
  if (Math.abs(Date.now() - when) > MAX_SKEW_MS) throw new GatewayError(401, IDCARD_GATEWAY_MESSAGES.staleDate);

  const secretKey = credentials.get(id);
  if (secretKey === undefined) throw new GatewayError(403, IDCARD_GATEWAY_MESSAGES.unknownKey);

  const stringToSign = signed.map((h) => `${h}: ${header(req, h) ?? ''}`).join('\n');
  const expected = createHmac(algorithm === 'hmac-sha1' ? 'sha1' : 'sha256', secretKey).update(stringToSign, 'utf8').digest('base64');
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new GatewayError(403, IDCARD_GATEWAY_MESSAGES.badSignature);
}

/** `id="a", algorithm="hmac-sha1", headers="x-date x-source", signature="…"` → map. */
function parseAuthParams(s: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  const re = /\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*(?:,|$)/y;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return undefined;
    out.set((m[1] as string).toLowerCase(), m[2] as string);
    pos = re.lastIndex;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Small helpers

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v)?.trim();
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    req.on('data', () => undefined);
    req.on('end', resolve);
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

function sendEnvelope(res: ServerResponse, taskNo: string, code: number, msg: string, data?: Record<string, string>): void {
  sendJson(res, 200, { code, msg, taskNo: taskNo.replace(/-/g, ''), data: data ?? null });
}

function sendHtml(res: ServerResponse, status: number, title: string): void {
  res
    .writeHead(status, { 'Content-Type': 'text/html' })
    .end(`<html><head><title>${status} ${title}</title></head><body><center><h1>${status} ${title}</h1></center></body></html>`);
}
