// Hand-made requests against the gateway, signed by an implementation written here from
// docs/providers.md#tc3-signature (not shared with the gateway), for cases the SDK cannot produce.
import { createHash, createHmac } from 'node:crypto';
import { startSmsGateway, type SmsGateway } from '../../providers/tencent-sms/sandbox';
import { waitFor } from '../support/wait';
import { SDK_APP_ID, SECRET_ID, SECRET_KEY } from './helpers';

let gw: SmsGateway;

beforeAll(async () => {
  gw = await startSmsGateway({ port: 0, credentials: { [SECRET_ID]: SECRET_KEY } });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => gw.clear());

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

interface CallOptions {
  body?: unknown;
  rawBody?: string;
  timestamp?: number;
  action?: string;
  version?: string;
  secretKey?: string;
  /** Sign this body but send `rawBody`/`body` — a tampered request. */
  signedBody?: string;
  authorization?: string | null;
}

async function call(port: number, o: CallOptions = {}): Promise<{ status: number; json: any }> {
  const body = o.rawBody ?? JSON.stringify(o.body ?? validBody());
  const ts = o.timestamp ?? Math.floor(Date.now() / 1000);
  const date = new Date(ts * 1000).toISOString().slice(0, 10);
  const host = `127.0.0.1:${port}`;
  const ct = 'application/json; charset=utf-8';
  const canonical = `POST\n/\n\ncontent-type:${ct}\nhost:${host}\n\ncontent-type;host\n${sha256(o.signedBody ?? body)}`;
  const stringToSign = `TC3-HMAC-SHA256\n${ts}\n${date}/sms/tc3_request\n${sha256(canonical)}`;
  const kDate = hmac(`TC3${o.secretKey ?? SECRET_KEY}`, date);
  const signature = hmac(hmac(hmac(kDate, 'sms'), 'tc3_request'), stringToSign).toString('hex');
  const headers: Record<string, string> = {
    'Content-Type': ct,
    'X-TC-Action': o.action ?? 'SendSms',
    'X-TC-Version': o.version ?? '2021-01-11',
    'X-TC-Timestamp': String(ts),
    'X-TC-Region': 'ap-guangzhou',
  };
  const authorization =
    o.authorization === undefined
      ? `TC3-HMAC-SHA256 Credential=${SECRET_ID}/${date}/sms/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`
      : o.authorization;
  if (authorization !== null) headers.Authorization = authorization;
  const res = await fetch(`http://${host}/`, { method: 'POST', headers, body });
  return { status: res.status, json: await res.json() };
}

function validBody(extra: Record<string, unknown> = {}) {
  return { PhoneNumberSet: ['+8613800138000'], SmsSdkAppId: SDK_APP_ID, SignName: '宫论', TemplateId: '1646866', TemplateParamSet: ['556677'], ...extra };
}

function errorCode(r: { status: number; json: any }): string {
  expect(r.status).toBe(200); // Tencent answers request-level errors with HTTP 200.
  expect(r.json.Response.RequestId).toEqual(expect.any(String));
  return r.json.Response.Error?.Code;
}

describe('SMS gateway wire protocol (hand-signed requests)', () => {
  it('accepts a correctly signed request (Host with port, as the docs sign it)', async () => {
    const r = await call(gw.port);
    expect(r.status).toBe(200);
    expect(r.json.Response.Error).toBeUndefined();
    expect(r.json.Response.SendStatusSet).toEqual([
      { SerialNo: expect.any(String), PhoneNumber: '+8613800138000', Fee: 1, SessionContext: '', Code: 'Ok', Message: 'send success', IsoCode: 'CN' },
    ]);
    expect(gw.forPhone('13800138000')[0]?.text).toBe('【宫论】您的验证码为:556677,您正在进行密码重置操作,如非本人操作,请忽略本短信!');
  });

  it('an old X-TC-Timestamp, signed correctly → AuthFailure.SignatureExpire', async () => {
    const r = await call(gw.port, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(errorCode(r)).toBe('AuthFailure.SignatureExpire');
    expect(gw.messages()).toHaveLength(0);
  });

  it('a timestamp just inside the window is accepted', async () => {
    const r = await call(gw.port, { timestamp: Math.floor(Date.now() / 1000) - 290 });
    expect(r.json.Response.SendStatusSet?.[0]?.Code).toBe('Ok');
  });

  it('a tampered body → AuthFailure.SignatureFailure', async () => {
    const signed = JSON.stringify(validBody());
    const r = await call(gw.port, { signedBody: signed, body: validBody({ PhoneNumberSet: ['+8613900139000'] }) });
    expect(errorCode(r)).toBe('AuthFailure.SignatureFailure');
    expect(gw.messages()).toHaveLength(0);
  });

  it('a wrong key → AuthFailure.SignatureFailure', async () => {
    expect(errorCode(await call(gw.port, { secretKey: 'nope' }))).toBe('AuthFailure.SignatureFailure');
  });

  it('no Authorization header → AuthFailure.InvalidAuthorization', async () => {
    expect(errorCode(await call(gw.port, { authorization: null }))).toBe('AuthFailure.InvalidAuthorization');
  });

  it('a wrong action → InvalidAction; a wrong version → NoSuchVersion', async () => {
    expect(errorCode(await call(gw.port, { action: 'SendSmsNow' }))).toBe('InvalidAction');
    expect(errorCode(await call(gw.port, { version: '2017-03-12' }))).toBe('NoSuchVersion');
  });

  it.each([
    ['missing TemplateId', { TemplateId: undefined }, 'MissingParameter'],
    ['missing SignName', { SignName: undefined }, 'MissingParameter'],
    ['empty PhoneNumberSet', { PhoneNumberSet: [] }, 'MissingParameter.EmptyPhoneNumberSet'],
    ['PhoneNumberSet not an array', { PhoneNumberSet: '+8613800138000' }, 'InvalidParameter'],
    ['unknown field', { Foo: 1 }, 'UnknownParameter'],
  ])('%s → %s', async (_name, extra, code) => {
    expect(errorCode(await call(gw.port, { body: validBody(extra) }))).toBe(code);
  });

  it('a body that is not JSON (but correctly signed) → InvalidParameter', async () => {
    expect(errorCode(await call(gw.port, { rawBody: '{"PhoneNumberSet":' }))).toBe('InvalidParameter');
  });

  it('reports per-number outcomes in one request', async () => {
    const r = await call(gw.port, { body: validBody({ PhoneNumberSet: ['+8613800138000', '+8617000000003', '12345'] }) });
    const codes = r.json.Response.SendStatusSet.map((s: { Code: string }) => s.Code);
    expect(codes).toEqual(['Ok', 'LimitExceeded.PhoneNumberDailyLimit', 'InvalidParameterValue.IncorrectPhoneNumber']);
    expect(gw.messages()).toHaveLength(1);
  });

  it('SessionContext is echoed in SendStatusSet and kept with the message', async () => {
    const r = await call(gw.port, { body: validBody({ SessionContext: 'bind-phone:u1/abc/code/1' }) });
    expect(r.json.Response.SendStatusSet[0]).toMatchObject({ Code: 'Ok', SessionContext: 'bind-phone:u1/abc/code/1' });
    expect(gw.forPhone('13800138000')[0]?.sessionContext).toBe('bind-phone:u1/abc/code/1');
  });

  it('a SessionContext of 512 bytes or more is refused; 511 is fine', async () => {
    expect(errorCode(await call(gw.port, { body: validBody({ SessionContext: 'x'.repeat(512) }) }))).toBe('InvalidParameterValue');
    expect(errorCode(await call(gw.port, { body: validBody({ SessionContext: '验'.repeat(171) }) }))).toBe('InvalidParameterValue'); // 513 bytes
    expect(gw.messages()).toHaveLength(0);
    expect((await call(gw.port, { body: validBody({ SessionContext: 'x'.repeat(511) }) })).json.Response.SendStatusSet[0].Code).toBe('Ok');
  });

  it('SessionContext must be a string', async () => {
    expect(errorCode(await call(gw.port, { body: validBody({ SessionContext: 7 }) }))).toBe('InvalidParameter');
  });
});

describe('PullSmsSendStatusByPhoneNumber (hand-signed requests)', () => {
  const PULL = 'PullSmsSendStatusByPhoneNumber';
  const now = () => Math.floor(Date.now() / 1000);
  const pullBody = (extra: Record<string, unknown> = {}) => ({
    BeginTime: now() - 60,
    Offset: 0,
    Limit: 100,
    PhoneNumber: '+8613800138000',
    SmsSdkAppId: SDK_APP_ID,
    ...extra,
  });
  const pull = (extra: Record<string, unknown> = {}) => call(gw.port, { action: PULL, body: pullBody(extra) });

  it("answers the number's delivery reports, each with its send's SessionContext and SerialNo", async () => {
    const a = await call(gw.port, { body: validBody({ SessionContext: 'key-a' }) });
    await call(gw.port, { body: validBody() });
    await call(gw.port, { body: validBody({ PhoneNumberSet: ['+8613900139000'], SessionContext: 'key-other-phone' }) });

    const r = await pull();
    expect(r.status).toBe(200);
    expect(r.json.Response.Error).toBeUndefined();
    expect(r.json.Response.RequestId).toEqual(expect.any(String));
    const set = r.json.Response.PullSmsSendStatusSet;
    expect(set).toHaveLength(2);
    expect(set[0]).toEqual({
      UserReceiveTime: expect.any(Number),
      CountryCode: '86',
      SubscriberNumber: '13800138000',
      PhoneNumber: '+8613800138000',
      SerialNo: a.json.Response.SendStatusSet[0].SerialNo,
      ReportStatus: 'SUCCESS',
      Description: 'DELIVRD',
      SessionContext: 'key-a',
    });
    expect(Math.abs(set[0].UserReceiveTime - now())).toBeLessThanOrEqual(2);
    expect(set[1].SessionContext).toBe('');
    expect(gw.requests(PULL)).toBeGreaterThanOrEqual(1);
  });

  it('only reports inside [BeginTime, EndTime], at most Limit', async () => {
    await call(gw.port, { body: validBody({ SessionContext: 'k1' }) });
    await call(gw.port, { body: validBody({ SessionContext: 'k2' }) });
    expect((await pull({ BeginTime: now() + 5 })).json.Response.PullSmsSendStatusSet).toEqual([]);
    expect((await pull({ BeginTime: now() - 600, EndTime: now() - 300 })).json.Response.PullSmsSendStatusSet).toEqual([]);
    const one = (await pull({ Limit: 1 })).json.Response.PullSmsSendStatusSet;
    expect(one.map((x: { SessionContext: string }) => x.SessionContext)).toEqual(['k1']);
  });

  it('a refused send leaves no report', async () => {
    await call(gw.port, { body: validBody({ PhoneNumberSet: ['+8617000000005'], SessionContext: 'k' }) });
    expect((await pull({ PhoneNumber: '+8617000000005' })).json.Response.PullSmsSendStatusSet).toEqual([]);
  });

  it.each([
    ['PhoneNumber not E.164', { PhoneNumber: '13800138000' }, 'InvalidParameterValue.IncorrectPhoneNumber'],
    ['missing BeginTime', { BeginTime: undefined }, 'MissingParameter'],
    ['missing Offset', { Offset: undefined }, 'MissingParameter'],
    ['missing Limit', { Limit: undefined }, 'MissingParameter'],
    ['missing PhoneNumber', { PhoneNumber: undefined }, 'MissingParameter'],
    ['missing SmsSdkAppId', { SmsSdkAppId: undefined }, 'MissingParameter'],
    ['Offset other than 0', { Offset: 1 }, 'InvalidParameterValue'],
    ['Limit over 100', { Limit: 101 }, 'InvalidParameterValue'],
    ['Limit 0', { Limit: 0 }, 'InvalidParameterValue'],
    ['BeginTime as a string', { BeginTime: '1464624000' }, 'InvalidParameter'],
    ['EndTime before BeginTime', { EndTime: 1 }, 'InvalidParameterValue'],
    ['unknown SmsSdkAppId', { SmsSdkAppId: '1400999999' }, 'InvalidParameterValue.SdkAppIdNotExist'],
    ['a SendSms field', { SessionContext: 'k' }, 'UnknownParameter'],
  ])('%s → %s', async (_name, extra, code) => {
    expect(errorCode(await pull(extra))).toBe(code);
  });

  it('is signed like every action: a wrong key → AuthFailure.SignatureFailure', async () => {
    expect(errorCode(await call(gw.port, { action: PULL, body: pullBody(), secretKey: 'nope' }))).toBe('AuthFailure.SignatureFailure');
  });

  it("setFailure fails pulls too, except 'deliver-then-timeout' (only a send's answer is lost)", async () => {
    await call(gw.port, { body: validBody({ SessionContext: 'k' }) });
    try {
      gw.setFailure('InternalError');
      expect(errorCode(await pull())).toBe('InternalError');
      gw.setFailure('deliver-then-timeout');
      expect((await pull()).json.Response.PullSmsSendStatusSet).toHaveLength(1);
    } finally {
      gw.setFailure(null);
    }
  });

  it('requests(action) counts each action apart', async () => {
    const [sends, pulls] = [gw.requests('SendSms'), gw.requests(PULL)];
    await call(gw.port, { body: validBody() });
    await pull();
    await pull();
    expect([gw.requests('SendSms') - sends, gw.requests(PULL) - pulls]).toEqual([1, 2]);
  });
});

describe('SMS gateway: holding requests', () => {
  it('close() is prompt while a request is being held (17000000504)', async () => {
    const own = await startSmsGateway({ port: 0, credentials: { [SECRET_ID]: SECRET_KEY } });
    const pending = call(own.port, { body: validBody({ PhoneNumberSet: ['+8617000000504'] }) }).then(
      () => 'answered',
      () => 'dropped',
    );
    await waitFor(() => (own.requests() === 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(pending).resolves.toBe('dropped');
  });
});
