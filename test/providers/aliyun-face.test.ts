// The real Cloudauth client (providers/aliyun-face/client.ts, Alibaba's official SDK) against the
// sandbox (providers/aliyun-face/sandbox.ts) over HTTP: the V3 signature (a wrong secret, an
// unknown key, a changed query or body, a replayed nonce, a stale clock), InitFaceVerify →
// DescribeFaceVerify for every SubCode and call code, transport faults, and the completion
// callback, which is checked and then overruled by DescribeFaceVerify.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAliyunFaceClient, type AliyunFaceConfig, type BeginInput } from '../../providers/aliyun-face/client';
import { callbackTarget, callbackToken, checkCallback, confirmCallback } from '../../providers/aliyun-face/callback';
import { startAliyunFaceSandbox, type AliyunFaceSandbox } from '../../providers/aliyun-face/sandbox';
import { SANDBOX_JPEG } from '../../providers/dcloud-face/sandbox';
import { loadConfig } from '../../lib/config';
import { idCheckChar } from '../../lib/idcard';
import { startSandboxes } from '../../sandbox/main';
import { closedPort, failed, ok } from './helpers';

const AK = 'LTAItestcloudauth0000001';
const SK = 'test-cloudauth-secret-000000000001';
const SCENE = 1000000123;
const NAME = '张三';
/** 11010519491231002X: the standard's published sample number. */
const ID = '11010519491231002X';
const OTHER_ID = '110105194912310029';
const CALLBACK_KEY = randomBytes(32).toString('base64');

let sb: AliyunFaceSandbox;
let skewMs = 0;

beforeAll(async () => {
  sb = await startAliyunFaceSandbox({ port: 0, credentials: { [AK]: SK }, sceneIds: [SCENE], now: () => Date.now() + skewMs });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  sb.setFailure(null);
  skewMs = 0;
});

function cfg(overrides: Partial<AliyunFaceConfig> = {}): AliyunFaceConfig {
  return { endpoint: sb.endpoint, protocol: 'HTTP', accessKeyId: AK, accessKeySecret: SK, sceneId: SCENE, productCode: 'ID_PRO', timeoutMs: 3000, ...overrides };
}

/** What the app's face SDK getMetaInfo() gives, plus the sandbox's magic word. */
function metaInfo(magic?: string): string {
  return JSON.stringify({ zimVer: '3.0.0', appVersion: '1', bioMetaInfo: '4.1.0:1150****,0', appName: 'com.gonglun.app', deviceType: 'ios', osVersion: 'iOS 17.4', apdidToken: '', deviceModel: 'iPhone14,2', ...(magic && { sandbox: magic }) });
}

const order = () => randomBytes(12).toString('hex');

function input(magic?: string, extra: Partial<BeginInput> = {}): BeginInput {
  return { outerOrderNo: order(), certName: NAME, certNo: ID, metaInfo: metaInfo(magic), ...extra };
}

/** Nothing a failure says may hold the person: not in clear, not URL-encoded. */
function expectNoIdentity(value: unknown): void {
  const text = JSON.stringify(value);
  for (const secret of [NAME, ID, encodeURIComponent(NAME), ID.slice(0, 14)]) expect(text).not.toContain(secret);
}

async function begin(magic?: string, extra: Partial<BeginInput> = {}, c = cfg()): Promise<string> {
  return ok(await createAliyunFaceClient(c).begin(input(magic, extra))).certifyId;
}

describe('InitFaceVerify → DescribeFaceVerify', () => {
  it('issues a 32-hex CertifyId, passes with SubCode 200, and the sandbox keeps only hashes', async () => {
    const client = createAliyunFaceClient(cfg());
    const before = sb.requests('InitFaceVerify');
    const b = ok(await client.begin(input()));
    expect(b.certifyId).toMatch(/^[0-9a-f]{32}$/);
    expect(b.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(sb.requests('InitFaceVerify')).toBe(before + 1);

    const v = ok(await client.verdict({ certifyId: b.certifyId }));
    expect(v).toMatchObject({ passed: true, subCode: '200' });
    expect(v.material.verifyScore).toBeGreaterThan(90);
    expect(v.material.faceAttack).toBe('F');
    const pic = await fetch(v.material.pictureUrl!);
    expect(pic.status).toBe(200);
    expect(Buffer.from(await pic.arrayBuffer()).equals(SANDBOX_JPEG)).toBe(true);

    const rec = sb.certifications().find((r) => r.certifyId === b.certifyId);
    expect(rec).toMatchObject({ sceneId: SCENE, productCode: 'ID_PRO', subCode: '200', certNoHash: createHash('sha256').update(ID).digest('hex'), certNameHash: createHash('sha256').update(NAME).digest('hex') });
    expectNoIdentity(sb.certifications());
  });

  it('asks the same CertifyId again and gets the same verdict (Describe has no side effect)', async () => {
    const client = createAliyunFaceClient(cfg());
    const id = await begin('204');
    const a = ok(await client.verdict({ certifyId: id }));
    const b = ok(await client.verdict({ certifyId: id }));
    expect([a.passed, a.subCode, b.passed, b.subCode]).toEqual([false, '204', false, '204']);
  });

  it.each([
    ['201', '姓名和身份证不一致'],
    ['202', '查询不到身份信息'],
    ['203', '查询不到照片或照片不可用'],
    ['204', '人脸比对不一致'],
    ['205', '活体检测存在风险'],
    ['206', '业务策略限制'],
  ])('SubCode %s (%s) is a verdict: ok, passed false', async (subCode) => {
    // a fresh identity for each: 201–203 block the one they were about (next test)
    const v = ok(await createAliyunFaceClient(cfg()).verdict({ certifyId: await begin(subCode, { certNo: freshId() }) }));
    expect(v).toMatchObject({ passed: false, subCode });
    if (subCode === '204') expect(v.material.verifyScore).toBeLessThan(50);
    if (subCode === '205') expect(v.material.faceAttack).toBe('T');
  });

  it.each(['201', '202', '203'])('after SubCode %s the same identity gets 417 at InitFaceVerify; another identity does not', async (subCode) => {
    const who = freshId();
    const client = createAliyunFaceClient(cfg());
    ok(await client.verdict({ certifyId: await begin(subCode, { certNo: who }) }));
    const again = failed(await client.begin(input(undefined, { certNo: who })));
    expect(again).toMatchObject({ code: '417', message: '无法使用刷脸服务', retryable: false, limit: 'identity_unusable' });
    expect(again.unavailable).toBeUndefined();
    ok(await client.begin(input(undefined, { certNo: freshId() })));
  });

  it('LR_FR compares against the given portrait; it is required and must be a picture', async () => {
    const client = createAliyunFaceClient(cfg({ productCode: 'LR_FR' }));
    const id = ok(await client.begin(input(undefined, { faceContrastPicture: SANDBOX_JPEG.toString('base64') }))).certifyId;
    expect(sb.certifications().find((r) => r.certifyId === id)?.productCode).toBe('LR_FR');
    expect(ok(await client.verdict({ certifyId: id }))).toMatchObject({ passed: true, subCode: '200' });
    expect(failed(await client.begin(input()))).toMatchObject({ code: '400', retryable: false });
    expect(failed(await client.begin(input(undefined, { faceContrastPicture: Buffer.from('not a picture').toString('base64') })))).toMatchObject({ code: '401' });
  });
});

describe('concurrency and the default setup', () => {
  it('concurrent attempts get distinct CertifyIds, fresh nonces, one request each', async () => {
    const client = createAliyunFaceClient(cfg());
    const before = { init: sb.requests('InitFaceVerify'), describe: sb.requests('DescribeFaceVerify') };
    const ids = (await Promise.all(Array.from({ length: 8 }, () => client.begin(input())))).map((r) => ok(r).certifyId);
    expect(new Set(ids).size).toBe(8);
    const verdicts = await Promise.all(ids.map((certifyId) => client.verdict({ certifyId })));
    expect(verdicts.map((v) => ok(v).subCode)).toEqual(Array(8).fill('200'));
    expect({ init: sb.requests('InitFaceVerify'), describe: sb.requests('DescribeFaceVerify') }).toEqual({ init: before.init + 8, describe: before.describe + 8 });
  });

  it('a retry after a lost answer issues another CertifyId; both stay answerable', async () => {
    // OuterOrderNo is ours to keep unique; Alibaba does not refuse a repeat, and bills completed scans only
    const client = createAliyunFaceClient(cfg());
    const same = input();
    const a = ok(await client.begin(same)).certifyId;
    const b = ok(await client.begin(same)).certifyId;
    expect(a).not.toBe(b);
    expect(ok(await client.verdict({ certifyId: a })).passed).toBe(true);
    expect(ok(await client.verdict({ certifyId: b })).passed).toBe(true);
  });

  it("npm run sandbox's Cloudauth accepts the default configuration as it is", async () => {
    const config = loadConfig({});
    const all = await startSandboxes(config, { sms: 0, smtp: 0, http: 0, idcard: 0, face: 0, aliyunFace: 0 });
    try {
      const client = createAliyunFaceClient({ ...config.aliyunFace!, endpoint: all.aliyunFace.endpoint });
      const id = ok(await client.begin(input())).certifyId;
      expect(ok(await client.verdict({ certifyId: id }))).toMatchObject({ passed: true, subCode: '200' });
    } finally {
      await all.close();
    }
  });
});

describe('call codes', () => {
  it('424 until the app side finishes, then the verdict it finished with', async () => {
    const client = createAliyunFaceClient(cfg());
    const a = await begin('pending');
    const b = await begin('pending');
    const waiting = failed(await client.verdict({ certifyId: a }));
    expect(waiting).toMatchObject({ code: '424', message: '身份认证记录不存在', retryable: false, notFinished: true });
    expect(waiting.ref).toMatch(/^[0-9A-F-]{36}$/);
    await sb.finish(a);
    await sb.finish(b, '204');
    expect(ok(await client.verdict({ certifyId: a }))).toMatchObject({ passed: true, subCode: '200' });
    expect(ok(await client.verdict({ certifyId: b }))).toMatchObject({ passed: false, subCode: '204' });
  });

  it('403 认证未完成 is not finished either', async () => {
    const client = createAliyunFaceClient(cfg());
    const id = await begin('403');
    expect(failed(await client.verdict({ certifyId: id }))).toMatchObject({ code: '403', message: '认证未完成', retryable: false, notFinished: true });
    await sb.finish(id);
    expect(ok(await client.verdict({ certifyId: id }))).toMatchObject({ passed: true });
  });

  it('a CertifyId is good for 30 minutes: the app side cannot finish it later', async () => {
    const id = await begin('pending');
    skewMs = 31 * 60_000;
    await expect(sb.finish(id)).rejects.toThrow(/more than 30 minutes/);
    expect((await fetch(`${sb.url}/sandbox/finish`, { method: 'POST', body: JSON.stringify({ certifyId: id }) })).status).toBe(410);
    skewMs = 0;
    expect(failed(await createAliyunFaceClient(cfg()).verdict({ certifyId: id })).code).toBe('424');
  });

  it('the app side can finish over HTTP (POST /sandbox/finish), and nothing else can be finished', async () => {
    const id = await begin('pending');
    const res = await fetch(`${sb.url}/sandbox/finish`, { method: 'POST', body: JSON.stringify({ certifyId: id, subCode: '205' }) });
    expect(res.status).toBe(200);
    expect(ok(await createAliyunFaceClient(cfg()).verdict({ certifyId: id }))).toMatchObject({ passed: false, subCode: '205' });
    expect((await fetch(`${sb.url}/sandbox/finish`, { method: 'POST', body: JSON.stringify({ certifyId: 'f'.repeat(32) }) })).status).toBe(404);
    for (const bad of ['null', '[1]', 'certifyId=x']) expect((await fetch(`${sb.url}/sandbox/finish`, { method: 'POST', body: bad })).status).toBe(400);
  });

  it.each([
    ['417', { message: '无法使用刷脸服务', retryable: false, limit: 'identity_unusable' }],
    ['418', { message: '刷脸失败次数过多', retryable: false, limit: 'daily_failures' }],
    ['500', { message: '系统错误', retryable: true, unavailable: true }],
  ])('InitFaceVerify answers %s', async (code, expected) => {
    const before = sb.certifications().length;
    const r = failed(await createAliyunFaceClient(cfg()).begin(input(code)));
    expect(r).toMatchObject({ code, ...expected });
    expect(sb.certifications()).toHaveLength(before);
  });

  it('427: DescribeFaceVerify refuses by risk policy', async () => {
    const r = failed(await createAliyunFaceClient(cfg()).verdict({ certifyId: await begin('427') }));
    expect(r).toMatchObject({ code: '427', message: '业务策略限制', retryable: false, limit: 'risk_policy' });
  });

  it('406 for a CertifyId the scene never issued; 404 for a scene the console has not', async () => {
    expect(failed(await createAliyunFaceClient(cfg()).verdict({ certifyId: 'f'.repeat(32) }))).toMatchObject({ code: '406', message: '无效的CertifyId', retryable: false });
    expect(failed(await createAliyunFaceClient(cfg({ sceneId: 42 })).begin(input()))).toMatchObject({ code: '404', retryable: false });
  });

  it('401 for parameters Alibaba refuses (OuterOrderNo, the name), without echoing the person', async () => {
    const client = createAliyunFaceClient(cfg());
    expect(failed(await client.begin({ ...input(), outerOrderNo: 'has-dashes' }))).toMatchObject({ code: '401', retryable: false });
    const badName = failed(await client.begin({ ...input(), certName: 'Zhang San' }));
    expect(badName).toMatchObject({ code: '401', message: '参数非法:CertName' });
    expectNoIdentity(badName);
  });
});

describe('the V3 signature, as Alibaba checks it', () => {
  it('a wrong secret is refused with SignatureDoesNotMatch and issues nothing', async () => {
    const before = sb.certifications().length;
    const r = failed(await createAliyunFaceClient(cfg({ accessKeySecret: `${SK}x` })).begin(input()));
    expect(r).toMatchObject({ code: 'SignatureDoesNotMatch', retryable: false });
    expect(r.message).toContain('HTTP 400');
    expect(r.unavailable).toBeUndefined();
    expect(sb.certifications()).toHaveLength(before);
    expectNoIdentity(r);
  });

  it('an unknown AccessKeyId is InvalidAccessKeyId.NotFound (HTTP 404)', async () => {
    const r = failed(await createAliyunFaceClient(cfg({ accessKeyId: 'LTAIunknown' })).verdict({ certifyId: 'f'.repeat(32) }));
    expect(r).toMatchObject({ code: 'InvalidAccessKeyId.NotFound', retryable: false });
    expect(r.message).toContain('HTTP 404');
  });

  it('a clock 16 minutes off is InvalidTimeStamp.Expired, either way', async () => {
    for (const off of [16, -16]) {
      skewMs = off * 60_000;
      expect(failed(await createAliyunFaceClient(cfg()).begin(input()))).toMatchObject({ code: 'InvalidTimeStamp.Expired', retryable: false });
    }
  });

  it('the query and the body are signed, and a nonce is good once', async () => {
    // capture what the SDK sends, without delivering it
    const captured = await captureOne(() => createAliyunFaceClient(cfg({ endpoint: `127.0.0.1:${capture.port}` })).begin(input(undefined, { model: 'MOVE_ACTION' })));
    expect(captured.url).toContain('CertNo=');
    expect(captured.body).toBe('Model=MOVE_ACTION');
    expect(captured.headers.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=LTAItestcloudauth0000001,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;[a-z0-9;-]*x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$/);

    const otherId = captured.url.replace(encodeURIComponent(ID), OTHER_ID);
    expect(otherId).not.toBe(captured.url);
    expect(await replay({ ...captured, url: otherId })).toMatchObject({ status: 400, code: 'SignatureDoesNotMatch' });
    expect(await replay({ ...captured, body: 'Model=LIVENESS' })).toMatchObject({ status: 400, code: 'SignatureDoesNotMatch' });
    expect(await replay({ ...captured, headers: { ...captured.headers, 'x-acs-action': 'DescribeFaceVerify' } })).toMatchObject({ status: 400, code: 'SignatureDoesNotMatch' });

    // untouched, it is good (so the refusals above were the changes'), and only once
    expect(await replay(captured)).toMatchObject({ status: 200, code: '200' });
    expect(await replay(captured)).toMatchObject({ status: 400, code: 'SignatureNonceUsed' });
  });

  it('an unsigned x-acs-* header or a missing Authorization is IncompleteSignature', async () => {
    const captured = await captureOne(() => createAliyunFaceClient(cfg({ endpoint: `127.0.0.1:${capture.port}` })).verdict({ certifyId: 'f'.repeat(32) }));
    expect(await replay({ ...captured, headers: { ...captured.headers, 'x-acs-extra': '1' } })).toMatchObject({ status: 400, code: 'IncompleteSignature' });
    const { authorization: _a, ...unsigned } = captured.headers;
    expect(await replay({ ...captured, headers: unsigned })).toMatchObject({ status: 400, code: 'IncompleteSignature' });
  });
});

describe('faults', () => {
  it('nothing listening: TransportError, retryable, unavailable, and the URL (with the person) is not in it', async () => {
    const r = failed(await createAliyunFaceClient(cfg({ endpoint: `127.0.0.1:${await closedPort()}` })).begin(input()));
    expect(r).toMatchObject({ code: 'TransportError', retryable: true, unavailable: true });
    expect(r.message).toContain('ECONNREFUSED');
    expectNoIdentity(r);
  });

  it('no answer: TIMEOUT after the configured time, one request only', async () => {
    sb.setFailure('timeout');
    const before = sb.requests('InitFaceVerify');
    const started = Date.now();
    const r = failed(await createAliyunFaceClient(cfg({ timeoutMs: 400 })).begin(input()));
    expect(r).toEqual({ ok: false, code: 'TIMEOUT', message: 'no answer within 400 ms', retryable: true, unavailable: true });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(sb.requests('InitFaceVerify')).toBe(before + 1);
  });

  it.each([
    ['reset', { code: 'TransportError', retryable: true, unavailable: true }],
    ['http500', { code: 'InvalidResponse', retryable: true, unavailable: true }],
    ['unavailable', { code: 'ServiceUnavailable', retryable: true, unavailable: true }],
    ['throttling', { code: 'Throttling.User', retryable: true, unavailable: true }],
    ['500', { code: '500', retryable: true, unavailable: true }],
  ] as const)('%s', async (mode, expected) => {
    sb.setFailure(mode);
    const r = failed(await createAliyunFaceClient(cfg()).begin(input()));
    expect(r).toMatchObject(expected);
    expectNoIdentity(r);
    const d = failed(await createAliyunFaceClient(cfg()).verdict({ certifyId: 'f'.repeat(32) }));
    expect(d.code).toBe(expected.code);
  });
});

describe('the completion callback: checked, then overruled by DescribeFaceVerify', () => {
  let receiver: Server;
  let receiverUrl: string;
  const received: Record<string, string>[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      received.push(Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams));
      res.writeHead(200).end('success');
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/face/aliyun/callback`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  async function attempt(magic?: string): Promise<{ outerOrderNo: string; certifyId: string }> {
    const outerOrderNo = order();
    const r = ok(await createAliyunFaceClient(cfg()).begin({ ...input(magic, { certNo: freshId() }), outerOrderNo, callback: callbackTarget(receiverUrl, CALLBACK_KEY, outerOrderNo) }));
    return { outerOrderNo, certifyId: r.certifyId };
  }

  async function callbackFor(certifyId: string): Promise<Record<string, string>> {
    for (let i = 0; i < 100; i++) {
      const hit = received.find((q) => q.certifyId === certifyId);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no callback for ${certifyId}`);
  }

  it('arrives with certifyId, passed, subcode and our token, and is confirmed by Describe', async () => {
    const a = await attempt();
    const q = await callbackFor(a.certifyId);
    expect(q).toEqual({ ref: a.outerOrderNo, certifyId: a.certifyId, passed: 'T', subcode: '200', callbackToken: callbackToken(CALLBACK_KEY, a.outerOrderNo) });
    const before = sb.requests('DescribeFaceVerify');
    const c = await confirmCallback(createAliyunFaceClient(cfg()), q, CALLBACK_KEY, a);
    expect(c).toMatchObject({ ok: true, certifyId: a.certifyId, claimAgreed: true, verdict: { ok: true, passed: true, subCode: '200' } });
    expect(sb.requests('DescribeFaceVerify')).toBe(before + 1);
  });

  it('a callback claiming a pass cannot override Describe', async () => {
    const a = await attempt('204');
    const genuine = await callbackFor(a.certifyId);
    expect(genuine).toMatchObject({ passed: 'F', subcode: '204' });
    const forged = { ...genuine, passed: 'T', subcode: '200' };
    const c = await confirmCallback(createAliyunFaceClient(cfg()), forged, CALLBACK_KEY, a);
    expect(c).toMatchObject({ ok: true, claimAgreed: false, verdict: { ok: true, passed: false, subCode: '204' } });
  });

  it('a made-up token, another attempt\'s callback, or a bare one is refused before Describe is asked', async () => {
    const a = await attempt();
    const b = await attempt();
    const qa = await callbackFor(a.certifyId);
    const before = sb.requests('DescribeFaceVerify');
    const client = createAliyunFaceClient(cfg());
    expect(await confirmCallback(client, { ...qa, callbackToken: callbackToken(randomBytes(32).toString('base64'), a.outerOrderNo) }, CALLBACK_KEY, a)).toEqual({ ok: false, reason: 'bad_token' });
    expect(await confirmCallback(client, qa, CALLBACK_KEY, b)).toEqual({ ok: false, reason: 'other_attempt' });
    expect(await confirmCallback(client, { ...qa, ref: b.outerOrderNo }, CALLBACK_KEY, b)).toEqual({ ok: false, reason: 'bad_token' });
    expect(await confirmCallback(client, { certifyId: a.certifyId, passed: 'T' }, CALLBACK_KEY, a)).toEqual({ ok: false, reason: 'malformed' });
    expect(sb.requests('DescribeFaceVerify')).toBe(before);
    expect(checkCallback(qa, CALLBACK_KEY, a)).toEqual({ ok: true, certifyId: a.certifyId, outerOrderNo: a.outerOrderNo, claimedPassed: true });
  });

  it('comes only when the scan finishes', async () => {
    const a = await attempt('pending');
    await new Promise((r) => setTimeout(r, 100));
    expect(received.find((q) => q.certifyId === a.certifyId)).toBeUndefined();
    const rec = await sb.finish(a.certifyId, '205');
    expect(rec?.outcome).toBe(200);
    expect(await callbackFor(a.certifyId)).toMatchObject({ passed: 'F', subcode: '205' });
  });

  it('an http CallbackUrl to a host other than loopback is refused (Alibaba calls https only)', async () => {
    const r = failed(await createAliyunFaceClient(cfg()).begin({ ...input(), callback: { url: 'http://example.com/cb', token: 't' } }));
    expect(r).toMatchObject({ code: '401', message: '参数非法:CallbackUrl' });
  });
});

// ---- helpers: a capture endpoint and raw replays -------------------------------------------

interface Raw {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const capture: { server?: Server; port: number; next?: (r: Raw) => void } = { port: 0 };

beforeAll(async () => {
  capture.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      capture.next?.({ method: req.method ?? 'POST', url: req.url ?? '/', headers: { ...req.headers }, body });
      // an HTML error: the client gives up on this call, nothing reached the sandbox
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html>captured</html>');
    });
  });
  await new Promise<void>((r) => capture.server!.listen(0, '127.0.0.1', r));
  capture.port = (capture.server!.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => capture.server!.close(() => r())));

async function captureOne(call: () => Promise<unknown>): Promise<Raw> {
  const got = new Promise<Raw>((resolve) => (capture.next = resolve));
  await call();
  const raw = await got;
  // re-aim it at the sandbox: host is signed, so the sandbox must see the one that was signed
  return raw;
}

/** Send a captured request to the sandbox as it was (Host header included), or changed. */
function replay(raw: Raw): Promise<{ status: number; code: unknown }> {
  return new Promise((resolve, reject) => {
    const headers = { ...raw.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(Buffer.byteLength(raw.body));
    const req = httpRequest({ host: '127.0.0.1', port: sb.port, method: raw.method, path: raw.url, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text) as { Code?: unknown }).Code }));
    });
    req.on('error', reject);
    req.end(raw.body);
  });
}

/** A valid ID number nobody else in this file uses (the 17 digits, then the check character). */
function freshId(): string {
  const first17 = `110105${1950 + Math.floor(Math.random() * 50)}0101${String(Math.floor(Math.random() * 900) + 100)}`;
  return first17 + idCheckChar(first17)!;
}
