// Phone and email rebind over HTTP, every proof method, with the SMS sandbox and the
// SMTP sink: the messages really received are asserted on.
import { contactAad, contactIndex } from '../../db/accounts';
import { waitFor } from '../support/wait';
import { seedAccount, type Seeded } from '../support/accounts';
import { call, startStack, uniqueEmail, uniquePhone, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ CODE_RESEND_GAP_SEC: '0' });
});
afterAll(async () => {
  await stack?.close();
});

const smsTo = (phone: string, n: number) => waitFor(() => stack.sms.forPhone(phone)[n - 1]);
const mailTo = (email: string, n: number) => waitFor(() => stack.smtp.forRecipient(email)[n - 1]);
const codeIn = (text: string) => /(\d{6})/.exec(text)![1]!;
const other = (code: string) => (code === '000000' ? '111111' : '000000');

/** Proof by code, then the new contact's code: the whole flow, answering each step. */
async function rebind(a: Seeded, kind: 'phone' | 'email', method: 'sms' | 'email', next: string, extra: Record<string, unknown> = {}) {
  const flowId = `rebind-${kind}:${a.id}`;
  const start = await call(stack, 'POST', `/v1/accounts/${a.id}/${kind}/rebind`, { method, ...extra });
  expect(start.status).toBe(201);
  const proofMsg = method === 'sms' ? (await smsTo(a.phone!, 1)).text : (await mailTo(a.email!, 1)).text;
  const proof = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: codeIn(proofMsg) });
  expect(proof.status).toBe(200);
  const token = proof.body.proof.unbindToken as string;
  const sent = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { [kind]: next, token });
  expect(sent.status).toBe(200);
  const newMsg = kind === 'phone' ? (await smsTo(next, 1)).params[0]! : codeIn((await mailTo(next, 1)).text);
  const done = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact/code`, { code: newMsg, token });
  return { flowId, start, proof, sent, done, token };
}

describe('phone rebind', () => {
  test('by a code to the old phone: notices to the old phone and email, change, sessions, callback', async () => {
    const a = await seedAccount(stack, { email: true, sessions: ['web', 'app'] });
    const next = uniquePhone();
    const { start, proof, sent, done, flowId } = await rebind(a, 'phone', 'sms', next, { sessionId: `${a.id}-app` });
    expect(start.body.flow.sentTo).toBe(`${a.phone!.slice(0, 3)}****${a.phone!.slice(-4)}`);
    const proofSms = stack.sms.forPhone(a.phone!)[0]!;
    expect(proofSms.templateId).toBe('1646861');
    expect(proofSms.text).toContain('您正在修改账户手机号码');
    expect(proof.body.proof.unbindToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(proof.body.proof.message).toBe('效验成功,可以绑定新手机号'); // the seed's prompt (4/19 #11)
    expect(Date.parse(proof.body.proof.tokenExpiresAt) - Date.now()).toBeGreaterThan(590_000);
    expect(sent.body.flow.sentTo).toBe(`${next.slice(0, 3)}****${next.slice(-4)}`);
    expect(stack.sms.forPhone(next)[0]!.templateId).toBe('2130785');

    expect(done.status).toBe(200);
    expect(done.body.result).toMatchObject({ outcome: 'rebound', kind: 'phone', target: `${next.slice(0, 3)}****${next.slice(-4)}`, sessionsEnded: [`${a.id}-web`], message: '手机号换绑成功' });
    expect(done.body.result.notices.map((n: any) => [n.channel, n.status])).toEqual([['sms', 'sent'], ['mail', 'sent']]);

    // the notices went to the OLD contacts, with the new number masked
    const notice = await smsTo(a.phone!, 2);
    expect(notice.templateId).toBe('2133448');
    expect(notice.params).toEqual(['手机号换绑', `${next.slice(0, 3)}****${next.slice(-4)}`]);
    const mail = await mailTo(a.email!, 1);
    // the seed's rebind_push mail (4/20 #6): title 手机号换绑提醒, its text
    expect(mail.subject).toBe('手机号换绑提醒');
    expect(mail.text).toContain(`尊敬的用户,您的账户已成功进行了手机号换绑操作,新关联的信息为: ${next.slice(0, 3)}****${next.slice(-4)}。为了您的账户安全,我们强烈建议您确认这是您本人的操作。`);
    expect(stack.sms.forPhone(next)).toHaveLength(1); // the new phone got only its code

    const acct = await call(stack, 'GET', `/v1/accounts/${a.id}?unmasked=true`);
    expect(acct.body.account.phone).toBe(next);
    const events = await stack.deps.pool.query('SELECT type, payload FROM callback_events WHERE account_id = $1', [a.id]);
    expect(events.rows.map((r) => r.type)).toEqual(['phone.rebound']);
    expect(events.rows[0].payload).toMatchObject({ method: 'sms', sessionsEnded: [`${a.id}-web`] });
    const log = await stack.deps.pool.query("SELECT channel, status, scene FROM message_log WHERE flow_id = $1 AND kind = 'notice' ORDER BY channel", [flowId]);
    expect(log.rows).toEqual([
      { channel: 'mail', status: 'sent', scene: 'rebind_notice' },
      { channel: 'sms', status: 'sent', scene: 'rebind_notice' },
    ]);
    // queued with the change in one commit, sent after it: a notice only for a change that happened
    const order = await stack.deps.pool.query(
      `SELECT (SELECT min(created_at) FROM message_log WHERE flow_id = $1 AND kind = 'notice') >= (SELECT created_at FROM audit_events WHERE flow_id = $1 AND type = 'phone.rebound') AS after`,
      [flowId],
    );
    expect(order.rows[0].after).toBe(true);
  });

  test('by a code mailed to the bound email (mail scene unbind_phone)', async () => {
    const a = await seedAccount(stack, { email: true });
    const next = uniquePhone();
    const { done } = await rebind(a, 'phone', 'email', next);
    const proofMail = stack.smtp.forRecipient(a.email!)[0]!;
    expect(proofMail.subject).toBe('手机号换绑请求');
    expect(proofMail.text).toContain('您正在换绑账户手机号码');
    expect(stack.sms.forPhone(a.phone!).map((m) => m.templateId)).toEqual(['2133448']); // only the notice
    expect(done.body.result.outcome).toBe('rebound');
  });

  test('refusals at start: no phone, email method without an email, a plain unbind', async () => {
    const noPhone = await seedAccount(stack, { phone: false, email: true });
    const r1 = await call(stack, 'POST', `/v1/accounts/${noPhone.id}/phone/rebind`, { method: 'sms' });
    expect(r1.body.error).toEqual({ code: 'PHONE_NOT_BOUND', message: '换绑失败:账户未绑定过手机号' });
    const noEmail = await seedAccount(stack);
    const r2 = await call(stack, 'POST', `/v1/accounts/${noEmail.id}/phone/rebind`, { method: 'email' });
    expect(r2.body.error).toEqual({ code: 'EMAIL_NOT_BOUND', message: '换绑失败:账户未绑定过手机号/邮箱' });
    const r3 = await call(stack, 'DELETE', `/v1/accounts/${noEmail.id}/phone`);
    expect(r3.status).toBe(409);
    expect(r3.body.error.code).toBe('PHONE_UNBIND_FORBIDDEN');
    const r4 = await call(stack, 'POST', `/v1/accounts/${noEmail.id}/phone/rebind`, { method: 'face', deviceId: 'd1' });
    expect(r4.body.error.code).toBe('REAL_NAME_REQUIRED');
    const r5 = await call(stack, 'POST', `/v1/accounts/${noEmail.id}/phone/rebind`, { method: 'voice' });
    expect(r5.body.error.code).toBe('INVALID_INPUT');
  });

  test('token rules: missing, wrong, before the proof; seed messages', async () => {
    const a = await seedAccount(stack);
    const flowId = `rebind-phone:${a.id}`;
    await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'sms' });
    const early = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: uniquePhone(), token: 'x'.repeat(43) });
    expect(early.body.error.code).toBe('PROOF_NOT_DONE');
    const proof = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: codeIn((await smsTo(a.phone!, 1)).text) });
    const token = proof.body.proof.unbindToken;
    const missing = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: uniquePhone() });
    expect(missing.body.error).toEqual({ code: 'MISSING_PARAMETERS', message: '绑定失败:核心参数缺失' });
    const wrong = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: uniquePhone(), token: `${token.slice(0, -1)}A` === token ? `${token.slice(0, -1)}B` : `${token.slice(0, -1)}A` });
    expect(wrong.body.error).toEqual({ code: 'UNBIND_TOKEN_INVALID', message: '绑定失败:解绑令牌无效' });
    const bad = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: '12345', token });
    expect(bad.body.error).toEqual({ code: 'INVALID_PHONE', message: '绑定失败:请输入正确的手机号\n注:目前仅支持国内手机号码段' });
    // a second proof is refused: the proof step is over
    const again = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: '123456' });
    expect(again.body.error.code).toBe('FLOW_IN_PROGRESS');
  });

  test('new number taken by another account, or the same as now', async () => {
    const owner = await seedAccount(stack);
    const a = await seedAccount(stack);
    const flowId = `rebind-phone:${a.id}`;
    await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'sms' });
    const token = (await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: codeIn((await smsTo(a.phone!, 1)).text) })).body.proof.unbindToken;
    const taken = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: owner.phone, token });
    expect(taken.body.error).toEqual({ code: 'PHONE_TAKEN', message: '短信发送失败:手机号已绑定其他账户' });
    const same = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: a.phone, token });
    expect(same.body.error.code).toBe('SAME_CONTACT');
    expect(stack.sms.forPhone(owner.phone!)).toHaveLength(0);
    // the flow is still usable with a free number
    expect((await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: uniquePhone(), token })).status).toBe(200);
  });

  test('wrong codes are counted across the proof and the new-contact step', async () => {
    const a = await seedAccount(stack);
    const flowId = `rebind-phone:${a.id}`;
    await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'sms' });
    const proofCode = codeIn((await smsTo(a.phone!, 1)).text);
    for (let i = 0; i < 2; i++) expect((await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: other(proofCode) })).body.error.code).toBe('CODE_WRONG');
    const token = (await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: proofCode })).body.proof.unbindToken;
    const next = uniquePhone();
    await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: next, token });
    const code = (await smsTo(next, 1)).params[0]!;
    const r3 = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact/code`, { code: other(code), token });
    expect(r3.body.error.details).toEqual({ attemptsLeft: 2 });
    // a resend to the new number does not reset the count
    await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: next, token });
    const code2 = (await smsTo(next, 2)).params[0]!;
    await call(stack, 'POST', `/v1/flows/${flowId}/new-contact/code`, { code: other(code2), token });
    const fifth = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact/code`, { code: other(code2), token });
    expect(fifth.body.error.code).toBe('CODE_ATTEMPTS_EXCEEDED');
    const state = await call(stack, 'GET', `/v1/flows/${flowId}`);
    expect(state.body.flow).toMatchObject({ outcome: 'locked', wrongAttempts: 5 });
    expect((await call(stack, 'GET', `/v1/accounts/${a.id}?unmasked=true`)).body.account.phone).toBe(a.phone);
  });

  test('unbind_phone: 5 proof codes a day per number', async () => {
    const a = await seedAccount(stack);
    const flowId = `rebind-phone:${a.id}`;
    expect((await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'sms' })).status).toBe(201);
    for (let i = 2; i <= 5; i++) expect((await call(stack, 'POST', `/v1/flows/${flowId}/code/resend`)).status).toBe(200);
    const sixth = await call(stack, 'POST', `/v1/flows/${flowId}/code/resend`);
    expect(sixth.body.error).toMatchObject({ code: 'CODE_DAILY_LIMIT', details: { perDay: 5 } });
    expect(stack.sms.forPhone(a.phone!)).toHaveLength(5);
  });

  test('two flows racing for the same new number: exactly one wins', async () => {
    const a = await seedAccount(stack);
    const b = await seedAccount(stack);
    const next = uniquePhone();
    const tokens: Record<string, string> = {};
    for (const x of [a, b]) {
      await call(stack, 'POST', `/v1/accounts/${x.id}/phone/rebind`, { method: 'sms' });
      tokens[x.id] = (await call(stack, 'POST', `/v1/flows/rebind-phone:${x.id}/code`, { code: codeIn((await smsTo(x.phone!, 1)).text) })).body.proof.unbindToken;
      await call(stack, 'POST', `/v1/flows/rebind-phone:${x.id}/new-contact`, { phone: next, token: tokens[x.id] });
    }
    const [ca, cb] = [(await smsTo(next, 1)).params[0]!, (await smsTo(next, 2)).params[0]!];
    const [ra, rb] = await Promise.all([
      call(stack, 'POST', `/v1/flows/rebind-phone:${a.id}/new-contact/code`, { code: ca, token: tokens[a.id] }),
      call(stack, 'POST', `/v1/flows/rebind-phone:${b.id}/new-contact/code`, { code: cb, token: tokens[b.id] }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    const loser = ra.status === 409 ? ra : rb;
    expect(loser.body.error.code).toBe('PHONE_TAKEN');
    const owners = await stack.deps.pool.query('SELECT id FROM accounts WHERE phone_idx = $1', [contactIndex(stack.deps.fieldCrypto, 'phone', next)]);
    expect(owners.rows.map((r) => r.id)).toEqual([ra.status === 200 ? a.id : b.id]);
  });

  test('the phone changed by another path meanwhile: refused as a concurrent change', async () => {
    const a = await seedAccount(stack);
    const flowId = `rebind-phone:${a.id}`;
    await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'sms' });
    const token = (await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: codeIn((await smsTo(a.phone!, 1)).text) })).body.proof.unbindToken;
    const next = uniquePhone();
    await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: next, token });
    // meanwhile an operator (another path) put a different number on the account
    const elsewhere = uniquePhone();
    await stack.deps.pool.query('UPDATE accounts SET phone_enc = $2, phone_idx = $3, contact_version = contact_version + 1 WHERE id = $1', [
      a.id,
      stack.deps.fieldCrypto.encrypt(elsewhere, contactAad('phone', a.id)),
      contactIndex(stack.deps.fieldCrypto, 'phone', elsewhere),
    ]);
    const r = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact/code`, { code: (await smsTo(next, 1)).params[0], token });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('CONTACT_CHANGED');
    expect((await call(stack, 'GET', `/v1/accounts/${a.id}?unmasked=true`)).body.account.phone).toBe(elsewhere);
    expect((await call(stack, 'GET', `/v1/flows/${flowId}`)).body.flow.outcome).toBe('rejected');
    // refused before any notice: nobody was told of a change that did not happen
    const notices = await stack.deps.pool.query("SELECT count(*)::int AS n FROM message_log WHERE flow_id = $1 AND kind = 'notice'", [flowId]);
    expect(notices.rows[0].n).toBe(0);
  });
});

describe('email rebind', () => {
  test('by a code to the old email: new email coded, notices to old email and phone', async () => {
    const a = await seedAccount(stack, { email: true });
    const next = uniqueEmail();
    const { done } = await rebind(a, 'email', 'email', next);
    const proofMail = stack.smtp.forRecipient(a.email!)[0]!;
    expect(proofMail.text).toContain('您正在请求解绑账户邮箱');
    expect(stack.smtp.forRecipient(next)[0]!.subject).toBe('绑定账号邮箱请求');
    expect(done.body.result).toMatchObject({ outcome: 'rebound', kind: 'email', message: '邮箱换绑成功' });
    const notice = await mailTo(a.email!, 2);
    expect(notice.text).toContain('邮箱换绑');
    const sms = await smsTo(a.phone!, 1);
    expect(sms.templateId).toBe('2133448');
    expect(sms.params[0]).toBe('邮箱换绑');
    expect((await call(stack, 'GET', `/v1/accounts/${a.id}?unmasked=true`)).body.account.email).toBe(next);
    const events = await stack.deps.pool.query('SELECT type FROM callback_events WHERE account_id = $1', [a.id]);
    expect(events.rows.map((r) => r.type)).toEqual(['email.rebound']);
  });

  test('by an SMS code to the bound phone (SMS scene unbind_email)', async () => {
    const a = await seedAccount(stack, { email: true });
    const { done } = await rebind(a, 'email', 'sms', uniqueEmail());
    expect(stack.sms.forPhone(a.phone!)[0]!.templateId).toBe('2134016');
    expect(done.body.result.outcome).toBe('rebound');
  });

  test('refusals: no phone (every case), no email, email taken (seed message), plain unbind', async () => {
    const noPhone = await seedAccount(stack, { phone: false, email: true });
    expect((await call(stack, 'POST', `/v1/accounts/${noPhone.id}/email/rebind`, { method: 'email' })).body.error.code).toBe('PHONE_NOT_BOUND');
    const noEmail = await seedAccount(stack);
    expect((await call(stack, 'POST', `/v1/accounts/${noEmail.id}/email/rebind`, { method: 'sms' })).body.error.code).toBe('EMAIL_NOT_BOUND');
    expect((await call(stack, 'DELETE', `/v1/accounts/${noEmail.id}/email`)).body.error.code).toBe('EMAIL_UNBIND_FORBIDDEN');

    const owner = await seedAccount(stack, { email: true });
    const a = await seedAccount(stack, { email: true });
    const flowId = `rebind-email:${a.id}`;
    await call(stack, 'POST', `/v1/accounts/${a.id}/email/rebind`, { method: 'sms' });
    const token = (await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: codeIn((await smsTo(a.phone!, 1)).text) })).body.proof.unbindToken;
    const taken = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { email: owner.email!.toUpperCase(), token });
    expect(taken.body.error).toEqual({ code: 'REBIND_EMAIL_TAKEN', message: '绑定失败:邮箱账户已绑定过账户' });
    const bad = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { email: 'not-an-email', token });
    expect(bad.body.error.code).toBe('INVALID_EMAIL');
  });
});
