// The webhook dispatcher's wake-up after a step records an event (notifyWebhookDispatcher):
// the event's own statement tells whether some endpoint wants its type (db/events.ts), so the
// step sends no lookup of its own; a retry that finds its event written asks as before. Over the
// real Postgres and Temporal, with a pool that counts the lookups the activities send.
import { randomUUID } from 'node:crypto';
import { watchedPool } from '../support/watched-pool';
import { createActivities } from '../../flows/activities';
import { recordCallbackEvent } from '../../db/events';
import { someSubscriberWants } from '../../db/webhooks';
import { dispatcherRunning } from '../../lib/webhook-dispatch';
import { waitForAsync } from '../support/wait';
import { startReceiver, type Receiver } from '../support/webhook-receiver';
import { call, startStack, uniqueAccountId, uniquePhone, type Stack } from '../support/stack';

const LOOKUP = /^SELECT EXISTS \(SELECT 1 FROM webhook_subscribers/;

let stack: Stack;
let receiver: Receiver;
let acts: ReturnType<typeof createActivities>;
let lookups = 0;
const subscribers: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  receiver = await startReceiver();
  acts = createActivities({
    ...stack.deps,
    pool: watchedPool(stack.deps.pool, (sql) => {
      if (LOOKUP.test(sql)) lookups++;
    }),
  });
});
afterAll(async () => {
  // other suites share the database: leave no subscriber behind
  for (const id of subscribers) await call(stack, 'DELETE', `/v1/webhooks/${id}`);
  await receiver?.close();
  await stack?.close();
});

async function subscribe(type: string) {
  const path = `/knock/${randomUUID()}`;
  const r = await call(stack, 'POST', '/v1/webhooks', { url: receiver.url(path), eventTypes: [type], description: 'knock suite' });
  expect(r.status).toBe(201);
  subscribers.push(r.body.subscriber.id);
  receiver.secrets.set(path, r.body.secret);
}

async function account(): Promise<string> {
  const id = uniqueAccountId('knock');
  expect((await call(stack, 'POST', '/v1/accounts', { id })).status).toBe(201);
  return id;
}

const event = (type: string, accountId: string, key = randomUUID()) => ({ eventKey: `knock:${key}`, type, accountId, flowId: null, payload: { accountId } });
const rowsOf = async (key: string) => (await stack.deps.pool.query('SELECT count(*)::int AS n FROM callback_events WHERE event_key = $1', [`knock:${key}`])).rows[0].n;

/** Other suites' endpoints come and go on the shared database: where nobody must want a type,
 * an answer is held to the lookup's when the lookup says the same before and after it. */
test('recording an event answers whether an endpoint wants its type, on a repeat too, and writes it once', async () => {
  const type = 'password.reset';
  const id = await account();
  const before = await someSubscriberWants(stack.deps.pool, type);
  const unwanted = await recordCallbackEvent(stack.deps.pool, event(type, id));
  if (before === (await someSubscriberWants(stack.deps.pool, type))) expect(unwanted).toBe(before);

  await subscribe(type);
  const key = randomUUID();
  expect(await recordCallbackEvent(stack.deps.pool, event(type, id, key))).toBe(true);
  expect(await recordCallbackEvent(stack.deps.pool, event(type, id, key))).toBe(true);
  expect(await rowsOf(key)).toBe(1);
});

test('a step that records an event wakes the dispatcher when wanted, with no lookup of its own', async () => {
  const type = 'account.security_verified';
  await subscribe(type);
  const id = await account();
  lookups = 0;
  await acts.recordCallback({ flowId: `knock-flow:${id}`, accountId: id, type, payload: { accountId: id } });
  expect(lookups).toBe(0);
  expect(await dispatcherRunning(stack.client, id)).toBe(true);
  // and the event reaches the endpoint
  await waitForAsync(async () => (receiver.deliveredFor(id).some((r) => r.body.type === type) ? true : undefined), 20_000);

  // a type nobody wants: no lookup, no dispatcher (unless some endpoint wants every type)
  const other = await account();
  const unwanted = 'account.unfrozen';
  const before = await someSubscriberWants(stack.deps.pool, unwanted);
  await acts.recordCallback({ flowId: `knock-flow:${other}`, accountId: other, type: unwanted, payload: { accountId: other } });
  expect(lookups).toBe(0);
  if (!before && !(await someSubscriberWants(stack.deps.pool, unwanted))) expect(await dispatcherRunning(stack.client, other)).toBe(false);
});

test('a bind committed once sends no lookup; its retry, finding the commit, asks', async () => {
  await subscribe('phone.bound');
  const id = await account();
  const flowId = `bind-phone:${id}`;
  const args = { runKey: `${flowId}/${randomUUID()}`, flowId, accountId: id, kind: 'phone' as const, target: uniquePhone(), meta: {}, keepSessionId: null };
  lookups = 0;
  const first = await acts.commitBind(args);
  expect(lookups).toBe(0);
  expect(await dispatcherRunning(stack.client, id)).toBe(true);
  const again = await acts.commitBind(args);
  expect(again).toEqual(first);
  // the answer holds what was committed, nothing of the wake-up
  expect(Object.keys(first).sort()).toEqual(['contactVersion', 'sessionsEnded']);
  expect(lookups).toBe(1);
});
