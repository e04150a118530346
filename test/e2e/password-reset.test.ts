// Password reset (scene update_password, issue 12) over HTTP against the real stack: the seed's
// checks in order (a live session for the SMS method, the parameters, the bound contact, the
// email that must be this account's), the code, the reset grant, the platform's confirmation
// (every session but the one that reset ends, the seed's notice mail, the events), and what
// users do again: a double click, a wrong code, a replayed grant, another kind's grant, a
// second run, a frozen account.
import { seedAccount } from '../support/accounts';
import { waitFor } from '../support/wait';
import { call, startStack, uniqueEmail, type Answer, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ CODE_RESEND_GAP_SEC: '0' });
});
afterAll(async () => {
  await stack?.close();
});

const q = async (sql: string, params: unknown[]) => (await stack.deps.pool.query(sql, params)).rows;
const start = (id: string, body: Record<string, unknown>): Promise<Answer> => call(stack, 'POST', `/v1/accounts/${id}/password-reset`, body);
const smsCode = (phone: string, nth = 1) => waitFor(() => stack.sms.forPhone(phone).filter((m) => m.templateId === '1646866')[nth - 1]?.params[0]);
const mailCode = async (email: string, nth = 1) => /验证码是:(\d{6})/.exec((await waitFor(() => stack.smtp.forRecipient(email).filter((m) => m.subject === '重置密码请求')[nth - 1])).text)![1]!;
const liveSessions = async (id: string) => (await q('SELECT id FROM sessions WHERE account_id = $1 AND ended_at IS NULL ORDER BY id', [id])).map((r) => r.id);
const events = async (id: string, type: string) => (await q('SELECT payload FROM callback_events WHERE account_id = $1 AND type = $2 ORDER BY id', [id, type])).map((r) => r.payload);

test('by SMS from a live session: the code, a wrong one, the right one → a reset grant → confirmed once: the other sessions end, the seed\'s notice, the events', async () => {
  const a = await seedAccount(stack, { email: true, sessions: ['s1', 's2', 's3'] });
  const flowId = `password-reset:${a.id}`;
  const started = await start(a.id, { method: 'sms', sessionId: `${a.id}-s1` });
  expect(started.status).toBe(201);
  expect(started.body.flow).toMatchObject({ flowId, method: 'sms', cache: false, code: { sentTo: expect.stringContaining('****') } });
  // a double click: the same answer, one code
  const again = await start(a.id, { method: 'sms', sessionId: `${a.id}-s1` });
  expect([again.status, again.body.flow.cache]).toEqual([200, true]);
  const code = await smsCode(a.phone!);
  expect(stack.sms.forPhone(a.phone!).filter((m) => m.templateId === '1646866')).toHaveLength(1);
  expect(stack.sms.forPhone(a.phone!).at(-1)!.text).toContain('您正在进行密码重置操作');

  expect((await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: code === '000000' ? '111111' : '000000' })).body.error).toMatchObject({ code: 'CODE_WRONG', details: { attemptsLeft: 4 } });
  const ok = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code });
  expect(ok.status).toBe(200);
  const { grant } = ok.body.grant;
  expect(grant).toMatch(/^rg1\./);
  expect(await events(a.id, 'password.reset_authorized')).toEqual([expect.objectContaining({ flowId, method: 'sms' })]);
  expect(await liveSessions(a.id)).toHaveLength(3);
  // a recovery grant route does not take a reset grant
  expect((await call(stack, 'POST', `/v1/recovery-grants/${grant}/redeem`, {})).body.error.code).toBe('RECOVERY_GRANT_INVALID');

  const confirmed = await call(stack, 'POST', `/v1/password-reset-grants/${grant}/confirm`, {});
  expect(confirmed.status).toBe(200);
  expect(confirmed.body.result).toMatchObject({ flowId, accountId: a.id, sessionsEnded: [`${a.id}-s2`, `${a.id}-s3`], message: '账户密码重置成功' });
  expect(confirmed.body.result.notices.map((n: { channel: string; status: string }) => `${n.channel}:${n.status}`)).toEqual(['sms:sent', 'mail:sent']);
  // the device that reset stays logged in
  expect(await liveSessions(a.id)).toEqual([`${a.id}-s1`]);
  const notice = await waitFor(() => stack.smtp.forRecipient(a.email!).find((m) => m.subject === '账户密码更新提醒'));
  expect(notice.text).toContain('您的账户密码已更新。如果这不是您本人的操作,您的账户可能已出现安全问题。如果您未进行此操作,请尽快联系我们以保护您的账户安全');
  expect(await events(a.id, 'password.reset')).toEqual([expect.objectContaining({ flowId, sessionsEnded: [`${a.id}-s2`, `${a.id}-s3`] })]);
  expect(await stack.client.workflow.getHandle(flowId).result()).toMatchObject({ outcome: 'reset', message: '账户密码重置成功' });
  expect((await call(stack, 'GET', `/v1/flows/${flowId}`)).body.flow).toMatchObject({ stage: 'reset', outcome: 'reset' });

  const replay = await call(stack, 'POST', `/v1/password-reset-grants/${grant}/confirm`, {});
  expect([replay.status, replay.body.error.code]).toEqual([409, 'RECOVERY_GRANT_USED']);

  // a second run is its own
  expect((await start(a.id, { method: 'sms', sessionId: `${a.id}-s1` })).status).toBe(201);
  const second = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: await smsCode(a.phone!, 2) });
  expect(second.body.grant.grant).not.toBe(grant);
});

test('the seed\'s checks before a code: the parameters, a live session for SMS, a bound phone, the email must be this account\'s', async () => {
  const a = await seedAccount(stack, { email: true, sessions: ['s1'] });
  const incomplete = await start(a.id, { sessionId: `${a.id}-s1` });
  expect([incomplete.status, incomplete.body.error]).toEqual([400, { code: 'PASSWORD_RESET_PARAMS_INCOMPLETE', message: '密码重置参数不完整' }]);
  expect((await start(a.id, { method: 'mail' })).body.error.code).toBe('PASSWORD_RESET_PARAMS_INCOMPLETE');
  const noLogin = await start(a.id, { method: 'sms' });
  expect([noLogin.status, noLogin.body.error]).toEqual([401, { code: 'PASSWORD_RESET_LOGIN_REQUIRED', message: '请先登录后再操作!', jump: 'login' }]);
  await call(stack, 'DELETE', `/v1/accounts/${a.id}/sessions/${a.id}-s1`);
  expect((await start(a.id, { method: 'sms', sessionId: `${a.id}-s1` })).body.error.code).toBe('PASSWORD_RESET_LOGIN_REQUIRED');

  const noPhone = await seedAccount(stack, { phone: false, email: true, sessions: ['s1'] });
  expect((await start(noPhone.id, { method: 'sms', sessionId: `${noPhone.id}-s1` })).body.error.code).toBe('SCENE_PHONE_REQUIRED');

  // by mail (the recovery page's way, no login): only the account's own email
  const other = uniqueEmail();
  const mismatch = await start(a.id, { method: 'mail', email: other });
  expect([mismatch.status, mismatch.body.error.code]).toEqual([409, 'PASSWORD_RESET_EMAIL_MISMATCH']);
  expect(stack.smtp.forRecipient(other)).toEqual([]);
  const started = await start(a.id, { method: 'mail', email: a.email!.toUpperCase() });
  expect(started.status).toBe(201);
  const ok = await call(stack, 'POST', `/v1/flows/password-reset:${a.id}/code`, { code: await mailCode(a.email!) });
  // nobody logged in: every session ends
  await call(stack, 'POST', `/v1/accounts/${a.id}/sessions`, { sessionId: `${a.id}-s9` });
  const confirmed = await call(stack, 'POST', `/v1/password-reset-grants/${ok.body.grant.grant}/confirm`, {});
  expect(confirmed.body.result.sessionsEnded).toEqual([`${a.id}-s9`]);
});

test('a frozen account is refused; a cancel ends a reset without a grant', async () => {
  const a = await seedAccount(stack, { sessions: ['s1'] });
  await call(stack, 'POST', `/v1/accounts/${a.id}/freeze`, {});
  const frozen = await start(a.id, { method: 'sms', sessionId: `${a.id}-s1` });
  expect([frozen.status, frozen.body.error.code]).toEqual([423, 'ACCOUNT_FROZEN']);
  await call(stack, 'DELETE', `/v1/accounts/${a.id}/freeze`);
  expect((await start(a.id, { method: 'sms', sessionId: `${a.id}-s1` })).status).toBe(201);
  expect((await call(stack, 'DELETE', `/v1/flows/password-reset:${a.id}`)).body.flow).toMatchObject({ outcome: 'cancelled' });
  expect(await q('SELECT 1 FROM recovery_grants WHERE flow_id = $1', [`password-reset:${a.id}`])).toEqual([]);
});
