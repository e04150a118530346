// First-time bind of an email over HTTP: the code travels by real SMTP to the sink.
import { waitFor } from '../support/wait';
import { call, startStack, uniqueAccountId, uniqueEmail, uniquePhone, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

async function newAccount(): Promise<string> {
  const id = uniqueAccountId();
  expect((await call(stack, 'POST', '/v1/accounts', { id })).status).toBe(201);
  return id;
}

const mailCode = async (email: string, nth = 1) => {
  const mail = await waitFor(() => stack.smtp.forRecipient(email)[nth - 1]);
  return { mail, code: /验证码是:(\d{6})/.exec(mail.text)?.[1] as string };
};

test('code by mail, submit, account changed; the mail is the seed text', async () => {
  const id = await newAccount();
  const email = uniqueEmail();
  const start = await call(stack, 'POST', `/v1/accounts/${id}/email/bind`, { email: `  ${email.toUpperCase()} ` });
  expect(start.status).toBe(201);
  expect(start.body.flow.flowId).toBe(`bind-email:${id}`);
  expect(start.body.flow.sentTo).toMatch(/^\w{1,5}\*{5}@example\.com$/);

  const { mail, code } = await mailCode(email);
  expect(mail.subject).toBe('绑定账号邮箱请求');
  expect(mail.text).toContain('您正在绑定账户邮箱');
  expect(mail.to).toEqual([email]);
  expect(code).toMatch(/^\d{6}$/);

  const done = await call(stack, 'POST', `/v1/flows/bind-email:${id}/code`, { code });
  expect(done.status).toBe(200);
  expect(done.body.result.outcome).toBe('bound');
  expect(done.body.result.message).toBe('邮件绑定成功'); // the seed's answer (4/21 #13)
  const acct = await call(stack, 'GET', `/v1/accounts/${id}`);
  expect(acct.body.account.email).toBe(start.body.flow.sentTo);

  const whole = await call(stack, 'GET', `/v1/accounts/${id}?unmasked=true`);
  expect(whole.body.account.email).toBe(email);

  const events = await stack.deps.pool.query('SELECT type FROM callback_events WHERE account_id = $1', [id]);
  expect(events.rows.map((r) => r.type)).toEqual(['email.bound']);
  const log = await stack.deps.pool.query('SELECT status, channel, scene, template FROM message_log WHERE account_id = $1', [id]);
  expect(log.rows).toEqual([{ status: 'sent', channel: 'mail', scene: 'bind_email', template: '绑定账号邮箱请求' }]);
});

test('an email bound elsewhere is refused with the seed message; so is a second email', async () => {
  const a = await newAccount();
  const email = uniqueEmail();
  await call(stack, 'POST', `/v1/accounts/${a}/email/bind`, { email });
  await call(stack, 'POST', `/v1/flows/bind-email:${a}/code`, { code: (await mailCode(email)).code });

  const b = await newAccount();
  const taken = await call(stack, 'POST', `/v1/accounts/${b}/email/bind`, { email });
  expect(taken.status).toBe(409);
  expect(taken.body.error).toEqual({ code: 'EMAIL_TAKEN', message: '邮件发送失败:邮箱已绑定其他账户' });

  const second = await call(stack, 'POST', `/v1/accounts/${a}/email/bind`, { email: uniqueEmail() });
  expect(second.body.error).toEqual({ code: 'EMAIL_ALREADY_BOUND', message: '绑定失败:账户已绑定过邮箱账户' });
});

test('the mail server refusing the address: MAIL_SEND_FAILED, no flow left, no slot used', async () => {
  const id = await newAccount();
  const r = await call(stack, 'POST', `/v1/accounts/${id}/email/bind`, { email: 'reject-me@example.com' });
  expect(r.status).toBe(502);
  expect(r.body.error.code).toBe('MAIL_SEND_FAILED');
  const log = await stack.deps.pool.query('SELECT status, provider_code FROM message_log WHERE account_id = $1', [id]);
  expect(log.rows).toHaveLength(1);
  expect(log.rows[0].status).toBe('failed');
  expect(log.rows[0].provider_code).toMatch(/^SmtpError\.55\d$/);
  // the flow ended, so a new one may start at once
  const email = uniqueEmail();
  expect((await call(stack, 'POST', `/v1/accounts/${id}/email/bind`, { email })).status).toBe(201);
});

test('phone and email of one account are independent flows', async () => {
  const id = await newAccount();
  const phone = uniquePhone();
  const email = uniqueEmail();
  expect((await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone })).status).toBe(201);
  expect((await call(stack, 'POST', `/v1/accounts/${id}/email/bind`, { email })).status).toBe(201);
  const smsCode = await waitFor(() => stack.sms.forPhone(phone)[0]?.params[0]);
  expect((await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code: smsCode })).body.result.outcome).toBe('bound');
  expect((await call(stack, 'POST', `/v1/flows/bind-email:${id}/code`, { code: (await mailCode(email)).code })).body.result.outcome).toBe('bound');
  const acct = await call(stack, 'GET', `/v1/accounts/${id}?unmasked=true`);
  expect(acct.body.account).toMatchObject({ phone, email });
});
