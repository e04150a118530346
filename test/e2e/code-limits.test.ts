// Rules of codes that need a zero resend gap to reach quickly: the daily cap, the
// race of two accounts for one address, resend superseding the old code.
import { waitFor } from '../support/wait';
import { call, startStack, uniqueAccountId, uniqueEmail, uniquePhone, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ CODE_RESEND_GAP_SEC: '0' });
});
afterAll(async () => {
  await stack?.close();
});

async function newAccount(): Promise<string> {
  const id = uniqueAccountId();
  expect((await call(stack, 'POST', '/v1/accounts', { id })).status).toBe(201);
  return id;
}

const nthCode = (phone: string, n: number) => waitFor(() => stack.sms.forPhone(phone)[n - 1]?.params[0]);

test('bind_phone: 6 codes a day per number, the 7th is refused and sends nothing', async () => {
  const id = await newAccount();
  const phone = uniquePhone();
  expect((await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone })).status).toBe(201);
  for (let i = 2; i <= 6; i++) {
    const r = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code/resend`);
    expect(r.status).toBe(200);
  }
  const seventh = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code/resend`);
  expect(seventh.status).toBe(429);
  expect(seventh.body.error).toEqual({ code: 'CODE_DAILY_LIMIT', message: '今日发送次数已达上限', details: { perDay: 6 } });
  expect(stack.sms.forPhone(phone)).toHaveLength(6);
  // the flow is still usable with the last code; older codes are dead
  const first = stack.sms.forPhone(phone)[0]!.params[0]!;
  const last = await nthCode(phone, 6);
  if (first !== last) {
    const old = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code: first });
    expect(old.body.error.code).toBe('CODE_WRONG');
  }
  const ok = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code: last });
  expect(ok.body.result.outcome).toBe('bound');
});

test('bind_email: 5 mails a day per address', async () => {
  const id = await newAccount();
  const email = uniqueEmail();
  expect((await call(stack, 'POST', `/v1/accounts/${id}/email/bind`, { email })).status).toBe(201);
  for (let i = 2; i <= 5; i++) expect((await call(stack, 'POST', `/v1/flows/bind-email:${id}/code/resend`)).status).toBe(200);
  const sixth = await call(stack, 'POST', `/v1/flows/bind-email:${id}/code/resend`);
  expect(sixth.body.error.code).toBe('CODE_DAILY_LIMIT');
  await waitFor(() => (stack.smtp.forRecipient(email).length === 5 ? true : undefined));
});

test('wrong submissions are counted per flow, a resend does not reset them', async () => {
  const id = await newAccount();
  const phone = uniquePhone();
  await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone });
  const c1 = await nthCode(phone, 1);
  const wrong = (c: string) => (c === '999999' ? '888888' : '999999');
  for (let i = 0; i < 3; i++) await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code: wrong(c1) });
  await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code/resend`);
  const c2 = await nthCode(phone, 2);
  const fourth = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code: wrong(c2) });
  expect(fourth.body.error.details).toEqual({ attemptsLeft: 1 });
  const fifth = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code: wrong(c2) });
  expect(fifth.body.error.code).toBe('CODE_ATTEMPTS_EXCEEDED');
});

test('two accounts racing for one number: exactly one wins, the other is told it is taken', async () => {
  const a = await newAccount();
  const b = await newAccount();
  const phone = uniquePhone();
  expect((await call(stack, 'POST', `/v1/accounts/${a}/phone/bind`, { phone })).status).toBe(201);
  expect((await call(stack, 'POST', `/v1/accounts/${b}/phone/bind`, { phone })).status).toBe(201);
  const [codeA, codeB] = [await nthCode(phone, 1), await nthCode(phone, 2)];
  const [ra, rb] = await Promise.all([
    call(stack, 'POST', `/v1/flows/bind-phone:${a}/code`, { code: codeA }),
    call(stack, 'POST', `/v1/flows/bind-phone:${b}/code`, { code: codeB }),
  ]);
  expect([ra.status, rb.status].sort()).toEqual([200, 409]);
  const loser = ra.status === 409 ? ra : rb;
  expect(loser.body.error).toEqual({ code: 'PHONE_TAKEN', message: '短信发送失败:手机号已绑定其他账户' });
  const owners = await stack.deps.pool.query('SELECT id FROM accounts WHERE id = ANY($1) AND phone_idx IS NOT NULL', [[a, b]]);
  expect(owners.rowCount).toBe(1);
});
