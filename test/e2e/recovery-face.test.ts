// Account recovery by face where the quota and the clock decide (issue 11): an account with no
// unit left is refused before any paid call, buys one, the platform confirms the payment twice,
// and the recovery's check consumes the purchased unit; a check the app never completes expires,
// gives its unit back and leaves no grant.
import { call, startStack, type Answer, type Stack } from '../support/stack';
import { complete, quotaOf, readyAccount, sdkOk, startRealName, uniqueIdNumber, uniqueIp } from '../support/real-name';

const FACE_TOKEN_TTL_SEC = 10;
let stack: Stack;
let refs = 0;
const paymentRef = () => `pay-rf-${process.pid}-${Date.now().toString(36)}-${++refs}`;

beforeAll(async () => {
  // one free check, spent on the real-name verification each test starts from
  stack = await startStack({ FACE_FREE_PER_ACCOUNT: '1', FACE_TOKEN_TTL_SEC: String(FACE_TOKEN_TTL_SEC) });
});
afterAll(async () => {
  await stack?.close();
});

const q = async (sql: string, params: unknown[]) => (await stack.deps.pool.query(sql, params)).rows;
const lookup = (idNumber: string): Promise<Answer> => call(stack, 'POST', '/v1/recovery/lookup', { idNumber, client: { ip: uniqueIp() } });
const start = (ticket: string, deviceId: string): Promise<Answer> => call(stack, 'POST', '/v1/recovery/flows', { ticket, method: 'face', deviceId, client: { ip: uniqueIp() } });
const collect = (flowId: string) => call(stack, 'POST', `/v1/flows/${flowId}/grant`);

/** A verified account (its free unit spent) and a fresh recovery ticket for it. */
async function verified(): Promise<{ id: string; deviceId: string; ticket: string }> {
  const idNumber = uniqueIdNumber();
  const { id, deviceId } = await readyAccount(stack);
  const rn = await startRealName(stack, id, deviceId, { idNumber });
  expect((await complete(stack, rn.body.flow.clientToken, sdkOk(rn.body.flow.certifyId, deviceId))).body.result.outcome).toBe('verified');
  expect(await quotaOf(stack, id)).toEqual({ free: 1, purchased: 0 }); // free: the units used
  const found = await lookup(idNumber);
  expect(found.body.recovery.matches).toEqual([expect.objectContaining({ accountId: id, methods: ['sms', 'face'] })]);
  return { id, deviceId, ticket: found.body.recovery.matches[0].ticket };
}

test('no unit left: 402 and no flow; an order paid (twice: credited once), then the check consumes the purchased unit and the grant redeems', async () => {
  const a = await verified();
  const flowId = `recovery:${a.id}`;
  const calls = stack.face.calls('getCertifyId');
  const refused = await start(a.ticket, a.deviceId);
  expect([refused.status, refused.body.error.code]).toEqual([402, 'FACE_QUOTA_REQUIRED']);
  expect(stack.face.calls('getCertifyId')).toBe(calls);
  await expect(stack.client.workflow.getHandle(flowId).describe()).rejects.toThrow();

  const created = await call(stack, 'POST', `/v1/accounts/${a.id}/face-quota/orders`, { units: 1 });
  expect(created.status).toBe(201);
  const orderId: string = created.body.order.orderId;
  const ref = paymentRef();
  const first = await call(stack, 'POST', `/v1/face-quota/orders/${orderId}/paid`, { paymentRef: ref });
  const again = await call(stack, 'POST', `/v1/face-quota/orders/${orderId}/paid`, { paymentRef: ref });
  expect([first.body.credited, again.body.credited]).toEqual([true, false]);
  expect(await quotaOf(stack, a.id)).toEqual({ free: 1, purchased: 1 });

  const started = await start(a.ticket, a.deviceId);
  expect(started.status).toBe(201);
  const { face, clientToken } = started.body.flow;
  const done = await complete(stack, clientToken, sdkOk(face.certifyId, a.deviceId));
  expect(done.body.result.outcome).toBe('success');
  const { grant } = (await collect(flowId)).body.grant;
  const redeemed = await call(stack, 'POST', `/v1/recovery-grants/${grant}/redeem`, {});
  expect(redeemed.status).toBe(200);
  expect(await quotaOf(stack, a.id)).toEqual({ free: 1, purchased: 0 });

  // the recovery's face row keeps the payment reference of the unit it consumed
  const trace = await call(stack, 'GET', `/v1/accounts/${a.id}/face-attempts`);
  expect(trace.body.attempts[0]).toMatchObject({ scene: 'recovery', status: 'success', unit: { source: 'purchased', state: 'consumed', orderId, paymentRef: ref } });
  // and another recovery finds no unit again
  const more = await start(a.ticket, a.deviceId);
  expect([more.status, more.body.error.code]).toEqual([402, 'FACE_QUOTA_REQUIRED']);
});

test('a check the app never completes expires: the flow ends without a grant, the unit goes back, the token dies with it', async () => {
  const a = await verified();
  await q('UPDATE accounts SET face_number = 1 WHERE id = $1', [a.id]);
  const flowId = `recovery:${a.id}`;
  const started = await start(a.ticket, a.deviceId);
  expect(started.status).toBe(201);
  const { face, clientToken } = started.body.flow;

  const result = await stack.client.workflow.getHandle(flowId).result();
  expect(result).toMatchObject({ outcome: 'expired' });
  const late = await collect(flowId);
  expect(late.status).toBeGreaterThanOrEqual(400);
  expect(await q('SELECT 1 FROM recovery_grants WHERE flow_id = $1', [flowId])).toEqual([]);
  expect(await q('SELECT state FROM face_quota_ledger WHERE key = $1', [face.faceCheckId])).toEqual([{ state: 'released' }]);
  expect(await q("SELECT status FROM face_verifications WHERE face_check_id = $1", [face.faceCheckId])).toEqual([{ status: 'expired' }]);
  expect(await quotaOf(stack, a.id)).toEqual({ free: 1, purchased: 1 });
  const completion = await complete(stack, clientToken, sdkOk(face.certifyId, a.deviceId));
  expect(completion.body.error.code).toBe('FACE_TOKEN_INVALID');
}, 60_000);
