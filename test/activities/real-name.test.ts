// The real-name activities directly, over the real Postgres, Redis and sandboxes: what a
// retry (a worker dying mid-step) must not break — quota consumed once and never below
// zero, a refund given once, one paid ID check per flow run — and the counters' periods on
// the China calendar.
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../flows/activities';
import type { CheckedThenIssued, CheckThenIssueInput } from '../../flows/real-name/checks';
import type { SettledThenRecorded, SettleThenRecordInput } from '../../flows/real-name/settle-then-record';
import type { Pool } from 'pg';
import { readCounter, recordProviderCall } from '../../db/counters';
import { precheckRealName } from '../../db/real-name';
import { startStack, type Stack } from '../support/stack';
import { NAME, quotaOf, readyAccount, uniqueIdNumber, uniqueIp } from '../support/real-name';

let stack: Stack;
let acts: ReturnType<typeof createActivities>;
beforeAll(async () => {
  stack = await startStack();
  acts = createActivities(stack.deps);
});
afterAll(async () => {
  await stack?.close();
});

test('consumeFaceQuota runs twice, consumes once; refund twice, gives back once', async () => {
  const { id } = await readyAccount(stack);
  const key = `real-name:${id}/face`;
  expect(await acts.consumeFaceQuota({ faceCheckId: key, accountId: id })).toEqual({ source: 'free' });
  expect(await acts.consumeFaceQuota({ faceCheckId: key, accountId: id })).toEqual({ source: 'free' });
  expect(await quotaOf(stack, id)).toEqual({ free: 1, purchased: 0 });
  expect(await acts.refundFaceQuota({ faceCheckId: key, reason: 'test' })).toEqual({ refunded: true });
  expect(await acts.refundFaceQuota({ faceCheckId: key, reason: 'test' })).toEqual({ refunded: false });
  expect(await quotaOf(stack, id)).toEqual({ free: 0, purchased: 0 });
});

test('quota never goes below zero: a check billed with nothing left takes nothing', async () => {
  const { id } = await readyAccount(stack);
  await stack.deps.pool.query('UPDATE accounts SET face_free_used = 1, face_number = 0 WHERE id = $1', [id]);
  expect(await acts.consumeFaceQuota({ faceCheckId: `x:${id}/face`, accountId: id })).toEqual({ source: 'none' });
  expect(await quotaOf(stack, id)).toEqual({ free: 1, purchased: 0 });
  expect(await acts.refundFaceQuota({ faceCheckId: `x:${id}/face`, reason: 'test' })).toEqual({ refunded: true });
  expect(await quotaOf(stack, id)).toEqual({ free: 1, purchased: 0 });
});

test('checkIdentity runs twice for one flow run: one paid call, one count, one rate-limit slot', async () => {
  const { id } = await readyAccount(stack);
  const callKey = `real-name:${id}/run-1/id-check`;
  const input = { flowId: `real-name:${id}`, callKey, accountId: id, realName: NAME, idNumber: uniqueIdNumber(), clientIp: uniqueIp(), perDay: 5, gapSec: 60 };
  const calls = stack.idcard.calls();
  await acts.checkIdentity(input);
  await acts.checkIdentity(input);
  expect(stack.idcard.calls() - calls).toBe(1);
  const n = await stack.deps.pool.query('SELECT count(*)::int AS n FROM provider_calls WHERE call_key = $1', [callKey]);
  expect(n.rows[0].n).toBe(1);
});

test("the pre-checks read the account, its device and the subject's records, nothing more; a unit another check holds does not refuse them", async () => {
  const { id, deviceId } = await readyAccount(stack);
  // the account's one free unit, held by another live check: the check's own hold decides, later
  await stack.deps.pool.query("INSERT INTO face_quota_ledger (key, account_id, source, state, hold_until) VALUES ($1, $2, 'none', 'held', now() + interval '1 minute')", [`other:${id}/face`, id]);
  const tables: (string | undefined)[] = [];
  const db = {
    query: (text: string, values?: unknown[]) => {
      tables.push(/\bFROM (\w+)/.exec(text)?.[1]);
      return stack.deps.pool.query(text, values);
    },
  } as unknown as Pool;
  const input = { enabled: true, faceEnabled: true, accountId: id, realName: NAME, idNumber: uniqueIdNumber(), deviceId, environmentSafe: true, subjectLimit: 3, freePerAccount: 1 };
  expect(await precheckRealName(db, stack.deps.fieldCrypto, input)).toMatchObject({ ok: true, quota: 'free' });
  expect(tables).toEqual(['accounts', 'face_devices', 'real_name_records']);
  // with no unit owned, the refusal needs no count either
  await stack.deps.pool.query('UPDATE accounts SET face_free_used = 1 WHERE id = $1', [id]);
  tables.length = 0;
  expect(await precheckRealName(db, stack.deps.fieldCrypto, input)).toMatchObject({ ok: false, code: 'FACE_QUOTA_REQUIRED' });
  expect(tables).toEqual(['accounts', 'face_devices', 'real_name_records']);
});

/** The real-name run's step before the face, for a ready account (flows/real-name/checks.ts). */
async function beforeFace(): Promise<CheckThenIssueInput> {
  const { id, deviceId } = await readyAccount(stack);
  const idNumber = uniqueIdNumber();
  const flowId = `real-name:${id}`;
  const faceCheckId = `${flowId}/run-1/face`;
  return {
    precheck: { flowId, accountId: id, realName: NAME, idNumber, deviceId, environmentSafe: true, subjectLimit: 3, freePerAccount: 1 },
    idCheck: { flowId, callKey: `${flowId}/run-1/id-check`, accountId: id, realName: NAME, idNumber, clientIp: uniqueIp(), perDay: 5, gapSec: 60 },
    issue: { faceCheckId, ownerFlowId: flowId, accountId: id, scene: 'personal', identity: { realName: NAME, idNumber }, deviceId, requestDigest: `digest-${faceCheckId}`, needPicture: false, ttlSec: 60, meta: {} },
  };
}
const attemptOf = (input: CheckThenIssueInput) => (attempt: number): Promise<CheckedThenIssued> => new MockActivityEnvironment({ attempt }).run(acts.checkThenIssue, input);
const ledgerOf = async (key: string) => (await stack.deps.pool.query('SELECT state FROM face_quota_ledger WHERE key = $1', [key])).rows;
const faceRows = async (key: string) => (await stack.deps.pool.query('SELECT count(*)::int AS n FROM face_verifications WHERE face_check_id = $1', [key])).rows[0].n;

test('the step before the face twice at once, then again: one paid ID check, one certifyId, one hold, one row', async () => {
  const input = await beforeFace();
  const run = attemptOf(input);
  const idCalls = stack.idcard.calls();
  const [a, b] = await Promise.all([run(1), run(1)]);
  const c = await run(2);
  const certifyIds = new Set([a, b, c].map((r) => ('issued' in r ? r.issued.certifyId : r.error.code)));
  expect(certifyIds.size).toBe(1);
  expect(a).toMatchObject({ issued: { certifyId: expect.any(String), faceRecordId: expect.any(String) } });
  // two at once may both reach the provider before either recorded its answer; the retry never does
  expect(stack.idcard.calls() - idCalls).toBeLessThanOrEqual(2);
  const counted = await stack.deps.pool.query('SELECT count(*)::int AS n FROM provider_calls WHERE call_key = $1', [input.idCheck.callKey]);
  expect(counted.rows[0].n).toBe(1);
  expect(await ledgerOf(input.issue.faceCheckId)).toEqual([{ state: 'held' }]);
  expect(await faceRows(input.issue.faceCheckId)).toBe(1);
});

test('the face provider down: retried without a second ID check, ended on the third attempt with nothing held', async () => {
  const input = await beforeFace();
  const run = attemptOf(input);
  const idCalls = stack.idcard.calls();
  stack.face.setFailure('http500');
  try {
    await expect(run(1)).rejects.toMatchObject({ type: 'FACE_PROVIDER_ERROR', nonRetryable: false });
    await expect(run(2)).rejects.toMatchObject({ type: 'FACE_PROVIDER_ERROR' });
    expect(await run(3)).toMatchObject({ error: { code: 'FACE_PROVIDER_ERROR' } });
  } finally {
    stack.face.setFailure(null);
  }
  expect(stack.idcard.calls() - idCalls).toBe(1);
  expect(await ledgerOf(input.issue.faceCheckId)).toEqual([{ state: 'released' }]);
  expect(await faceRows(input.issue.faceCheckId)).toBe(0);
  // the provider back, a new run of the same account is served (the unit was given back)
  const again = await run(1);
  expect(again).toMatchObject({ issued: { certifyId: expect.any(String) } });
});

test('a pre-check refusal is the answer on any attempt, before any paid call', async () => {
  const input = await beforeFace();
  const idCalls = stack.idcard.calls();
  const refused = { ...input, precheck: { ...input.precheck, subjectLimit: 0 } };
  for (const attempt of [1, 5]) expect(await attemptOf(refused)(attempt)).toMatchObject({ error: { code: 'REAL_NAME_SUBJECT_LIMIT', details: { limit: 0 } } });
  expect(stack.idcard.calls() - idCalls).toBe(0);
  expect(await ledgerOf(input.issue.faceCheckId)).toEqual([]);
});

/** A check issued by the step before the face and passed on the provider's sandbox: the settling step's input. */
async function passedCheck(): Promise<SettleThenRecordInput & { idNumber: string }> {
  const input = await beforeFace();
  const r = await attemptOf(input)(1);
  if (!('issued' in r)) throw new Error(`not issued: ${r.error.code}`);
  const { flowId, accountId } = input.precheck;
  return {
    idNumber: input.precheck.idNumber,
    settle: { faceCheckId: input.issue.faceCheckId, ownerFlowId: flowId, accountId, certifyId: r.issued.certifyId, faceRecordId: r.issued.faceRecordId, close: true },
    record: { flowId, runKey: `${flowId}/run-1`, accountId, subjectLimit: 3, meta: {} },
  };
}
const settleAttempt = (input: SettleThenRecordInput) => (attempt: number): Promise<SettledThenRecorded> => new MockActivityEnvironment({ attempt }).run(acts.settleThenRecord, input);
const recordsOf = async (accountId: string) => (await stack.deps.pool.query('SELECT id::text, face_record_id::text FROM real_name_records WHERE account_id = $1', [accountId])).rows;
const eventsOf = async (accountId: string) => (await stack.deps.pool.query('SELECT type FROM callback_events WHERE account_id = $1 ORDER BY id', [accountId])).rows.map((r) => r.type);

test('settled and recorded in one step, twice at once and again: one unit, one record, one event, the same answer', async () => {
  const input = await passedCheck();
  const { accountId } = input.record;
  const run = settleAttempt(input);
  const [a, b] = await Promise.all([run(1), run(1)]);
  const c = await run(2);
  const [record] = await recordsOf(accountId);
  for (const s of [a, b, c]) expect(s).toMatchObject({ quota: { source: 'free' }, auth: { authState: 'SUCCESS' }, recorded: { realNameRecordId: record.id } });
  expect(await recordsOf(accountId)).toEqual([{ id: record.id, face_record_id: input.settle.faceRecordId }]);
  expect(await ledgerOf(input.settle.faceCheckId)).toEqual([{ state: 'consumed' }]);
  expect(await eventsOf(accountId)).toEqual(['real_name.verified']);
  const account = await stack.deps.pool.query('SELECT real_name_status FROM accounts WHERE id = $1', [accountId]);
  expect(account.rows).toEqual([{ real_name_status: 'verified' }]);
  // nothing of the person in the record's row in plaintext
  const row = JSON.stringify((await stack.deps.pool.query('SELECT * FROM real_name_records WHERE account_id = $1', [accountId])).rows);
  expect(row).not.toContain(input.idNumber);
  expect(row).not.toContain(NAME);
});

test("the record refused in the step (the account verified meanwhile): returned with the verdict, on any attempt, the row closed as passed", async () => {
  const input = await passedCheck();
  await stack.deps.pool.query("UPDATE accounts SET real_name_status = 'verified' WHERE id = $1", [input.record.accountId]);
  for (const attempt of [1, 4]) {
    expect(await settleAttempt(input)(attempt)).toMatchObject({ auth: { authState: 'SUCCESS' }, recorded: { error: { code: 'REAL_NAME_ALREADY_VERIFIED' } } });
  }
  expect(await recordsOf(input.record.accountId)).toEqual([]);
  expect(await ledgerOf(input.settle.faceCheckId)).toEqual([{ state: 'consumed' }]); // the run refunds it
  const [row] = (await stack.deps.pool.query('SELECT status FROM face_verifications WHERE face_check_id = $1', [input.settle.faceCheckId])).rows;
  expect(row).toEqual({ status: 'success' });
});

test('counters: today, yesterday, weeks from Monday, months, years on the China calendar', async () => {
  // Wednesday 2024-03-13 12:00 in China
  const at = new Date('2024-03-13T04:00:00Z');
  const rows: [string, string[]][] = [
    ['2024-03-12T16:00:00Z', ['today', 'thisWeek', 'thisMonth', 'thisYear']], // 00:00 on the 13th in China
    ['2024-03-12T15:59:59Z', ['yesterday', 'thisWeek', 'thisMonth', 'thisYear']], // 23:59:59 on the 12th
    ['2024-03-10T16:30:00Z', ['thisWeek', 'thisMonth', 'thisYear']], // Monday 00:30
    ['2024-03-10T15:00:00Z', ['lastWeek', 'thisMonth', 'thisYear']], // Sunday 23:00
    ['2024-02-29T17:00:00Z', ['thisMonth', 'thisYear']], // 1 March 01:00
    ['2024-02-15T00:00:00Z', ['lastMonth', 'thisYear']],
    ['2023-12-31T17:00:00Z', ['thisYear']], // 1 January 01:00
    ['2023-06-01T00:00:00Z', ['lastYear']],
    ['2022-06-01T00:00:00Z', []],
  ];
  const before = await readCounter(stack.deps.pool, 'api:face', at);
  const run = `counter-test-${process.pid}-${Date.now()}`;
  for (const [i, [ts]] of rows.entries()) {
    await recordProviderCall(stack.deps.pool, { callKey: `${run}-${i}`, api: 'api:face', accountId: null, flowId: null, outcome: 'SUCCESS' });
    await stack.deps.pool.query('UPDATE provider_calls SET created_at = $2 WHERE call_key = $1', [`${run}-${i}`, ts]);
  }
  const after = await readCounter(stack.deps.pool, 'api:face', at);
  const expected: Record<string, number> = { total: rows.length, today: 0, yesterday: 0, thisWeek: 0, lastWeek: 0, thisMonth: 0, lastMonth: 0, thisYear: 0, lastYear: 0 };
  for (const [, periods] of rows) for (const p of periods) expected[p]! += 1;
  const delta = Object.fromEntries(Object.keys(expected).map((k) => [k, (after as any)[k] - (before as any)[k]]));
  // other suites of the run pay face checks now (2026, outside every 2024 period): only the total sees them
  expect(delta.total).toBeGreaterThanOrEqual(expected.total!);
  expect({ ...delta, total: expected.total }).toEqual(expected);
});
