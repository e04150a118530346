// Buying face quota over HTTP: an account with no free check left is refused (402), buys units,
// the platform confirms the payment (API call or signed callback, each once or many times, at
// once), and the face check consumes a purchased unit whose payment reference its face row keeps.
import { inTransaction } from '../../db/pool';
import { consumeQuota, refundQuota } from '../../db/real-name';
import { signatureHeader } from '../../lib/webhook-signature';
import { PAYMENT_CALLBACK_PATH, PAYMENT_SIGNATURE_HEADER } from '../../api/routes/face-quota';
import { call, startStack, type Stack } from '../support/stack';
import { complete, quotaOf, readyAccount, sdkOk, startRealName } from '../support/real-name';

const SECRET = 'face-quota-suite-payment-secret-0123';
let stack: Stack;
let refs = 0;
const paymentRef = () => `pay-${process.pid}-${Date.now().toString(36)}-${++refs}`;

beforeAll(async () => {
  // no free check: every face check needs a purchased unit
  stack = await startStack({ FACE_FREE_PER_ACCOUNT: '0', FACE_PRICE_CNY: '1.5', PAYMENT_CALLBACK_SECRETS: SECRET });
});
afterAll(async () => {
  await stack?.close();
});

const order = (id: string, units: number, headers: Record<string, string> = {}) => call(stack, 'POST', `/v1/accounts/${id}/face-quota/orders`, { units }, { headers });
const paid = (orderId: string, ref: string) => call(stack, 'POST', `/v1/face-quota/orders/${orderId}/paid`, { paymentRef: ref });

async function callback(body: unknown, opts: { secret?: string; at?: number; raw?: string } = {}) {
  const raw = opts.raw ?? JSON.stringify(body);
  const res = await fetch(`${stack.baseUrl}${PAYMENT_CALLBACK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [PAYMENT_SIGNATURE_HEADER]: signatureHeader([opts.secret ?? SECRET], raw, opts.at) },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as any };
}

test('no unit left: 402, then an order, its payment, and the real-name check consumes the purchased unit', async () => {
  const a = await readyAccount(stack);
  const refused = await startRealName(stack, a.id, a.deviceId);
  expect(refused.status).toBe(402);
  expect(refused.body.error.code).toBe('FACE_QUOTA_REQUIRED');

  const created = await order(a.id, 2);
  expect(created.status).toBe(201);
  expect(created.body.order).toMatchObject({ accountId: a.id, units: 2, unitPriceCny: 1.5, amountCny: 3, state: 'pending', paymentRef: null, unitsUsed: 0 });
  const orderId: string = created.body.order.orderId;
  expect(await quotaOf(stack, a.id)).toEqual({ free: 0, purchased: 0 });

  const ref = paymentRef();
  const p = await paid(orderId, ref);
  expect(p.status).toBe(200);
  expect(p.body).toMatchObject({ credited: true, order: { state: 'paid', paymentRef: ref } });
  expect(await quotaOf(stack, a.id)).toEqual({ free: 0, purchased: 2 });

  const s = await startRealName(stack, a.id, a.deviceId);
  expect(s.status).toBe(201);
  const done = await complete(stack, s.body.flow.clientToken, sdkOk(s.body.flow.certifyId, a.deviceId));
  expect(done.body.result.outcome).toBe('verified');

  const q = await call(stack, 'GET', `/v1/accounts/${a.id}/face-quota`);
  expect(q.status).toBe(200);
  expect(q.body.quota).toMatchObject({ freePerAccount: 0, freeLeft: 0, purchasedLeft: 1, held: 0, available: 1, unitPriceCny: 1.5 });
  expect(q.body.orders).toEqual([expect.objectContaining({ orderId, state: 'paid', unitsUsed: 1 })]);
  expect(q.body.ledger).toEqual([expect.objectContaining({ source: 'purchased', state: 'consumed', orderId, paymentRef: ref })]);
  const face = await stack.deps.pool.query('SELECT pay_ref, status FROM face_verifications WHERE account_id = $1', [a.id]);
  expect(face.rows).toEqual([{ pay_ref: ref, status: 'success' }]);
});

const totals = async () => (await call(stack, 'GET', '/v1/face-quota/totals')).body.totals as { unitsSold: number; purchasedConsumed: number; freeConsumed: number; refunded: number };

test('a payment confirmed many times, at once, by API and callback, credits once; another payment is refused', async () => {
  const before = await totals();
  const a = await readyAccount(stack);
  const orderId: string = (await order(a.id, 3)).body.order.orderId;
  const ref = paymentRef();
  const answers = await Promise.all([paid(orderId, ref), callback({ orderId, paymentRef: ref }), paid(orderId, ref), callback({ orderId, paymentRef: ref }), paid(orderId, ref)]);
  expect(answers.map((x) => x.status)).toEqual([200, 200, 200, 200, 200]);
  expect(answers.filter((x) => x.body.credited === true)).toHaveLength(1);
  expect(await quotaOf(stack, a.id)).toEqual({ free: 0, purchased: 3 });
  // again later: the same answer, nothing credited
  expect((await callback({ orderId, paymentRef: ref })).body).toMatchObject({ credited: false, order: { state: 'paid', paymentRef: ref } });

  const other = await paid(orderId, paymentRef());
  expect(other.status).toBe(409);
  expect(other.body.error.code).toBe('FACE_ORDER_ALREADY_PAID');
  // one payment never pays two orders
  const second: string = (await order(a.id, 1)).body.order.orderId;
  const reused = await paid(second, ref);
  expect(reused.status).toBe(409);
  expect(reused.body.error.code).toBe('FACE_PAYMENT_REF_USED');
  expect((await call(stack, 'GET', `/v1/face-quota/orders/${second}`)).body.order.state).toBe('pending');
  expect(await quotaOf(stack, a.id)).toEqual({ free: 0, purchased: 3 });
  // the report counts the order's units once (only this suite buys units)
  expect((await totals()).unitsSold - before.unitsSold).toBe(3);
});

test('the callback needs a valid, fresh signature over the exact body', async () => {
  const a = await readyAccount(stack);
  const orderId: string = (await order(a.id, 1)).body.order.orderId;
  const body = { orderId, paymentRef: paymentRef() };
  for (const bad of [
    await callback(body, { secret: 'another-secret-of-some-length-000' }),
    await callback(body, { at: Math.floor(Date.now() / 1000) - 3600 }),
    // signed, then changed: the signature covers the bytes
    await (async () => {
      const raw = JSON.stringify(body);
      const res = await fetch(`${stack.baseUrl}${PAYMENT_CALLBACK_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [PAYMENT_SIGNATURE_HEADER]: signatureHeader([SECRET], raw) },
        body: raw.replace(body.paymentRef, paymentRef()),
      });
      return { status: res.status, body: (await res.json()) as any };
    })(),
  ]) {
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('PAYMENT_SIGNATURE_INVALID');
  }
  const notJson = await callback(null, { raw: 'orderId=1' });
  expect(notJson.status).toBe(400);
  expect(notJson.body.error.code).toBe('INVALID_INPUT');
  expect(await quotaOf(stack, a.id)).toEqual({ free: 0, purchased: 0 });
  expect((await callback(body)).body).toMatchObject({ credited: true });
  expect(await quotaOf(stack, a.id)).toEqual({ free: 0, purchased: 1 });
});

test('orders expire and can be cancelled; neither can then be paid', async () => {
  const a = await readyAccount(stack);
  const cancelled: string = (await order(a.id, 1)).body.order.orderId;
  const c1 = await call(stack, 'POST', `/v1/face-quota/orders/${cancelled}/cancel`);
  expect(c1.status).toBe(200);
  expect(c1.body.order.state).toBe('cancelled');
  expect((await call(stack, 'POST', `/v1/face-quota/orders/${cancelled}/cancel`)).body.order.state).toBe('cancelled');
  const late = await paid(cancelled, paymentRef());
  expect(late.status).toBe(409);
  expect(late.body.error.code).toBe('FACE_ORDER_CANCELLED');

  const stale: string = (await order(a.id, 1)).body.order.orderId;
  // its time has run out (FACE_ORDER_TTL_SEC): moved back rather than waited for
  await stack.deps.pool.query("UPDATE face_quota_orders SET expires_at = now() - interval '1 second' WHERE id = $1", [stale]);
  expect((await call(stack, 'GET', `/v1/face-quota/orders/${stale}`)).body.order.state).toBe('expired');
  const expired = await callback({ orderId: stale, paymentRef: paymentRef() });
  expect(expired.status).toBe(409);
  expect(expired.body.error.code).toBe('FACE_ORDER_EXPIRED');

  const kept: string = (await order(a.id, 1)).body.order.orderId;
  expect((await paid(kept, paymentRef())).status).toBe(200);
  const noCancel = await call(stack, 'POST', `/v1/face-quota/orders/${kept}/cancel`);
  expect(noCancel.status).toBe(409);
  expect(noCancel.body.error.code).toBe('FACE_ORDER_ALREADY_PAID');
  expect(await quotaOf(stack, a.id)).toEqual({ free: 0, purchased: 1 });
});

test('an Idempotency-Key makes a double click one order; bad input is refused with nothing stored', async () => {
  const a = await readyAccount(stack);
  const key = { 'idempotency-key': `click-${a.id}` };
  const [x, y] = await Promise.all([order(a.id, 2, key), order(a.id, 2, key)]);
  expect([x.status, y.status].sort()).toEqual([200, 201]);
  expect(x.body.order.orderId).toBe(y.body.order.orderId);
  const changed = await order(a.id, 5, key);
  expect(changed.status).toBe(409);
  expect(changed.body.error.code).toBe('FACE_ORDER_KEY_REUSED');

  for (const units of [0, -1, 1.5, 101, '2']) {
    const r = await call(stack, 'POST', `/v1/accounts/${a.id}/face-quota/orders`, { units });
    expect([r.status, r.body.error.code]).toEqual([400, 'INVALID_INPUT']);
  }
  expect((await order('no-such-account', 1)).body.error.code).toBe('ACCOUNT_NOT_FOUND');
  expect((await paid('fqo_000000000000000000000000', paymentRef())).body.error.code).toBe('FACE_ORDER_NOT_FOUND');
  const badId = await paid('1;drop', paymentRef());
  expect([badId.status, badId.body.error.code]).toEqual([400, 'INVALID_INPUT']);
  const badRef = await paid(x.body.order.orderId, 'a b');
  expect([badRef.status, badRef.body.error.code]).toEqual([400, 'INVALID_INPUT']);
  const q = await call(stack, 'GET', `/v1/accounts/${a.id}/face-quota`);
  expect(q.body.orders).toHaveLength(1);
});

test('a refund gives the purchased unit back to the order it came from, once', async () => {
  const a = await readyAccount(stack);
  const orderId: string = (await order(a.id, 1)).body.order.orderId;
  await paid(orderId, paymentRef());
  const key = `face-check:refund-test:${a.id}`;
  const consumed = await inTransaction(stack.deps.pool, (c) => consumeQuota(c, key, a.id, 0));
  expect(consumed).toEqual({ source: 'purchased', consumedNow: true });
  expect((await call(stack, 'GET', `/v1/face-quota/orders/${orderId}`)).body.order.unitsUsed).toBe(1);
  expect(await quotaOf(stack, a.id)).toEqual({ free: 0, purchased: 0 });
  for (const expected of [true, false]) expect((await inTransaction(stack.deps.pool, (c) => refundQuota(c, key))).refunded).toBe(expected);
  expect((await call(stack, 'GET', `/v1/face-quota/orders/${orderId}`)).body.order.unitsUsed).toBe(0);
  expect(await quotaOf(stack, a.id)).toEqual({ free: 0, purchased: 1 });
});
