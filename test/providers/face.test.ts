// The real DCloud face-function client (providers/dcloud-face/client.ts) against the sandbox
// function (providers/dcloud-face/sandbox.ts) over HTTP: the secret header, the wrapper's
// -2/-3, getCertifyId → getAuthResult for every outcome, the per-certifyId limits on an
// injected clock, and the picture's lifetime.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFaceClient, uniErrCode, type AuthResult, type CertifyIdResult, type FaceConfig } from '../../providers/dcloud-face/client';
import { SANDBOX_JPEG, startFaceFunction, type FaceFunction } from '../../providers/dcloud-face/sandbox';
import { closedPort, failed, ok } from './helpers';

const SECRET = 'face-test-secret-0000000000000001';
const NAME = '张三';
/** 11010519491231002X: the standard's published sample number. */
const ID = '11010519491231002X';
const HOUR = 3600 * 1000;

let fn: FaceFunction;
let clock = Date.parse('2024-04-28T08:00:00Z');

beforeAll(async () => {
  fn = await startFaceFunction({ port: 0, secret: SECRET, now: () => clock });
});
afterAll(async () => {
  await fn.close();
});
beforeEach(() => {
  fn.setFailure(null);
});

function cfg(overrides: Partial<FaceConfig> = {}): FaceConfig {
  return { url: fn.url, secret: SECRET, secretHeader: 'x-verify-secret', timeoutMs: 5000, ...overrides };
}

/** What uni.getFacialRecognitionMetaInfo() returns, plus the sandbox's magic word. */
function metaInfo(magic?: string): string {
  return JSON.stringify({
    apdidToken: 'sandbox-apdid',
    appName: 'com.gonglun.app',
    appVersion: '1.0.0',
    bioMetaInfo: '4.1.0:2916352,0',
    deviceModel: 'iPhone14,2',
    deviceType: 'ios',
    osVersion: '17.4',
    ...(magic && { sandbox: magic }),
  });
}

async function certify(magic?: string, needPicture = false): Promise<string> {
  return ok(await createFaceClient(cfg()).getCertifyId({ realName: NAME, idCard: ID, metaInfo: metaInfo(magic), needPicture })).certifyId;
}

async function raw(body: string | undefined, headers: Record<string, string> = { 'x-verify-secret': SECRET }) {
  const res = await fetch(fn.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("the seed's wrapper: secret header and body", () => {
  it('no secret header → -3 非法请求, before anything else', async () => {
    expect(await raw(JSON.stringify({ way: 'getCertifyId' }), {})).toEqual({ status: 200, body: { errCode: -3, errMsg: '非法请求[-3]' } });
    expect((await raw(undefined, {})).body.errCode).toBe(-3);
  });

  it('wrong secret through the client → -3, not retryable', async () => {
    const r = failed(await createFaceClient(cfg({ secret: 'wrong-secret' })).getCertifyId({ realName: NAME, idCard: ID, metaInfo: metaInfo(), needPicture: false }));
    expect(r).toEqual({ ok: false, code: '-3', message: '非法请求[-3]', retryable: false });
  });

  it('the secret under another header name → -3', async () => {
    const r = failed(await createFaceClient(cfg({ secretHeader: 'x-other-secret' })).getAuthResult('0'.repeat(32)));
    expect(r.code).toBe('-3');
  });

  it('a secret that only shares a prefix → -3', async () => {
    expect((await raw(JSON.stringify({ way: 'getAuthResult', certifyId: 'x' }), { 'x-verify-secret': SECRET.slice(0, -1) })).body.errCode).toBe(-3);
    expect((await raw(JSON.stringify({ way: 'getAuthResult', certifyId: 'x' }), { 'x-verify-secret': `${SECRET}0` })).body.errCode).toBe(-3);
  });

  it.each([
    ['no body', undefined],
    ['an empty body', ''],
    ['an empty object', '{}'],
    ['not JSON', 'way=getCertifyId'],
    ['a JSON array', '[1]'],
    ['no way', JSON.stringify({ certifyId: 'abc' })],
    ['an unknown way', JSON.stringify({ way: 'deleteAll' })],
  ])('%s → -2 携带参数不完整', async (_what, body) => {
    expect(await raw(body)).toEqual({ status: 200, body: { errCode: -2, errMsg: '携带参数不完整[-2]' } });
  });
});

describe('getCertifyId', () => {
  it('returns a fresh 32-hex certifyId and keeps only hashes of the person', async () => {
    const client = createFaceClient(cfg());
    const a = ok(await client.getCertifyId({ realName: NAME, idCard: ID, metaInfo: metaInfo(), needPicture: true }));
    const b = ok(await client.getCertifyId({ realName: NAME, idCard: ID, metaInfo: metaInfo(), needPicture: false }));
    expect(a.certifyId).toMatch(/^[0-9a-f]{32}$/);
    expect(b.certifyId).not.toBe(a.certifyId);

    const listing = fn.certifyIds();
    const rec = listing.find((r) => r.certifyId === a.certifyId);
    expect(rec).toMatchObject({
      needPicture: true,
      queries: 0,
      outcome: 'SUCCESS',
      realNameHash: createHash('sha256').update(NAME).digest('hex'),
      idCardHash: createHash('sha256').update(ID).digest('hex'),
    });
    expect(listing.find((r) => r.certifyId === b.certifyId)?.needPicture).toBe(false);
    const dump = JSON.stringify(listing);
    expect(dump).not.toContain(NAME);
    expect(dump).not.toContain(ID);
  });

  it.each([
    ['realName missing', { realName: '' }, '50001'],
    ['idCard missing', { idCard: '' }, '50001'],
    ['metaInfo missing', { metaInfo: '' }, '50001'],
    ['realName not Chinese', { realName: 'Zhang San' }, '50002'],
    ['idCard with a wrong check character', { idCard: '110105194912310021' }, '50002'],
  ])('%s → %s, not retryable', async (_what, override, errCode) => {
    const before = fn.certifyIds().length;
    const r = failed(await createFaceClient(cfg()).getCertifyId({ realName: NAME, idCard: ID, metaInfo: metaInfo(), needPicture: false, ...override }));
    expect(r.code).toBe(errCode);
    expect(r.retryable).toBe(false);
    expect(fn.certifyIds()).toHaveLength(before);
    expect(JSON.stringify(r)).not.toContain(ID);
  });

  it('needPicture that is not a boolean → 50002', async () => {
    const { body } = await raw(JSON.stringify({ way: 'getCertifyId', realName: NAME, idCard: ID, metaInfo: metaInfo(), needPicture: 'yes' }));
    expect(body.errCode).toBe(50002);
  });

  it.each([
    ['balance', '54100', false],
    ['not_activated', '55023', false],
    ['upstream', '55001', true],
  ])('metaInfo magic %s → %s (retryable %s)', async (magic, errCode, retryable) => {
    const r = failed(await createFaceClient(cfg()).getCertifyId({ realName: NAME, idCard: ID, metaInfo: metaInfo(magic), needPicture: false }));
    expect(r.code).toBe(errCode);
    expect(r.retryable).toBe(retryable);
  });

  it('the magic word also works in a metaInfo that is not JSON', async () => {
    const r = failed(await createFaceClient(cfg()).getCertifyId({ realName: NAME, idCard: ID, metaInfo: 'device=1;sandbox:balance', needPicture: false }));
    expect(r.code).toBe('54100');
    expect(ok(await createFaceClient(cfg()).getCertifyId({ realName: NAME, idCard: ID, metaInfo: 'device=1', needPicture: false })).certifyId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('getCertifyId → getAuthResult', () => {
  it('SUCCESS without a picture: score and quality, no pictureUrl', async () => {
    const r = ok(await createFaceClient(cfg()).getAuthResult(await certify()));
    expect(r.authState).toBe('SUCCESS');
    expect(r.score).toBeGreaterThanOrEqual(99);
    expect(r.score).toBeLessThan(100);
    expect(r.quality).toBeGreaterThanOrEqual(80);
    expect(r.pictureUrl).toBeUndefined();
  });

  it('FAIL: no score, quality or picture even when asked for one', async () => {
    const r = ok(await createFaceClient(cfg()).getAuthResult(await certify('fail', true)));
    expect(r).toEqual({ ok: true, authState: 'FAIL' });
  });

  it('processing: 424 notFinished until the user completes, then SUCCESS', async () => {
    const id = await certify('processing');
    const client = createFaceClient(cfg());
    const r = failed(await client.getAuthResult(id));
    expect(r).toEqual({ ok: false, code: '424', message: '该certifyId用户未完成认证或认证进行中', retryable: false, notFinished: true });
    fn.complete(id, 'SUCCESS');
    expect(ok(await client.getAuthResult(id)).authState).toBe('SUCCESS');
  });

  it('pending: authState PROCESSING until completed, then FAIL', async () => {
    const id = await certify('pending');
    const client = createFaceClient(cfg());
    expect(await client.getAuthResult(id)).toEqual({ ok: true, authState: 'PROCESSING' });
    fn.complete(id, 'FAIL');
    expect(await client.getAuthResult(id)).toEqual({ ok: true, authState: 'FAIL' });
  });

  it('complete() refuses unknown ids and outcomes', async () => {
    expect(() => fn.complete('f'.repeat(32), 'SUCCESS')).toThrow(/unknown certifyId/);
    const id = await certify('processing');
    expect(() => fn.complete(id, 'PROCESSING' as never)).toThrow(/SUCCESS or FAIL/);
  });

  it('unknown certifyId → 54020, not retryable', async () => {
    const r = failed(await createFaceClient(cfg()).getAuthResult('0123456789abcdef0123456789abcdef'));
    expect(r.code).toBe('54020');
    expect(r.retryable).toBe(false);
  });

  it('empty certifyId → 50001', async () => {
    expect(failed(await createFaceClient(cfg()).getAuthResult('')).code).toBe('50001');
  });

  it('at most 5 queries per certifyId; the 6th → 56002 请求次数已超限', async () => {
    const id = await certify();
    const client = createFaceClient(cfg());
    for (let i = 0; i < 5; i++) expect(ok(await client.getAuthResult(id)).authState).toBe('SUCCESS');
    const r = failed(await client.getAuthResult(id));
    expect(r).toEqual({ ok: false, code: '56002', message: '请求次数已超限', retryable: false });
    expect(fn.certifyIds().find((c) => c.certifyId === id)?.queries).toBe(6);
  });

  it('424 answers count toward the 5', async () => {
    const id = await certify('processing');
    const client = createFaceClient(cfg());
    for (let i = 0; i < 5; i++) expect(failed(await client.getAuthResult(id)).notFinished).toBe(true);
    fn.complete(id, 'SUCCESS');
    expect(failed(await client.getAuthResult(id)).code).toBe('56002');
  });

  it('queryable for 24 h; after that 56001 请求记录已过期 (injected clock)', async () => {
    const id = await certify();
    const client = createFaceClient(cfg());
    const start = clock;
    try {
      clock = start + 24 * HOUR - 1000;
      expect(ok(await client.getAuthResult(id)).authState).toBe('SUCCESS');
      clock = start + 24 * HOUR + 1;
      const r = failed(await client.getAuthResult(id));
      expect(r).toEqual({ ok: false, code: '56001', message: '请求记录已过期', retryable: false });
    } finally {
      clock = start;
    }
  });
});

describe('pictures', () => {
  it('SUCCESS with needPicture carries a pictureUrl on the sandbox serving a JPEG for 15 minutes', async () => {
    const id = await certify(undefined, true);
    const r = ok(await createFaceClient(cfg()).getAuthResult(id));
    expect(r.authState).toBe('SUCCESS');
    expect(r.pictureUrl).toMatch(new RegExp(`^${fn.pictureBaseUrl.replace(/[.]/g, '\\.')}/[0-9a-f]{32}\\.jpg$`));

    const start = clock;
    try {
      const res = await fetch(r.pictureUrl!);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.equals(SANDBOX_JPEG)).toBe(true);
      expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      expect([...bytes.subarray(-2)]).toEqual([0xff, 0xd9]);

      clock = start + 15 * 60 * 1000 - 1000;
      expect((await fetch(r.pictureUrl!)).status).toBe(200);
      clock = start + 15 * 60 * 1000 + 1;
      const expired = await fetch(r.pictureUrl!);
      expect(expired.status).toBe(403);
      expect(await expired.text()).toContain('<Code>AccessDenied</Code>');
    } finally {
      clock = start;
    }
  });

  it('each answer issues a fresh URL with its own 15 minutes', async () => {
    const id = await certify(undefined, true);
    const client = createFaceClient(cfg());
    const first = ok(await client.getAuthResult(id)).pictureUrl!;
    const start = clock;
    try {
      clock = start + 20 * 60 * 1000;
      const second = ok(await client.getAuthResult(id)).pictureUrl!;
      expect(second).not.toBe(first);
      expect((await fetch(first)).status).toBe(403);
      expect((await fetch(second)).status).toBe(200);
    } finally {
      clock = start;
    }
  });

  it('an unknown picture token → 404', async () => {
    expect((await fetch(`${fn.pictureBaseUrl}/${'0'.repeat(32)}.jpg`)).status).toBe(404);
    expect((await fetch(`${fn.pictureBaseUrl}/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await fetch(`${fn.pictureBaseUrl}/`)).status).toBe(404);
  });

  it('picture_error: SUCCESS with a pictureUrl whose download answers 500', async () => {
    const r = ok(await createFaceClient(cfg()).getAuthResult(await certify('picture_error', true)));
    expect(r.authState).toBe('SUCCESS');
    expect((await fetch(r.pictureUrl!)).status).toBe(500);
  });

  it('the embedded JPEG is a well-formed baseline image', () => {
    // SOI, then segments each with a length, up to SOS; entropy data; EOI.
    expect([...SANDBOX_JPEG.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    let pos = 2;
    const markers: number[] = [];
    while (SANDBOX_JPEG[pos] === 0xff && SANDBOX_JPEG[pos + 1] !== 0xda) {
      markers.push(SANDBOX_JPEG[pos + 1]!);
      pos += 2 + SANDBOX_JPEG.readUInt16BE(pos + 2);
    }
    expect(markers).toEqual([0xe0, 0xdb, 0xc0, 0xc4, 0xc4]);
    const sof = SANDBOX_JPEG.indexOf(Buffer.from([0xff, 0xc0]));
    expect(SANDBOX_JPEG.readUInt16BE(sof + 5)).toBe(8); // height
    expect(SANDBOX_JPEG.readUInt16BE(sof + 7)).toBe(8); // width
    expect([...SANDBOX_JPEG.subarray(-2)]).toEqual([0xff, 0xd9]);
  });
});

describe('outages and transport', () => {
  it.each([
    ['55001', '55001', true],
    ['55000', '55000', true],
    ['60000', '60000', true],
    ['http500', 'HTTP_500', true],
  ] as const)('setFailure(%s) → %s, retryable %s, on both ways', async (mode, errCode, retryable) => {
    const id = await certify();
    fn.setFailure(mode);
    const client = createFaceClient(cfg());
    const a = failed(await client.getCertifyId({ realName: NAME, idCard: ID, metaInfo: metaInfo(), needPicture: false }));
    const b = failed(await client.getAuthResult(id));
    for (const r of [a, b]) expect(r).toMatchObject({ code: errCode, retryable });
    fn.setFailure(null);
    expect(ok(await client.getAuthResult(id)).authState).toBe('SUCCESS');
  });

  it('setFailure(timeout) → TIMEOUT after the client timeout, retryable', async () => {
    fn.setFailure('timeout');
    const started = Date.now();
    const r = failed(await createFaceClient(cfg({ timeoutMs: 300 })).getAuthResult('0'.repeat(32)));
    expect(r).toEqual({ ok: false, code: 'TIMEOUT', message: 'no answer within 300 ms', retryable: true });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('the secret check still comes first during an upstream outage', async () => {
    fn.setFailure('55001');
    expect(failed(await createFaceClient(cfg({ secret: 'nope' })).getAuthResult('x')).code).toBe('-3');
  });

  it('refuses an unknown failure mode', () => {
    expect(() => fn.setFailure('sometimes' as never)).toThrow(/unknown face function failure mode/);
  });

  it('connection refused → TRANSPORT, retryable', async () => {
    const r = failed(await createFaceClient(cfg({ url: `http://127.0.0.1:${await closedPort()}/face` })).getCertifyId({ realName: NAME, idCard: ID, metaInfo: metaInfo(), needPicture: false }));
    expect(r.code).toBe('TRANSPORT');
    expect(r.message).toMatch(/ECONNREFUSED/);
    expect(r.retryable).toBe(true);
  });

  it('counts calls per way', async () => {
    const before = { all: fn.calls(), cid: fn.calls('getCertifyId'), auth: fn.calls('getAuthResult') };
    const id = await certify();
    await createFaceClient(cfg()).getAuthResult(id);
    await createFaceClient(cfg()).getAuthResult(id);
    expect(fn.calls()).toBe(before.all + 3);
    expect(fn.calls('getCertifyId')).toBe(before.cid + 1);
    expect(fn.calls('getAuthResult')).toBe(before.auth + 2);
  });
});

describe('answers the sandbox never gives', () => {
  let srv: Server;
  let next: { status: number; type: string; body: string };
  let url: string;

  beforeAll(async () => {
    srv = createServer((_req, res) => {
      res.writeHead(next.status, { 'Content-Type': next.type }).end(next.body);
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/face`;
  });
  afterAll(async () => {
    srv.closeAllConnections();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  });

  const client = () => createFaceClient({ url, secret: 's', secretHeader: 'x-verify-secret', timeoutMs: 2000 });
  const getCid = () => client().getCertifyId({ realName: NAME, idCard: ID, metaInfo: '{}', needPicture: false });

  it.each([
    ['a 200 that is not JSON', 200, 'text/html', '<html></html>', { code: 'INVALID_RESPONSE' }, true],
    ['errCode 0 without certifyId', 200, 'application/json', '{"errCode":0}', { code: 'INVALID_RESPONSE' }, true],
    ['errCode as a string "55001"', 200, 'application/json', '{"errCode":"55001","errMsg":"x"}', { code: '55001' }, true],
    ['a 502 HTML page', 502, 'text/html', '<h1>Bad Gateway</h1>', { code: 'HTTP_502' }, true],
    ['a 404', 404, 'text/plain', 'not found', { code: 'HTTP_404' }, false],
    ['uniCloud\'s own failure with a string code on 500', 500, 'application/json', '{"errCode":"FUNCTION_EXECUTION_FAIL","errMsg":"boom"}', { code: 'FUNCTION_EXECUTION_FAIL' }, true],
    ['balance insufficient', 200, 'application/json', '{"errCode":54100,"errMsg":"余额不足"}', { code: '54100' }, false],
    ['an errMsg echoing the person', 200, 'application/json', JSON.stringify({ errCode: 50002, errMsg: `参数错误:${ID} ${NAME}` }), { code: '50002', message: '参数错误:1101**********002X 张*' }, false],
  ])('getCertifyId: %s', async (_what, status, type, body, failure, retryable) => {
    next = { status, type, body };
    const r: CertifyIdResult = await getCid();
    expect(failed(r)).toMatchObject({ ...failure, retryable });
    expect(JSON.stringify(r)).not.toContain(ID);
  });

  it.each([
    ['an unknown authState', '{"errCode":0,"authState":"MAYBE"}', { ok: false, code: 'INVALID_RESPONSE', retryable: true }],
    ['numbers sent as strings', '{"errCode":0,"authState":"SUCCESS","score":"99.5","quality":"88"}', { ok: true, authState: 'SUCCESS', score: 99.5, quality: 88 }],
  ])('getAuthResult: %s', async (_what, body, want) => {
    next = { status: 200, type: 'application/json', body };
    const r: AuthResult = await client().getAuthResult('abc');
    expect(r).toMatchObject(want);
  });

  it('uniErrCode gives the API the errCode as the function answered it: numbers for uni codes, our own codes as they are', async () => {
    next = { status: 200, type: 'application/json', body: '{"errCode":"55001","errMsg":"x"}' };
    expect(uniErrCode(failed(await getCid()).code)).toBe(55001);
    expect([uniErrCode('-3'), uniErrCode('424'), uniErrCode('TIMEOUT'), uniErrCode('HTTP_502'), uniErrCode('FUNCTION_EXECUTION_FAIL')]).toEqual([-3, 424, 'TIMEOUT', 'HTTP_502', 'FUNCTION_EXECUTION_FAIL']);
  });
});
