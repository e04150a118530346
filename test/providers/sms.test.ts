// The real Tencent SDK client (providers/tencent-sms/client.ts) against its sandbox gateway
// (providers/tencent-sms/sandbox.ts) over HTTP, so signing, envelopes and error mapping are
// all exercised on the wire.
import { createSmsSender, MAX_SESSION_CONTEXT_BYTES, type SentWithResult, type SmsResult } from '../../providers/tencent-sms/client';
import { SMS_MAGIC_NUMBERS, startSmsGateway, type SmsGateway } from '../../providers/tencent-sms/sandbox';
import { closedPort, SDK_APP_ID, SECRET_ID, SECRET_KEY, smsConfig } from './helpers';

const BIND_PHONE_TEMPLATE = '2130785';
const REBIND_NOTICE_TEMPLATE = '2133448';

let gw: SmsGateway;

beforeAll(async () => {
  gw = await startSmsGateway({ port: 0, credentials: { [SECRET_ID]: SECRET_KEY }, sdkAppIds: [SDK_APP_ID] });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => {
  gw.clear();
  gw.setFailure(null);
});

function failure(r: SmsResult) {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
  return r;
}

describe('SDK client → sandbox gateway', () => {
  it('delivers a message, renders the template and answers with a serial number', async () => {
    const sender = createSmsSender(smsConfig(gw.port));
    const r = await sender.send({ phone: '13800138000', templateId: BIND_PHONE_TEMPLATE, params: ['482913'] });

    expect(r).toEqual({ ok: true, serialNo: expect.stringMatching(/^\d{4}:\d{28}$/), fee: 1, requestId: expect.any(String) });
    const [rec, ...rest] = gw.forPhone('13800138000');
    expect(rest).toHaveLength(0);
    expect(rec).toMatchObject({
      phone: '+8613800138000',
      templateId: BIND_PHONE_TEMPLATE,
      params: ['482913'],
      signName: '宫论',
      sdkAppId: SDK_APP_ID,
      text: '【宫论】您的验证码:482913,这是您绑定手机号的操作验证码,如果这不是您本人的操作,请忽略本短信!',
    });
    expect(r.ok && r.serialNo).toBe(rec?.serialNo);
    expect(gw.forPhone('+8613800138000')).toHaveLength(1);
  });

  it('renders two-parameter templates in order', async () => {
    const sender = createSmsSender(smsConfig(gw.port));
    const r = await sender.send({ phone: '13900139000', templateId: REBIND_NOTICE_TEMPLATE, params: ['换绑手机', '139****0000'] });
    expect(r.ok).toBe(true);
    expect(gw.forPhone('13900139000')[0]?.text).toBe(
      '【宫论】尊敬的用户,您的账户已成功进行了换绑手机操作,新关联的信息为:139****0000。为了您的账户安全,请确认这是您本人的操作。',
    );
  });

  describe('magic numbers', () => {
    // Independent of the gateway's own table, so a wrong entry there fails here.
    const expected: Record<keyof typeof SMS_MAGIC_NUMBERS, { code: string; retryable: boolean }> = {
      '17000000001': { code: 'LimitExceeded.PhoneNumberThirtySecondLimit', retryable: false },
      '17000000002': { code: 'LimitExceeded.PhoneNumberOneHourLimit', retryable: false },
      '17000000003': { code: 'LimitExceeded.PhoneNumberDailyLimit', retryable: false },
      '17000000004': { code: 'FailedOperation.InsufficientBalanceInSmsPackage', retryable: false },
      '17000000005': { code: 'FailedOperation.PhoneNumberInBlacklist', retryable: false },
      '17000000401': { code: 'AuthFailure.SignatureFailure', retryable: false },
      '17000000500': { code: 'HttpError.500', retryable: true },
      '17000000504': { code: 'TransportError', retryable: true },
    };

    it('has an expectation for every documented magic number', () => {
      expect(Object.keys(expected).sort()).toEqual(Object.keys(SMS_MAGIC_NUMBERS).sort());
    });

    it.each(Object.entries(expected).map(([phone, want]) => [phone, want.code, want]))('%s → %s', async (phone, _code, want) => {
      // A 1 s timeout keeps the "never answers" number quick.
      const sender = createSmsSender(smsConfig(gw.port, { timeoutSec: 1 }));
      const before = gw.requests();
      const started = Date.now();
      const r = failure(await sender.send({ phone, templateId: BIND_PHONE_TEMPLATE, params: ['123456'] }));

      expect(r.code).toBe(want.code);
      expect(r.retryable).toBe(want.retryable);
      expect(gw.requests()).toBe(before + 1);
      expect(gw.forPhone(phone)).toHaveLength(0);
      if (phone === '17000000504') expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      // Envelope answers carry the provider's RequestId as ref; HTTP and transport failures have none.
      if (want.retryable) expect(r.ref).toBeUndefined();
      else expect(r.ref).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('request-level errors from the real signature check', () => {
    it('wrong SecretKey → AuthFailure.SignatureFailure', async () => {
      const sender = createSmsSender(smsConfig(gw.port, { secretKey: 'not-the-key' }));
      const r = failure(await sender.send({ phone: '13800138000', templateId: BIND_PHONE_TEMPLATE, params: ['123456'] }));
      expect(r).toMatchObject({ code: 'AuthFailure.SignatureFailure', retryable: false, ref: expect.any(String) });
      expect(gw.messages()).toHaveLength(0);
    });

    it('unknown SecretId → AuthFailure.SecretIdNotFound', async () => {
      const sender = createSmsSender(smsConfig(gw.port, { secretId: 'AKIDunknown00000000000000000000' }));
      const r = failure(await sender.send({ phone: '13800138000', templateId: BIND_PHONE_TEMPLATE, params: ['123456'] }));
      expect(r).toMatchObject({ code: 'AuthFailure.SecretIdNotFound', retryable: false });
      expect(gw.messages()).toHaveLength(0);
    });

    it('unknown SmsSdkAppId → InvalidParameterValue.SdkAppIdNotExist', async () => {
      const sender = createSmsSender(smsConfig(gw.port, { sdkAppId: '1400999999' }));
      const r = failure(await sender.send({ phone: '13800138000', templateId: BIND_PHONE_TEMPLATE, params: ['123456'] }));
      expect(r).toMatchObject({ code: 'InvalidParameterValue.SdkAppIdNotExist', retryable: false });
    });

    it('unknown template → FailedOperation.TemplateIncorrectOrUnapproved', async () => {
      const sender = createSmsSender(smsConfig(gw.port));
      const r = failure(await sender.send({ phone: '13800138000', templateId: '9999999', params: ['123456'] }));
      expect(r).toMatchObject({ code: 'FailedOperation.TemplateIncorrectOrUnapproved', retryable: false });
      expect(gw.messages()).toHaveLength(0);
    });

    it('wrong number of template parameters → FailedOperation.TemplateParamSetNotMatchApprovedTemplate', async () => {
      const sender = createSmsSender(smsConfig(gw.port));
      const r = failure(await sender.send({ phone: '13800138000', templateId: REBIND_NOTICE_TEMPLATE, params: ['only-one'] }));
      expect(r).toMatchObject({ code: 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate', retryable: false });
    });

    it('an unsupported region → UnsupportedRegion', async () => {
      const sender = createSmsSender(smsConfig(gw.port, { region: 'ap-singapore' }));
      const r = failure(await sender.send({ phone: '13800138000', templateId: BIND_PHONE_TEMPLATE, params: ['123456'] }));
      expect(r).toMatchObject({ code: 'UnsupportedRegion', retryable: false });
    });
  });

  describe('gateway outage (setFailure)', () => {
    it.each([
      ['InternalError', 'InternalError', true],
      ['InternalError.Timeout', 'InternalError.Timeout', true],
      ['RequestLimitExceeded', 'RequestLimitExceeded', true],
      ['AuthFailure.SecretIdNotFound', 'AuthFailure.SecretIdNotFound', false],
      ['http500', 'HttpError.500', true],
      ['reset', 'TransportError', true],
      ['timeout', 'TransportError', true],
    ])('%s → %s (retryable %s)', async (mode, code, retryable) => {
      gw.setFailure(mode);
      const sender = createSmsSender(smsConfig(gw.port, { timeoutSec: 1 }));
      const r = failure(await sender.send({ phone: '13800138000', templateId: BIND_PHONE_TEMPLATE, params: ['123456'] }));
      expect(r).toMatchObject({ code, retryable });
      expect(gw.messages()).toHaveLength(0);

      gw.setFailure(null);
      expect((await sender.send({ phone: '13800138000', templateId: BIND_PHONE_TEMPLATE, params: ['123456'] })).ok).toBe(true);
    });

    it('refuses an unknown failure mode', () => {
      expect(() => gw.setFailure('sometimes')).toThrow(/unknown SMS gateway failure mode/);
    });
  });

  it('connection refused → TransportError, retryable', async () => {
    const sender = createSmsSender(smsConfig(await closedPort()));
    const r = failure(await sender.send({ phone: '13800138000', templateId: BIND_PHONE_TEMPLATE, params: ['123456'] }));
    expect(r).toMatchObject({ code: 'TransportError', retryable: true });
    expect(r.message).toMatch(/ECONNREFUSED/);
  });

  it('sends the SessionContext it is given; the gateway keeps it with the message', async () => {
    const sender = createSmsSender(smsConfig(gw.port));
    expect((await sender.send({ phone: '13800138000', templateId: BIND_PHONE_TEMPLATE, params: ['482913'], sessionContext: 'bind-phone:u1/0a1b2c/code/1' })).ok).toBe(true);
    expect(gw.forPhone('13800138000')[0]?.sessionContext).toBe('bind-phone:u1/0a1b2c/code/1');
  });

  it('refuses a SessionContext of 512 bytes or more locally (the API wants fewer)', async () => {
    const sender = createSmsSender(smsConfig(gw.port));
    const before = gw.requests();
    const r = failure(await sender.send({ phone: '13800138000', templateId: BIND_PHONE_TEMPLATE, params: ['1'], sessionContext: 'k'.repeat(512) }));
    expect(r).toMatchObject({ code: 'SessionContextTooLong', retryable: false });
    expect(gw.requests()).toBe(before);
    expect(MAX_SESSION_CONTEXT_BYTES).toBe(511);
  });

  it('rejects a malformed number locally without calling the provider', async () => {
    const sender = createSmsSender(smsConfig(gw.port));
    const before = gw.requests();
    const r = failure(await sender.send({ phone: '+8613800138000', templateId: BIND_PHONE_TEMPLATE, params: ['123456'] }));
    expect(r).toMatchObject({ code: 'InvalidParameterValue.IncorrectPhoneNumber', retryable: false });
    expect(gw.requests()).toBe(before);
  });
});

describe('sentWith: delivery reports through the SDK (PullSmsSendStatusByPhoneNumber)', () => {
  const PULL = 'PullSmsSendStatusByPhoneNumber';
  const KEY = 'rebind-phone:u7/5f3a9c1b2d4e/rebind-notice';
  const now = () => Math.floor(Date.now() / 1000);
  const sendWith = async (phone: string, sessionContext?: string) => {
    const r = await createSmsSender(smsConfig(gw.port)).send({ phone, templateId: BIND_PHONE_TEMPLATE, params: ['123456'], sessionContext });
    if (!r.ok) throw new Error(`send failed: ${r.code}`);
    return r.serialNo;
  };
  const lookupFailure = (r: SentWithResult) => {
    if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
    return r;
  };

  it("finds the message sent with that SessionContext, with the send's SerialNo", async () => {
    await sendWith('13800138000', 'another-key');
    const serialNo = await sendWith('13800138000', KEY);
    const before = { sends: gw.requests('SendSms'), pulls: gw.requests(PULL) };
    const r = await createSmsSender(smsConfig(gw.port)).sentWith('13800138000', KEY, now() - 60);
    expect(r).toEqual({ ok: true, found: true, serialNo, reportStatus: 'SUCCESS' });
    expect({ sends: gw.requests('SendSms'), pulls: gw.requests(PULL) }).toEqual({ sends: before.sends, pulls: before.pulls + 1 });
  });

  it('not found: another key, another number, a send without SessionContext, or before `since`', async () => {
    const sender = createSmsSender(smsConfig(gw.port));
    await sendWith('13800138000', 'another-key');
    await sendWith('13800138000');
    await sendWith('13900139000', KEY);
    expect(await sender.sentWith('13800138000', KEY, now() - 60)).toEqual({ ok: true, found: false });
    await sendWith('13800138000', KEY);
    expect(await sender.sentWith('13800138000', KEY, now() + 5)).toEqual({ ok: true, found: false });
    expect(await sender.sentWith('13800138000', KEY, now() - 60)).toMatchObject({ ok: true, found: true });
  });

  it('a `since` older than the 7 days the API keeps is narrowed, not refused', async () => {
    await sendWith('13800138000', KEY);
    expect(await createSmsSender(smsConfig(gw.port)).sentWith('13800138000', KEY, 0)).toMatchObject({ ok: true, found: true });
  });

  it('refuses locally, without a request: a malformed number, an empty SessionContext (it would match every report)', async () => {
    const sender = createSmsSender(smsConfig(gw.port));
    const before = gw.requests();
    expect(lookupFailure(await sender.sentWith('+8613800138000', KEY, now()))).toMatchObject({ code: 'InvalidParameterValue.IncorrectPhoneNumber', retryable: false });
    expect(lookupFailure(await sender.sentWith('13800138000', '', now()))).toMatchObject({ code: 'MissingSessionContext', retryable: false });
    expect(gw.requests()).toBe(before);
  });

  it.each([
    ['InternalError', 'InternalError', true],
    ['RequestLimitExceeded', 'RequestLimitExceeded', true],
    ['http500', 'HttpError.500', true],
    ['reset', 'TransportError', true],
    ['timeout', 'TransportError', true],
  ])('gateway failure %s → an error value %s (retryable %s), not a "not found"', async (mode, code, retryable) => {
    await sendWith('13800138000', KEY);
    gw.setFailure(mode);
    const r = lookupFailure(await createSmsSender(smsConfig(gw.port, { timeoutSec: 1 })).sentWith('13800138000', KEY, now() - 60));
    expect(r).toMatchObject({ code, retryable });
  });

  it('a wrong SecretKey → AuthFailure.SignatureFailure, not retryable, with the RequestId', async () => {
    const r = lookupFailure(await createSmsSender(smsConfig(gw.port, { secretKey: 'not-the-key' })).sentWith('13800138000', KEY, now() - 60));
    expect(r).toMatchObject({ code: 'AuthFailure.SignatureFailure', retryable: false, ref: expect.any(String) });
  });

  it('connection refused → TransportError, retryable', async () => {
    const r = lookupFailure(await createSmsSender(smsConfig(await closedPort())).sentWith('13800138000', KEY, now() - 60));
    expect(r).toMatchObject({ code: 'TransportError', retryable: true });
  });
});
