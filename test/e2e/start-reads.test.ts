// A flow's start reads its account row once: the frozen guard's read is the route's too
// (http/request-account.ts). An API of its own over the suite's services, whose pool counts
// the reads of an account row by id; the answers are the ones the other suites check.
import { watchedPool } from '../support/watched-pool';
import { startOwnApi, type OwnApi } from '../support/own-api';
import { readyAccount, startRealName } from '../support/real-name';
import { seedAccount } from '../support/accounts';
import { call, startStack, uniqueAccountId, uniquePhone, type Stack } from '../support/stack';

let stack: Stack;
let api: OwnApi;
/** the texts of the statements that read one account row by id, as sent */
const accountReads: string[] = [];
let failNext = false;

function seeAccountReads(sql: string): Error | void {
  if (!/FROM accounts WHERE id = \$1/.test(sql)) return;
  accountReads.push(sql);
  if (failNext) {
    failNext = false;
    return new Error('connection lost (the test)');
  }
}

beforeAll(async () => {
  stack = await startStack({ CODE_RESEND_GAP_SEC: '0' });
  api = await startOwnApi(stack, { pool: watchedPool(stack.deps.pool, seeAccountReads) });
});
afterAll(async () => {
  await api?.close();
  await stack?.close();
});

/** the account reads one call made */
async function readsOf<T>(f: () => Promise<T>): Promise<{ answer: T; reads: number }> {
  accountReads.length = 0;
  const answer = await f();
  return { answer, reads: accountReads.length };
}

test('a bind, a rebind and a real-name start each read the account once, and answer as before', async () => {
  const id = uniqueAccountId('reads');
  expect((await call(api, 'POST', '/v1/accounts', { id })).status).toBe(201);
  const bind = await readsOf(() => call(api, 'POST', `/v1/accounts/${id}/phone/bind`, { phone: uniquePhone() }));
  expect([bind.answer.status, bind.reads]).toEqual([201, 1]);
  // a second start: the same row's answer, read once again (each request reads its own)
  const again = await readsOf(() => call(api, 'POST', `/v1/accounts/${id}/phone/bind`, { phone: uniquePhone() }));
  expect(again.reads).toBe(1);

  const bound = await seedAccount(stack);
  const rebind = await readsOf(() => call(api, 'POST', `/v1/accounts/${bound.id}/phone/rebind`, { method: 'sms' }));
  expect([rebind.answer.status, rebind.reads]).toEqual([201, 1]);

  const ready = await readyAccount(stack);
  const realName = await readsOf(() => startRealName(api as Stack, ready.id, ready.deviceId));
  expect([realName.answer.status, realName.reads]).toEqual([201, 1]);
  expect(realName.answer.body.flow.certifyId).toEqual(expect.any(String));
});

test('a frozen account is refused after one read; an unknown one is not found after one', async () => {
  const ready = await readyAccount(stack);
  await call(api, 'POST', `/v1/accounts/${ready.id}/freeze`, { reason: '风控冻结' });
  for (const start of [
    () => call(api, 'POST', `/v1/accounts/${ready.id}/email/bind`, { email: `reads-${ready.id}@example.com` }),
    () => startRealName(api as Stack, ready.id, ready.deviceId),
    () => call(api, 'POST', `/v1/accounts/${ready.id}/phone/rebind`, { method: 'sms' }),
  ]) {
    const r = await readsOf(start);
    expect([r.answer.status, r.answer.body.error.code, r.reads]).toEqual([423, 'ACCOUNT_FROZEN', 1]);
  }
  const missing = uniqueAccountId('reads-none');
  const bind = await readsOf(() => call(api, 'POST', `/v1/accounts/${missing}/phone/bind`, { phone: uniquePhone() }));
  expect([bind.answer.status, bind.answer.body.error.code, bind.reads]).toEqual([404, 'ACCOUNT_NOT_FOUND', 1]);
  const realName = await readsOf(() => startRealName(api as Stack, missing, `dev-${missing}`));
  expect([realName.answer.body.error.code, realName.reads]).toEqual(['REAL_NAME_LOGIN_REQUIRED', 1]);
});

test("a failed read is not kept: the guard's failure answers the request, and the next one reads afresh", async () => {
  const id = uniqueAccountId('reads-fail');
  expect((await call(api, 'POST', '/v1/accounts', { id })).status).toBe(201);
  failNext = true;
  const failed = await readsOf(() => call(api, 'POST', `/v1/accounts/${id}/phone/bind`, { phone: uniquePhone() }));
  // the guard's read failed: the request answers an error, not a flow, and reads no more
  expect(failed.answer.status).toBeGreaterThanOrEqual(500);
  expect(failed.answer.body.error.code).toEqual(expect.any(String));
  expect(failed.reads).toBe(1);
  await expect(stack.client.workflow.getHandle(`bind-phone:${id}`).describe()).rejects.toThrow();
  const next = await readsOf(() => call(api, 'POST', `/v1/accounts/${id}/phone/bind`, { phone: uniquePhone() }));
  expect([next.answer.status, next.reads]).toEqual([201, 1]);
});
