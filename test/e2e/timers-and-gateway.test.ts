// Expiry by durable timers (short TTLs from config) and the send lock given back
// when the SMS gateway fails.
import { waitFor } from '../support/wait';
import { call, startStack, uniqueAccountId, uniquePhone, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ CODE_TTL_SEC: '2', BIND_FLOW_TTL_SEC: '6' });
});
afterAll(async () => {
  await stack?.close();
});
afterEach(() => stack.sms.setFailure(null));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function newAccount(): Promise<string> {
  const id = uniqueAccountId();
  expect((await call(stack, 'POST', '/v1/accounts', { id })).status).toBe(201);
  return id;
}

test('a code dies when its timer fires; the right code is then refused as expired', async () => {
  const id = await newAccount();
  const phone = uniquePhone();
  await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone });
  const code = await waitFor(() => stack.sms.forPhone(phone)[0]?.params[0]);
  await sleep(2600);
  const state = await call(stack, 'GET', `/v1/flows/bind-phone:${id}`);
  expect(state.body.flow.codeExpiresAt).toBeNull();
  const r = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code });
  expect(r.status).toBe(410);
  expect(r.body.error).toEqual({ code: 'CODE_EXPIRED', message: '验证码已过期,请重新获取' });
  // the timer is in the history, not a wall-clock comparison
  const history = await stack.client.workflow.getHandle(`bind-phone:${id}`).fetchHistory();
  expect(history.events!.some((e) => e.timerFiredEventAttributes)).toBe(true);
});

test('the flow itself expires by timer and ends', async () => {
  const id = await newAccount();
  await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone: uniquePhone() });
  const handle = stack.client.workflow.getHandle(`bind-phone:${id}`);
  const result = await handle.result();
  expect(result.outcome).toBe('expired');
  expect(result.error.code).toBe('FLOW_EXPIRED');
  const resend = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code/resend`);
  expect(resend.status).toBe(410);
}, 20_000);

test('gateway outage: retried, then SMS_SEND_FAILED; the slot is given back', async () => {
  const id = await newAccount();
  const phone = uniquePhone();
  stack.sms.setFailure('http500');
  const [sends, pulls] = [stack.sms.requests('SendSms'), stack.sms.requests('PullSmsSendStatusByPhoneNumber')];
  const r = await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone });
  expect(r.status).toBe(502);
  expect(r.body.error.code).toBe('SMS_SEND_FAILED');
  // the activity's retry policy: 3 attempts; the 2nd and 3rd first ask the delivery reports
  // whether the 1st got through, and with no answer they send nothing blind
  expect(stack.sms.requests('SendSms') - sends).toBe(1);
  expect(stack.sms.requests('PullSmsSendStatusByPhoneNumber') - pulls).toBe(2);
  const log = await stack.deps.pool.query('SELECT status, provider_code FROM message_log WHERE account_id = $1', [id]);
  expect(log.rows).toEqual([{ status: 'failed', provider_code: 'HttpError.500' }]);

  stack.sms.setFailure(null);
  // no "too soon": the failed send did not keep the lock
  const again = await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone });
  expect(again.status).toBe(201);
  expect(stack.sms.forPhone(phone)).toHaveLength(1);
}, 30_000);

test('a per-number refusal (balance) is not retried and names the provider code', async () => {
  const id = await newAccount();
  const before = stack.sms.requests();
  const r = await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone: '17000000004' });
  expect(r.status).toBe(502);
  expect(r.body.error).toMatchObject({ code: 'SMS_SEND_FAILED', details: { providerCode: 'FailedOperation.InsufficientBalanceInSmsPackage' } });
  expect(stack.sms.requests() - before).toBe(1);
});
