// A local stand-in for the parts of api.weixin.qq.com that WeChat mini-program face
// verification 2.0 (人脸核身 2.0) uses, speaking the same wire format, so the real client
// (client.ts, access-token.ts) is what the tests exercise. Never in production.
//
// POST /cgi-bin/stable_token  { grant_type: 'client_credential', appid, secret, force_refresh? }
//   → { access_token, expires_in }. As WeChat documents it:
//   - normal mode answers the current token while more than 5 minutes of it are left; in its
//     last 5 minutes (or once expired) it issues a new one (7200 s) and the old one stays valid
//     until its own expiry, so expires_in is always ≥ 300;
//   - force_refresh: true ends the current (and any handed-over) token at once and issues a new
//     one; at most 20 a day, and one within 30 s of the previous forced one changes nothing (the
//     current token comes back);
//   - errors: 43002 not POST, 47001 body not JSON, 40002 grant_type, 41002 appid missing,
//     41004 secret missing, 40013 unknown appid, 40125 wrong secret, 45011 more than
//     `tokenPerMinute` calls in a minute, 45009 more than `tokenPerDay` a day (or a 21st forced
//     refresh).
// POST /cityservice/face/identify/getverifyid?access_token=
//   { out_seq_no, cert_info: { cert_type: 'IDENTITY_CARD', cert_name, cert_no }, openid }
//   → { errcode: 0, errmsg: 'ok', verify_id, expires_in: 3600 }
// POST /cityservice/face/identify/queryverifyinfo?access_token=
//   { verify_id, out_seq_no, cert_hash, openid } → { errcode: 0, errmsg: 'ok', verify_ret }
//   cert_hash = lower-hex SHA-256 of `cert_type=<b64>&cert_name=<b64>&cert_no=<b64>` (standard
//   base64 of each UTF-8 value). WeChat checks out_seq_no, openid and cert_hash against what
//   getverifyid was given and answers an errcode instead of a verify_ret when one differs.
//
// Business calls check the token first: 41001 missing, 40001 unknown, ended by a forced
// refresh or refused by refuseCurrentToken(), 42001 known but past its expiry. Then: 40097
// invalid args (a field missing or malformed, cert_type not IDENTITY_CARD, an invalid ID number
// or name, out_seq_no not 5–32 of [0-9A-Za-z_-] or used before; at query time an unknown
// verify_id or a binding that differs: the errmsg names which), 40003 an openid not of this
// app's shape. WeChat's page does not list these errcodes; they are the sandbox's choice.
//
// The mini-program's side (wx.requestFacialVerify) is played by tests with play(verifyId, ret)
// or over HTTP, POST /sandbox/requestFacialVerify { verify_id, verify_ret }; an openid with the
// magic tail `_sbx_<verify_ret>` plays that outcome as soon as the verify_id is issued. Until
// played a verify_id answers 10300 (not finished). A verify_id can be played until it expires
// (expires_in, 3600 s); a client-side outcome (900xx) or 10005 can be followed by another play,
// a verdict (10000, 10001–10004, 10006) cannot.
//
// setFailure(mode) until setFailure(null): 'busy' → errcode -1 system error on every call,
// 'unauthorized' → 48001 api unauthorized on the face calls (the app's category is not
// eligible), 'http500' → an HTML 500, 'timeout' → the request is held until the client gives up.
//
// Listings keep no names, ID numbers or openids: only SHA-256 hashes of them.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { httpUrl, listen } from '../../lib/listen';
import { validateChineseName, validateIdNumber } from '../../lib/idcard';
import { readBody } from '../shared/http-body';
import { closeServer } from '../shared/close-server';
import { playTransportFault } from '../shared/sandbox';

export type WechatFailureMode = 'busy' | 'unauthorized' | 'http500' | 'timeout';

export interface WechatSandboxOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  appid: string;
  secret: string;
  /** ms since epoch; defaults to Date.now */
  now?: () => number;
  /** stable_token calls per minute per appid before 45011 (WeChat: 10 000) */
  tokenPerMinute?: number;
  /** stable_token calls per day per appid before 45009 (WeChat: 500 000) */
  tokenPerDay?: number;
  /** Holds every stable_token answer this long, so tests can line up concurrent refreshes. */
  tokenDelayMs?: number;
}

export interface VerifyRecord {
  verifyId: string;
  outSeqNo: string;
  openidHash: string;
  certHash: string;
  createdAt: string;
  expiresAt: string;
  /** null until played */
  verifyRet: number | null;
  queries: number;
}

export interface WechatSandbox {
  /** What WECHAT_API_BASE_URL points at (the api.weixin.qq.com of the sandbox). */
  url: string;
  port: number;
  setFailure(mode: WechatFailureMode | null): void;
  /** stable_token requests answered with a token (normal or forced), and all of them. */
  tokenCalls(): { issued: number; forced: number; all: number };
  /** Business requests by path tail (getverifyid, queryverifyinfo), and the token errors among them. */
  calls(api?: 'getverifyid' | 'queryverifyinfo'): number;
  tokenRejections(): { '40001': number; '42001': number; '41001': number };
  /** Every token ever issued, newest last (the tests look for them in logs). */
  issuedTokens(): string[];
  /** Ends every token of the app as a forced refresh by someone else would: the next business call gets 40001. */
  revokeTokens(): void;
  /**
   * The business APIs answer 40001 for the current token while stable_token's normal mode still
   * hands it out (reported on WeChat's forum: 40001 right after getStableAccessToken); only a
   * forced refresh ends it.
   */
  refuseCurrentToken(): void;
  verifyIds(): VerifyRecord[];
  /** Play the mini-program's wx.requestFacialVerify for a verify_id with this outcome. */
  play(verifyId: string, verifyRet: number): void;
  close(): Promise<void>;
}

export const WECHAT_MESSAGES = {
  ok: 'ok',
  busy: 'system error',
  notPost: 'require POST method',
  badJson: 'data format error',
  grantType: 'invalid grant_type',
  appidMissing: 'appid missing',
  secretMissing: 'appsecret missing',
  badAppid: 'invalid appid',
  badSecret: 'invalid appsecret',
  minuteQuota: 'api minute-quota reach limit, must slower, retry next minute',
  dailyQuota: 'reach max api daily quota limit',
  tokenMissing: 'access_token missing',
  tokenInvalid: 'invalid credential, access_token is invalid or not latest',
  tokenExpired: 'access_token expired',
  unauthorized: 'api unauthorized',
  invalidArgs: 'invalid args',
  invalidOpenid: 'invalid openid',
} as const;

/** The verify_ret values WeChat documents (api_queryverifyinfo), for play() and the magic tail. */
export const VERIFY_RETS: ReadonlySet<number> = new Set([
  10000, 10001, 10002, 10003, 10004, 10005, 10006, 10300,
  ...Array.from({ length: 26 }, (_, i) => 90000 + i),
  90100, 90101, 90102, 90103, 90104, 90105, 90106, 90107, 90108, 90109, 90110, 90111, 90112, 90113, 90114, 90199,
]);

const TOKEN_TTL_S = 7200;
const HANDOVER_S = 300;
const FORCE_GAP_S = 30;
const FORCE_PER_DAY = 20;
const VERIFY_TTL_S = 3600;
const NOT_FINISHED = 10300;
const MAX_BODY_BYTES = 64 * 1024;
const FAILURE_MODES = new Set<string>(['busy', 'unauthorized', 'http500', 'timeout']);
const OUT_SEQ_NO = /^[0-9A-Za-z_-]{5,32}$/;
/** Real openids are 28 characters; the sandbox takes 16–64 so tests can carry a magic tail. */
const OPENID = /^[0-9A-Za-z_-]{16,64}$/;
const MAGIC_TAIL = /_sbx_(\d{5})$/;

interface Token {
  value: string;
  expiresAtMs: number;
}

interface Entry extends Omit<VerifyRecord, 'createdAt' | 'expiresAt'> {
  createdAtMs: number;
  expiresAtMs: number;
}

class WxError extends Error {
  constructor(readonly errcode: number, readonly errmsg: string) {
    super(errmsg);
  }
}

export async function startWechatSandbox(opts: WechatSandboxOptions): Promise<WechatSandbox> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? Date.now;
  const perMinute = opts.tokenPerMinute ?? 10_000;
  const perDay = opts.tokenPerDay ?? 500_000;
  const secret = Buffer.from(opts.secret, 'utf8');

  // the app's tokens: the current one and, during a handover, the one before it
  let current: Token | null = null;
  let previous: Token | null = null;
  /** tokens that were ended by a forced refresh or revokeTokens (40001 from then on) */
  const ended = new Set<string>();
  const expired = new Map<string, number>();
  const refused = new Set<string>();
  const issued: string[] = [];
  let lastForcedMs = -Infinity;
  const forcedDays = new Map<string, number>();
  const tokenMinutes = new Map<number, number>();
  const tokenDays = new Map<string, number>();
  const counts = { issued: 0, forced: 0, all: 0, getverifyid: 0, queryverifyinfo: 0, '40001': 0, '42001': 0, '41001': 0 };

  const entries = new Map<string, Entry>();
  const usedSeqNos = new Set<string>();
  let failure: WechatFailureMode | null = null;
  const held = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { errcode: -1, errmsg: `sandbox error: ${(err as Error).message}` });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_BODY_BYTES);
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname;
    const api =
      path === '/cgi-bin/stable_token' ? 'token'
      : path === '/cityservice/face/identify/getverifyid' ? 'getverifyid'
      : path === '/cityservice/face/identify/queryverifyinfo' ? 'queryverifyinfo'
      : path === '/sandbox/requestFacialVerify' ? 'play'
      : null;
    if (!api) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    if (api === 'play') return playOverHttp(req, res, body);

    if (api === 'token') counts.all++;
    else counts[api]++;
    if (playTransportFault(failure, res, held)) return;

    try {
      if (failure === 'busy') throw new WxError(-1, WECHAT_MESSAGES.busy);
      if (req.method !== 'POST') throw new WxError(43002, WECHAT_MESSAGES.notPost);
      if (api === 'token') {
        const answer = stableToken(parseObject(body));
        if (opts.tokenDelayMs) await new Promise((r) => setTimeout(r, opts.tokenDelayMs));
        return sendJson(res, 200, answer);
      }
      checkToken(url.searchParams.get('access_token'));
      if (failure === 'unauthorized') throw new WxError(48001, WECHAT_MESSAGES.unauthorized);
      const p = parseObject(body);
      const answer = api === 'getverifyid' ? getVerifyId(p) : queryVerifyInfo(p);
      sendJson(res, 200, { errcode: 0, errmsg: WECHAT_MESSAGES.ok, ...answer });
    } catch (err) {
      if (!(err instanceof WxError)) throw err;
      sendJson(res, 200, { errcode: err.errcode, errmsg: `${err.errmsg} rid: ${rid()}` });
    }
  }

  function stableToken(p: Record<string, unknown>): { access_token: string; expires_in: number } {
    const t = now();
    if (p.grant_type !== 'client_credential') throw new WxError(40002, WECHAT_MESSAGES.grantType);
    if (typeof p.appid !== 'string' || p.appid === '') throw new WxError(41002, WECHAT_MESSAGES.appidMissing);
    if (typeof p.secret !== 'string' || p.secret === '') throw new WxError(41004, WECHAT_MESSAGES.secretMissing);
    if (p.appid !== opts.appid) throw new WxError(40013, WECHAT_MESSAGES.badAppid);
    const got = Buffer.from(p.secret, 'utf8');
    if (got.length !== secret.length || !timingSafeEqual(got, secret)) throw new WxError(40125, WECHAT_MESSAGES.badSecret);

    const minute = Math.floor(t / 60_000);
    const day = new Date(t).toISOString().slice(0, 10);
    const inMinute = (tokenMinutes.get(minute) ?? 0) + 1;
    const inDay = (tokenDays.get(day) ?? 0) + 1;
    tokenMinutes.set(minute, inMinute);
    tokenDays.set(day, inDay);
    if (inDay > perDay) throw new WxError(45009, WECHAT_MESSAGES.dailyQuota);
    if (inMinute > perMinute) throw new WxError(45011, WECHAT_MESSAGES.minuteQuota);

    if (p.force_refresh === true) {
      const forced = (forcedDays.get(day) ?? 0) + 1;
      if (forced > FORCE_PER_DAY) throw new WxError(45009, WECHAT_MESSAGES.dailyQuota);
      forcedDays.set(day, forced);
      // a second forced refresh within 30 s changes nothing
      if (current && t - lastForcedMs < FORCE_GAP_S * 1000 && current.expiresAtMs > t) return answer(current, t);
      lastForcedMs = t;
      counts.forced++;
      for (const old of [current, previous]) if (old) ended.add(old.value);
      previous = null;
      current = issue(t);
      return answer(current, t);
    }

    if (current && current.expiresAtMs - t > HANDOVER_S * 1000) return answer(current, t);
    // the last 5 minutes (or later): a new token; the old one lives out its time
    if (previous) expired.set(previous.value, previous.expiresAtMs);
    previous = null;
    if (current && current.expiresAtMs > t) previous = current;
    else if (current) expired.set(current.value, current.expiresAtMs);
    current = issue(t);
    return answer(current, t);
  }

  function issue(t: number): Token {
    const token = { value: randomBytes(48).toString('base64url'), expiresAtMs: t + TOKEN_TTL_S * 1000 };
    issued.push(token.value);
    counts.issued++;
    return token;
  }

  function answer(token: Token, t: number): { access_token: string; expires_in: number } {
    return { access_token: token.value, expires_in: Math.max(0, Math.round((token.expiresAtMs - t) / 1000)) };
  }

  function checkToken(value: string | null): void {
    const t = now();
    if (!value) {
      counts['41001']++;
      throw new WxError(41001, WECHAT_MESSAGES.tokenMissing);
    }
    const live = [current, previous].find((tk) => tk && tk.value === value && !ended.has(value) && !refused.has(value));
    const expiredAt = live ? live.expiresAtMs : expired.get(value);
    if (expiredAt !== undefined && expiredAt <= t) {
      counts['42001']++;
      throw new WxError(42001, WECHAT_MESSAGES.tokenExpired);
    }
    if (!live) {
      counts['40001']++;
      throw new WxError(40001, WECHAT_MESSAGES.tokenInvalid);
    }
  }

  function getVerifyId(p: Record<string, unknown>): { verify_id: string; expires_in: number } {
    const { out_seq_no: seq, cert_info: cert, openid } = p;
    if (typeof seq !== 'string' || !OUT_SEQ_NO.test(seq)) throw invalid('out_seq_no');
    if (typeof cert !== 'object' || cert === null || Array.isArray(cert)) throw invalid('cert_info');
    const { cert_type: type, cert_name: name, cert_no: no } = cert as Record<string, unknown>;
    if (type !== 'IDENTITY_CARD') throw invalid('cert_type');
    if (typeof name !== 'string' || !validateChineseName(name).ok) throw invalid('cert_name');
    if (typeof no !== 'string' || !validateIdNumber(no).ok) throw invalid('cert_no');
    if (typeof openid !== 'string' || openid === '') throw invalid('openid');
    if (!OPENID.test(openid)) throw new WxError(40003, WECHAT_MESSAGES.invalidOpenid);
    if (usedSeqNos.has(seq)) throw invalid('out_seq_no already used');
    usedSeqNos.add(seq);

    const t = now();
    const verifyId = `vf_${randomBytes(24).toString('base64url')}`;
    const magic = MAGIC_TAIL.exec(openid)?.[1];
    const magicRet = magic !== undefined && VERIFY_RETS.has(Number(magic)) ? Number(magic) : null;
    entries.set(verifyId, {
      verifyId,
      outSeqNo: seq,
      openidHash: sha256(openid),
      certHash: certHashOf(type, name, no),
      createdAtMs: t,
      expiresAtMs: t + VERIFY_TTL_S * 1000,
      verifyRet: magicRet,
      queries: 0,
    });
    return { verify_id: verifyId, expires_in: VERIFY_TTL_S };
  }

  function queryVerifyInfo(p: Record<string, unknown>): { verify_ret: number } {
    for (const key of ['verify_id', 'out_seq_no', 'cert_hash', 'openid'] as const) {
      if (typeof p[key] !== 'string' || p[key] === '') throw invalid(key);
    }
    const e = entries.get(p.verify_id as string);
    if (!e) throw invalid('verify_id not exist');
    if (e.outSeqNo !== p.out_seq_no) throw invalid('out_seq_no not match');
    if (e.openidHash !== sha256(p.openid as string)) throw invalid('openid not match');
    if (e.certHash !== (p.cert_hash as string).toLowerCase()) throw invalid('cert_hash not match');
    e.queries++;
    return { verify_ret: e.verifyRet ?? NOT_FINISHED };
  }

  function play(verifyId: string, verifyRet: number): void {
    const e = entries.get(verifyId);
    if (!e) throw new Error(`unknown verify_id ${verifyId}`);
    if (!VERIFY_RETS.has(verifyRet) || verifyRet === NOT_FINISHED) throw new Error(`verify_ret ${verifyRet} is not an outcome the mini-program can produce`);
    if (now() >= e.expiresAtMs) throw new Error(`verify_id ${verifyId} has expired: wx.requestFacialVerify fails`);
    if (e.verifyRet !== null && isVerdict(e.verifyRet)) throw new Error(`verify_id ${verifyId} already has its verdict ${e.verifyRet}`);
    e.verifyRet = verifyRet;
  }

  function playOverHttp(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): void {
    if (req.method !== 'POST') return sendJson(res, 405, { errCode: 405, errMsg: 'requestFacialVerify:fail POST only' });
    let p: Record<string, unknown> = {};
    try {
      p = parseObject(body);
      play(String(p.verify_id ?? ''), Number(p.verify_ret));
    } catch (err) {
      return sendJson(res, 400, { errCode: -1, errMsg: `requestFacialVerify:fail ${(err as Error).message}` });
    }
    sendJson(res, 200, { errCode: 0, errMsg: 'requestFacialVerify:ok', verifyRet: p.verify_ret });
  }

  function invalid(what: string): WxError {
    return new WxError(40097, `${WECHAT_MESSAGES.invalidArgs}, ${what}`);
  }

  const port = await listen(server, opts.port ?? 0, host);
  return {
    url: httpUrl(host, port),
    port,
    setFailure: (mode) => {
      if (mode !== null && !FAILURE_MODES.has(mode)) throw new Error(`unknown WeChat sandbox failure mode "${String(mode)}"; use ${[...FAILURE_MODES].join(', ')}`);
      failure = mode;
    },
    tokenCalls: () => ({ issued: counts.issued, forced: counts.forced, all: counts.all }),
    calls: (api) => (api ? counts[api] : counts.getverifyid + counts.queryverifyinfo),
    tokenRejections: () => ({ '40001': counts['40001'], '42001': counts['42001'], '41001': counts['41001'] }),
    issuedTokens: () => [...issued],
    revokeTokens: () => {
      for (const tk of [current, previous]) if (tk) ended.add(tk.value);
      current = null;
      previous = null;
    },
    refuseCurrentToken: () => {
      if (current) refused.add(current.value);
    },
    verifyIds: () =>
      [...entries.values()].map(({ createdAtMs, expiresAtMs, ...r }) => ({
        ...r,
        createdAt: new Date(createdAtMs).toISOString(),
        expiresAt: new Date(expiresAtMs).toISOString(),
      })),
    play,
    close: () => closeServer(server, held),
  };
}

/** 10000 success and the 1000x failures end a verify_id; 10005 (checking) and 900xx can be followed by another try. */
function isVerdict(ret: number): boolean {
  return ret >= 10000 && ret < 10300 && ret !== 10005;
}

/** As WeChat documents it: standard base64 of each field's UTF-8, joined in this order, SHA-256, lower hex. */
function certHashOf(type: string, name: string, no: string): string {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return sha256(`cert_type=${b64(type)}&cert_name=${b64(name)}&cert_no=${b64(no)}`);
}

function parseObject(body: Buffer | undefined): Record<string, unknown> {
  if (!body || body.length === 0) throw new WxError(47001, WECHAT_MESSAGES.badJson);
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WxError(47001, WECHAT_MESSAGES.badJson);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new WxError(47001, WECHAT_MESSAGES.badJson);
  return v as Record<string, unknown>;
}

/** WeChat's request id, as every error message ends with it. */
function rid(): string {
  return [8, 8, 8].map((n) => randomBytes(n / 2).toString('hex')).join('-');
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json; encoding=utf-8', 'Content-Length': Buffer.byteLength(body) }).end(body);
}
