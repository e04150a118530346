// The day's cap on security notices (the seed's rebind_push: SMS 3, mail 5 a day) over the real
// Postgres, SMS sandbox and SMTP sink: queued by the change's transaction, sent or reported by
// the notice step. The stack's caps are the defaults.
import { queueNoticesToContacts } from '../../db/notices';
import { findAccount } from '../../db/accounts';
import { sendQueuedNotices } from '../../flows/shared/activities/notices';
import { NOTICE_CAPPED } from '../../flows/shared/contract';
import { seedAccount, type Seeded } from '../support/accounts';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

let n = 0;
const newKey = (a: Seeded) => `rebind-phone:${a.id}/${++n}/rebind-notice`;

/** What a committed change does: its notices queued in its own transaction. */
async function queue(a: Seeded, requestKey: string, scene = 'rebind_notice'): Promise<void> {
  const c = await stack.deps.pool.connect();
  try {
    await c.query('BEGIN');
    const account = (await findAccount(c, a.id))!;
    await queueNoticesToContacts(c, stack.deps.fieldCrypto, account, {
      requestKey,
      flowId: `rebind-phone:${a.id}`,
      scene,
      template: (kind) => (kind === 'phone' ? '2133448' : '手机号换绑提醒'),
      dailyLimit: stack.cfg.flows.noticeDailyLimit,
    });
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  } finally {
    c.release();
  }
}

const send = (a: Seeded, requestKey: string) =>
  sendQueuedNotices(stack.deps, { requestKey, accountId: a.id, text: { smsParams: ['手机号换绑', '139****0000'], mailText: 'x' } });

async function statuses(requestKey: string): Promise<Record<string, string>> {
  const { rows } = await stack.deps.pool.query<{ channel: string; status: string }>('SELECT channel, status FROM message_log WHERE request_key = $1', [requestKey]);
  return Object.fromEntries(rows.map((r) => [r.channel, r.status]));
}

test('the defaults are the seed\'s: SMS 3, mail 5 a day', () => {
  expect(stack.cfg.flows.noticeDailyLimit).toEqual({ sms: 3, mail: 5 });
});

test('the fourth SMS and sixth mail of a day are capped: recorded, reported, never sent; the other scene keeps its own count', async () => {
  const a = await seedAccount(stack, { email: true });
  const keys = Array.from({ length: 6 }, () => newKey(a));
  for (const k of keys) await queue(a, k);
  const got = [];
  for (const k of keys) got.push(await statuses(k));
  expect(got).toEqual([
    ...Array.from({ length: 3 }, () => ({ sms: 'pending', mail: 'pending' })),
    { sms: 'capped', mail: 'pending' },
    { sms: 'capped', mail: 'pending' },
    { sms: 'capped', mail: 'capped' },
  ]);

  const outcomes = [];
  for (const k of keys) outcomes.push(await send(a, k));
  expect(outcomes.map((o) => o.map((x) => `${x.channel}:${x.status}`).join(' '))).toEqual([
    'sms:sent mail:sent',
    'sms:sent mail:sent',
    'sms:sent mail:sent',
    'sms:capped mail:sent',
    'sms:capped mail:sent',
    'sms:capped mail:capped',
  ]);
  expect(outcomes[5]!.every((x) => x.providerCode === NOTICE_CAPPED)).toBe(true);
  expect(stack.sms.forPhone(a.phone!)).toHaveLength(3);
  expect(stack.smtp.forRecipient(a.email!)).toHaveLength(5);

  // a step retried sends nothing more and reports the same
  expect((await send(a, keys[3]!)).map((x) => x.status)).toEqual(['capped', 'sent']);
  expect(stack.sms.forPhone(a.phone!)).toHaveLength(3);

  // recovery's notices are counted apart from rebind's
  const other = newKey(a);
  await queue(a, other, 'recovery_notice');
  expect(await statuses(other)).toEqual({ sms: 'pending', mail: 'pending' });
});

test('a queue step run again (a lost transaction retried) does not count against itself', async () => {
  const a = await seedAccount(stack);
  const keys = Array.from({ length: 3 }, () => newKey(a));
  for (const k of keys) await queue(a, k);
  await queue(a, keys[2]!);
  expect(await statuses(keys[2]!)).toEqual({ sms: 'pending' });
});

test('changes committing at once never pass the cap between them', async () => {
  const a = await seedAccount(stack);
  const keys = Array.from({ length: 8 }, () => newKey(a));
  await Promise.all(keys.map((k) => queue(a, k)));
  const all = await Promise.all(keys.map(statuses));
  expect(all.filter((s) => s.sms === 'pending')).toHaveLength(3);
  expect(all.filter((s) => s.sms === 'capped')).toHaveLength(5);
});

test("yesterday's notices do not count", async () => {
  const a = await seedAccount(stack);
  const keys = Array.from({ length: 3 }, () => newKey(a));
  for (const k of keys) await queue(a, k);
  await stack.deps.pool.query(`UPDATE message_log SET created_at = created_at - interval '1 day' WHERE account_id = $1`, [a.id]);
  const today = newKey(a);
  await queue(a, today);
  expect(await statuses(today)).toEqual({ sms: 'pending' });
});
