// Delivery-time address checks (production: WEBHOOK_ALLOW_PRIVATE_URLS=false). A subscriber
// URL whose name resolves to an internal address — localhost through the system resolver, a
// public-looking name through a stand-in DNS, NAT64 and mapped spellings — gets no request:
// the attempt is recorded with the refused address and thrown as retryable, like any other
// failed attempt. The same delivery with private URLs allowed reaches the receiver, so the
// refusal is the policy's and not a broken setup.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { createWebhookActivities } from '../../flows/webhooks/activities';
import { recordCallbackEvent } from '../../db/events';
import { fanOutAccountEvents, insertSubscriber, secretAad } from '../../db/webhooks';
import type { Resolve } from '../../lib/webhook-http';
import { call, startStack, uniqueAccountId, type Stack } from '../support/stack';
import { startReceiver, type Receiver } from '../support/webhook-receiver';

let stack: Stack;
let receiver: Receiver;
const subscribers: string[] = [];
const accounts: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startStack();
  // the activities are called directly below; no dispatcher of this suite may race them
  await stack.stopWorker();
});
afterEach(async () => {
  // subscribers are global: leave none behind, nor a pending delivery of ours for another
  // suite's sweeper to pick up
  for (const id of subscribers.splice(0)) await call(stack, 'DELETE', `/v1/webhooks/${id}`);
  const mine = accounts.splice(0);
  await stack.deps.pool.query(`UPDATE webhook_deliveries SET state = 'failed', updated_at = now() WHERE account_id = ANY ($1) AND state = 'pending'`, [mine]);
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

/** Activities as production builds them (private URLs not allowed), over the suite's real deps. */
function productionActivities(resolve?: Resolve) {
  const cfg = { ...stack.cfg, webhooks: { ...stack.cfg.webhooks, allowPrivateUrls: false } };
  return createWebhookActivities({ ...stack.deps, cfg }, { resolve });
}

/**
 * A subscriber at `url` and one pending delivery of a fresh event to it. The subscriber wants
 * only an event type of its own, so no other suite's events fan out to it (the API would
 * accept only the product's types, which real flows emit); its URL is stored as is, as if
 * registered under development's rules or before its name's DNS changed.
 */
async function pendingDelivery(url: string): Promise<{ deliveryId: string; run: number; path: string }> {
  const path = new URL(url).pathname;
  const id = randomUUID();
  const type = `test.address.${id}`;
  const secret = `whsec_${randomUUID().replace(/-/g, '')}`;
  await insertSubscriber(stack.deps.pool, { id, url, eventTypes: [type], description: 'address test', enabled: true, secretEnc: stack.deps.fieldCrypto.encrypt(secret, secretAad('secret', id)) });
  subscribers.push(id);
  receiver.secrets.set(path, secret);
  const accountId = uniqueAccountId('whaddr');
  accounts.push(accountId);
  // recorded and fanned out in one transaction: no sweeper ever sees the event undispatched
  const db = await stack.deps.pool.connect();
  try {
    await db.query('BEGIN');
    await recordCallbackEvent(db, { eventKey: `test:${randomUUID()}`, type, accountId, flowId: null, payload: { accountId } });
    await fanOutAccountEvents(db as never, accountId);
    await db.query('COMMIT');
  } finally {
    db.release();
  }
  const { rows } = await stack.deps.pool.query<{ id: string; run: number }>('SELECT id, run FROM webhook_deliveries WHERE account_id = $1 AND subscriber_id = $2', [accountId, id]);
  expect(rows).toHaveLength(1);
  return { deliveryId: rows[0]!.id, run: rows[0]!.run, path };
}

async function attemptFails(acts: ReturnType<typeof createWebhookActivities>, d: { deliveryId: string; run: number }): Promise<ApplicationFailure> {
  const err = await acts.deliverWebhook(d).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

async function attempts(deliveryId: string) {
  const detail = await call(stack, 'GET', `/v1/webhook-deliveries/${deliveryId}`);
  expect(detail.status).toBe(200);
  return detail.body as { delivery: { state: string; attempts: number; lastError: string | null; lastStatusCode: number | null }; attempts: { attempt: number; statusCode: number | null; error: string | null }[] };
}

test('localhost, through the system resolver, is refused at delivery; with private URLs allowed it is delivered', async () => {
  const d = await pendingDelivery(receiver.url(`/hook/localhost/${randomUUID()}`).replace('127.0.0.1', 'localhost'));
  expect(receiver.url('/x')).toContain('127.0.0.1'); // the receiver really is on loopback

  const failure = await attemptFails(productionActivities(), d);
  expect(failure.type).toBe('WEBHOOK_ATTEMPT_FAILED');
  expect(failure.nonRetryable).toBe(false);
  expect(failure.message).toMatch(/refused address (127\.0\.0\.1|::1) \(loopback\)/);
  expect(receiver.received.filter((r) => r.path === d.path)).toEqual([]);
  const after = await attempts(d.deliveryId);
  expect(after.delivery).toMatchObject({ state: 'pending', attempts: 1, lastStatusCode: null, lastError: expect.stringMatching(/^refused address (127\.0\.0\.1|::1) \(loopback\)$/) });
  expect(after.attempts.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([[1, null, after.delivery.lastError]]);

  // the same delivery, the same name, development's policy: it arrives, signed
  expect(await createWebhookActivities(stack.deps).deliverWebhook(d)).toBe('delivered');
  const got = receiver.received.filter((r) => r.path === d.path);
  expect(got.map((r) => [r.status, r.verified, r.headers.host])).toEqual([[200, true, new URL(receiver.url('/')).host.replace('127.0.0.1', 'localhost')]]);
});

test.each([
  ['127.0.0.1', 'loopback'],
  ['10.1.2.3', 'private'],
  ['169.254.169.254', 'link-local'],
  ['::ffff:127.0.0.1', 'loopback (IPv4-mapped)'],
  ['64:ff9b::7f00:1', 'loopback (NAT64)'],
  ['fd00::2', 'unique-local'],
])('a public-looking name resolving to %s is refused (%s)', async (address, why) => {
  const d = await pendingDelivery(`https://hooks.example.com/hook/${randomUUID()}`);
  const asked: string[] = [];
  const resolve: Resolve = async (host) => (asked.push(host), [{ address, family: address.includes(':') ? 6 : 4 }]);
  const failure = await attemptFails(productionActivities(resolve), d);
  expect(asked).toEqual(['hooks.example.com']);
  expect(failure.message).toContain(`refused address ${address} (${why})`);
  expect((await attempts(d.deliveryId)).delivery).toMatchObject({ state: 'pending', attempts: 1, lastError: `refused address ${address} (${why})` });
});

test('one internal address among public ones refuses the name (a rebinding answer)', async () => {
  const d = await pendingDelivery(`https://hooks.example.com/hook/${randomUUID()}`);
  const resolve: Resolve = async () => [
    { address: '93.184.216.34', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ];
  const failure = await attemptFails(productionActivities(resolve), d);
  expect(failure.message).toContain('refused address 127.0.0.1 (loopback)');
});

test('an internal literal address in the URL is refused without asking DNS', async () => {
  const d = await pendingDelivery(receiver.url(`/hook/literal/${randomUUID()}`).replace('127.0.0.1', '[::ffff:127.0.0.1]'));
  const resolve: Resolve = async () => {
    throw new Error('DNS must not be asked for a literal address');
  };
  const failure = await attemptFails(productionActivities(resolve), d);
  expect(failure.message).toContain('refused address ::ffff:7f00:1 (loopback (IPv4-mapped))');
  expect(receiver.received.filter((r) => r.path === d.path)).toEqual([]);
});
