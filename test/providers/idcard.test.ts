// The real ID two-factor client (providers/idcard-market/client.ts) against the sandbox market
// gateway (providers/idcard-market/sandbox.ts) over HTTP: signing, the gateway's errors, the
// API envelope and every magic number.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateIdNumber } from '../../lib/idcard';
import { createIdCardChecker, marketAuthorization, MISMATCH_MESSAGE, type IdCardConfig, type IdCheckResult } from '../../providers/idcard-market/client';
import { IDCARD_MAGIC, startIdCardGateway, type IdCardGateway } from '../../providers/idcard-market/sandbox';
import { closedPort } from './helpers';

const SECRET_ID = 'AKIDidcardtest000000000000000001';
const SECRET_KEY = 'idcard-test-secret-key-0000000001';
const NAME = '张三';

let gw: IdCardGateway;

beforeAll(async () => {
  gw = await startIdCardGateway({ port: 0, credentials: { [SECRET_ID]: SECRET_KEY } });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => {
  gw.setFailure(null);
});

function cfg(overrides: Partial<IdCardConfig> = {}): IdCardConfig {
  return { baseUrl: gw.url, secretId: SECRET_ID, secretKey: SECRET_KEY, timeoutMs: 5000, ...overrides };
}

/** 17 digits + the check character, computed from the standard's definition. */
function withCheck(first17: string): string {
  let sum = 0;
  for (let i = 1; i <= 17; i++) sum += Number(first17[i - 1]) * (2 ** (18 - i) % 11);
  const c = (12 - (sum % 11)) % 11;
  return first17 + (c === 10 ? 'X' : String(c));
}

/** No plaintext personal data anywhere in what the client returns. */
function expectNoPii(r: IdCheckResult, name: string, id: string): void {
  const s = JSON.stringify(r);
  expect(s).not.toContain(id);
  expect(s).not.toContain(name);
  expect(s).not.toContain(encodeURIComponent(name));
}

/** A request made by hand, for what the client never sends. */
async function rawCall(headers: Record<string, string>, path = `/id_name/check?idcard=${IDCARD_MAGIC.matchMale}&name=${encodeURIComponent(NAME)}`, method = 'POST') {
  const res = await fetch(`${gw.url}${path}`, { method, headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function signedHeaders(xDate: string, key = SECRET_KEY, id = SECRET_ID): Record<string, string> {
  return { 'X-Date': xDate, 'X-Source': 'market', Authorization: marketAuthorization(id, key, xDate) };
}

describe('signing', () => {
  it('matches the documented recipe byte for byte', () => {
    const xDate = 'Tue, 26 Nov 2024 08:00:00 GMT';
    const sig = createHmac('sha1', 'k').update('x-date: Tue, 26 Nov 2024 08:00:00 GMT\nx-source: market').digest('base64');
    expect(marketAuthorization('AKID1', 'k', xDate)).toBe(`hmac id="AKID1", algorithm="hmac-sha1", headers="x-date x-source", signature="${sig}"`);
  });
});

describe('magic ID numbers', () => {
  // Independent of the gateway's table, so a wrong entry there fails here.
  const expected: Record<keyof typeof IDCARD_MAGIC, (r: IdCheckResult) => void> = {
    matchMale: (r) => expect(r).toEqual({ ok: true, verdict: 'match', sex: '男', birthday: '19900101', address: '北京市东城区景山前街4号', requestId: expect.stringMatching(/^[0-9a-f]{32}$/) }),
    matchFemale: (r) => expect(r).toMatchObject({ ok: true, verdict: 'match', sex: '女', birthday: '19900101' }),
    mismatch: (r) => expect(r).toEqual({ ok: true, verdict: 'mismatch', message: '核验失败:身份证信息不匹配' }),
    noRecord: (r) => expect(r).toEqual({ ok: true, verdict: 'no_record', message: expect.stringMatching(/^核验失败:.*(户口迁出|不存在)/) }),
    badRequest: (r) => expect(r).toEqual({ ok: true, verdict: 'bad_request', message: expect.stringMatching(/^参数错误/) }),
    maintenance: (r) => expect(r).toEqual({ ok: false, code: '500', message: '系统维护,请稍后再试', retryable: true }),
    http502: (r) => expect(r).toEqual({ ok: false, code: 'http_502', message: expect.stringMatching(/^HTTP 502/), retryable: true }),
    arrears: (r) => expect(r).toEqual({ ok: false, code: 'http_403', message: 'HTTP 403 Found no validate usage plan', retryable: true }),
    centerError: (r) => expect(r).toEqual({ ok: false, code: '999', message: '核验中心异常', retryable: true }),
    slow: (r) => expect(r).toMatchObject({ ok: true, verdict: 'match', sex: '女', birthday: '19900101' }), // sequence 504: even
  };

  it('every documented magic number has an expectation, and all are valid, distinct ID numbers', () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(IDCARD_MAGIC).sort());
    const ids = Object.values(IDCARD_MAGIC);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toBe(withCheck(id.slice(0, 17)));
      expect(validateIdNumber(id)).toMatchObject({ ok: true, birthDate: '1990-01-01' });
    }
  });

  it.each(Object.keys(expected) as (keyof typeof IDCARD_MAGIC)[])('%s', async (key) => {
    const id = IDCARD_MAGIC[key];
    const before = gw.requests().length;
    const started = Date.now();
    const r = await createIdCardChecker(cfg()).check(NAME, id);
    expected[key](r);
    expectNoPii(r, NAME, id);
    expect(gw.requests()).toHaveLength(before + 1);
    if (key === 'slow') expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    else expect(Date.now() - started).toBeLessThan(2000);
  });

  it('the mismatch message is the seed\'s', () => {
    expect(MISMATCH_MESSAGE).toBe('核验失败:身份证信息不匹配');
  });
});

describe('other numbers and names', () => {
  it('any other valid number matches, with sex and birthday from the number', async () => {
    const female = withCheck('44030520000229124');
    const r = await createIdCardChecker(cfg()).check('欧阳娜娜', female);
    expect(r).toMatchObject({ ok: true, verdict: 'match', sex: '女', birthday: '20000229', address: '广东省' });
    const male = withCheck('31010419851215123');
    expect(await createIdCardChecker(cfg()).check('李四', male)).toMatchObject({ ok: true, verdict: 'match', sex: '男', birthday: '19851215' });
  });

  it('sends the Chinese name URL-encoded: dots, Extension A and reserved characters arrive intact', async () => {
    const id = IDCARD_MAGIC.matchMale;
    expect(await createIdCardChecker(cfg()).check('买买提·艾力', id)).toMatchObject({ ok: true, verdict: 'match' });
    expect(await createIdCardChecker(cfg()).check('\u3400\u4e00', id)).toMatchObject({ ok: true, verdict: 'match' });
    // If '&' or '=' leaked unencoded the gateway would read a valid name "张三" and match.
    expect(await createIdCardChecker(cfg()).check(`张三&idcard=${id}`, id)).toMatchObject({ ok: true, verdict: 'bad_request' });
    expect(await createIdCardChecker(cfg()).check('张三+', id)).toMatchObject({ ok: true, verdict: 'bad_request' });
  });

  it.each([
    ['a wrong check character', NAME, withCheck('11010119900101001').slice(0, 17) + (withCheck('11010119900101001').endsWith('0') ? '1' : '0')],
    ['a 15-digit number', NAME, '110101900101001'],
    ['an empty number', NAME, ''],
    ['a Latin name', 'Zhang San', IDCARD_MAGIC.matchMale],
    ['an empty name', '', IDCARD_MAGIC.matchMale],
  ])('%s → bad_request (code 400)', async (_what, name, id) => {
    const r = await createIdCardChecker(cfg()).check(name, id);
    expect(r).toMatchObject({ ok: true, verdict: 'bad_request', message: expect.stringMatching(/^参数错误/) });
    if (id) expectNoPii(r, name || '张', id);
  });

  it('records calls with the number masked and never in clear', async () => {
    const id = withCheck('11010519491231002');
    await createIdCardChecker(cfg()).check(NAME, id);
    const last = gw.requests().at(-1);
    expect(last).toEqual({ idcardMasked: `${id.slice(0, 4)}**********${id.slice(14)}`, at: expect.any(String) });
    expect(JSON.stringify(gw.requests())).not.toContain(id);
  });
});

describe('gateway authentication', () => {
  it('wrong SecretKey → a retryable failure http_403 "HMAC signature does not match", not counted as an API call', async () => {
    const before = gw.requests().length;
    const r = await createIdCardChecker(cfg({ secretKey: 'not-the-key' })).check(NAME, IDCARD_MAGIC.matchMale);
    expect(r).toEqual({ ok: false, code: 'http_403', message: 'HTTP 403 HMAC signature does not match', retryable: true });
    expect(gw.requests()).toHaveLength(before);
  });

  it('unknown SecretId → a retryable failure http_403 "HMAC signature cannot be verified"', async () => {
    const r = await createIdCardChecker(cfg({ secretId: 'AKIDunknown' })).check(NAME, IDCARD_MAGIC.matchMale);
    expect(r).toEqual({ ok: false, code: 'http_403', message: 'HTTP 403 HMAC signature cannot be verified', retryable: true });
  });

  it('no Authorization → 401 with the gateway message', async () => {
    const { status, body } = await rawCall({ 'X-Date': new Date().toUTCString(), 'X-Source': 'market' });
    expect(status).toBe(401);
    expect(body).toEqual({ message: 'HMAC signature cannot be verified, a validate authorization header is required' });
  });

  it('a garbled Authorization → 401', async () => {
    const { status } = await rawCall({ 'X-Date': new Date().toUTCString(), 'X-Source': 'market', Authorization: 'hmac id=AKID' });
    expect(status).toBe(401);
  });

  it('a correctly signed but stale X-Date (16 min old) → 401 out of date', async () => {
    const stale = new Date(Date.now() - 16 * 60 * 1000).toUTCString();
    const { status, body } = await rawCall(signedHeaders(stale));
    expect(status).toBe(401);
    expect(body.message).toBe('HMAC signature cannot be verified, the x-date header is out of date for HMAC Authentication');
  });

  it('an X-Date 16 min in the future → 401; 14 min off either way is accepted', async () => {
    expect((await rawCall(signedHeaders(new Date(Date.now() + 16 * 60 * 1000).toUTCString()))).status).toBe(401);
    for (const off of [-14, 14]) {
      const { status, body } = await rawCall(signedHeaders(new Date(Date.now() + off * 60 * 1000).toUTCString()));
      expect(status).toBe(200);
      expect(body).toMatchObject({ code: 200, data: { result: '1' } });
    }
  });

  it('an X-Date that is not an RFC 1123 GMT date → 401', async () => {
    const { status, body } = await rawCall(signedHeaders(new Date().toISOString()));
    expect(status).toBe(401);
    expect(body.message).toMatch(/x-date header is required/);
  });

  it('a signature over other headers than were sent → 403 does not match', async () => {
    const xDate = new Date().toUTCString();
    const h = signedHeaders(xDate);
    const { status, body } = await rawCall({ ...h, 'X-Source': 'not-market' });
    expect(status).toBe(403);
    expect(body.message).toBe('HMAC signature does not match');
  });

  it('another path or method → 404', async () => {
    const xDate = new Date().toUTCString();
    expect((await rawCall(signedHeaders(xDate), '/id_name/other')).status).toBe(404);
    expect((await rawCall(signedHeaders(xDate), `/id_name/check?idcard=${IDCARD_MAGIC.matchMale}&name=x`, 'GET')).status).toBe(404);
  });
});

describe('transport and outages', () => {
  it('client timeout shorter than the slow magic → TransportError quickly', async () => {
    const started = Date.now();
    const r = await createIdCardChecker(cfg({ timeoutMs: 500 })).check(NAME, IDCARD_MAGIC.slow);
    expect(r).toEqual({ ok: false, code: 'TransportError', message: 'no answer within 500 ms', retryable: true });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('connection refused → TransportError naming ECONNREFUSED', async () => {
    const r = await createIdCardChecker(cfg({ baseUrl: `http://127.0.0.1:${await closedPort()}` })).check(NAME, IDCARD_MAGIC.matchMale);
    expect(r).toMatchObject({ ok: false, code: 'TransportError', retryable: true });
    expect(!r.ok && r.message).toMatch(/ECONNREFUSED/);
    expectNoPii(r, NAME, IDCARD_MAGIC.matchMale);
  });

  it.each([
    ['http500', { ok: false, code: 'http_500', retryable: true }],
    ['maintenance', { ok: false, code: '500', message: '系统维护,请稍后再试' }],
    ['arrears', { ok: false, code: 'http_403', message: 'HTTP 403 Found no validate usage plan' }],
    ['reset', { ok: false, code: 'TransportError', retryable: true }],
    ['timeout', { ok: false, code: 'TransportError', message: 'no answer within 400 ms' }],
  ] as const)('setFailure(%s)', async (mode, want) => {
    gw.setFailure(mode);
    const checker = createIdCardChecker(cfg({ timeoutMs: 400 }));
    expect(await checker.check(NAME, IDCARD_MAGIC.matchMale)).toMatchObject(want);
    gw.setFailure(null);
    expect(await checker.check(NAME, IDCARD_MAGIC.matchMale)).toMatchObject({ ok: true, verdict: 'match' });
  });

  it('refuses an unknown failure mode', () => {
    expect(() => gw.setFailure('sometimes' as never)).toThrow(/unknown ID card gateway failure mode/);
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
    url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    srv.closeAllConnections();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  });

  const id = IDCARD_MAGIC.matchMale;
  it.each([
    ['a 200 that is not JSON', 200, 'text/html', '<html>ok</html>', { ok: false, code: 'invalid_response', retryable: true }],
    ['JSON without code', 200, 'application/json', '{"data":{}}', { ok: false, code: 'invalid_response', retryable: true }],
    ['code as a string "200" with result 1', 200, 'application/json', '{"code":"200","msg":"ok","data":{"result":"1"}}', { ok: true, verdict: 'match' }],
    ['code 200 with result as a number 2', 200, 'application/json', '{"code":200,"data":{"result":2}}', { ok: true, verdict: 'mismatch' }],
    ['code 200 with an unknown result', 200, 'application/json', '{"code":200,"data":{"result":"9"}}', { ok: false, code: 'result_9', message: '核验失败:未知原因' }],
    ['an arrears code', 200, 'application/json', '{"code":604,"msg":"账户余额不足"}', { ok: false, code: '604', message: '账户余额不足' }],
    ['a 500 carrying the envelope', 500, 'application/json', '{"code":500,"msg":"系统错误"}', { ok: false, code: '500' }],
    ['a message echoing the number and name', 200, 'application/json', JSON.stringify({ code: 400, msg: `参数错误:${id} ${NAME}` }), { ok: true, verdict: 'bad_request', message: '参数错误:1101**********0015 张*' }],
  ])('%s', async (_what, status, type, body, want) => {
    next = { status, type, body };
    const r = await createIdCardChecker({ baseUrl: url, secretId: 'x', secretKey: 'y', timeoutMs: 2000 }).check(NAME, id);
    expect(r).toMatchObject(want);
    expectNoPii(r, NAME, id);
  });
});
