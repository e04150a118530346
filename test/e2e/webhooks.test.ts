// Webhook delivery end to end: subscribers over the API, events recorded by real flows
// (or by the real recordCallback activity), delivered by the dispatcher workflow on the
// real worker to a local receiver that verifies every signature with the documented helper.
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../flows/activities';
import { recordCallbackEvent } from '../../db/events';
import { secretAad } from '../../db/webhooks';
import { FieldCrypto } from '../../lib/field-crypto';
import { verifyWebhookSignature } from '../../lib/webhook-signature';
import { waitFor } from '../support/wait';
import { API_KEY, READ_ONLY_KEY, call, startStack, uniqueAccountId, uniquePhone, type Stack } from '../support/stack';
import { startReceiver, type Receiver } from '../support/webhook-receiver';

const HOOKS_READER_KEY = 'test-key-webhooks-read';

let stack: Stack;
let receiver: Receiver;
let acts: ReturnType<typeof createActivities>;
const created: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startStack({
    API_KEYS: `suite:${API_KEY}:*;reader:${READ_ONLY_KEY}:accounts:read+flows:read;hooks:${HOOKS_READER_KEY}:webhooks:read`,
    WEBHOOK_RETRY_INITIAL_MS: '200',
    WEBHOOK_RETRY_MAX_INTERVAL_MS: '800',
    WEBHOOK_RETRY_WINDOW_SEC: '6',
    WEBHOOK_HTTP_TIMEOUT_MS: '1000',
    WEBHOOK_SWEEP_INTERVAL_SEC: '1',
    WEBHOOK_DISPATCHER_IDLE_SEC: '5',
    // small, so the order test crosses several continueAsNew boundaries
    WEBHOOK_DISPATCHER_MAX_PER_RUN: '3',
  });
  acts = createActivities(stack.deps);
});
afterEach(async () => {
  // other suites share the database: leave no subscriber behind
  for (const id of created.splice(0)) await call(stack, 'DELETE', `/v1/webhooks/${id}`);
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`eventually: not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function subscribe(path: string, eventTypes: string[] = ['*'], extra: Record<string, unknown> = {}) {
  const r = await call(stack, 'POST', '/v1/webhooks', { url: receiver.url(path), eventTypes, description: `test ${path}`, ...extra });
  expect(r.status).toBe(201);
  created.push(r.body.subscriber.id);
  receiver.secrets.set(path, r.body.secret);
  return r.body as { subscriber: { id: string }; secret: string };
}

const uniquePath = (name: string) => `/hook/${name}/${randomUUID()}`;

/** The real recordCallback activity (insert + wake the dispatcher), as a flow calls it. */
async function record(accountId: string, type: string, n: number) {
  await acts.recordCallback({ flowId: `test-flow-${n}:${accountId}`, accountId, type, payload: { accountId, n } });
}

describe('delivery', () => {
  test('an event recorded by a real bind flow over HTTP reaches the endpoint, signed', async () => {
    const path = uniquePath('bind');
    const { subscriber } = await subscribe(path, ['phone.bound']);
    const id = uniqueAccountId('wh');
    expect((await call(stack, 'POST', '/v1/accounts', { id })).status).toBe(201);
    const phone = uniquePhone();
    expect((await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone })).status).toBe(201);
    const code = await waitFor(() => stack.sms.forPhone(phone)[0]?.params[0]);
    expect((await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code })).body.result.outcome).toBe('bound');

    const got = await waitFor(() => receiver.deliveredFor(id, path)[0], 15_000);
    expect(got.verified).toBe(true);
    expect(verifyWebhookSignature(receiver.secrets.get(path)!, got.headers['webhook-signature'] as string, got.raw)).toBe(true);
    expect(verifyWebhookSignature('whsec_wrong', got.headers['webhook-signature'] as string, got.raw)).toBe(false);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['user-agent']).toBe('verification-saga-webhooks/1');
    expect(got.headers['webhook-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(got.headers['webhook-id']).toMatch(/^whd_\d+$/);
    expect(got.body).toEqual({
      id: expect.stringMatching(/^evt_\d+$/),
      type: 'phone.bound',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      accountId: id,
      data: expect.objectContaining({ accountId: id, phone: `${phone.slice(0, 3)}****${phone.slice(-4)}`, flowId: `bind-phone:${id}` }),
    });
    expect(got.raw).not.toContain(phone);

    // the operator's view: delivered on the first attempt, the event marked delivered
    const list = await eventually(async () => {
      const r = await call(stack, 'GET', `/v1/webhook-deliveries?accountId=${id}&subscriberId=${subscriber.id}`);
      return r.body.deliveries?.[0]?.state === 'delivered' ? r.body.deliveries : undefined;
    });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ eventType: 'phone.bound', accountId: id, attempts: 1, lastStatusCode: 200, lastError: null, run: 1 });
    expect(got.headers['webhook-id']).toBe(`whd_${list[0].id}`);
    const event = await stack.deps.pool.query('SELECT dispatched_at, delivered_at FROM callback_events WHERE account_id = $1', [id]);
    expect(event.rows[0].dispatched_at).not.toBeNull();
    expect(event.rows[0].delivered_at).not.toBeNull();
  });

  test('a receiver failing twice gets the event on the third attempt; every attempt is logged', async () => {
    const path = uniquePath('flaky');
    await subscribe(path);
    const id = uniqueAccountId('wh');
    const answers = [500, 503];
    receiver.handlers.set(path, (r) => (r.body.accountId === id ? (answers.shift() ?? 200) : 200));
    await record(id, 'email.bound', 1);

    const got = await waitFor(() => receiver.deliveredFor(id, path)[0], 15_000);
    const tries = receiver.received.filter((r) => r.body.accountId === id && r.path === path);
    expect(tries.map((t) => t.status)).toEqual([500, 503, 200]);
    // one delivery: the same Webhook-Id and event id on every attempt, a fresh signature each time
    expect(new Set(tries.map((t) => t.headers['webhook-id'])).size).toBe(1);
    expect(new Set(tries.map((t) => t.body.id)).size).toBe(1);
    expect(got.verified).toBe(true);
    // retried after a backoff (at least the initial interval), not at once
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(150);
    expect(tries[2]!.at - tries[1]!.at).toBeGreaterThanOrEqual(150);

    const deliveryId = String(got.headers['webhook-id']).slice('whd_'.length);
    const detail = await eventually(async () => {
      const r = await call(stack, 'GET', `/v1/webhook-deliveries/${deliveryId}`);
      return r.body.delivery?.state === 'delivered' ? r.body : undefined;
    });
    expect(detail.delivery).toMatchObject({ attempts: 3, lastStatusCode: 200, lastError: null });
    expect(detail.attempts.map((a: any) => [a.attempt, a.run, a.statusCode, a.error])).toEqual([
      [1, 1, 500, 'HTTP 500'],
      [2, 1, 503, 'HTTP 503'],
      [3, 1, 200, null],
    ]);
    for (const a of detail.attempts) {
      expect(a.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(a.at)).not.toBeNaN();
    }
  });

  test('events recorded quickly arrive in order per account while the receiver is slow', async () => {
    const path = uniquePath('slow');
    await subscribe(path);
    const id = uniqueAccountId('wh');
    receiver.handlers.set(path, async () => {
      await new Promise((r) => setTimeout(r, 150));
      return 200;
    });
    const types = ['phone.bound', 'email.bound', 'phone.rebound', 'email.rebound', 'real_name.verified', 'phone.rebound', 'email.rebound', 'phone.bound'];
    // recorded as fast as the activity goes, while earlier ones are still being delivered
    for (let n = 0; n < types.length; n++) await record(id, types[n]!, n);

    const got = await waitFor(() => {
      const d = receiver.deliveredFor(id, path);
      return d.length >= types.length ? d : undefined;
    }, 30_000);
    expect(got.map((r) => r.body.data.n)).toEqual(types.map((_, n) => n));
    expect(got.map((r) => r.body.type)).toEqual(types);
    const ids = got.map((r) => Number(r.body.id.slice(4)));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    // nothing delivered twice, although the dispatcher continued-as-new every 3 deliveries
    expect(receiver.received.filter((r) => r.body.accountId === id && r.path === path)).toHaveLength(types.length);
    const runs = await eventually(async () => {
      const n = await stack.client.workflow.count(`WorkflowId = "webhooks:${id}"`);
      return n.count >= 3 ? n.count : undefined;
    });
    expect(runs).toBeGreaterThanOrEqual(3);
  });

  test('a failing endpoint holds back only its own deliveries', async () => {
    const down = uniquePath('down');
    const up = uniquePath('up');
    await subscribe(down);
    await subscribe(up);
    const id = uniqueAccountId('wh');
    receiver.handlers.set(down, (r) => (r.body.accountId === id ? 500 : 200));
    for (let n = 0; n < 4; n++) await record(id, 'phone.bound', n);
    const got = await waitFor(() => {
      const d = receiver.deliveredFor(id, up);
      return d.length >= 4 ? d : undefined;
    }, 15_000);
    expect(got.map((r) => r.body.data.n)).toEqual([0, 1, 2, 3]);
    // the failing endpoint is still on its first event: order holds per endpoint too
    const tries = receiver.received.filter((r) => r.body.accountId === id && r.path === down);
    expect(tries.length).toBeGreaterThan(0);
    expect(new Set(tries.map((t) => t.body.data.n))).toEqual(new Set([0]));
  });

  test('a disabled subscriber gets nothing; a type filter lets only its types through', async () => {
    const all = uniquePath('all');
    const onlyEmail = uniquePath('email');
    const disabled = uniquePath('disabled');
    const paused = uniquePath('paused');
    await subscribe(all);
    const email = await subscribe(onlyEmail, ['email.bound', 'email.rebound']);
    const off = await subscribe(disabled, ['*'], { enabled: false });
    const later = await subscribe(paused);
    const patched = await call(stack, 'PATCH', `/v1/webhooks/${later.subscriber.id}`, { enabled: false });
    expect(patched.body.subscriber.enabled).toBe(false);
    const id = uniqueAccountId('wh');
    await record(id, 'phone.bound', 0);
    await record(id, 'email.bound', 1);
    await record(id, 'real_name.verified', 2);

    await waitFor(() => (receiver.deliveredFor(id, all).length >= 3 ? true : undefined), 15_000);
    await waitFor(() => (receiver.deliveredFor(id, onlyEmail).length >= 1 ? true : undefined), 15_000);
    expect(receiver.deliveredFor(id, onlyEmail).map((r) => r.body.type)).toEqual(['email.bound']);
    expect(receiver.received.filter((r) => r.path === disabled || r.path === paused)).toEqual([]);
    const rows = await stack.deps.pool.query('SELECT subscriber_id, event_type FROM webhook_deliveries WHERE account_id = $1 ORDER BY id', [id]);
    const bySub = (sid: string) => rows.rows.filter((r) => r.subscriber_id === sid).map((r) => r.event_type);
    expect(bySub(email.subscriber.id)).toEqual(['email.bound']);
    expect(bySub(off.subscriber.id)).toEqual([]);
    expect(bySub(later.subscriber.id)).toEqual([]);
  });

  test('an event no signal announced is found by the sweeper and delivered', async () => {
    const path = uniquePath('swept');
    await subscribe(path);
    const id = uniqueAccountId('wh');
    // written the way a flow's own transaction writes it (no dispatcher signal)
    await recordCallbackEvent(stack.deps.pool, { eventKey: `swept:${id}`, type: 'real_name.verified', accountId: id, flowId: null, payload: { accountId: id } });
    const got = await waitFor(() => receiver.deliveredFor(id, path)[0], 20_000);
    expect(got.body.type).toBe('real_name.verified');
    expect(got.verified).toBe(true);
  });

  test('after the retry window the delivery is failed; an operator lists it and redelivers it', async () => {
    const path = uniquePath('gives-up');
    const { subscriber } = await subscribe(path);
    const id = uniqueAccountId('wh');
    let healthy = false;
    receiver.handlers.set(path, (r) => (r.body.accountId !== id || healthy ? 200 : 500));
    await record(id, 'phone.bound', 0);

    const failed = await eventually(async () => {
      const r = await call(stack, 'GET', `/v1/webhook-deliveries?state=failed&accountId=${id}`);
      return r.body.deliveries.length ? r.body.deliveries[0] : undefined;
    }, 30_000);
    expect(failed).toMatchObject({ state: 'failed', subscriberId: subscriber.id, eventType: 'phone.bound', lastStatusCode: 500 });
    expect(failed.lastError).toMatch(/^retry window over: HTTP 500/);
    expect(failed.attempts).toBeGreaterThanOrEqual(3);
    const before = failed.attempts;

    // filters
    expect((await call(stack, 'GET', `/v1/webhook-deliveries?state=delivered&accountId=${id}`)).body.deliveries).toEqual([]);
    // (the subscriber takes every type: other suites' phone.bound events reach it too)
    expect((await call(stack, 'GET', `/v1/webhook-deliveries?eventType=phone.bound&subscriberId=${subscriber.id}&accountId=${id}`)).body.deliveries.map((d: any) => d.id)).toEqual([failed.id]);

    healthy = true;
    const redo = await call(stack, 'POST', `/v1/webhook-deliveries/${failed.id}/redeliver`);
    expect(redo.status).toBe(202);
    expect(redo.body.delivery).toMatchObject({ state: 'pending', run: 2 });
    const got = await waitFor(() => receiver.deliveredFor(id, path)[0], 15_000);
    expect(got.verified).toBe(true);
    const detail = await eventually(async () => {
      const r = await call(stack, 'GET', `/v1/webhook-deliveries/${failed.id}`);
      return r.body.delivery.state === 'delivered' ? r.body : undefined;
    });
    expect(detail.delivery).toMatchObject({ run: 2, attempts: before + 1, lastStatusCode: 200 });
    expect(detail.attempts.at(-1)).toMatchObject({ run: 2, attempt: before + 1, statusCode: 200, error: null });
    expect(detail.attempts.filter((a: any) => a.run === 1)).toHaveLength(before);

    // a delivered one may be redelivered again; unknown ids are 404
    expect((await call(stack, 'POST', `/v1/webhook-deliveries/${failed.id}/redeliver`)).status).toBe(202);
    await waitFor(() => (receiver.deliveredFor(id, path).length >= 2 ? true : undefined), 15_000);
    for (const bad of ['999999999', 'abc']) {
      const r = await call(stack, 'POST', `/v1/webhook-deliveries/${bad}/redeliver`);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
    }
    expect((await call(stack, 'GET', '/v1/webhook-deliveries/abc')).body.error.code).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
  });
});

describe('subscribers', () => {
  test('create, list, get, update, rotate, delete; the secret is shown only at creation and rotation', async () => {
    const c = await call(stack, 'POST', '/v1/webhooks', { url: receiver.url('/crud'), eventTypes: ['phone.bound', 'phone.bound'], description: 'crm' });
    expect(c.status).toBe(201);
    created.push(c.body.subscriber.id);
    expect(c.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(c.body.subscriber).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: receiver.url('/crud'),
      eventTypes: ['phone.bound'],
      description: 'crm',
      enabled: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      secretRotatedAt: null,
    });
    const sid = c.body.subscriber.id;
    const list = await call(stack, 'GET', '/v1/webhooks', undefined, { key: HOOKS_READER_KEY });
    expect(list.status).toBe(200);
    expect(list.body.subscribers.map((s: any) => s.id)).toContain(sid);
    expect(JSON.stringify(list.body)).not.toContain(c.body.secret);
    expect(JSON.stringify(list.body)).not.toMatch(/secret_enc|whsec_/);
    const one = await call(stack, 'GET', `/v1/webhooks/${sid}`);
    expect(one.body.subscriber).toEqual(c.body.subscriber);
    expect(JSON.stringify(one.body)).not.toContain('whsec_');

    const up = await call(stack, 'PATCH', `/v1/webhooks/${sid}`, { url: 'https://hooks.example.com/in?x=1', eventTypes: ['*', 'email.bound'], enabled: false });
    expect(up.status).toBe(200);
    expect(up.body.subscriber).toMatchObject({ url: 'https://hooks.example.com/in?x=1', eventTypes: ['*'], enabled: false, description: 'crm' });

    const rot = await call(stack, 'POST', `/v1/webhooks/${sid}/rotate-secret`);
    expect(rot.status).toBe(200);
    expect(rot.body.secret).toMatch(/^whsec_/);
    expect(rot.body.secret).not.toBe(c.body.secret);
    expect(rot.body.subscriber.secretRotatedAt).not.toBeNull();
    expect(Date.parse(rot.body.previousSecretValidUntil)).toBeGreaterThan(Date.now());

    const del = await call(stack, 'DELETE', `/v1/webhooks/${sid}`);
    expect(del.status).toBe(200);
    expect(del.body.subscriber.deletedAt).not.toBeNull();
    expect((await call(stack, 'GET', `/v1/webhooks/${sid}`)).body.error.code).toBe('WEBHOOK_NOT_FOUND');
    expect((await call(stack, 'GET', '/v1/webhooks')).body.subscribers.map((s: any) => s.id)).not.toContain(sid);
    expect((await call(stack, 'DELETE', `/v1/webhooks/${sid}`)).status).toBe(404);
    const row = await stack.deps.pool.query('SELECT deleted_at, enabled FROM webhook_subscribers WHERE id = $1', [sid]);
    expect(row.rows[0]).toMatchObject({ enabled: false, deleted_at: expect.any(Date) });
  });

  test('bad input, unknown ids and missing scopes get structured errors', async () => {
    const bad = async (body: unknown, code: string, status = 400) => {
      const r = await call(stack, 'POST', '/v1/webhooks', body);
      expect(r.status).toBe(status);
      expect(r.body.error.code).toBe(code);
      return r.body.error;
    };
    for (const url of ['ftp://example.com/x', 'not a url', 'http://user:pw@127.0.0.1/x', 'http://127.0.0.1/x#f']) {
      const e = await bad({ url, eventTypes: ['*'] }, 'WEBHOOK_URL_INVALID');
      expect(e.details).toMatchObject({ field: 'url', problem: expect.any(String) });
      expect(e.message).toBe('回调地址无效');
    }
    const e = await bad({ url: receiver.url('/x'), eventTypes: ['phone.bound', 'user.deleted'] }, 'WEBHOOK_EVENT_TYPE_UNKNOWN');
    expect(e.details.unknown).toEqual(['user.deleted']);
    await bad({ url: receiver.url('/x'), eventTypes: [] }, 'INVALID_INPUT');
    await bad({ url: receiver.url('/x') }, 'INVALID_INPUT');
    await bad({ url: receiver.url('/x'), eventTypes: ['*'], secret: 'mine' }, 'INVALID_INPUT');

    for (const id of [randomUUID(), 'nope']) {
      for (const [method, path, body] of [
        ['GET', `/v1/webhooks/${id}`],
        ['PATCH', `/v1/webhooks/${id}`, { enabled: true }],
        ['DELETE', `/v1/webhooks/${id}`],
        ['POST', `/v1/webhooks/${id}/rotate-secret`],
      ] as const) {
        const r = await call(stack, method, path, body);
        expect([method, path, r.status, r.body.error.code]).toEqual([method, path, 404, 'WEBHOOK_NOT_FOUND']);
      }
    }
    const s = await subscribe(uniquePath('input'));
    expect((await call(stack, 'PATCH', `/v1/webhooks/${s.subscriber.id}`, {})).body.error.code).toBe('INVALID_INPUT');
    expect((await call(stack, 'PATCH', `/v1/webhooks/${s.subscriber.id}`, { url: 'gopher://x' })).body.error.code).toBe('WEBHOOK_URL_INVALID');
    expect((await call(stack, 'GET', '/v1/webhook-deliveries?state=lost')).body.error.code).toBe('INVALID_INPUT');
    expect((await call(stack, 'GET', '/v1/webhook-deliveries?limit=1000')).body.error.code).toBe('INVALID_INPUT');

    // scopes: a key without webhooks:* is refused; webhooks:read may read, not write
    const forbidden = await call(stack, 'GET', '/v1/webhooks', undefined, { key: READ_ONLY_KEY });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toMatchObject({ code: 'FORBIDDEN', details: { scope: 'webhooks:read' } });
    expect((await call(stack, 'GET', '/v1/webhook-deliveries', undefined, { key: READ_ONLY_KEY })).status).toBe(403);
    const write = await call(stack, 'POST', '/v1/webhooks', { url: receiver.url('/x'), eventTypes: ['*'] }, { key: HOOKS_READER_KEY });
    expect(write.status).toBe(403);
    expect(write.body.error.details).toEqual({ scope: 'webhooks:write' });
    expect((await call(stack, 'GET', '/v1/webhook-deliveries', undefined, { key: HOOKS_READER_KEY })).status).toBe(200);
    expect((await call(stack, 'GET', '/v1/webhooks', undefined, { key: null })).status).toBe(401);
  });

  test('the secret is stored sealed (AES-GCM, bound to its row), never in plaintext', async () => {
    const path = uniquePath('sealed');
    const a = await subscribe(path);
    const b = await subscribe(uniquePath('sealed-b'));
    const { rows } = await stack.deps.pool.query('SELECT t::text AS dump, secret_enc FROM webhook_subscribers t WHERE id = $1', [a.subscriber.id]);
    expect(rows[0].dump).not.toContain(a.secret);
    expect(rows[0].dump).not.toContain(a.secret.slice('whsec_'.length));
    expect(rows[0].secret_enc).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const crypto = new FieldCrypto(stack.cfg.crypto);
    expect(crypto.decrypt(rows[0].secret_enc, secretAad('secret', a.subscriber.id))).toBe(a.secret);
    // moved to another row, it does not decrypt
    expect(() => crypto.decrypt(rows[0].secret_enc, secretAad('secret', b.subscriber.id))).toThrow();
    for (const table of ['webhook_subscribers', 'webhook_deliveries', 'webhook_attempts', 'callback_events']) {
      const hit = await stack.deps.pool.query(`SELECT count(*)::int AS n FROM ${table} t WHERE t::text LIKE '%' || $1 || '%'`, [a.secret.slice(6)]);
      expect([table, hit.rows[0].n]).toEqual([table, 0]);
    }
  });

  test('after a rotation both secrets sign during the grace period', async () => {
    const path = uniquePath('rotate');
    const s = await subscribe(path);
    const rot = await call(stack, 'POST', `/v1/webhooks/${s.subscriber.id}/rotate-secret`);
    receiver.secrets.set(path, rot.body.secret);
    const id = uniqueAccountId('wh');
    await record(id, 'email.rebound', 0);
    const got = await waitFor(() => receiver.deliveredFor(id, path)[0], 15_000);
    const header = got.headers['webhook-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(rot.body.secret, header, got.raw)).toBe(true);
    expect(verifyWebhookSignature(s.secret, header, got.raw)).toBe(true);
  });
});
