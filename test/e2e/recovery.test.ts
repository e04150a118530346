// Account recovery (找回账户, issue 11) over HTTP against the real stack, without a login: the
// lookup by phone, email or ID number (masked matches and a ticket each; the same neutral answer
// when none matches; its per-identifier limit), then each proof (a code by SMS or mail, a face
// check against the real-name identity), the grant, its single redemption (every session ended,
// every contact told, the events), and what users do again: a double click, a wrong and a
// replayed grant, a second run, a lock, a cancel, an expired grant, and no grant in any history.
import { AesGcmPayloadCodec } from '../../lib/payload-codec';
import { grantHash } from '../../lib/recovery-grant';
import { createGrantActivities } from '../../flows/shared/activities/grants';
import { seedAccount } from '../support/accounts';
import { complete, metaInfo, readyAccount, sdkOk, startRealName, uniqueIdNumber, uniqueIp } from '../support/real-name';
import { waitFor } from '../support/wait';
import { call, startStack, uniqueEmail, uniquePhone, type Answer, type Stack } from '../support/stack';

const GRANT_TTL_SEC = 6;
const NEUTRAL = '如果信息匹配,可通过下方方式找回账户';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ RECOVERY_GRANT_TTL_SEC: String(GRANT_TTL_SEC), CODE_RESEND_GAP_SEC: '0' });
});
afterAll(async () => {
  await stack?.close();
});

const q = async (sql: string, params: unknown[]) => (await stack.deps.pool.query(sql, params)).rows;
const lookup = (by: Record<string, string>, ip = uniqueIp()): Promise<Answer> => call(stack, 'POST', '/v1/recovery/lookup', { ...by, client: { ip } });
const start = (ticket: string, method: string, deviceId = 'web-1', extra: Record<string, unknown> = {}): Promise<Answer> =>
  call(stack, 'POST', '/v1/recovery/flows', { ticket, method, deviceId, client: { ip: uniqueIp() }, ...extra });
const smsCode = (phone: string, nth = 1) => waitFor(() => stack.sms.forPhone(phone).filter((m) => m.templateId === '1646868')[nth - 1]?.params[0]);
const mailCode = async (email: string, nth = 1) => /验证码是:(\d{6})/.exec((await waitFor(() => stack.smtp.forRecipient(email).filter((m) => m.subject === '找回账户请求')[nth - 1])).text)![1]!;
const liveSessions = async (id: string) => (await q('SELECT id FROM sessions WHERE account_id = $1 AND ended_at IS NULL ORDER BY id', [id])).map((r) => r.id);
const events = async (id: string, type: string) => (await q('SELECT payload FROM callback_events WHERE account_id = $1 AND type = $2 ORDER BY id', [id, type])).map((r) => r.payload);
const result = (flowId: string) => stack.client.workflow.getHandle(flowId).result();

/** A seeded account's ticket from a phone lookup. */
async function ticketOf(phone: string): Promise<string> {
  const found = await lookup({ phone });
  expect(found.status).toBe(200);
  return found.body.recovery.matches[0].ticket;
}

describe('lookup', () => {
  test('by phone or email: the account masked, its methods and a ticket; nothing found: the same message, no match', async () => {
    const a = await seedAccount(stack, { email: true });
    const byPhone = await lookup({ phone: a.phone! });
    expect(byPhone.status).toBe(200);
    expect(byPhone.body.recovery.message).toBe(NEUTRAL);
    expect(byPhone.body.recovery.matches).toEqual([
      expect.objectContaining({ accountId: a.id, phone: `${a.phone!.slice(0, 3)}****${a.phone!.slice(-4)}`, realName: false, frozen: false, methods: ['sms', 'mail'], ticket: expect.stringMatching(/^rt1\./) }),
    ]);
    expect(byPhone.body.recovery.matches[0].email).not.toContain(a.email!.split('@')[0]);
    expect((await lookup({ email: a.email!.toUpperCase() })).body.recovery.matches.map((m: { accountId: string }) => m.accountId)).toEqual([a.id]);

    const none = await lookup({ phone: uniquePhone() });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ recovery: { matches: [], message: NEUTRAL } });
  });

  test('exactly one identifier, well formed: else a structured 400', async () => {
    expect((await call(stack, 'POST', '/v1/recovery/lookup', { phone: uniquePhone(), email: uniqueEmail() })).body.error.code).toBe('INVALID_INPUT');
    expect((await call(stack, 'POST', '/v1/recovery/lookup', {})).body.error.code).toBe('INVALID_INPUT');
    expect((await lookup({ phone: '12345' })).body.error.code).toBe('INVALID_PHONE');
    expect((await lookup({ idNumber: '110101199001011234' })).body.error.code).toBe('REAL_NAME_INVALID_ID');
  });

  test('per identifier: 5 a day from any address, matching or not, then the seed\'s risk-control answer', async () => {
    for (const phone of [(await seedAccount(stack)).phone!, uniquePhone()]) {
      for (let i = 0; i < 5; i++) expect((await lookup({ phone })).status).toBe(200);
      const refused = await lookup({ phone });
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({ code: 'RECOVERY_LOOKUP_LIMIT', message: '账户找回:短时间内只能使用5次,超过次数自动风控拦截' });
    }
  });

  test('per client address the caller relays: 10 a day, whatever the identifier; without one only the identifier counts', async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 10; i++) expect((await lookup({ phone: uniquePhone() }, ip)).status).toBe(200);
    const refused = await lookup({ phone: uniquePhone() }, ip);
    expect(refused.body.error).toMatchObject({ code: 'RECOVERY_LOOKUP_LIMIT', details: { per: 'ip', perDay: 10 } });
    for (let i = 0; i < 11; i++) expect((await call(stack, 'POST', '/v1/recovery/lookup', { phone: uniquePhone() })).status).toBe(200);
  });
});

describe('by a code', () => {
  test('sms: code, a wrong one, the right one → grant (hash only at rest) → redeemed once: sessions ended, contacts told, events', async () => {
    const a = await seedAccount(stack, { email: true, sessions: ['s1', 's2'] });
    const flowId = `recovery:${a.id}`;
    const started = await start(await ticketOf(a.phone!), 'sms');
    expect(started.status).toBe(201);
    expect(started.body.flow).toMatchObject({ flowId, method: 'sms', face: null, clientToken: null, cache: false, code: { sentTo: expect.stringContaining('****') } });
    // a double click: the same answer, no second code
    const again = await start(await ticketOf(a.phone!), 'sms');
    expect(again.status).toBe(200);
    expect(again.body.flow).toMatchObject({ flowId, cache: true, code: started.body.flow.code });
    const code = await smsCode(a.phone!);
    expect(stack.sms.forPhone(a.phone!).filter((m) => m.templateId === '1646868')).toHaveLength(1);

    const wrong = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.body.error).toMatchObject({ code: 'CODE_WRONG', details: { attemptsLeft: 4 } });
    const ok = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code });
    expect(ok.status).toBe(200);
    const { grant } = ok.body.grant;
    expect(grant).toMatch(/^rg1\.[A-Za-z0-9_-]{43}$/);
    expect((await call(stack, 'GET', `/v1/flows/${flowId}`)).body.flow).toMatchObject({ stage: 'awaiting_redeem', outcome: null });
    const [row] = await q('SELECT * FROM recovery_grants WHERE flow_id = $1', [flowId]);
    expect(row).toMatchObject({ account_id: a.id, method: 'sms', redeemed_at: null });
    expect(row.grant_hash.equals(grantHash(grant))).toBe(true);
    expect(JSON.stringify(row)).not.toContain(grant.slice(4));
    expect(await events(a.id, 'account.recovery_verified')).toEqual([expect.objectContaining({ accountId: a.id, flowId, method: 'sms' })]);
    expect(await liveSessions(a.id)).toHaveLength(2);

    const redeemed = await call(stack, 'POST', `/v1/recovery-grants/${grant}/redeem`, {});
    expect(redeemed.status).toBe(200);
    expect(redeemed.body.result).toMatchObject({ flowId, accountId: a.id, sessionsEnded: [`${a.id}-s1`, `${a.id}-s2`], message: '账户找回成功' });
    expect(redeemed.body.result.notices.map((n: { channel: string; status: string }) => `${n.channel}:${n.status}`)).toEqual(['sms:sent', 'mail:sent']);
    expect(await liveSessions(a.id)).toEqual([]);
    expect(await waitFor(() => stack.smtp.forRecipient(a.email!).find((m) => m.subject === '账户找回提醒'))).toBeDefined();
    expect(stack.sms.forPhone(a.phone!).filter((m) => m.templateId === '1646869')).toHaveLength(1);
    expect(await events(a.id, 'account.recovered')).toEqual([expect.objectContaining({ flowId, sessionsEnded: [`${a.id}-s1`, `${a.id}-s2`] })]);
    expect(await result(flowId)).toMatchObject({ outcome: 'recovered', message: '账户找回成功', sessionsEnded: [`${a.id}-s1`, `${a.id}-s2`] });

    // replayed, or one never issued: refused, nothing changes
    const replay = await call(stack, 'POST', `/v1/recovery-grants/${grant}/redeem`, {});
    expect([replay.status, replay.body.error.code]).toEqual([409, 'RECOVERY_GRANT_USED']);
    const forged = await call(stack, 'POST', `/v1/recovery-grants/rg1.${'A'.repeat(43)}/redeem`, {});
    expect([forged.status, forged.body.error.code]).toEqual([404, 'RECOVERY_GRANT_INVALID']);
    expect((await call(stack, 'POST', '/v1/recovery-grants/not-a-grant/redeem', {})).body.error.code).toBe('RECOVERY_GRANT_INVALID');
    expect(await events(a.id, 'account.recovered')).toHaveLength(1);

    // a second run is its own: a new code, another grant; the first stays used
    await call(stack, 'POST', `/v1/accounts/${a.id}/sessions`, { sessionId: `${a.id}-s3` });
    expect((await start(await ticketOf(a.phone!), 'sms')).status).toBe(201);
    const second = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: await smsCode(a.phone!, 2) });
    expect(second.body.grant.grant).not.toBe(grant);
    expect((await call(stack, 'POST', `/v1/recovery-grants/${second.body.grant.grant}/redeem`, {})).body.result.sessionsEnded).toEqual([`${a.id}-s3`]);
    expect((await q('SELECT count(*)::int AS n FROM recovery_grants WHERE flow_id = $1 AND redeemed_at IS NOT NULL', [flowId]))[0].n).toBe(2);
    expect((await call(stack, 'POST', `/v1/recovery-grants/${grant}/redeem`, {})).body.error.code).toBe('RECOVERY_GRANT_USED');
  });

  test('mail: the code to the bound email; a method the account lacks is refused before anything is sent', async () => {
    const a = await seedAccount(stack, { email: true });
    const noMail = await seedAccount(stack);
    const refused = await start(await ticketOf(noMail.phone!), 'mail');
    expect([refused.status, refused.body.error.code]).toEqual([409, 'RECOVERY_METHOD_UNAVAILABLE']);
    expect((await start(await ticketOf(noMail.phone!), 'face')).body.error.code).toBe('RECOVERY_METHOD_UNAVAILABLE');

    const started = await start(await ticketOf(a.phone!), 'mail');
    expect(started.body.flow.code.sentTo).toMatch(/\*{5}@example\.com$/);
    const ok = await call(stack, 'POST', `/v1/flows/recovery:${a.id}/code`, { code: await mailCode(a.email!) });
    expect((await call(stack, 'POST', `/v1/recovery-grants/${ok.body.grant.grant}/redeem`, {})).status).toBe(200);
  });

  test('a tampered or expired ticket starts nothing', async () => {
    const a = await seedAccount(stack);
    const ticket = await ticketOf(a.phone!);
    const [p, body, sig] = ticket.split('.');
    const other = Buffer.from(JSON.stringify({ a: 'someone-else', e: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    for (const t of [`${p}.${other}.${sig}`, `${p}.${body}.${'x'.repeat(sig!.length)}`, 'rt1.x.y']) {
      const r = await start(t, 'sms');
      expect([r.status, r.body.error.code]).toEqual([403, 'RECOVERY_TICKET_INVALID']);
    }
    expect(stack.sms.forPhone(a.phone!).filter((m) => m.templateId === '1646868')).toHaveLength(0);
  });

  test('five wrong codes lock the flow; a cancel ends another; neither grants anything', async () => {
    const a = await seedAccount(stack);
    const flowId = `recovery:${a.id}`;
    await start(await ticketOf(a.phone!), 'sms');
    const code = await smsCode(a.phone!);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) expect((await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: wrong })).body.error.code).toBe('CODE_WRONG');
    expect((await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: wrong })).body.error.code).toBe('CODE_ATTEMPTS_EXCEEDED');
    expect((await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code })).body.error.code).toBe('FLOW_CLOSED');
    expect(await result(flowId)).toMatchObject({ outcome: 'locked', error: { code: 'CODE_ATTEMPTS_EXCEEDED' } });

    await start(await ticketOf(a.phone!), 'sms');
    const cancelled = await call(stack, 'DELETE', `/v1/flows/${flowId}`);
    expect(cancelled.body.flow).toMatchObject({ stage: 'cancelled', outcome: 'cancelled' });
    expect(await q('SELECT 1 FROM recovery_grants WHERE flow_id = $1', [flowId])).toEqual([]);
    expect(await events(a.id, 'account.recovery_verified')).toEqual([]);
  });

  test('a grant not redeemed in time expires: the flow ends expired and the redeem is refused', async () => {
    const a = await seedAccount(stack, { sessions: ['s1'] });
    const flowId = `recovery:${a.id}`;
    await start(await ticketOf(a.phone!), 'sms');
    const { grant } = (await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: await smsCode(a.phone!) })).body.grant;
    expect(await result(flowId)).toMatchObject({ outcome: 'expired', error: { code: 'RECOVERY_GRANT_EXPIRED' } });
    const late = await call(stack, 'POST', `/v1/recovery-grants/${grant}/redeem`, {});
    expect([late.status, late.body.error.code]).toEqual([410, 'RECOVERY_GRANT_EXPIRED']);
    expect(await liveSessions(a.id)).toEqual([`${a.id}-s1`]);
  }, 30_000);
  test('a redemption committed in a workflow task the history lost: at the grant\'s expiry the flow ends recovered, as the database says, and sends the notices it owes', async () => {
    const a = await seedAccount(stack, { email: true, sessions: ['s1'] });
    const flowId = `recovery:${a.id}`;
    await start(await ticketOf(a.phone!), 'sms');
    await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: await smsCode(a.phone!) });
    // the redemption's step as the worker ran it, its task then lost: the commit is in the
    // database, the history never heard of it, and the platform did not ask again
    const [{ run_key: runKey }] = await q('SELECT run_key FROM recovery_grants WHERE flow_id = $1', [flowId]);
    expect(await createGrantActivities(stack.deps).redeemRecovery({ runKey, flowId, accountId: a.id, meta: {} })).toEqual({ sessionsEnded: [`${a.id}-s1`] });
    expect(await result(flowId)).toMatchObject({ outcome: 'recovered', sessionsEnded: [`${a.id}-s1`] });
    expect(stack.sms.forPhone(a.phone!).filter((m) => m.templateId === '1646869')).toHaveLength(1);
    expect(stack.smtp.forRecipient(a.email!).filter((m) => m.subject === '账户找回提醒')).toHaveLength(1);
    expect(await events(a.id, 'account.recovered')).toHaveLength(1);
  }, 30_000);
});

describe('by face', () => {
  test('looked up by ID number: a face check against the real-name identity, the grant collected, redeemed; no grant in any history', async () => {
    const idNumber = uniqueIdNumber();
    const { id, deviceId } = await readyAccount(stack);
    const rn = await startRealName(stack, id, deviceId, { idNumber });
    expect((await complete(stack, rn.body.flow.clientToken, sdkOk(rn.body.flow.certifyId, deviceId))).body.result.outcome).toBe('verified');
    await q('UPDATE accounts SET face_number = 1 WHERE id = $1', [id]);

    const found = await lookup({ idNumber });
    expect(found.body.recovery.matches).toEqual([expect.objectContaining({ accountId: id, realName: true, idNumber: expect.stringContaining('*'), methods: ['sms', 'face'] })]);
    const flowId = `recovery:${id}`;
    const started = await start(found.body.recovery.matches[0].ticket, 'face', deviceId);
    expect(started.status).toBe(201);
    const { face, clientToken } = started.body.flow;
    expect(face.faceCheckId).toMatch(new RegExp(`^${flowId}/[0-9a-f]{12}/face$`));
    // the grant waits for the verdict
    const collecting = call(stack, 'POST', `/v1/flows/${flowId}/grant`);
    const done = await complete(stack, clientToken, sdkOk(face.certifyId, deviceId));
    expect(done.body.result.outcome).toBe('success');
    const collected = await collecting;
    expect(collected.status).toBe(200);
    const { grant } = collected.body.grant;
    // collected again: the same grant
    expect((await call(stack, 'POST', `/v1/flows/${flowId}/grant`)).body.grant.grant).toBe(grant);
    expect((await q("SELECT scene, status FROM face_verifications WHERE account_id = $1 AND scene = 'recovery'", [id]))).toEqual([{ scene: 'recovery', status: 'success' }]);

    // the grant is in no history, decoded or not
    const codec = new AesGcmPayloadCodec(stack.cfg.crypto.payloadKeys, stack.cfg.crypto.payloadKeyId);
    for (const wid of [flowId, face.faceCheckId]) {
      const history = await stack.client.workflow.getHandle(wid).fetchHistory();
      const payloads: { metadata?: Record<string, Uint8Array>; data?: Uint8Array }[] = [];
      const walk = (v: unknown): void => {
        if (!v || typeof v !== 'object') return;
        if (Array.isArray(v)) return v.forEach(walk);
        const o = v as Record<string, unknown>;
        if (o.metadata && o.data instanceof Uint8Array) payloads.push(o as never);
        else Object.values(o).forEach(walk);
      };
      walk(history);
      const decoded = await codec.decode(payloads);
      const text = decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
      expect(text.length).toBeGreaterThan(100);
      expect(text).not.toContain(grant);
      expect(text).not.toContain(grant.slice(4, 30));
    }

    const redeemed = await call(stack, 'POST', `/v1/recovery-grants/${grant}/redeem`, {});
    expect(redeemed.body.result).toMatchObject({ flowId, accountId: id, message: '账户找回成功' });
    expect(await result(flowId)).toMatchObject({ outcome: 'recovered', method: 'face' });

    // the operators' trace: both face attempts, newest first, with the unit each used; nothing personal
    const trace = await call(stack, 'GET', `/v1/accounts/${id}/face-attempts`);
    expect(trace.body.attempts).toEqual([
      expect.objectContaining({ scene: 'recovery', provider: 'dcloud', faceCheckId: face.faceCheckId, ownerFlowId: flowId, certifyId: face.certifyId, status: 'success', deviceId, unit: { source: 'purchased', state: 'consumed', orderId: null, paymentRef: null } }),
      expect.objectContaining({ scene: 'personal', ownerFlowId: `real-name:${id}`, status: 'success', unit: expect.objectContaining({ source: 'free', state: 'consumed' }) }),
    ]);
    expect(JSON.stringify(trace.body)).not.toContain(idNumber);
  });

  test('a face that does not match (the device\'s metaInfo given with the start) ends the flow without a grant; the collect answers why', async () => {
    const idNumber = uniqueIdNumber();
    const { id, deviceId } = await readyAccount(stack);
    const rn = await startRealName(stack, id, deviceId, { idNumber });
    expect((await complete(stack, rn.body.flow.clientToken, sdkOk(rn.body.flow.certifyId, deviceId))).body.result.outcome).toBe('verified');
    await q('UPDATE accounts SET face_number = 1 WHERE id = $1', [id]);
    const flowId = `recovery:${id}`;
    const ticket = (await lookup({ idNumber })).body.recovery.matches[0].ticket;
    // no login registered this device: the start carries its metaInfo (the sandbox's magic FAIL)
    const failing = `${deviceId}-kiosk`;
    const started = await start(ticket, 'face', failing, { metaInfo: metaInfo('fail'), platform: 'android' });
    expect(started.status).toBe(201);
    const { face, clientToken } = started.body.flow;
    const collecting = call(stack, 'POST', `/v1/flows/${flowId}/grant`);
    const done = await complete(stack, clientToken, sdkOk(face.certifyId, failing));
    expect(done.body.result).toMatchObject({ outcome: 'fail', error: { code: 'FACE_FAILED' } });
    const r = await collecting;
    expect([r.status, r.body.error.code]).toEqual([422, 'FACE_FAILED']);
    expect(await result(flowId)).toMatchObject({ outcome: 'fail', error: { code: 'FACE_FAILED' } });
    expect(await q('SELECT 1 FROM recovery_grants WHERE flow_id = $1', [flowId])).toEqual([]);
    expect(await events(id, 'account.recovery_verified')).toEqual([]);
  });
});
