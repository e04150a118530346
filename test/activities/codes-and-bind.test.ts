// The activities directly, over the real Postgres, Redis and SMS sandbox: what a
// retry (a worker dying mid-step) must not break — no second message, no second
// write, a code consumed by exactly one submission.
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../flows/activities';
import { contactIndex } from '../../db/accounts';
import { call, startStack, uniqueAccountId, uniquePhone, type Stack } from '../support/stack';
import type { SendCodeInput } from '../../flows/shared/activities/codes';

let stack: Stack;
let acts: ReturnType<typeof createActivities>;
beforeAll(async () => {
  stack = await startStack();
  acts = createActivities(stack.deps);
});
afterAll(async () => {
  await stack?.close();
});

async function account(): Promise<string> {
  const id = uniqueAccountId('act');
  await call(stack, 'POST', '/v1/accounts', { id });
  return id;
}

function input(accountId: string, phone: string, n = 1): SendCodeInput {
  return {
    flowId: `bind-phone:${accountId}`,
    requestKey: `bind-phone:${accountId}/run/code/${n}`,
    accountId,
    scene: 'bind_phone',
    channel: 'sms',
    target: phone,
    prechecks: [{ lacks: 'phone' }, { unclaimed: 'PHONE_TAKEN' }],
    perDay: 6,
    resendGapSec: 0,
  };
}

async function rejectionType(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    return (err as ApplicationFailure).type ?? undefined;
  }
  throw new Error('expected a rejection');
}

test('sendCode is idempotent per request key: a retry sends nothing more', async () => {
  const id = await account();
  const phone = uniquePhone();
  const first = await acts.sendCode(input(id, phone));
  const retry = await acts.sendCode(input(id, phone));
  expect(retry.codeId).toBe(first.codeId);
  expect(stack.sms.forPhone(phone)).toHaveLength(1);
  const rows = await stack.deps.pool.query('SELECT status, code_hash FROM verification_codes WHERE account_id = $1', [id]);
  expect(rows.rows).toHaveLength(1);
  expect(rows.rows[0].status).toBe('sent');
  expect(rows.rows[0].code_hash.toString('hex')).not.toContain(stack.sms.forPhone(phone)[0]!.params[0]);
});

test('sendCode prechecks: unknown account, account already bound, number taken', async () => {
  expect(await rejectionType(acts.sendCode(input('no-such-account', uniquePhone())))).toBe('ACCOUNT_NOT_FOUND');
  const id = await account();
  const phone = uniquePhone();
  const { codeId } = await acts.sendCode(input(id, phone));
  const code = stack.sms.forPhone(phone)[0]!.params[0]!;
  expect(await acts.checkCode({ flowId: `bind-phone:${id}`, codeId, code, submissionKey: 's1' })).toEqual({ ok: true });
  await acts.applyBind({ flowId: `bind-phone:${id}`, accountId: id, kind: 'phone', target: phone, meta: {} });
  expect(await rejectionType(acts.sendCode(input(id, uniquePhone(), 2)))).toBe('PHONE_ALREADY_BOUND');
  const other = await account();
  expect(await rejectionType(acts.sendCode(input(other, phone)))).toBe('PHONE_TAKEN');
});

test('checkCode: one submission consumes the code; its retry sees ok, another does not', async () => {
  const id = await account();
  const phone = uniquePhone();
  const { codeId } = await acts.sendCode(input(id, phone));
  const code = stack.sms.forPhone(phone)[0]!.params[0]!;
  const flowId = `bind-phone:${id}`;
  const wrong = code === '000000' ? '000001' : '000000';
  expect(await acts.checkCode({ flowId, codeId, code: wrong, submissionKey: 's1' })).toEqual({ ok: false });
  expect(await acts.checkCode({ flowId, codeId, code, submissionKey: 's2' })).toEqual({ ok: true });
  expect(await acts.checkCode({ flowId, codeId, code, submissionKey: 's2' })).toEqual({ ok: true });
  expect(await acts.checkCode({ flowId, codeId, code, submissionKey: 's3' })).toEqual({ ok: false });
  // and never across flows
  expect(await acts.checkCode({ flowId: 'bind-phone:someone-else', codeId, code, submissionKey: 's2' })).toEqual({ ok: false });
});

test('a resent code supersedes the previous one', async () => {
  const id = await account();
  const phone = uniquePhone();
  const first = await acts.sendCode(input(id, phone, 1));
  await acts.sendCode(input(id, phone, 2));
  const oldCode = stack.sms.forPhone(phone)[0]!.params[0]!;
  expect(await acts.checkCode({ flowId: `bind-phone:${id}`, codeId: first.codeId, code: oldCode, submissionKey: 'x' })).toEqual({ ok: false });
});

test('applyBind run twice (a retry after a crash) writes once and answers the same', async () => {
  const id = await account();
  const phone = uniquePhone();
  const args = { flowId: `bind-phone:${id}`, accountId: id, kind: 'phone' as const, target: phone, meta: { ip: '203.0.113.9' } };
  const a = await acts.applyBind(args);
  const b = await acts.applyBind(args);
  expect(b).toEqual(a);
  expect(a.contactVersion).toBe(1);
  const audit = await stack.deps.pool.query('SELECT ip FROM audit_events WHERE account_id = $1', [id]);
  expect(audit.rows).toEqual([{ ip: '203.0.113.9' }]);
  const row = await stack.deps.pool.query('SELECT phone_idx FROM accounts WHERE id = $1', [id]);
  expect(row.rows[0].phone_idx.equals(contactIndex(stack.deps.fieldCrypto, 'phone', phone))).toBe(true);
  // another flow for the same account cannot bind again
  expect(await rejectionType(acts.applyBind({ ...args, flowId: 'bind-phone:other-run', target: uniquePhone() }))).toBe('PHONE_ALREADY_BOUND');
});

test('ending sessions and recording the callback, each run twice, act once', async () => {
  const id = await account();
  for (const sid of ['a', 'b', 'c']) await call(stack, 'POST', `/v1/accounts/${id}/sessions`, { sessionId: `${id}-${sid}` });
  const args = { flowId: `bind-phone:${id}`, accountId: id, keepSessionId: `${id}-b`, reason: 'phone_bound' };
  const first = await acts.endSessionsAfterChange(args);
  const again = await acts.endSessionsAfterChange(args);
  expect(first).toEqual([`${id}-a`, `${id}-c`]);
  expect(again).toEqual(first);
  const cb = { flowId: `bind-phone:${id}`, accountId: id, type: 'phone.bound', payload: { accountId: id } };
  await acts.recordCallback(cb);
  await acts.recordCallback(cb);
  const events = await stack.deps.pool.query('SELECT count(*)::int AS n FROM callback_events WHERE account_id = $1', [id]);
  expect(events.rows[0].n).toBe(1);
});

// CHECK_THEN_COMMIT: a bind's submission is one local step; the worker may run it again whole
test('checkThenCommitBind: a wrong code commits nothing; a right one binds once, however often the step runs', async () => {
  const id = await account();
  for (const sid of ['keep', 'other']) await call(stack, 'POST', `/v1/accounts/${id}/sessions`, { sessionId: `${id}-${sid}` });
  const phone = uniquePhone();
  const { codeId } = await acts.sendCode(input(id, phone));
  const code = stack.sms.forPhone(phone)[0]!.params[0]!;
  const flowId = `bind-phone:${id}`;
  const commit = { runKey: `${flowId}/run-a`, flowId, accountId: id, kind: 'phone' as const, target: phone, meta: { ip: '203.0.113.9' }, keepSessionId: `${id}-keep` };
  const submission = (n: number, c = code) => ({ check: { flowId, codeId, code: c, submissionKey: `${flowId}/run-a/code/submit/${n}` }, commit });
  const bound = async () => (await stack.deps.pool.query('SELECT phone_idx FROM accounts WHERE id = $1', [id])).rows[0].phone_idx as Buffer | null;

  expect(await acts.checkThenCommitBind(submission(1, code === '000000' ? '000001' : '000000'))).toEqual({ ok: false });
  expect(await bound()).toBeNull();

  const first = await acts.checkThenCommitBind(submission(2));
  expect(first).toEqual({ ok: true, committed: { contactVersion: 1, sessionsEnded: [`${id}-other`] } });
  // the same step again (its worker died after the commit): the same answer, nothing written twice
  expect(await acts.checkThenCommitBind(submission(2))).toEqual(first);
  expect((await bound())!.equals(contactIndex(stack.deps.fieldCrypto, 'phone', phone))).toBe(true);
  const events = await stack.deps.pool.query("SELECT count(*)::int AS n FROM callback_events WHERE account_id = $1 AND type = 'phone.bound'", [id]);
  expect(events.rows[0].n).toBe(1);
  // another submission of the spent code is wrong, and commits nothing more
  expect(await acts.checkThenCommitBind(submission(3))).toEqual({ ok: false });
});

test('checkThenCommitBind: a right code for an address taken meanwhile is refused (PHONE_TAKEN), the code spent', async () => {
  const id = await account();
  const phone = uniquePhone();
  const { codeId } = await acts.sendCode(input(id, phone));
  const code = stack.sms.forPhone(phone)[0]!.params[0]!;
  const other = await account();
  await acts.applyBind({ flowId: `bind-phone:${other}`, accountId: other, kind: 'phone', target: phone, meta: {} });
  const flowId = `bind-phone:${id}`;
  const step = {
    check: { flowId, codeId, code, submissionKey: `${flowId}/run-b/code/submit/1` },
    commit: { runKey: `${flowId}/run-b`, flowId, accountId: id, kind: 'phone' as const, target: phone, meta: {}, keepSessionId: null },
  };
  expect(await rejectionType(acts.checkThenCommitBind(step))).toBe('PHONE_TAKEN');
  const row = await stack.deps.pool.query('SELECT status FROM verification_codes WHERE id = $1', [codeId]);
  expect(row.rows[0].status).toBe('used');
  expect(await acts.checkThenCommitBind({ ...step, check: { ...step.check, submissionKey: `${flowId}/run-b/code/submit/2` } })).toEqual({ ok: false });
});
