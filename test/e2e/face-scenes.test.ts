// The face scenes (issue 11 part 2) over HTTP against the real stack: security reset, unfreeze
// and cancellation request, each a face check against the account's real-name identity whose
// success applies the scene's effect with its audit row, session endings and signed event; FAIL,
// expiry and a cancel change nothing; the quota pool (402, an order, its payment, then success);
// a second run; a double click; a frozen account refused by the other flows; the face switch.
import { startOwnApi } from '../support/own-api';
import type { SceneName } from '../../flows/face-scene/contract';
import { contactAad } from '../../db/accounts';
import { complete, metaInfo, readyAccount, sdkOk, startRealName } from '../support/real-name';
import { startReceiver, type Receiver } from '../support/webhook-receiver';
import { waitFor, waitForAsync } from '../support/wait';
import { call, startStack, uniquePhone, type Answer, type Stack } from '../support/stack';

const TTL_SEC = 8;
const SUCCESS = '刷脸成功:数据对比成功!';
const KIND: Record<SceneName, string> = { reset_security: 'reset-security', unfreeze: 'unfreeze', cancellation: 'cancellation' };
const EVENT: Record<SceneName, string> = { reset_security: 'account.security_reset', unfreeze: 'account.unfrozen', cancellation: 'account.cancellation_requested' };
const SCENES: SceneName[] = ['reset_security', 'unfreeze', 'cancellation'];

let stack: Stack;
let receiver: Receiver;
let hookId: string;
beforeAll(async () => {
  stack = await startStack({ FACE_TOKEN_TTL_SEC: String(TTL_SEC), CODE_RESEND_GAP_SEC: '0', WEBHOOK_SWEEP_INTERVAL_SEC: '1' });
  receiver = await startReceiver();
  const hook = await call(stack, 'POST', '/v1/webhooks', { url: receiver.url('/scenes'), eventTypes: Object.values(EVENT), description: 'face scenes suite' });
  expect(hook.status).toBe(201);
  receiver.secrets.set('/scenes', hook.body.secret);
  hookId = hook.body.subscriber.id;
});
afterAll(async () => {
  // other suites share the database: leave no subscriber behind
  if (hookId) await call(stack, 'DELETE', `/v1/webhooks/${hookId}`);
  await receiver?.close();
  await stack?.close();
});

const q = async (sql: string, params: unknown[]) => (await stack.deps.pool.query(sql, params)).rows;

interface Verified {
  id: string;
  deviceId: string;
}

/** A real-name verified account (through the saga; its free unit spent there) with `units` purchased and sessions s1–s3. */
async function verifiedAccount(units = 3): Promise<Verified> {
  const { id, deviceId } = await readyAccount(stack);
  const start = await startRealName(stack, id, deviceId);
  expect(start.status).toBe(201);
  const done = await complete(stack, start.body.flow.clientToken, sdkOk(start.body.flow.certifyId, deviceId));
  expect(done.body.result.outcome).toBe('verified');
  await q('UPDATE accounts SET face_number = $2 WHERE id = $1', [id, units]);
  for (const s of ['s1', 's2', 's3']) expect((await call(stack, 'POST', `/v1/accounts/${id}/sessions`, { sessionId: `${id}-${s}` })).status).toBe(201);
  return { id, deviceId };
}

/** The account in the state the scene acts on. */
async function prepare(scene: SceneName, id: string): Promise<void> {
  if (scene === 'reset_security') expect((await call(stack, 'PUT', `/v1/accounts/${id}/security-flags`, { flags: ['remote_login', 'new_device'], reason: '异地登录提醒' })).status).toBe(200);
  if (scene === 'unfreeze') expect((await call(stack, 'POST', `/v1/accounts/${id}/freeze`, { reason: '风控冻结' })).body.security.frozen).toMatchObject({ reason: '风控冻结' });
}

const security = async (id: string) => (await call(stack, 'GET', `/v1/accounts/${id}/security`)).body.security;
const startScene = (scene: SceneName, a: Verified, extra: Record<string, unknown> = {}): Promise<Answer> =>
  call(stack, 'POST', `/v1/accounts/${a.id}/face-scenes/${scene}`, { deviceId: a.deviceId, sessionId: `${a.id}-s1`, client: { ip: '203.0.113.9' }, ...extra });
const liveSessions = async (id: string) => (await q('SELECT id FROM sessions WHERE account_id = $1 AND ended_at IS NULL ORDER BY id', [id])).map((r) => r.id);
const events = async (id: string, type: string) => q('SELECT payload FROM callback_events WHERE account_id = $1 AND type = $2 ORDER BY id', [id, type]);
const faceRows = async (id: string, scene: SceneName) => q('SELECT status, face_check_id FROM face_verifications WHERE account_id = $1 AND scene = $2 ORDER BY id', [id, scene]);

/** What the scene's state looks like before it succeeded (what FAIL, expiry and cancel leave). */
async function expectUnchanged(scene: SceneName, id: string): Promise<void> {
  const s = await security(id);
  if (scene === 'reset_security') expect(s.securityFlags.flags).toEqual(['new_device', 'remote_login']);
  if (scene === 'unfreeze') expect(s.frozen).not.toBeNull();
  if (scene === 'cancellation') expect(s.cancellation).toBeNull();
  expect(await events(id, EVENT[scene])).toEqual([]);
  expect(await liveSessions(id)).toHaveLength(3);
}

describe.each(SCENES)('%s', (scene) => {
  test('success: the face check, then the effect, its event (signed webhook), its face row and audit row', async () => {
    const a = await verifiedAccount();
    await prepare(scene, a.id);
    const flowId = `${KIND[scene]}:${a.id}`;
    const start = await startScene(scene, a);
    expect(start.status).toBe(201);
    expect(start.body.flow).toMatchObject({ flowId, scene, cache: false });
    expect(start.body.flow.faceCheckId).toMatch(new RegExp(`^${flowId}/[0-9a-f]{12}/face$`));
    const state = await call(stack, 'GET', `/v1/flows/${flowId}`);
    expect(state.body.flow).toMatchObject({ flowId, scene, stage: 'awaiting_face', certifyId: start.body.flow.certifyId, outcome: null });

    const done = await complete(stack, start.body.flow.clientToken, sdkOk(start.body.flow.certifyId, a.deviceId));
    expect(done.status).toBe(200);
    expect(done.body.result).toMatchObject({ flowId, scene, outcome: 'success', message: SUCCESS, certifyId: start.body.flow.certifyId, error: null });

    const s = await security(a.id);
    const [event] = await events(a.id, EVENT[scene]);
    expect(event.payload).toMatchObject({ accountId: a.id, flowId, type: scene, id: start.body.flow.faceRecordId, table_name: 'face_verifications' });
    if (scene === 'reset_security') {
      expect(done.body.result.effect).toMatchObject({ flagsCleared: ['new_device', 'remote_login'], sessionsEnded: [`${a.id}-s2`, `${a.id}-s3`] });
      expect(s.securityFlags).toEqual({ flags: [], reason: null, setAt: null });
      // the device's own session stays, every other one ends
      expect(await liveSessions(a.id)).toEqual([`${a.id}-s1`]);
      expect((await q('SELECT ended_reason, ended_by_flow FROM sessions WHERE id = $1', [`${a.id}-s2`]))[0]).toEqual({ ended_reason: 'security_reset', ended_by_flow: flowId });
    } else {
      expect(await liveSessions(a.id)).toHaveLength(3);
    }
    if (scene === 'unfreeze') {
      expect(s.frozen).toBeNull();
      expect(done.body.result.effect.frozenAt).toEqual(expect.any(String));
    }
    if (scene === 'cancellation') {
      // the cooling-off of ACCOUNT_CANCELLATION_COOLING_DAYS (15 by default) from the request
      const until = Date.parse(done.body.result.effect.coolingOffUntil);
      expect(Math.abs(until - (Date.now() + 15 * 86_400_000))).toBeLessThan(120_000);
      expect(s.cancellation).toMatchObject({ effectiveAt: done.body.result.effect.coolingOffUntil, flowId });
      expect(event.payload.coolingOffUntil).toBe(done.body.result.effect.coolingOffUntil);
    }
    expect(await faceRows(a.id, scene)).toEqual([{ status: 'success', face_check_id: start.body.flow.faceCheckId }]);
    expect(await q('SELECT count(*)::int AS n FROM audit_events WHERE account_id = $1 AND type = $2', [a.id, EVENT[scene]])).toEqual([{ n: 1 }]);
    // one unit consumed from the one pool
    expect((await q('SELECT face_number FROM accounts WHERE id = $1', [a.id]))[0].face_number).toBe(2);
    const delivered = await waitFor(() => receiver.deliveredFor(a.id).find((r) => r.body.type === EVENT[scene]), 20_000);
    expect(delivered.verified).toBe(true);
    expect(delivered.body.data).toMatchObject({ flowId, type: scene });
    // the run is over: a late completion finds its token's check closed and gets the same answer
    expect((await call(stack, 'GET', `/v1/flows/${flowId}`)).body.flow).toMatchObject({ stage: 'completed', outcome: 'success', message: SUCCESS });
  });

  test('FAIL: the face does not match; nothing changes, no event', async () => {
    const a = await verifiedAccount();
    await prepare(scene, a.id);
    const failing = `${a.deviceId}-fail`;
    expect((await call(stack, 'PUT', `/v1/accounts/${a.id}/devices/${failing}`, { metaInfo: metaInfo('fail') })).status).toBe(201);
    const start = await startScene(scene, { ...a, deviceId: failing });
    expect(start.status).toBe(201);
    const done = await complete(stack, start.body.flow.clientToken, sdkOk(start.body.flow.certifyId, failing));
    expect(done.body.result).toMatchObject({ outcome: 'fail', message: '刷脸失败:人证信息比对不一致', effect: null, error: { code: 'FACE_FAILED' } });
    await expectUnchanged(scene, a.id);
    expect(await faceRows(a.id, scene)).toEqual([{ status: 'fail', face_check_id: start.body.flow.faceCheckId }]);
  });

  test('expiry: no completion within the token TTL; the hold is released, nothing changes', async () => {
    const a = await verifiedAccount(1);
    await prepare(scene, a.id);
    const start = await startScene(scene, a);
    expect(start.status).toBe(201);
    const result = await stack.client.workflow.getHandle(`${KIND[scene]}:${a.id}`).result();
    expect(result).toMatchObject({ outcome: 'expired', error: { code: 'FACE_EXPIRED' }, effect: null });
    await expectUnchanged(scene, a.id);
    expect(await faceRows(a.id, scene)).toEqual([{ status: 'expired', face_check_id: start.body.flow.faceCheckId }]);
    expect(await q('SELECT state FROM face_quota_ledger WHERE key = $1', [start.body.flow.faceCheckId])).toEqual([{ state: 'released' }]);
    // the token died with the check
    const late = await complete(stack, start.body.flow.clientToken, sdkOk(start.body.flow.certifyId, a.deviceId));
    expect(late.body.error.code).toBe('FACE_TOKEN_INVALID');
  });
});

test('no unit left: 402 FACE_QUOTA_REQUIRED; an order, its payment, then the scene succeeds on the purchased unit', async () => {
  const a = await verifiedAccount(0);
  await prepare('reset_security', a.id);
  const refused = await startScene('reset_security', a);
  expect(refused.status).toBe(402);
  expect(refused.body.error.code).toBe('FACE_QUOTA_REQUIRED');
  const order = await call(stack, 'POST', `/v1/accounts/${a.id}/face-quota/orders`, { units: 1 });
  expect(order.status).toBe(201);
  const paymentRef = `pay-scenes-${a.id}`;
  expect((await call(stack, 'POST', `/v1/face-quota/orders/${order.body.order.orderId}/paid`, { paymentRef })).body.credited).toBe(true);
  const start = await startScene('reset_security', a);
  expect(start.status).toBe(201);
  const done = await complete(stack, start.body.flow.clientToken, sdkOk(start.body.flow.certifyId, a.deviceId));
  expect(done.body.result.outcome).toBe('success');
  // the face row keeps the payment reference of the unit it used
  expect(await q('SELECT pay_ref FROM face_verifications WHERE face_check_id = $1', [start.body.flow.faceCheckId])).toEqual([{ pay_ref: paymentRef }]);
  expect((await q('SELECT face_number FROM accounts WHERE id = $1', [a.id]))[0].face_number).toBe(0);
});

test('a second run after success is its own: another check, face row, event and audit row', async () => {
  const a = await verifiedAccount();
  const runs: string[] = [];
  for (let i = 0; i < 2; i++) {
    await prepare('reset_security', a.id);
    const start = await startScene('reset_security', a);
    expect(start.status).toBe(201);
    runs.push(start.body.flow.faceCheckId);
    expect((await complete(stack, start.body.flow.clientToken, sdkOk(start.body.flow.certifyId, a.deviceId))).body.result.outcome).toBe('success');
  }
  expect(runs[0]).not.toBe(runs[1]);
  expect((await faceRows(a.id, 'reset_security')).map((r) => r.face_check_id)).toEqual(runs);
  expect(await events(a.id, 'account.security_reset')).toHaveLength(2);
  expect(await q('SELECT count(*)::int AS n FROM audit_events WHERE account_id = $1 AND type = $2', [a.id, 'account.security_reset'])).toEqual([{ n: 2 }]);
  // the report counts the scene's face rows (other suites share the database: at least these)
  const report = await call(stack, 'GET', '/v1/reports/verifications?scene=reset_security&days=1');
  expect(report.status).toBe(200);
  expect(report.body.totals.passes).toBeGreaterThanOrEqual(2);
  // with nothing to reset, a third start is refused before any paid call
  expect((await startScene('reset_security', a)).body.error.code).toBe('SECURITY_FLAGS_NOT_SET');
});

test('a cancellation request: once pending a second is refused; the platform withdraws it; then it can be made again', async () => {
  const a = await verifiedAccount();
  const first = await startScene('cancellation', a);
  expect((await complete(stack, first.body.flow.clientToken, sdkOk(first.body.flow.certifyId, a.deviceId))).body.result.outcome).toBe('success');
  const again = await startScene('cancellation', a);
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('CANCELLATION_PENDING');
  const withdrawn = await call(stack, 'DELETE', `/v1/accounts/${a.id}/cancellation`);
  expect(withdrawn.status).toBe(200);
  expect(withdrawn.body.security.cancellation).toBeNull();
  expect((await call(stack, 'DELETE', `/v1/accounts/${a.id}/cancellation`)).body.error.code).toBe('CANCELLATION_NOT_REQUESTED');
  const second = await startScene('cancellation', a);
  expect(second.status).toBe(201);
  expect((await complete(stack, second.body.flow.clientToken, sdkOk(second.body.flow.certifyId, a.deviceId))).body.result.outcome).toBe('success');
  expect(await events(a.id, 'account.cancellation_requested')).toHaveLength(2);
});

test('a double click: the same answer from one flow, one face check, one unit held', async () => {
  const a = await verifiedAccount(1);
  await prepare('reset_security', a.id);
  const answers = await Promise.all([startScene('reset_security', a), startScene('reset_security', a)]);
  expect(answers.map((r) => r.status).sort()).toEqual([200, 201]);
  const [x, y] = answers.map((r) => r.body.flow);
  expect(y).toMatchObject({ flowId: x.flowId, faceCheckId: x.faceCheckId, certifyId: x.certifyId });
  expect([x.cache, y.cache].sort()).toEqual([false, true]);
  expect(await faceRows(a.id, 'reset_security')).toHaveLength(1);
  expect(await q("SELECT count(*)::int AS n FROM face_quota_ledger WHERE account_id = $1 AND state = 'held'", [a.id])).toEqual([{ n: 1 }]);
  // a third click later, with the account's only unit held by this flow: still the flow's answer
  const third = await startScene('reset_security', a);
  expect(third.status).toBe(200);
  expect(third.body.flow.certifyId).toBe(x.certifyId);
  // another device is another request while this one runs
  const other = `${a.deviceId}-2`;
  await call(stack, 'PUT', `/v1/accounts/${a.id}/devices/${other}`, { metaInfo: metaInfo() });
  expect((await startScene('reset_security', { ...a, deviceId: other })).body.error.code).toBe('FLOW_IN_PROGRESS');
});

test('cancelled while waiting for the face: the check gives its hold back, nothing changes', async () => {
  const a = await verifiedAccount(1);
  await prepare('unfreeze', a.id);
  const start = await startScene('unfreeze', a);
  const cancelled = await call(stack, 'DELETE', `/v1/flows/unfreeze:${a.id}`);
  expect(cancelled.status).toBe(200);
  expect(cancelled.body.flow).toMatchObject({ outcome: 'cancelled', stage: 'cancelled' });
  await expectUnchanged('unfreeze', a.id);
  await waitForAsync(async () => ((await q('SELECT state FROM face_quota_ledger WHERE key = $1', [start.body.flow.faceCheckId]))[0]?.state === 'released' ? true : undefined));
  // and it can start again at once
  expect((await startScene('unfreeze', a)).status).toBe(201);
});

test('a frozen account: bind, rebind, real-name and the other scenes are refused (423); unfreeze by face lifts it', async () => {
  const a = await verifiedAccount();
  await prepare('unfreeze', a.id);
  const fresh = await readyAccount(stack, { phone: false });
  await call(stack, 'POST', `/v1/accounts/${fresh.id}/freeze`, { reason: '风控冻结' });
  const frozen = { code: 'ACCOUNT_FROZEN', message: '账户已冻结,请先解除冻结' };
  for (const r of [
    await call(stack, 'POST', `/v1/accounts/${fresh.id}/phone/bind`, { phone: uniquePhone() }),
    // the same route spelt otherwise: another case, an escaped character in the id
    await call(stack, 'POST', `/V1/Accounts/%${fresh.id.charCodeAt(0).toString(16)}${fresh.id.slice(1)}/Phone/Bind`, { phone: uniquePhone() }),
    await startRealName(stack, fresh.id, fresh.deviceId),
    await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'sms' }),
    await call(stack, 'POST', `/v1/accounts/${a.id}/email/rebind`, { method: 'sms' }),
    await call(stack, 'POST', `/v1/accounts/${a.id}/password-reset`, { method: 'sms' }),
    await call(stack, 'POST', `/v1/accounts/${a.id}/email/bind`, { email: `frozen-${a.id}@example.com` }),
    await startScene('reset_security', a),
    await startScene('cancellation', a),
  ]) {
    expect(r.status).toBe(423);
    expect(r.body.error).toEqual(frozen);
  }
  // no flow was started for any of them
  await expect(stack.client.workflow.getHandle(`bind-phone:${fresh.id}`).describe()).rejects.toThrow();
  const start = await startScene('unfreeze', a);
  expect(start.status).toBe(201);
  expect((await complete(stack, start.body.flow.clientToken, sdkOk(start.body.flow.certifyId, a.deviceId))).body.result.outcome).toBe('success');
  expect((await call(stack, 'POST', `/v1/accounts/${a.id}/email/bind`, { email: `thawed-${a.id}@example.com` })).status).toBe(201);
  // the platform may unfreeze directly too; an account not frozen has no unfreeze
  expect((await call(stack, 'DELETE', `/v1/accounts/${fresh.id}/freeze`)).body.security.frozen).toBeNull();
  expect((await call(stack, 'DELETE', `/v1/accounts/${fresh.id}/freeze`)).body.error.code).toBe('ACCOUNT_NOT_FROZEN');
  expect((await startScene('unfreeze', a)).body.error.code).toBe('ACCOUNT_NOT_FROZEN');
});

test('the face check needs a real-name verified account', async () => {
  const { id, deviceId } = await readyAccount(stack);
  await call(stack, 'PUT', `/v1/accounts/${id}/security-flags`, { flags: ['remote_login'] });
  const r = await call(stack, 'POST', `/v1/accounts/${id}/face-scenes/reset_security`, { deviceId });
  expect(r.status).toBe(409);
  expect(r.body.error).toEqual({ code: 'REAL_NAME_REQUIRED', message: '账户未完成实名认证' });
  expect((await call(stack, 'POST', `/v1/accounts/${id}/face-scenes/recovery`, { deviceId })).status).toBe(400);
});

test('the face switch off (FACE_ENABLED=false) refuses every scene with the seed\'s reason', async () => {
  const a = await verifiedAccount();
  await prepare('reset_security', a.id);
  // an API of its own over the suite's services: the switch is read by the API before any flow
  const off = await startOwnApi(stack, { cfg: { ...stack.cfg, realName: { ...stack.cfg.realName, faceEnabled: false } } });
  try {
    for (const scene of SCENES) {
      const r = await call(off, 'POST', `/v1/accounts/${a.id}/face-scenes/${scene}`, { deviceId: a.deviceId });
      expect(r.status).toBe(403);
      // the scenes with a code method offer it
      expect(r.body.error).toEqual({ code: 'FACE_DISABLED', message: '人脸识别功能已关闭', ...(scene === 'reset_security' ? {} : { details: { alternative: 'sms' } }) });
    }
    // and that way works with the face off
    await prepare('unfreeze', a.id);
    const bySms = await call(off, 'POST', `/v1/accounts/${a.id}/face-scenes/unfreeze`, { deviceId: a.deviceId, method: 'sms' });
    expect(bySms.status).toBe(201);
    const done = await call(off, 'POST', `/v1/flows/unfreeze:${a.id}/code`, { code: await sceneCode(a.id, 'unfreeze') });
    expect(done.body.result).toMatchObject({ outcome: 'success', message: '账户解冻成功' });
  } finally {
    await off.close();
  }
});

describe('by an SMS code (unfreeze, cancellation)', () => {
  test('unfreeze: the code to the bound phone (a double click answers the same), a wrong one, the right one → unfrozen, its event, no face, no unit', async () => {
    const a = await verifiedAccount(1);
    await prepare('unfreeze', a.id);
    const flowId = `unfreeze:${a.id}`;
    const units = await q('SELECT face_free_used, face_number FROM accounts WHERE id = $1', [a.id]);
    const started = await startScene('unfreeze', a, { method: 'sms' });
    expect(started.status).toBe(201);
    expect(started.body.flow).toMatchObject({ flowId, scene: 'unfreeze', method: 'sms', cache: false, code: { sentTo: expect.stringContaining('****') } });
    const again = await startScene('unfreeze', a, { method: 'sms' });
    expect(again.status).toBe(200);
    expect(again.body.flow).toMatchObject({ flowId, cache: true, code: started.body.flow.code });
    // the face start of the same scene meets the code run
    expect((await startScene('unfreeze', a)).body.error.code).toBe('FLOW_IN_PROGRESS');
    const code = await sceneCode(a.id, 'unfreeze');
    expect(stack.sms.forPhone(await phoneOf(a.id)).filter((m) => m.templateId === '1646870')).toHaveLength(1);
    const wrong = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.body.error).toMatchObject({ code: 'CODE_WRONG', details: { attemptsLeft: 4 } });
    expect((await call(stack, 'GET', `/v1/flows/${flowId}`)).body.flow).toMatchObject({ method: 'sms', stage: 'awaiting_code', codesSent: 1, attemptsLeft: 4 });

    const done = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code });
    expect(done.status).toBe(200);
    expect(done.body.result).toMatchObject({ flowId, scene: 'unfreeze', outcome: 'success', message: '账户解冻成功', certifyId: null, error: null, effect: { frozenAt: expect.any(String) } });
    expect((await security(a.id)).frozen).toBeNull();
    expect((await events(a.id, 'account.unfrozen')).map((e) => e.payload)).toEqual([expect.objectContaining({ flowId, method: 'sms', id: null })]);
    expect(await faceRows(a.id, 'unfreeze')).toEqual([]);
    expect(await q('SELECT face_free_used, face_number FROM accounts WHERE id = $1', [a.id])).toEqual(units);
    // the code is spent and the flow closed
    expect((await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code })).body.error.code).toBe('FLOW_CLOSED');
  });

  test('cancellation: five wrong codes lock it; a second run is cancelled; a third requests it', async () => {
    const a = await verifiedAccount(0);
    const flowId = `cancellation:${a.id}`;
    expect((await startScene('cancellation', a, { method: 'sms' })).status).toBe(201);
    const code = await sceneCode(a.id, 'cancellation');
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) expect((await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: wrong })).body.error.code).toBe('CODE_WRONG');
    expect((await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: wrong })).body.error.code).toBe('CODE_ATTEMPTS_EXCEEDED');
    expect(await stack.client.workflow.getHandle(flowId).result()).toMatchObject({ outcome: 'locked' });

    expect((await startScene('cancellation', a, { method: 'sms' })).status).toBe(201);
    expect((await call(stack, 'DELETE', `/v1/flows/${flowId}`)).body.flow).toMatchObject({ outcome: 'cancelled', method: 'sms' });
    expect((await security(a.id)).cancellation).toBeNull();

    expect((await startScene('cancellation', a, { method: 'sms' })).status).toBe(201);
    const done = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: await sceneCode(a.id, 'cancellation', 3) });
    expect(done.body.result).toMatchObject({ outcome: 'success', message: '账户注销申请已提交', effect: { coolingOffUntil: expect.any(String) } });
    expect((await security(a.id)).cancellation).toMatchObject({ flowId });
    expect(await events(a.id, 'account.cancellation_requested')).toHaveLength(1);
  });

  test('a security reset is proven by the face only; the code method needs a bound phone; a face run refuses the code routes', async () => {
    const a = await verifiedAccount();
    await prepare('reset_security', a.id);
    const r = await startScene('reset_security', a, { method: 'sms' });
    expect([r.status, r.body.error.code]).toEqual([409, 'SCENE_METHOD_UNAVAILABLE']);

    const noPhone = await readyAccount(stack, { phone: false });
    await call(stack, 'POST', `/v1/accounts/${noPhone.id}/freeze`, {});
    const p = await call(stack, 'POST', `/v1/accounts/${noPhone.id}/face-scenes/unfreeze`, { deviceId: noPhone.deviceId, method: 'sms' });
    expect([p.status, p.body.error.code]).toEqual([409, 'SCENE_PHONE_REQUIRED']);

    const face = await startScene('reset_security', a);
    expect(face.status).toBe(201);
    const flowId = face.body.flow.flowId;
    expect((await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: '123456' })).body.error.code).toBe('PROOF_METHOD_MISMATCH');
    expect((await call(stack, 'POST', `/v1/flows/${flowId}/code/resend`)).body.error.code).toBe('PROOF_METHOD_MISMATCH');
    expect((await call(stack, 'DELETE', `/v1/flows/${flowId}`)).body.flow.outcome).toBe('cancelled');
  });
});

async function phoneOf(id: string): Promise<string> {
  const [r] = await q('SELECT phone_enc FROM accounts WHERE id = $1', [id]);
  return stack.deps.fieldCrypto.decrypt(r.phone_enc, contactAad('phone', id));
}

/** The nth code of the scene's code method sent to the account's phone. */
async function sceneCode(id: string, scene: 'unfreeze' | 'cancellation', nth = 1): Promise<string> {
  const phone = await phoneOf(id);
  const template = scene === 'unfreeze' ? '1646870' : '1646871';
  return waitFor(() => stack.sms.forPhone(phone).filter((m) => m.templateId === template)[nth - 1]?.params[0]);
}
