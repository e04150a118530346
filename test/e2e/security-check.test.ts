// The security check (issue 12; seed 4/30 #14 step 5: an unsafe environment is proven by SMS)
// over HTTP against the real stack: real-name refuses an unsafe environment with jump security;
// the check sends the 安全环境验证码 code to the bound phone; the right code answers a security
// pass; real-name started with it goes on to a certifyId; the pass is spent once by that run (a
// repeat of its start still gets its answer, a second run is refused); another account's,
// another device's, a forged, an expired pass are refused, each with its code; five wrong codes
// lock the check; the pass is in no history (its hash only) and no table in clear.
import { createHash, randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { AesGcmPayloadCodec } from '../../lib/payload-codec';
import { seedAccount } from '../support/accounts';
import { readyAccount, startRealName, uniqueIdNumber, uniqueIp } from '../support/real-name';
import { waitFor, waitForAsync } from '../support/wait';
import { call, startStack, type Answer, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ CODE_RESEND_GAP_SEC: '0' });
});
afterAll(async () => {
  await stack?.close();
});

const TEMPLATE = '1646873';
const q = async (sql: string, params: unknown[]) => (await stack.deps.pool.query(sql, params)).rows;
const startCheck = (id: string, body: Record<string, unknown>): Promise<Answer> => call(stack, 'POST', `/v1/accounts/${id}/security-check`, body);
const smsCode = (phone: string, nth = 1) => waitFor(() => stack.sms.forPhone(phone).filter((m) => m.templateId === TEMPLATE)[nth - 1]?.params[0]);
const wrongOf = (code: string) => (code === '000000' ? '111111' : '000000');

/** An account ready for real-name (phone, device) with a live session. */
async function account(): Promise<{ id: string; deviceId: string; phone: string; sessionId: string }> {
  const a = await readyAccount(stack);
  const sessionId = `${a.id}-s1`;
  expect((await call(stack, 'POST', `/v1/accounts/${a.id}/sessions`, { sessionId })).status).toBeLessThan(300);
  return { ...a, phone: a.phone!, sessionId };
}

/** The whole check: start, the code off the phone, the pass. */
async function passFor(a: { id: string; deviceId: string; phone: string; sessionId: string }, nth = 1): Promise<string> {
  expect((await startCheck(a.id, { sessionId: a.sessionId, deviceId: a.deviceId })).status).toBe(201);
  const ok = await call(stack, 'POST', `/v1/flows/security-check:${a.id}/code`, { code: await smsCode(a.phone, nth) });
  expect(ok.status).toBe(200);
  return ok.body.grant.grant as string;
}

/** Every payload of a flow's history, decoded with the codec, as text; and the raw wire bytes. */
async function historyText(flowId: string): Promise<{ raw: string; decoded: string }> {
  const history = await stack.client.workflow.getHandle(flowId).fetchHistory();
  const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
  const payloads: Payload[] = [];
  const walk = (o: unknown): void => {
    if (!o || typeof o !== 'object') return;
    if ('metadata' in o && 'data' in o && (o as Payload).data instanceof Uint8Array) payloads.push(o as Payload);
    for (const v of Object.values(o)) walk(v);
  };
  walk(history);
  const codec = new AesGcmPayloadCodec(stack.cfg.crypto.payloadKeys, stack.cfg.crypto.payloadKeyId);
  const decoded = (await codec.decode(payloads)).map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
  return { raw, decoded };
}

test('unsafe → jump security; the check\'s code; the pass; real-name goes on to a certifyId and spends it once: a repeat of that start gets its answer, a second run is refused', async () => {
  const a = await account();
  const unsafe = await startRealName(stack, a.id, a.deviceId, { environmentSafe: false });
  expect([unsafe.status, unsafe.body.error]).toEqual([403, { code: 'REAL_NAME_UNSAFE_ENVIRONMENT', message: '认证失败:当前环境存在异常', jump: 'security' }]);

  const flowId = `security-check:${a.id}`;
  const started = await startCheck(a.id, { sessionId: a.sessionId, deviceId: a.deviceId, client: { ip: '203.0.113.9' } });
  expect(started.status).toBe(201);
  expect(started.body.flow).toMatchObject({ flowId, cache: false, code: { flowId, sentTo: expect.stringContaining('****') } });
  // a double click: the same answer, one code
  const again = await startCheck(a.id, { sessionId: a.sessionId, deviceId: a.deviceId });
  expect([again.status, again.body.flow.cache]).toEqual([200, true]);
  const code = await smsCode(a.phone);
  const sms = stack.sms.forPhone(a.phone).filter((m) => m.templateId === TEMPLATE);
  expect(sms).toHaveLength(1);
  expect(sms[0]!.text).toContain('安全环境验证');
  expect((await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: wrongOf(code) })).body.error).toMatchObject({ code: 'CODE_WRONG', details: { attemptsLeft: 4 } });
  const ok = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code });
  expect(ok.status).toBe(200);
  const pass = ok.body.grant.grant as string;
  expect(pass).toMatch(/^rg1\.[A-Za-z0-9_-]{43}$/);
  expect(Date.parse(ok.body.grant.grantExpiresAt) - Date.now()).toBeGreaterThan(500_000); // SECURITY_PASS_TTL_SEC 600
  // the check ends once the pass is out
  expect(await stack.client.workflow.getHandle(flowId).result()).toMatchObject({ outcome: 'passed', message: '安全验证成功,请继续实名认证' });
  expect((await call(stack, 'GET', `/v1/flows/${flowId}`)).body.flow).toMatchObject({ stage: 'passed', outcome: 'passed' });
  expect(await q("SELECT payload FROM callback_events WHERE account_id = $1 AND type = 'account.security_verified'", [a.id])).toEqual([{ payload: expect.objectContaining({ flowId, method: 'sms' }) }]);
  // the row: its hash only, the device, unspent
  const [row] = await q('SELECT grant_hash, purpose, device_id, redeemed_at, used_by_run_key FROM recovery_grants WHERE flow_id = $1', [flowId]);
  expect(row).toMatchObject({ purpose: 'security', device_id: a.deviceId, redeemed_at: null, used_by_run_key: null });
  expect(Buffer.compare(row.grant_hash, createHash('sha256').update(pass).digest())).toBe(0);

  // real-name with the pass: on to the certifyId
  const body = { environmentSafe: false, securityPass: pass, idNumber: uniqueIdNumber(), ip: '203.0.113.9' };
  const rn = await startRealName(stack, a.id, a.deviceId, body);
  expect(rn.status).toBe(201);
  expect(rn.body.flow).toMatchObject({ flowId: `real-name:${a.id}`, certifyId: expect.any(String), cache: false });
  const [spent] = await q('SELECT redeemed_at, used_by_run_key, used_by_run_id FROM recovery_grants WHERE flow_id = $1', [flowId]);
  expect(spent.redeemed_at).not.toBeNull();
  expect(spent.used_by_run_key).toMatch(new RegExp(`^real-name:${a.id}/`));
  expect(await q("SELECT data FROM audit_events WHERE account_id = $1 AND type = 'account.security_pass_spent'", [a.id])).toEqual([{ data: { securityCheckFlowId: flowId } }]);
  // a repeat of that start (a double click, a lost answer): the same run, the same certifyId
  const repeat = await startRealName(stack, a.id, a.deviceId, body);
  expect([repeat.status, repeat.body.flow.certifyId, repeat.body.flow.cache]).toEqual([200, rn.body.flow.certifyId, true]);

  // neither history holds the pass: the check's answers its run key, the real-name run its hash
  for (const id of [flowId, `real-name:${a.id}`]) {
    const h = await historyText(id);
    expect(h.raw).not.toContain(pass);
    expect(h.decoded).not.toContain(pass);
    expect(h.decoded).not.toContain(pass.slice(4));
  }
  expect((await historyText(`real-name:${a.id}`)).decoded).toContain(row.grant_hash.toString('hex'));

  // that run ends; a second run cannot spend the pass again
  expect((await call(stack, 'DELETE', `/v1/flows/real-name:${a.id}`)).status).toBe(200);
  const second = await startRealName(stack, a.id, a.deviceId, body);
  expect([second.status, second.body.error.code, second.body.error.jump]).toEqual([409, 'SECURITY_PASS_USED', 'security']);
  // a new check gives a new pass, which a new run spends
  const pass2 = await passFor(a, 2);
  expect(pass2).not.toBe(pass);
  expect((await startRealName(stack, a.id, a.deviceId, { ...body, securityPass: pass2, ip: uniqueIp() })).status).toBe(201); // its own IP: the ID check's per-IP gap
  await call(stack, 'DELETE', `/v1/flows/real-name:${a.id}`);
});

test('a double click with the pass: two starts at once reach one run, which spends it once; both get its certifyId', async () => {
  const a = await account();
  const pass = await passFor(a);
  const body = { environmentSafe: false, securityPass: pass, idNumber: uniqueIdNumber(), ip: uniqueIp() };
  const [x, y] = await Promise.all([startRealName(stack, a.id, a.deviceId, body), startRealName(stack, a.id, a.deviceId, body)]);
  expect([x.status, y.status].sort()).toEqual([200, 201]);
  expect(x.body.flow.certifyId).toBe(y.body.flow.certifyId);
  expect(await q("SELECT count(*)::int AS n FROM audit_events WHERE account_id = $1 AND type = 'account.security_pass_spent'", [a.id])).toEqual([{ n: 1 }]);
  const [row] = await q('SELECT used_by_run_id FROM recovery_grants WHERE grant_hash = $1', [createHash('sha256').update(pass).digest()]);
  expect(row.used_by_run_id).toBe((await stack.client.workflow.getHandle(`real-name:${a.id}`).describe()).runId);
  await call(stack, 'DELETE', `/v1/flows/real-name:${a.id}`);
});

test('refused passes: another account\'s, another device\'s, forged, malformed, a password reset grant, expired; each with its code and jump security, nothing spent', async () => {
  const a = await account();
  const b = await account();
  const passA = await passFor(a);
  const tryWith = async (who: { id: string; deviceId: string }, securityPass: string, deviceId = who.deviceId) => (await startRealName(stack, who.id, deviceId, { environmentSafe: false, securityPass, deviceId })).body.error;

  expect(await tryWith(b, passA)).toMatchObject({ code: 'SECURITY_PASS_ACCOUNT_MISMATCH', jump: 'security' });
  // another device of the same account (its metaInfo registered too)
  const other = `${a.deviceId}-2`;
  expect((await call(stack, 'PUT', `/v1/accounts/${a.id}/devices/${other}`, { metaInfo: JSON.stringify({ apdidToken: 'x', appName: 'com.gonglun.app', appVersion: '1.0.0', bioMetaInfo: '4.1.0:2916352,0' }), platform: 'android' })).status).toBe(201);
  expect(await tryWith(a, passA, other)).toMatchObject({ code: 'SECURITY_PASS_DEVICE_MISMATCH', jump: 'security' });
  const forged = `rg1.${randomBytes(32).toString('base64url')}`;
  expect(await tryWith(a, forged)).toMatchObject({ code: 'SECURITY_PASS_INVALID', jump: 'security' });
  expect(await tryWith(a, 'not-a-pass')).toMatchObject({ code: 'SECURITY_PASS_INVALID' });
  // a grant of another purpose is no pass
  const reset = await seedAccount(stack, { sessions: ['s1'] });
  expect((await call(stack, 'POST', `/v1/accounts/${reset.id}/password-reset`, { method: 'sms', sessionId: `${reset.id}-s1` })).status).toBe(201);
  const resetCode = await waitFor(() => stack.sms.forPhone(reset.phone!).find((m) => m.templateId === '1646866')?.params[0]);
  const resetGrant = (await call(stack, 'POST', `/v1/flows/password-reset:${reset.id}/code`, { code: resetCode })).body.grant.grant as string;
  expect(await tryWith(a, resetGrant)).toMatchObject({ code: 'SECURITY_PASS_INVALID' });
  // and the pass redeems nothing of the other kinds
  expect((await call(stack, 'POST', `/v1/password-reset-grants/${passA}/confirm`, {})).body.error.code).toBe('RECOVERY_GRANT_INVALID');
  expect((await call(stack, 'POST', `/v1/recovery-grants/${passA}/redeem`, {})).body.error.code).toBe('RECOVERY_GRANT_INVALID');
  // a safe environment spends no pass it carries
  expect((await startRealName(stack, a.id, a.deviceId, { environmentSafe: true, securityPass: passA })).status).toBe(201);
  await call(stack, 'DELETE', `/v1/flows/real-name:${a.id}`);
  expect(await q('SELECT used_by_run_key FROM recovery_grants WHERE grant_hash = $1', [createHash('sha256').update(passA).digest()])).toEqual([{ used_by_run_key: null }]);

  // expired: its row's lifetime is what counts (SECURITY_PASS_TTL_SEC, here run out)
  await q("UPDATE recovery_grants SET expires_at = now() - interval '1 second' WHERE grant_hash = $1", [createHash('sha256').update(passA).digest()]);
  const expired = await startRealName(stack, a.id, a.deviceId, { environmentSafe: false, securityPass: passA });
  expect([expired.status, expired.body.error.code, expired.body.error.jump]).toEqual([410, 'SECURITY_PASS_EXPIRED', 'security']);
  // the pass was checked where the environment is (docs/rules.md#pre-checks): the earlier checks come first
  const verified = await account();
  await q("UPDATE accounts SET real_name_status = 'verified' WHERE id = $1", [verified.id]);
  expect(await tryWith(verified, forged)).toMatchObject({ code: 'REAL_NAME_ALREADY_VERIFIED' });
});

test('the run re-checks the pass it spends: a pass that ran out between the API\'s look and the run\'s step ends the run with SECURITY_PASS_EXPIRED', async () => {
  const a = await account();
  const pass = await passFor(a);
  const hash = createHash('sha256').update(pass).digest();
  // the row locked: the API's plain read sees it good, the run's step waits for the lock
  const c = await stack.deps.pool.connect();
  let answer: Answer;
  try {
    await c.query('BEGIN');
    await c.query('SELECT 1 FROM recovery_grants WHERE grant_hash = $1 FOR UPDATE', [hash]);
    const started = startRealName(stack, a.id, a.deviceId, { environmentSafe: false, securityPass: pass });
    // the API let it through: the run exists
    await waitForAsync(() => stack.client.workflow.getHandle(`real-name:${a.id}`).describe().then(() => true, () => undefined), 15_000);
    await c.query("UPDATE recovery_grants SET expires_at = now() - interval '1 second' WHERE grant_hash = $1", [hash]);
    await c.query('COMMIT');
    answer = await started;
  } finally {
    c.release();
  }
  expect([answer.status, answer.body.error.code, answer.body.error.jump]).toEqual([410, 'SECURITY_PASS_EXPIRED', 'security']);
  expect(await stack.client.workflow.getHandle(`real-name:${a.id}`).result()).toMatchObject({ outcome: 'rejected', error: { code: 'SECURITY_PASS_EXPIRED' } });
  expect(await q('SELECT used_by_run_key FROM recovery_grants WHERE grant_hash = $1', [hash])).toEqual([{ used_by_run_key: null }]);
});

test('the check\'s own checks: a live session (jump login), a bound phone (jump phone), a frozen account, a known account; five wrong codes lock it', async () => {
  const a = await account();
  const noSession = await startCheck(a.id, { deviceId: a.deviceId });
  expect([noSession.status, noSession.body.error]).toEqual([401, { code: 'SECURITY_CHECK_LOGIN_REQUIRED', message: '认证失败:请登录后再操作', jump: 'login' }]);
  expect((await startCheck(a.id, { sessionId: 'nope', deviceId: a.deviceId })).body.error.code).toBe('SECURITY_CHECK_LOGIN_REQUIRED');
  expect((await startCheck(a.id, { sessionId: a.sessionId })).body.error.code).toBe('INVALID_INPUT');
  const noPhone = await seedAccount(stack, { phone: false, email: true, sessions: ['s1'] });
  const np = await startCheck(noPhone.id, { sessionId: `${noPhone.id}-s1`, deviceId: 'd1' });
  expect([np.status, np.body.error]).toEqual([409, { code: 'SECURITY_CHECK_PHONE_REQUIRED', message: '认证失败:请先绑定手机号', jump: 'phone' }]);
  expect((await startCheck('no-such-account', { sessionId: 's', deviceId: 'd1' })).body.error.code).toBe('ACCOUNT_NOT_FOUND');
  const frozen = await account();
  await q('UPDATE accounts SET frozen_at = now() WHERE id = $1', [frozen.id]);
  expect((await startCheck(frozen.id, { sessionId: frozen.sessionId, deviceId: frozen.deviceId })).body.error.code).toBe('ACCOUNT_FROZEN');

  expect((await startCheck(a.id, { sessionId: a.sessionId, deviceId: a.deviceId })).status).toBe(201);
  const flowId = `security-check:${a.id}`;
  const code = await smsCode(a.phone);
  const answers: string[] = [];
  for (let i = 0; i < 5; i++) answers.push((await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: wrongOf(code) })).body.error.code);
  expect(answers).toEqual(['CODE_WRONG', 'CODE_WRONG', 'CODE_WRONG', 'CODE_WRONG', 'CODE_ATTEMPTS_EXCEEDED']);
  // locked: the right code no longer helps, no pass was made
  expect((await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code })).status).toBeGreaterThanOrEqual(400);
  expect(await stack.client.workflow.getHandle(flowId).result()).toMatchObject({ outcome: 'locked' });
  expect(await q('SELECT 1 FROM recovery_grants WHERE flow_id = $1', [flowId])).toEqual([]);
});
