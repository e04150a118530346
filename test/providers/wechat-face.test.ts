// The real WeChat face verification 2.0 client (providers/wechat-face/client.ts) and its shared
// access_token cache (access-token.ts, in the real Redis) against the sandbox
// (providers/wechat-face/sandbox.ts) over HTTP: stable_token's rules, the token cached once for
// every worker and refreshed before its end by one process, a refused token replaced once,
// getverifyid → the mini-program's outcome → queryverifyinfo for every verify_ret class, the
// binding of a result to the flow that asked, and no token, secret or personal data in logs.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { createRedis } from '../../lib/redis';
import { createAccessTokens, type AccessTokens, type TokenOptions, type WechatTokenConfig } from '../../providers/wechat-face/access-token';
import { certHash, createWechatFaceClient, type WechatFaceClient, type WechatFaceRequest } from '../../providers/wechat-face/client';
import { startWechatSandbox, type WechatSandbox } from '../../providers/wechat-face/sandbox';
import { wechatFaceProvider } from '../../providers/wechat-face/face-provider';
import { closedPort, failed, ok } from './helpers';

const APPID = 'wx0123456789abcdef';
const SECRET = 'wechat-test-app-secret-000000001';
const NAME = '张三';
/** 11010519491231002X: the standard's published sample number. */
const ID = '11010519491231002X';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const RUN = `vsaga-test-wechat-${randomBytes(4).toString('hex')}:`;

let sb: WechatSandbox;
let clock = Date.parse('2026-09-01T08:00:00Z');
const redises: Redis[] = [];
let seq = 0;

beforeAll(async () => {
  sb = await startWechatSandbox({ port: 0, appid: APPID, secret: SECRET, now: () => clock });
});
afterAll(async () => {
  await sb.close();
  const raw = createRedis({ url: REDIS_URL, keyPrefix: '' });
  const keys = await raw.keys(`${RUN}*`);
  if (keys.length) await raw.del(...keys);
  await Promise.all([raw, ...redises].map((r) => r.quit()));
});
beforeEach(() => {
  sb.setFailure(null);
});

function redis(): Redis {
  const r = createRedis({ url: REDIS_URL, keyPrefix: RUN });
  redises.push(r);
  return r;
}

/** A token cache of its own (a key prefix no other test shares), as one worker process has. */
function tokenConfig(over: Partial<WechatTokenConfig> = {}, prefix = `t${++seq}:`): WechatTokenConfig {
  return { baseUrl: sb.url, appid: APPID, secret: SECRET, keyPrefix: prefix, timeoutMs: 3000, ...over };
}

function tokens(over: Partial<WechatTokenConfig> = {}, opts: TokenOptions = {}, prefix?: string, r = redis()): AccessTokens {
  return createAccessTokens(tokenConfig(over, prefix), r, { now: () => clock, ...opts });
}

function client(t: AccessTokens = tokens(), baseUrl = sb.url): WechatFaceClient {
  return createWechatFaceClient({ baseUrl, timeoutMs: 3000 }, t);
}

/** An openid of this app's shape, optionally with the sandbox's magic tail. */
function openid(magic?: number): string {
  const id = `oAbC${randomBytes(12).toString('base64url')}`.slice(0, 28);
  return magic ? `${id}_sbx_${magic}` : id;
}

function request(over: Partial<WechatFaceRequest> = {}): WechatFaceRequest {
  return { outSeqNo: `face_${randomBytes(8).toString('hex')}`, certName: NAME, certNo: ID, openid: openid(), ...over };
}

async function rawToken(body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sb.url}/cgi-bin/stable_token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

describe('cert_hash', () => {
  it("is WeChat's documented example: base64 of each field, joined, SHA-256, lower hex", () => {
    expect(certHash('张三', '310101199801011234')).toBe('3c241f7ff324977aeb91f173bb2a7b06569e6fd784d5573db34a636d8671108b');
    expect(certHash('张三', '310101199801011235')).not.toBe(certHash('张三', '310101199801011234'));
  });
});

describe('stable_token (the sandbox as WeChat documents it)', () => {
  it('wrong secret → 40125, unknown appid → 40013, grant_type → 40002, missing fields → 41002 / 41004', async () => {
    const base = { grant_type: 'client_credential', appid: APPID, secret: SECRET };
    expect((await rawToken({ ...base, secret: 'x'.repeat(32) })).errcode).toBe(40125);
    expect((await rawToken({ ...base, appid: 'wx00000000000000ff' })).errcode).toBe(40013);
    expect((await rawToken({ ...base, grant_type: 'password' })).errcode).toBe(40002);
    expect((await rawToken({ ...base, appid: undefined })).errcode).toBe(41002);
    expect((await rawToken({ ...base, secret: '' })).errcode).toBe(41004);
  });

  it('normal mode repeats the token; a forced refresh replaces it, but not twice within 30 s', async () => {
    const base = { grant_type: 'client_credential', appid: APPID, secret: SECRET };
    const a = await rawToken(base);
    const b = await rawToken(base);
    expect(b.access_token).toBe(a.access_token);
    expect(b.expires_in).toBeGreaterThanOrEqual(300);
    const forced = await rawToken({ ...base, force_refresh: true });
    expect(forced.access_token).not.toBe(a.access_token);
    expect(forced.expires_in).toBe(7200);
    const again = await rawToken({ ...base, force_refresh: true });
    expect(again.access_token).toBe(forced.access_token);
    clock += 31_000;
    const third = await rawToken({ ...base, force_refresh: true });
    expect(third.access_token).not.toBe(forced.access_token);
  });
});

describe('the access_token cache', () => {
  it('one stable_token call serves many business calls, across client instances sharing Redis', async () => {
    const before = sb.tokenCalls().all;
    const prefix = `shared${++seq}:`;
    const c1 = client(tokens({}, {}, prefix));
    const c2 = client(tokens({}, {}, prefix));
    for (let i = 0; i < 4; i++) {
      ok(await c1.begin(request()));
      ok(await c2.begin(request()));
    }
    expect(sb.tokenCalls().all - before).toBe(1);
  });

  it('is refreshed once less than 300 s are left, and the old token keeps working through the handover', async () => {
    const t = tokens();
    const first = ok(await t.get());
    const before = sb.tokenCalls().all;
    clock += (7200 - 400) * 1000; // 400 s left: not yet
    expect(ok(await t.get()).token).toBe(first.token);
    expect(sb.tokenCalls().all).toBe(before);

    clock += 150_000; // 250 s left: refreshed, WeChat hands out a new one in the last 5 minutes
    const second = ok(await t.get());
    expect(second.token).not.toBe(first.token);
    expect(sb.tokenCalls().all).toBe(before + 1);
    expect(second.expiresAtMs - clock).toBe(7200 * 1000);
    // both valid during the handover: a call that still carries the old one is not refused
    const res = await fetch(`${sb.url}/cityservice/face/identify/queryverifyinfo?access_token=${first.token}`, { method: 'POST', body: '{}' });
    expect(((await res.json()) as { errcode: number }).errcode).toBe(40097);
  });

  it('a cold start from two workers at once: exactly one stable_token call, every caller served', async () => {
    const slow = await startWechatSandbox({ port: 0, appid: APPID, secret: SECRET, now: () => clock, tokenDelayMs: 300 });
    try {
      const prefix = `cold${++seq}:`;
      const workers = [client(tokens({ baseUrl: slow.url }, {}, prefix), slow.url), client(tokens({ baseUrl: slow.url }, {}, prefix), slow.url)];
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (workers[i % 2] as WechatFaceClient).begin(request())));
      for (const r of results) ok(r);
      expect(slow.tokenCalls()).toEqual({ issued: 1, forced: 0, all: 1 });
      expect(slow.calls('getverifyid')).toBe(12);
    } finally {
      await slow.close();
    }
  });

  it('near its end, two workers at once: one refreshes, the other keeps the old token meanwhile', async () => {
    const slow = await startWechatSandbox({ port: 0, appid: APPID, secret: SECRET, now: () => clock, tokenDelayMs: 300 });
    try {
      const prefix = `near${++seq}:`;
      const [w1, w2] = [tokens({ baseUrl: slow.url }, {}, prefix), tokens({ baseUrl: slow.url }, {}, prefix)];
      const old = ok(await w1.get()).token;
      clock += (7200 - 250) * 1000;
      const [a, b] = await Promise.all([w1.get(), w2.get()]);
      const got = [ok(a).token, ok(b).token].sort();
      expect(slow.tokenCalls().all).toBe(2);
      const fresh = slow.issuedTokens()[1];
      expect(got).toEqual([fresh, old].sort());
      // afterwards both read the new one from the cache
      expect(ok(await w2.get()).token).toBe(fresh);
    } finally {
      await slow.close();
    }
  });

  it('a refresh that fails while the old token still works keeps the old one', async () => {
    const t = tokens();
    const old = ok(await t.get()).token;
    clock += (7200 - 250) * 1000;
    sb.setFailure('busy');
    expect(ok(await t.get()).token).toBe(old);
    clock += 300 * 1000; // now past its end: the failure shows
    expect(failed(await t.get())).toMatchObject({ code: '-1', retryable: true, unavailable: true });
  });

  it('40001 (the token was replaced elsewhere): one refresh, the call repeated once, then success', async () => {
    const prefix = `revoked${++seq}:`;
    const c = client(tokens({}, {}, prefix));
    ok(await c.begin(request()));
    sb.revokeTokens();
    const rejected = sb.tokenRejections()['40001'];
    const before = sb.tokenCalls();
    // a second worker on the same cache sees the replacement without refreshing again
    const [a, b] = [await c.begin(request()), await client(tokens({}, {}, prefix)).begin(request())];
    ok(a);
    ok(b);
    expect(sb.tokenRejections()['40001'] - rejected).toBe(1);
    expect(sb.tokenCalls().all - before.all).toBe(1);
  });

  it('40001 for a token WeChat still hands out in normal mode: one forced refresh, then success', async () => {
    const own = await startWechatSandbox({ port: 0, appid: APPID, secret: SECRET, now: () => clock });
    try {
      const c = client(tokens({ baseUrl: own.url }), own.url);
      ok(await c.begin(request()));
      own.refuseCurrentToken();
      ok(await c.begin(request()));
      expect(own.tokenRejections()['40001']).toBe(1);
      // normal mode gave the refused token back, so the cache forced a refresh: once
      expect(own.tokenCalls()).toEqual({ issued: 2, forced: 1, all: 3 });
    } finally {
      await own.close();
    }
  });

  it('42001 (WeChat says the token expired before our cache did): replaced once, then success', async () => {
    let sandboxClock = clock;
    const own = await startWechatSandbox({ port: 0, appid: APPID, secret: SECRET, now: () => sandboxClock });
    try {
      const c = client(tokens({ baseUrl: own.url }), own.url);
      ok(await c.begin(request()));
      sandboxClock += 7300 * 1000;
      ok(await c.begin(request()));
      expect(own.tokenRejections()['42001']).toBe(1);
      expect(own.tokenCalls().issued).toBe(2);
    } finally {
      await own.close();
    }
  });

  it('a wrong secret or appid: not retryable, the provider unavailable, the secret nowhere in the answer', async () => {
    const r = failed(await client(tokens({ secret: 'not-the-secret-000000000000' })).begin(request()));
    expect(r).toMatchObject({ code: '40125', retryable: false, unavailable: true });
    expect(r.message).toMatch(/invalid appsecret/);
    expect(r.ref).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
    expect(JSON.stringify(r)).not.toContain('not-the-secret');
    expect(failed(await client(tokens({ appid: 'wx00000000000000ff' })).begin(request()))).toMatchObject({ code: '40013', retryable: false });
  });

  it('stable_token rate limited (45011): retryable, marked rateLimited', async () => {
    const limited = await startWechatSandbox({ port: 0, appid: APPID, secret: SECRET, now: () => clock, tokenPerMinute: 1 });
    try {
      ok(await tokens({ baseUrl: limited.url }).get());
      const r = failed(await tokens({ baseUrl: limited.url }).get());
      expect(r).toMatchObject({ code: '45011', retryable: true, rateLimited: true });
    } finally {
      await limited.close();
    }
  });

  it('WeChat unreachable: a retryable, unavailable failure', async () => {
    const port = await closedPort();
    const r = failed(await client(tokens({ baseUrl: `http://127.0.0.1:${port}` }), `http://127.0.0.1:${port}`).begin(request()));
    expect(r).toMatchObject({ code: 'TransportError', retryable: true, unavailable: true });
  });
});

describe('getverifyid → wx.requestFacialVerify → queryverifyinfo', () => {
  let c: WechatFaceClient;
  beforeAll(() => {
    c = client();
  });

  it('success: only queryverifyinfo decides, and only once the mini-program finished', async () => {
    const req = request();
    const begun = ok(await c.begin(req));
    expect(begun.expiresInSec).toBe(3600);
    expect(begun.verifyId.length).toBeLessThanOrEqual(256);
    expect(ok(await c.verdict({ ...req, verifyId: begun.verifyId }))).toEqual({ ok: true, passed: false, verifyRet: 10300, outcome: 'pending', pending: true });
    sb.play(begun.verifyId, 10000);
    expect(ok(await c.verdict({ ...req, verifyId: begun.verifyId }))).toEqual({ ok: true, passed: true, verifyRet: 10000, outcome: 'pass' });
    // the verdict stands: the mini-program cannot play it over
    expect(() => sb.play(begun.verifyId, 90002)).toThrow(/already has its verdict/);
    // the sandbox keeps no personal data, only hashes
    const dump = JSON.stringify(sb.verifyIds());
    for (const s of [NAME, ID, req.openid]) expect(dump).not.toContain(s);
  });

  it.each([
    [10002, { passed: false, outcome: 'fail' }],
    [10003, { passed: false, outcome: 'fail' }],
    [10004, { passed: false, outcome: 'fail' }],
    [10005, { passed: false, outcome: 'pending', pending: true }],
    [90001, { passed: false, outcome: 'client', clientOutcome: 'unsupported' }],
    [90002, { passed: false, outcome: 'client', clientOutcome: 'cancelled' }],
    [90004, { passed: false, outcome: 'client', clientOutcome: 'cancelled' }],
    [90007, { passed: false, outcome: 'client', clientOutcome: 'network' }],
    [90008, { passed: false, outcome: 'client', clientOutcome: 'permission' }],
    [90011, { passed: false, outcome: 'client', clientOutcome: 'capture' }],
    [90017, { passed: false, outcome: 'client', clientOutcome: 'timeout' }],
    [90018, { passed: false, outcome: 'client', clientOutcome: 'system' }],
  ])('verify_ret %d → %j', async (ret, expected) => {
    const req = request();
    const { verifyId } = ok(await c.begin(req));
    sb.play(verifyId, ret);
    expect(ok(await c.verdict({ ...req, verifyId }))).toEqual({ ok: true, verifyRet: ret, ...expected });
  });

  it('after a cancel (900xx) the user can try again with the same verify_id, and pass', async () => {
    const req = request();
    const { verifyId } = ok(await c.begin(req));
    sb.play(verifyId, 90002);
    expect(ok(await c.verdict({ ...req, verifyId })).outcome).toBe('client');
    sb.play(verifyId, 10000);
    expect(ok(await c.verdict({ ...req, verifyId })).passed).toBe(true);
  });

  it.each([
    [10001, { code: 'VerifyRet.10001', retryable: false }],
    [10006, { code: 'VerifyRet.10006', retryable: false, unavailable: true }],
  ])('verify_ret %d is no verdict on the person: a failure %j', async (ret, expected) => {
    const req = request();
    const { verifyId } = ok(await c.begin(req));
    sb.play(verifyId, ret);
    expect(failed(await c.verdict({ ...req, verifyId }))).toMatchObject(expected);
  });

  it('the mini-program can be played over HTTP (POST /sandbox/requestFacialVerify), an unknown verify_id refused', async () => {
    const req = request();
    const { verifyId } = ok(await c.begin(req));
    const play = (body: unknown) => fetch(`${sb.url}/sandbox/requestFacialVerify`, { method: 'POST', body: JSON.stringify(body) });
    const bad = await play({ verify_id: 'vf_unknown', verify_ret: 10000 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errMsg: string }).errMsg).toMatch(/^requestFacialVerify:fail unknown verify_id/);
    const good = await play({ verify_id: verifyId, verify_ret: 10004 });
    expect(await good.json()).toEqual({ errCode: 0, errMsg: 'requestFacialVerify:ok', verifyRet: 10004 });
    expect(ok(await c.verdict({ ...req, verifyId }))).toMatchObject({ passed: false, verifyRet: 10004, outcome: 'fail' });
  });

  it('a business call without a token → 41001; one with a token never issued → 40001', async () => {
    const q = (token?: string) =>
      fetch(`${sb.url}/cityservice/face/identify/getverifyid${token === undefined ? '' : `?access_token=${token}`}`, { method: 'POST', body: '{}' }).then(
        async (r) => ((await r.json()) as { errcode: number }).errcode,
      );
    expect(await q()).toBe(41001);
    expect(await q('not-a-token')).toBe(40001);
  });

  it('the magic openid tail _sbx_<verify_ret> plays that outcome at once', async () => {
    const req = request({ openid: openid(10003) });
    const { verifyId } = ok(await c.begin(req));
    expect(ok(await c.verdict({ ...req, verifyId }))).toMatchObject({ passed: false, verifyRet: 10003, outcome: 'fail' });
  });

  it('a verify_id expires after expires_in: the mini-program cannot start it, the query says not finished', async () => {
    const req = request();
    const { verifyId, expiresInSec } = ok(await c.begin(req));
    clock += (expiresInSec + 1) * 1000;
    expect(() => sb.play(verifyId, 10000)).toThrow(/expired/);
    expect(ok(await c.verdict({ ...req, verifyId }))).toMatchObject({ passed: false, pending: true, verifyRet: 10300 });
  });

  describe("a result of another flow is refused (WeChat answers an errcode, not a verify_ret)", () => {
    it.each([
      ['another out_seq_no', (r: WechatFaceRequest) => ({ ...r, outSeqNo: `other_${randomBytes(6).toString('hex')}` }), /out_seq_no not match/],
      ['another openid', (r: WechatFaceRequest) => ({ ...r, openid: openid() }), /openid not match/],
      ['another name', (r: WechatFaceRequest) => ({ ...r, certName: '李四' }), /cert_hash not match/],
      ['another ID number', (r: WechatFaceRequest) => ({ ...r, certNo: '110105194912310029' }), /cert_hash not match/],
    ])('%s → refused, not retryable, nothing personal in the answer', async (_what, change, why) => {
      const req = request();
      const { verifyId } = ok(await c.begin(req));
      sb.play(verifyId, 10000);
      const other = change(req);
      const r = failed(await c.verdict({ ...other, verifyId }));
      expect(r).toMatchObject({ code: '40097', retryable: false, refused: true });
      expect(r.message).toMatch(why);
      for (const s of [NAME, ID, '李四', req.openid, other.openid]) expect(JSON.stringify(r)).not.toContain(s);
      // the flow that asked still gets its pass
      expect(ok(await c.verdict({ ...req, verifyId })).passed).toBe(true);
    });

    it('an unknown verify_id → refused', async () => {
      expect(failed(await c.verdict({ ...request(), verifyId: 'vf_not_issued' }))).toMatchObject({ code: '40097', refused: true });
    });

    it('the ID number as the user typed it (lower-case x) binds the same certificate', async () => {
      const req = request();
      const { verifyId } = ok(await c.begin(req));
      sb.play(verifyId, 10000);
      expect(ok(await c.verdict({ ...req, certNo: ` ${ID.toLowerCase()} `, verifyId })).passed).toBe(true);
    });
  });

  it('an out_seq_no used before → 40097, not retryable; a malformed one never leaves the client', async () => {
    const req = request();
    ok(await c.begin(req));
    expect(failed(await c.begin({ ...req, openid: openid() }))).toMatchObject({ code: '40097', retryable: false });
    const calls = sb.calls('getverifyid');
    expect(failed(await c.begin(request({ outSeqNo: 'a/b' })))).toMatchObject({ code: 'InvalidRequest', retryable: false });
    expect(sb.calls('getverifyid')).toBe(calls);
  });

  it.each([
    ['busy', { code: '-1', retryable: true, unavailable: true }],
    ['http500', { code: 'HttpError.500', retryable: true, unavailable: true }],
    ['unauthorized', { code: '48001', retryable: false, unavailable: true }],
  ] as const)('WeChat %s → %j', async (mode, expected) => {
    const t = tokens();
    ok(await t.get()); // the token first: the failure is the face call's
    sb.setFailure(mode);
    expect(failed(await client(t).begin(request()))).toMatchObject(expected);
  });

  it('no answer within the timeout → retryable, unavailable', async () => {
    const t = tokens();
    ok(await t.get());
    sb.setFailure('timeout');
    const r = failed(await createWechatFaceClient({ baseUrl: sb.url, timeoutMs: 300 }, t).begin(request()));
    expect(r).toMatchObject({ code: 'Timeout', retryable: true, unavailable: true });
  });
});

describe('the face provider (providers/wechat-face/face-provider.ts)', () => {
  const issueOf = (faceCheckId: string, openidOf: string) => ({ faceCheckId, realName: NAME, idNumber: ID, client: { metaInfo: null, openid: openidOf }, needPicture: false, referencePicture: null });
  const verdictOf = (faceCheckId: string, certifyId: string, openidOf: string, issued: Record<string, unknown>) => ({ faceCheckId, certifyId, issued, identity: () => ({ realName: NAME, idNumber: ID, openid: openidOf }) });

  it('issues again when the step that issued is retried (its worker died after getverifyid, before the face row): an out_seq_no per call, and the verdict asks with the one the row keeps', async () => {
    const provider = wechatFaceProvider(client());
    const faceCheckId = `real-name:u${++seq}/${randomBytes(6).toString('hex')}/face`;
    const user = openid(10000);
    const first = await provider.issue(issueOf(faceCheckId, user));
    const retried = await provider.issue(issueOf(faceCheckId, user));
    if (!first.ok || !retried.ok) throw new Error(`not issued: ${JSON.stringify([first, retried])}`);
    expect(retried.certifyId).not.toBe(first.certifyId);
    expect(retried.data.outSeqNo).toMatch(/^[0-9a-f]{32}$/);
    expect(retried.data.outSeqNo).not.toBe(first.data.outSeqNo);
    expect(await provider.verdict(verdictOf(faceCheckId, retried.certifyId, user, retried.data))).toMatchObject({ ok: true, authState: 'SUCCESS' });
    // WeChat binds a verify_id to the out_seq_no it was issued for
    expect(await provider.verdict(verdictOf(faceCheckId, retried.certifyId, user, first.data))).toMatchObject({ ok: false, errCode: 40097 });
  });
});

describe('no token, secret or personal data in logs', () => {
  it('refreshes, replacements and failures are logged by name and code only', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) }));
    const prefix = `logged${++seq}:`;
    const c = client(tokens({}, { log }, prefix));
    const req = request();
    const { verifyId } = ok(await c.begin(req));
    sb.revokeTokens();
    sb.play(verifyId, 10000);
    ok(await c.verdict({ ...req, verifyId }));
    const wrong = 'not-the-secret-000000000000';
    const bad = failed(await client(tokens({ secret: wrong }, { log }, `bad${++seq}:`)).begin(request()));

    const logged = lines.join('');
    // the lines are there (a refresh, a replacement, a failure) …
    expect(logged).toMatch(/"replaced":false[^\n]*wechat access_token refreshed/);
    expect(logged).toMatch(/"replaced":true[^\n]*wechat access_token refreshed/);
    expect(logged).toMatch(/"code":"40125"[^\n]*wechat access_token refresh failed/);
    // … and hold no token ever issued, no secret, nothing of the person
    const issued = sb.issuedTokens();
    expect(issued.length).toBeGreaterThan(1);
    for (const secret of [...issued, SECRET, wrong, NAME, ID, req.openid]) expect(logged).not.toContain(secret);
    for (const secret of [...issued, wrong]) expect(JSON.stringify(bad)).not.toContain(secret);
  });
});
