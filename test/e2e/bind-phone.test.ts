// First-time bind of a phone over HTTP, end to end: API → Temporal → worker →
// Postgres/Redis → SMS sandbox (real TC3-signed SDK calls) → back.
import { waitFor } from '../support/wait';
import { call, startStack, uniqueAccountId, uniquePhone, type Stack } from '../support/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

async function newAccount(): Promise<string> {
  const id = uniqueAccountId();
  const r = await call(stack, 'POST', '/v1/accounts', { id });
  expect(r.status).toBe(201);
  return id;
}

function codeFor(phone: string, nth = 1): Promise<string> {
  return waitFor(() => {
    const msgs = stack.sms.forPhone(phone);
    if (msgs.length < nth) return undefined;
    return msgs[nth - 1]!.params[0];
  });
}

describe('bind phone over HTTP', () => {
  test('code by SMS, submit, account changed, callback and audit recorded', async () => {
    const id = await newAccount();
    const phone = uniquePhone();
    const start = await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone: `+86 ${phone}` });
    expect(start.status).toBe(201);
    expect(start.body.flow.flowId).toBe(`bind-phone:${id}`);
    expect(start.body.flow.sentTo).toBe(`${phone.slice(0, 3)}****${phone.slice(-4)}`);

    const sms = await waitFor(() => stack.sms.forPhone(phone)[0]);
    expect(sms.templateId).toBe('2130785');
    expect(sms.text).toContain('这是您绑定手机号的操作验证码');
    const code = sms.params[0]!;
    expect(code).toMatch(/^\d{6}$/);

    const state = await call(stack, 'GET', `/v1/flows/bind-phone:${id}`);
    expect(state.status).toBe(200);
    expect(state.body.flow.stage).toBe('awaiting_code');
    expect(state.body.flow.codesSent).toBe(1);

    const done = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code });
    expect(done.status).toBe(200);
    expect(done.body.result.outcome).toBe('bound');
    expect(done.body.result.message).toBe('绑定手机号成功'); // the seed's answer (4/18 #8)

    const acct = await call(stack, 'GET', `/v1/accounts/${id}`);
    expect(acct.body.account.phone).toBe(`${phone.slice(0, 3)}****${phone.slice(-4)}`);

    const events = await stack.deps.pool.query('SELECT type, payload FROM callback_events WHERE account_id = $1', [id]);
    expect(events.rows.map((r) => r.type)).toEqual(['phone.bound']);
    expect(JSON.stringify(events.rows[0].payload)).not.toContain(phone);
    const audit = await stack.deps.pool.query('SELECT type FROM audit_events WHERE account_id = $1', [id]);
    expect(audit.rows.map((r) => r.type)).toEqual(['phone.bound']);
    const log = await stack.deps.pool.query("SELECT status, channel, scene FROM message_log WHERE account_id = $1", [id]);
    expect(log.rows).toEqual([{ status: 'sent', channel: 'sms', scene: 'bind_phone' }]);

    const closed = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code });
    expect(closed.status).toBe(410);
    expect(closed.body.error.code).toBe('FLOW_CLOSED');

    const again = await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone: uniquePhone() });
    expect(again.status).toBe(409);
    expect(again.body.error).toEqual({ code: 'PHONE_ALREADY_BOUND', message: '短信发送失败:账户已绑定手机号' });
  });

  test('wrong code answers at once with attempts left; the fifth wrong one locks the flow', async () => {
    const id = await newAccount();
    const phone = uniquePhone();
    expect((await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone })).status).toBe(201);
    const code = await codeFor(phone);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 1; i <= 4; i++) {
      const r = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code: wrong });
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('CODE_WRONG');
      expect(r.body.error.details).toEqual({ attemptsLeft: 5 - i });
    }
    const fifth = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code: wrong });
    expect(fifth.status).toBe(429);
    expect(fifth.body.error.code).toBe('CODE_ATTEMPTS_EXCEEDED');
    // even the right code is refused now
    const right = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code });
    expect(right.status).toBe(410);
    const state = await call(stack, 'GET', `/v1/flows/bind-phone:${id}`);
    expect(state.body.flow.outcome).toBe('locked');
    const acct = await call(stack, 'GET', `/v1/accounts/${id}`);
    expect(acct.body.account.phone).toBeNull();
  });

  test('a resend too soon is refused by the validator; the flow keeps working', async () => {
    const id = await newAccount();
    const phone = uniquePhone();
    await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone });
    const r = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code/resend`);
    expect(r.status).toBe(429);
    expect(r.body.error.code).toBe('CODE_TOO_SOON');
    expect(r.body.error.details.retryAfterSec).toBeGreaterThan(50);
    expect(stack.sms.forPhone(phone)).toHaveLength(1);
    const code = await codeFor(phone);
    expect((await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code })).body.result.outcome).toBe('bound');
  });

  test('a second live flow for the same account is refused, cancel frees it', async () => {
    const id = await newAccount();
    await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone: uniquePhone() });
    const dup = await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone: uniquePhone() });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('FLOW_IN_PROGRESS');
    expect(dup.body.error.details.flowId).toBe(`bind-phone:${id}`);
    const cancel = await call(stack, 'DELETE', `/v1/flows/bind-phone:${id}`);
    expect(cancel.status).toBe(200);
    expect(cancel.body.flow.outcome).toBe('cancelled');
    const phone = uniquePhone();
    expect((await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone })).status).toBe(201);
  });

  test('a number bound to another account is refused before any SMS goes out', async () => {
    const a = await newAccount();
    const b = await newAccount();
    const phone = uniquePhone();
    await call(stack, 'POST', `/v1/accounts/${a}/phone/bind`, { phone });
    await call(stack, 'POST', `/v1/flows/bind-phone:${a}/code`, { code: await codeFor(phone) });
    const r = await call(stack, 'POST', `/v1/accounts/${b}/phone/bind`, { phone });
    expect(r.status).toBe(409);
    expect(r.body.error).toEqual({ code: 'PHONE_TAKEN', message: '短信发送失败:手机号已绑定其他账户' });
    expect(stack.sms.forPhone(phone)).toHaveLength(1);
    // the refused flow ended, so b may start another
    expect((await call(stack, 'POST', `/v1/accounts/${b}/phone/bind`, { phone: uniquePhone() })).status).toBe(201);
  });

  test('a successful bind ends every other session of the account, keeps the caller\'s', async () => {
    const id = await newAccount();
    for (const sid of ['web-1', 'app-2', 'app-3']) {
      const r = await call(stack, 'POST', `/v1/accounts/${id}/sessions`, { sessionId: `${id}-${sid}`, client: { ip: '198.51.100.4' } });
      expect(r.status).toBe(201);
    }
    expect((await call(stack, 'POST', `/v1/accounts/${id}/sessions`, { sessionId: `${id}-web-1` })).status).toBe(200);
    const phone = uniquePhone();
    await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone, sessionId: `${id}-app-2` });
    const done = await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code: await codeFor(phone) });
    expect(done.body.result.sessionsEnded).toEqual([`${id}-app-3`, `${id}-web-1`]);
    const sessions = await call(stack, 'GET', `/v1/accounts/${id}/sessions`);
    const live = Object.fromEntries(sessions.body.sessions.map((s: any) => [s.id, s.live]));
    expect(live).toEqual({ [`${id}-web-1`]: false, [`${id}-app-2`]: true, [`${id}-app-3`]: false });
    const ended = sessions.body.sessions.find((s: any) => s.id === `${id}-web-1`);
    expect(ended).toMatchObject({ endedReason: 'phone_bound', endedByFlow: `bind-phone:${id}` });
    const event = await stack.deps.pool.query("SELECT payload FROM callback_events WHERE account_id = $1 AND type = 'phone.bound'", [id]);
    expect(event.rows[0].payload.sessionsEnded).toEqual([`${id}-app-3`, `${id}-web-1`]);
  });

  test('session registry: bad ids, unknown account, sign-out', async () => {
    const id = await newAccount();
    expect((await call(stack, 'POST', `/v1/accounts/${id}/sessions`, { sessionId: 'bad id' })).body.error.code).toBe('INVALID_INPUT');
    expect((await call(stack, 'POST', '/v1/accounts/ghost/sessions', { sessionId: 'x1' })).body.error.code).toBe('ACCOUNT_NOT_FOUND');
    expect((await call(stack, 'DELETE', `/v1/accounts/${id}/sessions/nope`)).body.error.code).toBe('SESSION_NOT_FOUND');
    await call(stack, 'POST', `/v1/accounts/${id}/sessions`, { sessionId: `${id}-s` });
    const other = await newAccount();
    const stolen = await call(stack, 'POST', `/v1/accounts/${other}/sessions`, { sessionId: `${id}-s` });
    expect(stolen.status).toBe(400);
    const out = await call(stack, 'DELETE', `/v1/accounts/${id}/sessions/${id}-s`);
    expect(out.body.session).toMatchObject({ live: false, endedReason: 'signed_out' });
  });
});
