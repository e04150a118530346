// The worker process dies after the new code was accepted and the change committed, in
// the middle of the queued notices (one sent and logged, one on the wire); a new worker
// finishes the flow: the change is applied once and no notice goes out twice. (A crash between a provider's
// acceptance and our log row: an SMS notice is found in the gateway's delivery reports and not
// sent again, once reported — repeated-runs.test.ts covers it; a mail notice may repeat, with
// the same Message-ID — at least once, never lost. This test kills after the row.) And a
// worker process killed in a flow's first task: the flow's lifetime still counts from its start.
import type { ChildProcess } from 'node:child_process';
import { waitFor } from '../support/wait';

import { seedAccount } from '../support/accounts';
import { call, startStack, uniquePhone, type Stack } from '../support/stack';
import { killWorkerProcess, startWorkerProcess } from '../support/worker-process';

let stack: Stack;
let child: ChildProcess | null = null;

beforeAll(async () => {
  stack = await startStack({ CODE_RESEND_GAP_SEC: '0' });
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await stack?.close();
});

test('killed mid-notice and restarted: one change, one notice per old contact', async () => {
  // the old email's server is slow, so the worker can be killed while that mail is in flight
  const a = await seedAccount(stack, { email: `slow-${Date.now()}@example.com`, sessions: ['s1', 's2'] });
  const flowId = `rebind-phone:${a.id}`;
  await stack.stopWorker();
  child = await startWorkerProcess(stack);

  await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'sms', sessionId: `${a.id}-s1` });
  const proofCode = (await waitFor(() => stack.sms.forPhone(a.phone!)[0])).params[0];
  const token = (await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: proofCode })).body.proof.unbindToken;
  const next = uniquePhone();
  await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: next, token });
  const newCode = (await waitFor(() => stack.sms.forPhone(next)[0])).params[0];

  // the submission waits for the whole apply step; don't await it yet
  const submitted = call(stack, 'POST', `/v1/flows/${flowId}/new-contact/code`, { code: newCode, token });
  for (let i = 0; ; i++) {
    const logged = await stack.deps.pool.query("SELECT 1 FROM message_log WHERE flow_id = $1 AND kind = 'notice' AND channel = 'sms' AND status = 'sent'", [flowId]);
    if (logged.rowCount) break;
    if (i > 200) throw new Error('the SMS notice was never logged');
    await new Promise((r) => setTimeout(r, 25));
  }
  await killWorkerProcess(child);
  child = null;
  expect(stack.smtp.forRecipient(a.email!)).toHaveLength(0); // the mail notice never completed
  const mid = await stack.deps.pool.query('SELECT contact_version FROM accounts WHERE id = $1', [a.id]);
  expect(mid.rows[0].contact_version).toBe(2); // the change committed first, with its notices queued

  await stack.startWorker();
  const done = await submitted;
  expect(done.status).toBe(200);
  expect(done.body.result).toMatchObject({ outcome: 'rebound', sessionsEnded: [`${a.id}-s2`] });

  expect(stack.sms.forPhone(a.phone!).filter((m) => m.templateId === '2133448')).toHaveLength(1);
  await waitFor(() => stack.smtp.forRecipient(a.email!)[0]);
  expect(stack.smtp.forRecipient(a.email!)).toHaveLength(1);
  const acct = await stack.deps.pool.query('SELECT contact_version FROM accounts WHERE id = $1', [a.id]);
  expect(acct.rows[0].contact_version).toBe(2);
  const audit = await stack.deps.pool.query("SELECT count(*)::int AS n FROM audit_events WHERE flow_id = $1 AND type = 'phone.rebound'", [flowId]);
  expect(audit.rows[0].n).toBe(1);
  const cb = await stack.deps.pool.query('SELECT count(*)::int AS n FROM callback_events WHERE flow_id = $1', [flowId]);
  expect(cb.rows[0].n).toBe(1);
  const notices = await stack.deps.pool.query("SELECT channel, status FROM message_log WHERE flow_id = $1 AND kind = 'notice' ORDER BY channel", [flowId]);
  expect(notices.rows).toEqual([
    { channel: 'mail', status: 'sent' },
    { channel: 'sms', status: 'sent' },
  ]);
}, 90_000);

// A flow's lifetime counts from its start, however late its first task completes: a worker
// that dies in the first task (its steps are local activities) leaves it to time out, and the
// retried task runs 10 s later. The SDK's runStartTime is that retried task's time (the model
// test found flows open 10 s past their end).
test("killed in a flow's first task: its lifetime still counts from its start", async () => {
  const a = await seedAccount(stack, { phone: false });
  const phone = uniquePhone();
  const flowId = `bind-phone:${a.id}`;
  await stack.stopWorker();
  child = await startWorkerProcess(stack);
  // the first code's row is refused until released: the first task's send retries meanwhile
  const fn = `vsaga_first_${a.id.replace(/\W/g, '_')}`;
  const q = (sql: string) => stack.deps.pool.query(sql);
  await q(`CREATE SEQUENCE ${fn}_n`);
  await q(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.flow_id = '${flowId}' THEN PERFORM nextval('${fn}_n'); RAISE EXCEPTION 'held'; END IF; RETURN NEW; END $$`);
  await q(`CREATE TRIGGER ${fn} BEFORE INSERT ON verification_codes FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
  try {
    const started = call(stack, 'POST', `/v1/accounts/${a.id}/phone/bind`, { phone });
    for (let i = 0; !(await q(`SELECT is_called FROM ${fn}_n`)).rows[0].is_called; i++) {
      if (i > 400) throw new Error('the first send never ran');
      await new Promise((r) => setTimeout(r, 25));
    }
    await killWorkerProcess(child);
    child = null;
    await q(`DROP TRIGGER ${fn} ON verification_codes`);
    await stack.startWorker();
    expect((await started).status).toBe(201);
  } finally {
    await q(`DROP TRIGGER IF EXISTS ${fn} ON verification_codes`);
    await q(`DROP FUNCTION IF EXISTS ${fn}()`);
    await q(`DROP SEQUENCE IF EXISTS ${fn}_n`);
  }
  const handle = stack.client.workflow.getHandle(flowId);
  const history = (await handle.fetchHistory()).events ?? [];
  expect(history.some((e) => e.workflowTaskTimedOutEventAttributes)).toBe(true);
  const { startTime } = await handle.describe();
  const state = (await call(stack, 'GET', `/v1/flows/${flowId}`)).body.flow;
  expect(Date.parse(state.expiresAt) - startTime.getTime()).toBe(stack.cfg.flows.bindFlowTtlSec * 1000);
}, 60_000);
