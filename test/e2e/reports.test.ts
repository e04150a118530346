// Reports (seed 001) and counters (seed 000) over records the real flows wrote: real-name
// verifications through the saga (face SUCCESS and FAIL from DCloud's face sandbox, a pass and
// a face mismatch through WeChat's, for a mini-program user: the breakdown by provider) and phone /
// email binds (codes by real SMS and SMTP). Other suites write records at the same time, so
// live windows are checked as lower bounds; this suite's own records are then moved into a
// day of 2001 nobody else writes to (as the counters' period test does with provider_calls),
// where every total and bucket is exact.
import { randomBytes } from 'node:crypto';
import { waitFor } from '../support/wait';
import { readCounter } from '../../db/counters';
import { REPORT_SCENES } from '../../db/reports';
import { reportBody } from '../../api/openapi-reports';
import { call, startStack, uniqueAccountId, uniqueEmail, uniquePhone, type Stack } from '../support/stack';
import { complete, readyAccount, sdkOk, startRealName } from '../support/real-name';

let stack: Stack;
beforeAll(async () => {
  // app devices to DCloud, mini-program users to WeChat (the default outside production, said here)
  stack = await startStack({ FACE_PROVIDERS: 'dcloud,wechat' });
});
afterAll(async () => {
  await stack?.close();
});

const report = (qs: string) => call(stack, 'GET', `/v1/reports/verifications?${qs}`);
const counterMap = async (): Promise<Record<string, { total: number; today: number }>> => {
  const r = await call(stack, 'GET', '/v1/counters');
  expect(r.status).toBe(200);
  return Object.fromEntries(r.body.counters.map((c: { key: string }) => [c.key, c]));
};

/** A real-name verification through the saga, the app completing the face step. */
async function realName(magic?: 'fail'): Promise<string> {
  const { id, deviceId } = await readyAccount(stack, magic ? { magic } : {});
  const start = await startRealName(stack, id, deviceId);
  expect(start.status).toBe(201);
  const { flow } = start.body;
  const done = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
  expect(done.body.result.outcome).toBe(magic === 'fail' ? 'fail' : 'verified');
  return id;
}

/**
 * A real-name verification by a mini-program user: the device is an openid, so WeChat issues
 * the check; the openid's sandbox tail plays wx.requestFacialVerify's outcome (10000 pass,
 * 10004 face mismatch) as the verify_id is issued, and the mini-program posts its completion.
 */
async function realNameByWechat(verifyRet: 10000 | 10004): Promise<string> {
  const { id } = await readyAccount(stack, { device: false });
  const deviceId = `mp-${id}`;
  const openid = `oRpt${randomBytes(8).toString('hex')}_sbx_${verifyRet}`;
  expect((await call(stack, 'PUT', `/v1/accounts/${id}/devices/${deviceId}`, { openid, platform: 'mp-weixin' })).status).toBe(201);
  const start = await startRealName(stack, id, deviceId);
  expect(start.status).toBe(201);
  const { flow } = start.body;
  expect(flow.provider).toBe('wechat');
  const done = await complete(stack, flow.clientToken, { deviceId, certifyId: flow.certifyId, errCode: 0, errMsg: 'requestFacialVerify:ok' });
  expect(done.body.result.outcome).toBe(verifyRet === 10000 ? 'verified' : 'fail');
  return id;
}

/** A phone bind: the SMS code submitted (used), or the flow cancelled (code never used). */
async function bindPhone(submit: boolean): Promise<string> {
  const id = uniqueAccountId('rp');
  expect((await call(stack, 'POST', '/v1/accounts', { id })).status).toBe(201);
  const phone = uniquePhone();
  expect((await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone })).status).toBe(201);
  const code = await waitFor(() => stack.sms.forPhone(phone)[0]?.params[0]);
  if (submit) expect((await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code })).body.result.outcome).toBe('bound');
  else expect((await call(stack, 'DELETE', `/v1/flows/bind-phone:${id}`)).status).toBe(200);
  return id;
}

async function bindEmail(): Promise<string> {
  const id = uniqueAccountId('re');
  expect((await call(stack, 'POST', '/v1/accounts', { id })).status).toBe(201);
  const email = uniqueEmail();
  expect((await call(stack, 'POST', `/v1/accounts/${id}/email/bind`, { email })).status).toBe(201);
  const mail = await waitFor(() => stack.smtp.forRecipient(email)[0]);
  const code = /验证码是:(\d{6})/.exec(mail.text)![1];
  expect((await call(stack, 'POST', `/v1/flows/bind-email:${id}/code`, { code })).body.result.outcome).toBe('bound');
  return id;
}

const zero = { submissions: 0, passes: 0, failures: 0, pending: 0, passRate: null };
const bucketOf = (body: any, b: string) => body.series.find((s: any) => s.bucket === b);
const providerOf = (body: any, p: string) => body.byProvider.find((r: any) => r.provider === p);

describe('reports and counters over real flows', () => {
  let verified: string[];
  let failed: string;
  let byWechat: { passed: string; failed: string };
  let phonesUsed: string[];
  let phoneCancelled: string;
  let emailUsed: string;

  test('live window: the flows just run are counted, hourly for one day; counters count real sends', async () => {
    const before = await counterMap();
    verified = [await realName(), await realName()];
    failed = await realName('fail');
    byWechat = { passed: await realNameByWechat(10000), failed: await realNameByWechat(10004) };
    phonesUsed = [await bindPhone(true), await bindPhone(true)];
    phoneCancelled = await bindPhone(false);
    emailUsed = await bindEmail();

    const face = await report('scene=personal&days=1');
    expect(face.status).toBe(200);
    expect(reportBody.safeParse(face.body).success).toBe(true);
    expect(face.body.window).toMatchObject({ granularity: 'hour', timezone: 'Asia/Shanghai', clamped: false });
    expect(face.body.series).toHaveLength(24);
    expect(face.body.totals.submissions).toBeGreaterThanOrEqual(3);
    expect(face.body.totals.passes).toBeGreaterThanOrEqual(2);
    expect(face.body.totals.failures).toBeGreaterThanOrEqual(1);
    expect(face.body.series.reduce((a: number, b: any) => a + b.submissions, 0)).toBe(face.body.totals.submissions);
    // by provider: every provider listed, the rows adding up to the totals
    expect(face.body.byProvider.map((r: any) => r.provider)).toEqual(['dcloud', 'aliyun', 'wechat']);
    expect(face.body.byProvider.reduce((a: number, r: any) => a + r.submissions, 0)).toBe(face.body.totals.submissions);
    expect(providerOf(face.body, 'dcloud').submissions).toBeGreaterThanOrEqual(3);
    expect(providerOf(face.body, 'wechat').submissions).toBeGreaterThanOrEqual(2);
    expect(providerOf(face.body, 'wechat').passes).toBeGreaterThanOrEqual(1);
    expect(providerOf(face.body, 'wechat').failures).toBeGreaterThanOrEqual(1);
    const rows = await stack.deps.pool.query('SELECT account_id, provider FROM face_verifications WHERE account_id = ANY($1)', [[...verified, failed, byWechat.passed, byWechat.failed]]);
    expect(Object.fromEntries(rows.rows.map((r) => [r.account_id, r.provider]))).toEqual({
      [verified[0]!]: 'dcloud',
      [verified[1]!]: 'dcloud',
      [failed]: 'dcloud',
      [byWechat.passed]: 'wechat',
      [byWechat.failed]: 'wechat',
    });

    const phone = await report('scene=bind_phone&days=1');
    expect(phone.body.totals.passes).toBeGreaterThanOrEqual(2);
    // the cancelled flow's code is still within its lifetime: pending, not yet a failure
    expect(phone.body.totals.pending).toBeGreaterThanOrEqual(1);

    // counters: every SMS and mail the gateways accepted, on top of the provider calls
    const after = await counterMap();
    expect(Object.keys(after)).toEqual(expect.arrayContaining(['api:face', 'api:idcard_verification', 'api:face_certify', 'sms:sent', 'sms:failed', 'mail:sent', 'mail:failed']));
    expect(after['sms:sent']!.today - before['sms:sent']!.today).toBeGreaterThanOrEqual(3);
    expect(after['sms:sent']!.total - before['sms:sent']!.total).toBeGreaterThanOrEqual(3);
    expect(after['mail:sent']!.today - before['mail:sent']!.today).toBeGreaterThanOrEqual(1);
    expect(after['api:face']!.today - before['api:face']!.today).toBeGreaterThanOrEqual(3);
    expect(after['api:face_certify']!.today - before['api:face_certify']!.today).toBeGreaterThanOrEqual(3);
    const one = await call(stack, 'GET', '/v1/counters/mail:sent');
    expect(one.status).toBe(200);
    expect(one.body.counter).toMatchObject({ key: 'mail:sent', timezone: 'Asia/Shanghai' });
    expect((await call(stack, 'GET', '/v1/counters/fax:sent')).status).toBe(404);
  });

  test('own window of 2001: exact totals, hourly and daily buckets, empty ones zero, custom date-times', async () => {
    const pool = stack.deps.pool;
    const faceAt = async (account: string, at: string) => {
      const r = await pool.query('UPDATE face_verifications SET created_at = $2 WHERE account_id = $1', [account, at]);
      expect(r.rowCount).toBe(1);
    };
    const codeAt = async (account: string, at: string) => {
      const r = await pool.query('UPDATE verification_codes SET created_at = $2, sent_at = $2, used_at = CASE WHEN used_at IS NULL THEN NULL ELSE $2::timestamptz END WHERE account_id = $1', [account, at]);
      expect(r.rowCount).toBe(1);
    };
    await faceAt(verified[0]!, '2001-03-10T09:15:00+08:00');
    await faceAt(verified[1]!, '2001-03-10T09:40:00+08:00');
    await faceAt(failed, '2001-03-10T14:05:00+08:00');
    await faceAt(byWechat.passed, '2001-03-11T10:00:00+08:00');
    await faceAt(byWechat.failed, '2001-03-11T16:30:00+08:00');
    await codeAt(phonesUsed[0]!, '2001-03-10T09:20:00+08:00');
    await codeAt(phonesUsed[1]!, '2001-03-12T10:00:00+08:00');
    await codeAt(phoneCancelled, '2001-03-10T23:59:00+08:00'); // sent, never used, long expired
    await codeAt(emailUsed, '2001-03-10T11:00:00+08:00');

    // one calendar day (from = to): hourly, 24 buckets
    const day = await report('scene=personal&from=2001-03-10&to=2001-03-10');
    expect(day.status).toBe(200);
    expect(reportBody.safeParse(day.body).success).toBe(true);
    expect(day.body.window).toEqual({ from: '2001-03-09T16:00:00.000Z', to: '2001-03-10T16:00:00.000Z', granularity: 'hour', timezone: 'Asia/Shanghai', clamped: false });
    expect(day.body.totals).toEqual({ submissions: 3, passes: 2, failures: 1, pending: 0, passRate: 0.6667 });
    expect(day.body.series).toHaveLength(24);
    expect(day.body.series[0].bucket).toBe('2001-03-10T00:00:00+08:00');
    expect(day.body.series[23].bucket).toBe('2001-03-10T23:00:00+08:00');
    expect(bucketOf(day.body, '2001-03-10T09:00:00+08:00')).toMatchObject({ submissions: 2, passes: 2, failures: 0, passRate: 1 });
    expect(bucketOf(day.body, '2001-03-10T14:00:00+08:00')).toMatchObject({ submissions: 1, passes: 0, failures: 1, passRate: 0 });
    expect(bucketOf(day.body, '2001-03-10T10:00:00+08:00')).toEqual({ bucket: '2001-03-10T10:00:00+08:00', ...zero });
    expect(day.body.series.filter((b: any) => b.submissions > 0)).toHaveLength(2);
    expect(day.body.byProvider).toEqual([
      { provider: 'dcloud', submissions: 3, passes: 2, failures: 1, pending: 0, passRate: 0.6667 },
      { provider: 'aliyun', ...zero },
      { provider: 'wechat', ...zero },
    ]);
    // the next day: WeChat's two, a pass and a face mismatch
    const next = await report('scene=personal&from=2001-03-11&to=2001-03-11');
    expect(next.body.totals).toEqual({ submissions: 2, passes: 1, failures: 1, pending: 0, passRate: 0.5 });
    expect(next.body.byProvider).toEqual([
      { provider: 'dcloud', ...zero },
      { provider: 'aliyun', ...zero },
      { provider: 'wechat', submissions: 2, passes: 1, failures: 1, pending: 0, passRate: 0.5 },
    ]);

    // a week: daily buckets
    const week = await report('scene=personal&from=2001-03-09&to=2001-03-15');
    expect(week.body.window).toMatchObject({ granularity: 'day', from: '2001-03-08T16:00:00.000Z', to: '2001-03-15T16:00:00.000Z' });
    expect(week.body.series.map((b: any) => b.bucket)).toEqual(['09', '10', '11', '12', '13', '14', '15'].map((d) => `2001-03-${d}T00:00:00+08:00`));
    expect(bucketOf(week.body, '2001-03-10T00:00:00+08:00')).toMatchObject({ submissions: 3, passes: 2, failures: 1 });
    expect(bucketOf(week.body, '2001-03-11T00:00:00+08:00')).toMatchObject({ submissions: 2, passes: 1, failures: 1 });
    expect(week.body.totals).toEqual({ submissions: 5, passes: 3, failures: 2, pending: 0, passRate: 0.6 });
    expect(reportBody.safeParse(week.body).success).toBe(true);
    expect(week.body.byProvider).toEqual([
      { provider: 'dcloud', submissions: 3, passes: 2, failures: 1, pending: 0, passRate: 0.6667 },
      { provider: 'aliyun', ...zero },
      { provider: 'wechat', submissions: 2, passes: 1, failures: 1, pending: 0, passRate: 0.5 },
    ]);

    // code scenes: used = pass, sent and never used past its lifetime = failure
    const phone = await report('scene=bind_phone&from=2001-03-09&to=2001-03-15');
    expect(phone.body.totals).toEqual({ submissions: 3, passes: 2, failures: 1, pending: 0, passRate: 0.6667 });
    expect(phone.body).not.toHaveProperty('byProvider'); // codes have no face provider
    expect(bucketOf(phone.body, '2001-03-10T00:00:00+08:00')).toMatchObject({ submissions: 2, passes: 1, failures: 1 });
    expect(bucketOf(phone.body, '2001-03-12T00:00:00+08:00')).toMatchObject({ submissions: 1, passes: 1, failures: 0, passRate: 1 });
    const mail = await report('scene=bind_email&from=2001-03-09&to=2001-03-15');
    expect(mail.body.totals).toEqual({ submissions: 1, passes: 1, failures: 0, pending: 0, passRate: 1 });
    const none = await report('scene=rebind_phone&from=2001-03-09&to=2001-03-15');
    expect(none.body.totals).toEqual(zero);
    expect(none.body.series).toHaveLength(7);
    expect(none.body.series.every((b: any) => b.submissions === 0 && b.passRate === null)).toBe(true);
    expect(none.body.byProvider).toEqual(['dcloud', 'aliyun', 'wechat'].map((provider) => ({ provider, ...zero })));

    // custom date-times: an exclusive instant, hourly
    const hour = await report(`scene=personal&from=${encodeURIComponent('2001-03-10T09:00:00+08:00')}&to=${encodeURIComponent('2001-03-10T01:30:00Z')}`);
    expect(hour.body.window).toMatchObject({ from: '2001-03-10T01:00:00.000Z', to: '2001-03-10T01:30:00.000Z', granularity: 'hour' });
    expect(hour.body.series).toEqual([{ bucket: '2001-03-10T09:00:00+08:00', submissions: 1, passes: 1, failures: 0, pending: 0, passRate: 1 }]);

    // the counters' own rows: this suite's messages moved to 2001-03-10, read "as of" that day
    const ids = [...phonesUsed, phoneCancelled, emailUsed];
    await pool.query("UPDATE message_log SET created_at = '2001-03-10T12:00:00+08:00' WHERE account_id = ANY($1)", [ids]);
    const at = new Date('2001-03-10T20:00:00+08:00');
    expect(await readCounter(pool, 'sms:sent', at)).toMatchObject({ today: 3, thisMonth: 3, thisYear: 3 });
    expect(await readCounter(pool, 'mail:sent', at)).toMatchObject({ today: 1, thisMonth: 1, thisYear: 1 });
  });

  test('longer than 90 days is clamped to 90 from the start; days=1|7|30 windows', async () => {
    const year = await report('scene=personal&from=2001-01-01&to=2001-12-31');
    expect(year.status).toBe(200);
    expect(year.body.window).toMatchObject({ from: '2000-12-31T16:00:00.000Z', to: '2001-03-31T16:00:00.000Z', granularity: 'day', clamped: true });
    expect(year.body.series).toHaveLength(90);
    expect(year.body.totals.submissions).toBe(5);
    expect(providerOf(year.body, 'wechat').submissions).toBe(2);
    const from = await report('scene=bind_phone&from=2001-01-01');
    expect(from.body.window).toMatchObject({ clamped: true, to: '2001-03-31T16:00:00.000Z' });
    expect(from.body.totals.submissions).toBe(3);

    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    for (const days of [7, 30]) {
      const r = await report(`scene=personal&days=${days}`);
      expect(r.body.window).toMatchObject({ granularity: 'day', clamped: false });
      expect(r.body.series).toHaveLength(days);
      expect(r.body.series[days - 1].bucket).toBe(`${today}T00:00:00+08:00`);
    }
    const dflt = await report('scene=personal');
    expect(dflt.body.series).toHaveLength(7);
    const oneDay = await report('scene=unbind_email&days=1');
    expect(oneDay.body.window.granularity).toBe('hour');
    expect(oneDay.body.series).toHaveLength(24);
    expect(Date.parse(oneDay.body.window.to) - Date.parse(oneDay.body.window.from)).toBe(86_400_000);
  });

  test('bad input: structured 400s naming the problem; a key is required', async () => {
    const expectError = async (qs: string, status: number, code: string) => {
      const r = await report(qs);
      expect({ qs, status: r.status, code: r.body.error?.code }).toEqual({ qs, status, code });
      return r.body.error;
    };
    const scene = await expectError('scene=nope&days=7', 400, 'REPORT_SCENE_UNKNOWN');
    expect(scene.details.known).toEqual([...REPORT_SCENES]);
    expect(scene.message).toBe('报表场景不存在');
    await expectError('days=7', 400, 'INVALID_INPUT');
    await expectError('scene=personal&days=7&color=red', 400, 'INVALID_INPUT');
    await expectError('scene=personal&scene=bind_phone', 400, 'INVALID_INPUT');
    expect((await expectError('scene=personal&days=5', 400, 'REPORT_WINDOW_INVALID')).details.reason).toBe('days is 1, 7 or 30');
    await expectError('scene=personal&days=abc', 400, 'REPORT_WINDOW_INVALID');
    expect((await expectError('scene=personal&from=2001-03-10&to=2001-03-01', 400, 'REPORT_WINDOW_INVALID')).details.reason).toBe('from must be before to');
    await expectError('scene=personal&from=2001-02-30', 400, 'REPORT_WINDOW_INVALID');
    await expectError('scene=personal&from=yesterday', 400, 'REPORT_WINDOW_INVALID');
    await expectError('scene=personal&from=2001-03-10T09:00:00', 400, 'REPORT_WINDOW_INVALID'); // no offset
    await expectError('scene=personal&days=7&from=2001-03-10', 400, 'REPORT_WINDOW_INVALID');
    await expectError('scene=personal&to=2001-03-10', 400, 'REPORT_WINDOW_INVALID');
    const anon = await call(stack, 'GET', '/v1/reports/verifications?scene=personal', undefined, { key: null });
    expect(anon.status).toBe(401);
    expect(anon.body.error.code).toBe('UNAUTHENTICATED');
  });
});

test('/reports serves the self-contained operator page with its chart code', async () => {
  const res = await fetch(`${stack.baseUrl}/reports`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
  const html = await res.text();
  for (const id of ['key-input', 'scene-select', 'from-input', 'to-input', 'chart-rate', 'chart-volume', 'series-table', 'counters-table', 'provider-table']) expect(html).toContain(`id="${id}"`);
  expect(html).toContain('rep.byProvider');
  for (const days of [1, 7, 30]) expect(html).toContain(`data-days="${days}"`);
  for (const s of REPORT_SCENES) expect(html).toContain(`<option value="${s}">`);
  expect(html).toContain('/v1/reports/verifications?');
  expect(html).toContain("api('/v1/counters')");
  expect(html).toContain('sessionStorage');
  expect(html).toContain("createElementNS(NS, tag)");
  expect(html).toContain("svg('path'");
  expect(html).toContain("svg('rect'");
  // nothing external: no script/style/image from elsewhere
  expect(html).not.toMatch(/<script[^>]+src=/);
  expect(html).not.toMatch(/<link[^>]+href=/);
  expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  // the inline script is valid JavaScript
  const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
  expect(() => new Function(script)).not.toThrow();
});
