// bindPhone / bindEmail (flows/bind/workflow.ts) with stubbed activities: a code send that
// fails, a commit refused, wrong codes, a cancel while a step is in progress, and the code's
// and the flow's lifetimes (short TTLs: the dev server does not skip time).
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateStage } from '@temporalio/client';
import { bindEmail, bindPhone } from '../../flows/bind/workflow';
import { stateQuery, submitCodeUpdate, type BindInput } from '../../flows/bind/contract';
import { legacyCancelSignal as cancelSignal } from '../../flows/shared/contract';
import { cancelFlowUpdate, requestCodeUpdate } from '../../flows/shared/contract';
import { codeLimits, eventually, gate, HELD_LOCAL_STEP, localSteps, rejection, workflowSuite, transient, updateRejection, type Stubs } from './env';

const t = workflowSuite();

const limits = codeLimits;

function phoneInput(o: Partial<BindInput> = {}): BindInput {
  return {
    accountId: `acct-${randomUUID()}`,
    kind: 'phone',
    target: '13800138000',
    targetMasked: '138****8000',
    scene: 'bind_phone',
    channel: 'sms',
    limits: limits(),
    meta: { ip: '203.0.113.7' },
    sessionId: 'sess-keep',
    ...o,
  };
}

const sent: Stubs['sendCode'] = async (i) => ({ codeId: `code-${i.requestKey}`, sentTo: '138****8000' });
const right: Stubs['checkCode'] = async () => ({ ok: true });
const wrong: Stubs['checkCode'] = async () => ({ ok: false });
const committed: Stubs['commitBind'] = async () => ({ contactVersion: 2, sessionsEnded: ['sess-other'] });

describe('bind: the code send fails', () => {
  it('a refused first send ends the flow rejected with its code, nothing else called', async () => {
    await t.run({ sendCode: async () => Promise.reject(rejection('PHONE_TAKEN')) }, async ({ start, calls }) => {
      const input = phoneInput();
      const h = await start(bindPhone, [input]);
      expect((await updateRejection(h.executeUpdate(requestCodeUpdate))).type).toBe('PHONE_TAKEN');
      const result = await h.result();
      expect(result).toMatchObject({ outcome: 'rejected', accountId: input.accountId, target: '138****8000', sessionsEnded: [], error: { code: 'PHONE_TAKEN' } });
      expect((await h.describe()).status.name).toBe('COMPLETED');
      expect(calls.names()).toEqual(['sendCode']);
      const [send] = calls.of('sendCode');
      expect(send).toMatchObject({
        flowId: h.workflowId,
        accountId: input.accountId,
        scene: 'bind_phone',
        channel: 'sms',
        target: '13800138000',
        prechecks: [{ lacks: 'phone' }, { unclaimed: 'PHONE_TAKEN' }],
      });
      expect(send!.requestKey).toMatch(new RegExp(`^${h.workflowId}/[0-9a-f]{12}/code/1$`));
    });
  });

  it('a provider fault is retried three times, then the flow ends SMS_SEND_FAILED', async () => {
    await t.run({ sendCode: async () => Promise.reject(transient('SMS_SEND_FAILED', { providerCode: 'LimitExceeded' })) }, async ({ start, calls }) => {
      const h = await start(bindPhone, [phoneInput()]);
      const refused = await updateRejection(h.executeUpdate(requestCodeUpdate));
      expect(refused.type).toBe('SMS_SEND_FAILED');
      expect(refused.details).toEqual([{ providerCode: 'LimitExceeded' }]);
      expect(calls.attempts('sendCode')).toEqual([1, 2, 3]);
      expect(await h.result()).toMatchObject({ outcome: 'rejected', error: { code: 'SMS_SEND_FAILED' } });
    });
  });

  it('an outage (a fault that is not one of our codes) is SERVICE_UNAVAILABLE, and bindEmail ends', async () => {
    await t.run({ sendCode: async () => Promise.reject(plainError()) }, async ({ start, calls }) => {
      const h = await start(bindEmail, [phoneInput({ kind: 'email', target: 'a@example.com', targetMasked: 'a***@example.com', scene: 'bind_email', channel: 'mail' })]);
      expect((await updateRejection(h.executeUpdate(requestCodeUpdate))).type).toBe('SERVICE_UNAVAILABLE');
      expect(await h.result()).toMatchObject({ outcome: 'rejected', target: 'a***@example.com', error: { code: 'SERVICE_UNAVAILABLE' } });
      expect(calls.attempts('sendCode')).toEqual([1, 2, 3]);
      expect(calls.of('sendCode')[0]).toMatchObject({ scene: 'bind_email', channel: 'mail', prechecks: [{ lacks: 'email' }, { unclaimed: 'EMAIL_TAKEN' }] });
    });
  });

  it('a resend refused after a code went out keeps the flow, which still binds', async () => {
    let n = 0;
    const sendCode: Stubs['sendCode'] = async (i) => {
      n += 1;
      if (n === 2) throw rejection('CODE_DAILY_LIMIT', { perDay: 5 });
      return sent!(i);
    };
    await t.run({ sendCode, checkCode: right, commitBind: committed }, async ({ start, calls }) => {
      const input = phoneInput();
      const h = await start(bindPhone, [input]);
      await h.executeUpdate(requestCodeUpdate);
      expect((await updateRejection(h.executeUpdate(requestCodeUpdate))).type).toBe('CODE_DAILY_LIMIT');
      expect(await h.query(stateQuery)).toMatchObject({ stage: 'awaiting_code', outcome: null, codesSent: 1 });
      const result = await h.executeUpdate(submitCodeUpdate, { args: [{ code: '123456' }] });
      expect(result).toMatchObject({ outcome: 'bound', sessionsEnded: ['sess-other'], error: null });
      // the code checked is the one that went out
      expect(calls.of('checkCode')[0]).toMatchObject({ flowId: h.workflowId, codeId: `code-${calls.of('sendCode')[0]!.requestKey}`, code: '123456' });
      expect(calls.of('commitBind')).toEqual([
        {
          runKey: expect.stringMatching(new RegExp(`^${h.workflowId}/[0-9a-f]{12}$`)),
          flowId: h.workflowId,
          accountId: input.accountId,
          kind: 'phone',
          target: '13800138000',
          meta: input.meta,
          keepSessionId: 'sess-keep',
        },
      ]);
      // per-run flows commit in one step: the legacy steps are never called
      expect(calls.count('applyBind') + calls.count('endSessionsAfterChange') + calls.count('recordCallback')).toBe(0);
      expect(await h.result()).toMatchObject({ outcome: 'bound' });
      // the check and the commit are one local step (CHECK_THEN_COMMIT): one marker for the
      // submission, after the code's and the refused resend's
      expect(await localSteps(h)).toEqual(['sendCode', 'sendCode', 'checkThenCommitBind']);
    });
  });
});

// a plain error is retried, and reaches the workflow as a failure without one of our codes
function plainError(): Error {
  const e = new Error('connection reset');
  e.name = 'NotOurs';
  return e;
}

describe('bind: the commit is refused', () => {
  it('the address taken meanwhile (fatal): the flow ends rejected, nothing else runs', async () => {
    await t.run({ sendCode: sent, checkCode: right, commitBind: async () => Promise.reject(rejection('PHONE_TAKEN')) }, async ({ start, calls }) => {
      const h = await start(bindPhone, [phoneInput()]);
      await h.executeUpdate(requestCodeUpdate);
      expect((await updateRejection(h.executeUpdate(submitCodeUpdate, { args: [{ code: '123456' }] }))).type).toBe('PHONE_TAKEN');
      expect(await h.result()).toMatchObject({ outcome: 'rejected', sessionsEnded: [], error: { code: 'PHONE_TAKEN' } });
      expect(calls.names()).toEqual(['sendCode', 'checkCode', 'commitBind']);
      expect(calls.attempts('commitBind')).toEqual([1]);
    });
  });

  it('a refusal that is not fatal leaves the flow open at awaiting_code; a cancel then ends it', async () => {
    await t.run({ sendCode: sent, checkCode: right, commitBind: async () => Promise.reject(rejection('SAME_CONTACT')) }, async ({ start, calls }) => {
      const h = await start(bindPhone, [phoneInput()]);
      await h.executeUpdate(requestCodeUpdate);
      expect((await updateRejection(h.executeUpdate(submitCodeUpdate, { args: [{ code: '123456' }] }))).type).toBe('SAME_CONTACT');
      expect(await h.query(stateQuery)).toMatchObject({ stage: 'awaiting_code', outcome: null });
      await h.executeUpdate(cancelFlowUpdate);
      expect(await h.result()).toMatchObject({ outcome: 'cancelled', error: null });
      expect(calls.count('commitBind')).toBe(1);
    });
  });

  it('wrong codes up to the limit lock the flow; no commit', async () => {
    await t.run({ sendCode: sent, checkCode: wrong }, async ({ start, calls }) => {
      const h = await start(bindPhone, [phoneInput({ limits: limits({ maxWrong: 2 }) })]);
      await h.executeUpdate(requestCodeUpdate);
      expect(await updateRejection(h.executeUpdate(submitCodeUpdate, { args: [{ code: '111111' }] }))).toEqual({ type: 'CODE_WRONG', details: [{ attemptsLeft: 1 }] });
      expect((await updateRejection(h.executeUpdate(submitCodeUpdate, { args: [{ code: '222222' }] }))).type).toBe('CODE_ATTEMPTS_EXCEEDED');
      expect(await h.result()).toMatchObject({ outcome: 'locked', error: { code: 'CODE_ATTEMPTS_EXCEEDED' } });
      // before it locks, the flow asks whether the run committed in a task the history lost
      expect(calls.names()).toEqual(['sendCode', 'checkCode', 'checkCode', 'committedContactChange']);
      // submission keys are the run's own, one per submission
      expect(calls.of('checkCode').map((c) => c.submissionKey.split('/').slice(-2).join('/'))).toEqual(['submit/1', 'submit/2']);
    });
  });
});

describe('bind: cancel while a step is in progress', () => {
  it.each([
    ['the step ends the flow (bound): the cancel answers FLOW_CLOSED', true],
    ['the step leaves it open (wrong code): the cancel then ends it', false],
  ])('%s', async (_title, codeIsRight) => {
    const checking = gate<{ ok: boolean }>();
    const checkCode: Stubs['checkCode'] = async () => {
      checking.enter();
      return checking.promise;
    };
    await t.run({ sendCode: sent, checkCode, commitBind: committed }, async ({ start, calls }) => {
      const h = await start(bindPhone, [phoneInput()], undefined, HELD_LOCAL_STEP);
      await h.executeUpdate(requestCodeUpdate);
      const submitted = h.executeUpdate(submitCodeUpdate, { args: [{ code: '123456' }] });
      submitted.catch(() => undefined);
      await checking.entered;
      // the cancel is accepted and waits for the step; a second one is refused
      const cancel = await h.startUpdate(cancelFlowUpdate, { waitForStage: WorkflowUpdateStage.ACCEPTED });
      expect(await updateRejection(h.executeUpdate(cancelFlowUpdate))).toMatchObject({ type: 'FLOW_IN_PROGRESS', details: [{ reason: 'a cancel is pending' }] });
      // the legacy signal is ignored while busy
      await h.signal(cancelSignal);
      expect(await h.query(stateQuery)).toMatchObject({ stage: 'verifying', outcome: null });
      checking.open({ ok: codeIsRight });
      if (codeIsRight) {
        expect(await submitted).toMatchObject({ outcome: 'bound' });
        expect(await updateRejection(cancel.result())).toMatchObject({ type: 'FLOW_CLOSED' });
        expect(await h.result()).toMatchObject({ outcome: 'bound' });
        // should the held step outlive its 30 s timeout on a slow machine, it runs again:
        // every run of it commits this run's one change
        expect(calls.count('commitBind')).toBeGreaterThanOrEqual(1);
        expect(new Set(calls.of('commitBind').map((c) => c.runKey)).size).toBe(1);
      } else {
        expect((await updateRejection(submitted)).type).toBe('CODE_WRONG');
        await cancel.result();
        expect(await h.result()).toMatchObject({ outcome: 'cancelled', error: null });
        expect(calls.count('commitBind')).toBe(0);
      }
    });
  });
});

describe('bind: lifetimes', () => {
  it('the flow expires on its timer: FLOW_EXPIRED', async () => {
    await t.run({ sendCode: sent }, async ({ start, calls }) => {
      const h = await start(bindPhone, [phoneInput({ limits: limits({ flowTtlSec: 2 }) })]);
      await h.executeUpdate(requestCodeUpdate);
      const result = await h.result();
      expect(result).toMatchObject({ outcome: 'expired', error: { code: 'FLOW_EXPIRED' } });
      expect(calls.names()).toEqual(['sendCode', 'committedContactChange']);
      expect(calls.of('committedContactChange')).toEqual([{ runKey: expect.stringMatching(new RegExp(`^${h.workflowId}/[0-9a-f]{12}$`)), eventType: 'phone.bound' }]);
    });
  });

  // a commit made in a workflow task the history lost (the worker died after the local step)
  it("the database holds the run's commit when the flow expires: it ends bound, with the commit's sessions", async () => {
    const found: Stubs['committedContactChange'] = async () => ({ contactVersion: 2, sessionsEnded: ['sess-other'] });
    await t.run({ sendCode: sent, committedContactChange: found }, async ({ start, calls }) => {
      const h = await start(bindPhone, [phoneInput({ limits: limits({ flowTtlSec: 2 }) })]);
      await h.executeUpdate(requestCodeUpdate);
      expect(await h.result()).toMatchObject({ outcome: 'bound', sessionsEnded: ['sess-other'], error: null });
      expect(calls.names()).toEqual(['sendCode', 'committedContactChange']);
    });
  });

  it("the database holds the run's commit when a cancel comes: the cancel answers FLOW_CLOSED, the flow ends bound", async () => {
    const found: Stubs['committedContactChange'] = async () => ({ contactVersion: 2, sessionsEnded: [] });
    await t.run({ sendCode: sent, committedContactChange: found }, async ({ start }) => {
      const h = await start(bindPhone, [phoneInput()]);
      await h.executeUpdate(requestCodeUpdate);
      expect((await updateRejection(h.executeUpdate(cancelFlowUpdate))).type).toBe('FLOW_CLOSED');
      expect(await h.result()).toMatchObject({ outcome: 'bound', error: null });
    });
  });

  it('a dead code is refused before any check (CODE_EXPIRED); a resend gives a live one', async () => {
    await t.run({ sendCode: sent, checkCode: right, commitBind: committed }, async ({ start, calls }) => {
      const h = await start(bindPhone, [phoneInput({ limits: limits({ codeTtlSec: 1 }) })]);
      await h.executeUpdate(requestCodeUpdate);
      await eventually(async () => (await h.query(stateQuery)).codeExpiresAt === null, 'the code to die');
      expect((await updateRejection(h.executeUpdate(submitCodeUpdate, { args: [{ code: '123456' }] }))).type).toBe('CODE_EXPIRED');
      expect(calls.count('checkCode')).toBe(0);
      await h.executeUpdate(requestCodeUpdate);
      expect(await h.executeUpdate(submitCodeUpdate, { args: [{ code: '123456' }] })).toMatchObject({ outcome: 'bound' });
      expect(calls.of('sendCode').map((c) => c.requestKey.split('/').pop())).toEqual(['1', '2']);
      expect(calls.of('checkCode')[0]!.codeId).toBe(`code-${calls.of('sendCode')[1]!.requestKey}`);
    });
  });

  it('the flow lifetime ending during a step waits for it: the step decides (bound)', async () => {
    const checking = gate<{ ok: boolean }>();
    const checkCode: Stubs['checkCode'] = async () => {
      checking.enter();
      return checking.promise;
    };
    await t.run({ sendCode: sent, checkCode, commitBind: committed }, async ({ start }) => {
      const h = await start(bindPhone, [phoneInput({ limits: limits({ flowTtlSec: 2 }) })]);
      await h.executeUpdate(requestCodeUpdate);
      const submitted = h.executeUpdate(submitCodeUpdate, { args: [{ code: '123456' }] });
      await checking.entered;
      await new Promise((r) => setTimeout(r, 2500));
      expect(await h.query(stateQuery)).toMatchObject({ stage: 'verifying', outcome: null });
      checking.open({ ok: true });
      expect(await submitted).toMatchObject({ outcome: 'bound' });
      expect(await h.result()).toMatchObject({ outcome: 'bound', error: null });
    });
  });
});
