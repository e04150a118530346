// phoneRebind / emailRebind (flows/rebind/workflow.ts) with stubbed activities: proof by code
// then the new contact's code; a commit refused (fatal, or not: the flow goes back to a new
// contact); notices that fail after the change (the change stands); wrong codes across both
// steps; the unbind token's lifetime; and the face method, whose faceCheck child runs for real
// on the same worker: success, the result unavailable after billing (refund, then the row
// closed), FAIL, expiry, no quota, and a cancel that waits for the child to give its hold back.
import { randomUUID } from 'node:crypto';
import { emailRebind, phoneRebind } from '../../flows/rebind/workflow';
import {
  beginFaceProofUpdate,
  collectProofUpdate,
  rebindFlowIdOf,
  rebindStateQuery,
  requestNewCodeUpdate,
  submitNewCodeUpdate,
  submitProofUpdate,
  type NoticeOutcome,
  type RebindInput,
} from '../../flows/rebind/contract';
import { cancelFlowUpdate, requestCodeUpdate } from '../../flows/shared/contract';
import { codeLimits, completeFaceCheck, eventually, rejection, workflowSuite, updateRejection, type Stubs, type TestRun } from './env';

const t = workflowSuite();

const limits = codeLimits;

function input(o: Partial<RebindInput> = {}): RebindInput {
  return {
    accountId: `acct-${randomUUID()}`,
    kind: 'phone',
    method: 'sms',
    expectedContactIdx: 'c0ffee',
    proofLimits: limits(),
    newLimits: limits(),
    tokenTtlSec: 60,
    flowTtlSec: 60,
    meta: { ip: '203.0.113.8' },
    sessionId: 'sess-keep',
    ...o,
  };
}
const faceInput = (o: Partial<RebindInput> = {}) =>
  input({ method: 'face', face: { deviceId: 'device-1', requestDigest: 'digest-1', ttlSec: 60 }, ...o });

const NEW = { target: '13900139000', targetMasked: '139****9000' };
const NOTICES: NoticeOutcome[] = [
  { channel: 'sms', to: '138****8000', status: 'sent', providerCode: 'Ok' },
  { channel: 'mail', to: 'a***@example.com', status: 'sent', providerCode: '250' },
];

const codeStubs: Stubs = {
  sendCode: async (i) => ({ codeId: `code-${i.requestKey}`, sentTo: i.target ? '139****9000' : '138****8000' }),
  checkCode: async () => ({ ok: true }),
  issueUnbindToken: async () => 'tok-1',
  commitRebind: async () => ({ contactVersion: 3, sessionsEnded: ['sess-other'] }),
  sendQueuedRebindNotices: async () => NOTICES,
};

const start = (r: TestRun, i: RebindInput) => r.start(i.kind === 'phone' ? phoneRebind : emailRebind, [i], rebindFlowIdOf(i.kind, i.accountId));

/** proof by code, up to the new contact's code sent */
async function proveAndSendNew(r: TestRun, i: RebindInput) {
  const h = await start(r, i);
  await h.executeUpdate(requestCodeUpdate);
  const proof = await h.executeUpdate(submitProofUpdate, { args: [{ code: '123456' }] });
  await h.executeUpdate(requestNewCodeUpdate, { args: [{ ...NEW, token: proof.unbindToken }] });
  return { h, token: proof.unbindToken };
}

describe('rebind by code', () => {
  it('proof code, then the new contact\'s code: one commit, then the queued notices', async () => {
    await t.run(codeStubs, async (r) => {
      const i = input();
      const h = await start(r, i);
      const sent = await h.executeUpdate(requestCodeUpdate);
      expect(sent).toMatchObject({ flowId: h.workflowId, sentTo: '138****8000' });
      const proof = await h.executeUpdate(submitProofUpdate, { args: [{ code: '123456' }] });
      expect(proof).toMatchObject({ flowId: h.workflowId, unbindToken: 'tok-1' });
      expect(await h.query(rebindStateQuery)).toMatchObject({ stage: 'awaiting_new_contact' });
      expect((await updateRejection(h.executeUpdate(requestNewCodeUpdate, { args: [{ ...NEW, token: 'tok-2' }] }))).type).toBe('UNBIND_TOKEN_INVALID');
      await h.executeUpdate(requestNewCodeUpdate, { args: [{ ...NEW, token: 'tok-1' }] });
      const result = await h.executeUpdate(submitNewCodeUpdate, { args: [{ code: '654321', token: 'tok-1' }] });
      expect(result).toEqual({ flowId: h.workflowId, outcome: 'rebound', accountId: i.accountId, kind: 'phone', target: '139****9000', notices: NOTICES, sessionsEnded: ['sess-other'], error: null });
      expect(await h.result()).toEqual(result);

      const c = r.calls;
      expect(c.names()).toEqual(['sendCode', 'checkCode', 'issueUnbindToken', 'sendCode', 'checkCode', 'commitRebind', 'sendQueuedRebindNotices']);
      const [proofSend, newSend] = c.of('sendCode');
      expect(proofSend).toMatchObject({ scene: 'unbind_phone', channel: 'sms', targetOfAccount: 'phone', prechecks: [{ has: 'phone' }] });
      expect(proofSend!.target).toBeUndefined();
      expect(proofSend!.requestKey).toMatch(/\/proof\/1$/);
      expect(newSend).toMatchObject({ scene: 'bind_phone', channel: 'sms', target: NEW.target, prechecks: [{ has: 'phone' }, { unclaimed: 'PHONE_TAKEN' }] });
      expect(newSend!.requestKey).toMatch(/\/new-1\/1$/);
      const runKey = proofSend!.runKey;
      expect(c.of('commitRebind')).toEqual([
        {
          accountId: i.accountId,
          kind: 'phone',
          target: NEW.target,
          expectedContactIdx: 'c0ffee',
          runKey,
          flowId: h.workflowId,
          method: 'sms',
          targetMasked: '139****9000',
          meta: i.meta,
          keepSessionId: 'sess-keep',
        },
      ]);
      expect(c.of('sendQueuedRebindNotices')).toEqual([{ runKey, accountId: i.accountId, kind: 'phone', newTargetMasked: '139****9000' }]);
    });
  });

  it('an email rebind proves with a code to the bound email, after checking a phone is bound too', async () => {
    await t.run(codeStubs, async (r) => {
      const h = await start(r, input({ kind: 'email', method: 'email' }));
      await h.executeUpdate(requestCodeUpdate);
      expect(r.calls.of('sendCode')[0]).toMatchObject({ scene: 'unbind_email', channel: 'mail', targetOfAccount: 'email', prechecks: [{ has: 'phone' }, { has: 'email' }] });
    });
  });

  it('notices that fail after the commit do not undo it: retried, reported failed, the flow is rebound', async () => {
    const failed: NoticeOutcome[] = [
      { channel: 'sms', to: '138****8000', status: 'failed', providerCode: 'LimitExceeded' },
      { channel: 'mail', to: 'a***@example.com', status: 'sent', providerCode: '250' },
    ];
    let tries = 0;
    const sendQueuedRebindNotices: Stubs['sendQueuedRebindNotices'] = async () => {
      tries += 1;
      if (tries === 1) throw new Error('database connection lost'); // retried until it answers
      return failed;
    };
    await t.run({ ...codeStubs, sendQueuedRebindNotices }, async (r) => {
      const { h, token } = await proveAndSendNew(r, input());
      const result = await h.executeUpdate(submitNewCodeUpdate, { args: [{ code: '654321', token }] });
      expect(result).toMatchObject({ outcome: 'rebound', target: '139****9000', notices: failed, error: null });
      expect(r.calls.attempts('sendQueuedRebindNotices')).toEqual([1, 2]);
      // one commit, nothing after the notices: no compensation of a committed change
      expect(r.calls.count('commitRebind')).toBe(1);
      expect(r.calls.names().slice(-3)).toEqual(['commitRebind', 'sendQueuedRebindNotices', 'sendQueuedRebindNotices']);
    });
  });

  it('a commit refused because the contact changed meanwhile (fatal): rejected, no notices', async () => {
    await t.run({ ...codeStubs, commitRebind: async () => Promise.reject(rejection('CONTACT_CHANGED')) }, async (r) => {
      const { h, token } = await proveAndSendNew(r, input());
      expect((await updateRejection(h.executeUpdate(submitNewCodeUpdate, { args: [{ code: '654321', token }] }))).type).toBe('CONTACT_CHANGED');
      expect(await h.result()).toMatchObject({ outcome: 'rejected', notices: [], sessionsEnded: [], error: { code: 'CONTACT_CHANGED' } });
      expect(r.calls.count('sendQueuedRebindNotices')).toBe(0);
    });
  });

  it('a commit refused because the new number was taken meanwhile: back to a new contact, which then succeeds', async () => {
    let commits = 0;
    const commitRebind: Stubs['commitRebind'] = async () => {
      commits += 1;
      if (commits === 1) throw rejection('PHONE_TAKEN');
      return { contactVersion: 3, sessionsEnded: [] };
    };
    await t.run({ ...codeStubs, commitRebind }, async (r) => {
      const { h, token } = await proveAndSendNew(r, input());
      expect((await updateRejection(h.executeUpdate(submitNewCodeUpdate, { args: [{ code: '654321', token }] }))).type).toBe('PHONE_TAKEN');
      expect(await h.query(rebindStateQuery)).toMatchObject({ stage: 'awaiting_new_contact', outcome: null, newContact: { target: null, codesSent: 0 } });
      // the spent code's contact is gone: a code must be sent again before a submission
      expect((await updateRejection(h.executeUpdate(submitNewCodeUpdate, { args: [{ code: '654321', token }] }))).type).toBe('CODE_NOT_SENT');
      await h.executeUpdate(requestNewCodeUpdate, { args: [{ target: '13700137000', targetMasked: '137****7000', token }] });
      expect(await h.executeUpdate(submitNewCodeUpdate, { args: [{ code: '111111', token }] })).toMatchObject({ outcome: 'rebound', target: '137****7000' });
      const sends = r.calls.of('sendCode');
      expect(sends.map((s) => s.requestKey.split('/').slice(-2).join('/'))).toEqual(['proof/1', 'new-1/1', 'new-2/1']);
      expect(r.calls.of('commitRebind').map((c) => c.target)).toEqual([NEW.target, '13700137000']);
    });
  });

  it('a proof code that cannot be sent ends the flow (PHONE_NOT_BOUND)', async () => {
    await t.run({ sendCode: async () => Promise.reject(rejection('PHONE_NOT_BOUND')) }, async (r) => {
      const h = await start(r, input());
      expect((await updateRejection(h.executeUpdate(requestCodeUpdate))).type).toBe('PHONE_NOT_BOUND');
      expect(await h.result()).toMatchObject({ outcome: 'rejected', error: { code: 'PHONE_NOT_BOUND' } });
      expect(r.calls.names()).toEqual(['sendCode']);
    });
  });

  it('wrong codes count across the proof and the new code: the limit locks the flow', async () => {
    const answers = [false, true, false];
    await t.run({ ...codeStubs, checkCode: async () => ({ ok: answers.shift()! }) }, async (r) => {
      const h = await start(r, input({ proofLimits: limits({ maxWrong: 2 }) }));
      await h.executeUpdate(requestCodeUpdate);
      expect(await updateRejection(h.executeUpdate(submitProofUpdate, { args: [{ code: '000000' }] }))).toEqual({ type: 'CODE_WRONG', details: [{ attemptsLeft: 1 }] });
      const { unbindToken: token } = await h.executeUpdate(submitProofUpdate, { args: [{ code: '123456' }] });
      await h.executeUpdate(requestNewCodeUpdate, { args: [{ ...NEW, token }] });
      expect((await updateRejection(h.executeUpdate(submitNewCodeUpdate, { args: [{ code: '000000', token }] }))).type).toBe('CODE_ATTEMPTS_EXCEEDED');
      expect(await h.result()).toMatchObject({ outcome: 'locked', error: { code: 'CODE_ATTEMPTS_EXCEEDED' } });
      expect(r.calls.count('commitRebind')).toBe(0);
    });
  });

  // a commit made in a workflow task the history lost (the worker died after the local step)
  it("the database holds the run's commit when a cancel comes: the cancel answers FLOW_CLOSED; rebound, the queued notices sent", async () => {
    const found: Stubs['committedContactChange'] = async () => ({ contactVersion: 3, sessionsEnded: ['sess-other'] });
    await t.run({ ...codeStubs, committedContactChange: found }, async (r) => {
      const i = input();
      const h = await start(r, i);
      await h.executeUpdate(requestCodeUpdate);
      await h.executeUpdate(submitProofUpdate, { args: [{ code: '123456' }] });
      await h.executeUpdate(requestNewCodeUpdate, { args: [{ ...NEW, token: 'tok-1' }] });
      expect((await updateRejection(h.executeUpdate(cancelFlowUpdate))).type).toBe('FLOW_CLOSED');
      expect(await h.result()).toMatchObject({ outcome: 'rebound', target: '139****9000', notices: NOTICES, sessionsEnded: ['sess-other'], error: null });
      expect(r.calls.names()).toEqual(['sendCode', 'checkCode', 'issueUnbindToken', 'sendCode', 'committedContactChange', 'sendQueuedRebindNotices']);
      expect(r.calls.of('sendQueuedRebindNotices')[0]).toMatchObject({ kind: 'phone', newTargetMasked: '139****9000' });
    });
  });

  it('the unbind token runs out before a new contact: expired, UNBIND_TOKEN_INVALID', async () => {
    await t.run(codeStubs, async (r) => {
      const h = await start(r, input({ tokenTtlSec: 1 }));
      await h.executeUpdate(requestCodeUpdate);
      await h.executeUpdate(submitProofUpdate, { args: [{ code: '123456' }] });
      expect(await h.result()).toMatchObject({ outcome: 'expired', error: { code: 'UNBIND_TOKEN_INVALID' } });
      // no new contact's code went out, so nothing can have committed: nothing to ask
      expect(r.calls.names()).toEqual(['sendCode', 'checkCode', 'issueUnbindToken']);
    });
  });
});

// ---- the face method: the faceCheck child runs on the same worker, with the same stubs

const faceStubs = (o: Stubs = {}): Stubs => ({
  issueCertifyId: async (i) => ({ certifyId: `cert-${i.faceCheckId}`, faceRecordId: 'face-row-1' }),
  consumeFaceQuota: async () => ({ source: 'free' }),
  refundFaceQuota: async () => ({ refunded: true }),
  fetchAuthResult: async () => ({ authState: 'SUCCESS', score: 92 }),
  closeFaceRecord: async () => undefined,
  issueUnbindToken: async () => 'tok-face',
  ...o,
});

/** The app's completion for a started check, as the API relays it. */
describe('rebind by face', () => {
  it('a successful check gives the unbind token; the child is the flow\'s own, with the rebind scene', async () => {
    await t.run(faceStubs(), async (r) => {
      const i = faceInput();
      const h = await start(r, i);
      const started = await h.executeUpdate(beginFaceProofUpdate);
      expect(started.faceCheckId).toMatch(new RegExp(`^${rebindFlowIdOf('phone', i.accountId)}/[0-9a-f]{12}/face$`));
      expect(await h.query(rebindStateQuery)).toMatchObject({ stage: 'awaiting_face', face: { faceCheckId: started.faceCheckId, certifyId: started.certifyId, outcome: null } });
      expect((await updateRejection(h.executeUpdate(collectProofUpdate))).type).toBe('PROOF_NOT_DONE');
      await completeFaceCheck(r, started);
      await eventually(async () => (await h.query(rebindStateQuery)).stage === 'awaiting_new_contact', 'the token');
      expect(await h.executeUpdate(collectProofUpdate)).toMatchObject({ unbindToken: 'tok-face' });
      expect(r.calls.of('issueCertifyId')[0]).toMatchObject({
        faceCheckId: started.faceCheckId,
        ownerFlowId: h.workflowId,
        accountId: i.accountId,
        scene: 'rebind_phone',
        identity: { ofAccount: true },
        deviceId: 'device-1',
        requestDigest: 'digest-1',
        needPicture: false,
      });
      expect(r.calls.names()).toEqual(['issueCertifyId', 'consumeFaceQuota', 'fetchAuthResult', 'closeFaceRecord', 'issueUnbindToken']);
      expect(r.calls.of('closeFaceRecord')[0]).toMatchObject({ faceRecordId: 'face-row-1', status: 'success' });
    });
  });

  it('the result unavailable after billing: the quota refunded, then the row closed as error; the flow is rejected', async () => {
    await t.run(faceStubs({ fetchAuthResult: async () => Promise.reject(rejection('FACE_PROVIDER_ERROR', { providerCode: 'InternalError' })) }), async (r) => {
      const h = await start(r, faceInput());
      const started = await h.executeUpdate(beginFaceProofUpdate);
      await completeFaceCheck(r, started);
      expect(await h.result()).toMatchObject({ outcome: 'rejected', error: { code: 'FACE_PROVIDER_ERROR' } });
      expect(r.calls.names()).toEqual(['issueCertifyId', 'consumeFaceQuota', 'fetchAuthResult', 'refundFaceQuota', 'closeFaceRecord']);
      expect(r.calls.of('refundFaceQuota')).toEqual([{ faceCheckId: started.faceCheckId, reason: 'face_result_unavailable' }]);
      expect(r.calls.of('closeFaceRecord')).toEqual([{ faceRecordId: 'face-row-1', status: 'error', data: { error: 'FACE_PROVIDER_ERROR', providerCode: 'InternalError' } }]);
      const child = await r.client.workflow.getHandle(started.faceCheckId).result();
      expect(child).toMatchObject({ outcome: 'rejected', quota: null });
    });
  });

  it('a FAIL verdict rejects the flow FACE_FAILED: billed, no refund, no token', async () => {
    await t.run(faceStubs({ fetchAuthResult: async () => ({ authState: 'FAIL', score: 12 }) }), async (r) => {
      const h = await start(r, faceInput());
      const started = await h.executeUpdate(beginFaceProofUpdate);
      await completeFaceCheck(r, started);
      expect(await h.result()).toMatchObject({ outcome: 'rejected', error: { code: 'FACE_FAILED' } });
      expect(r.calls.names()).toEqual(['issueCertifyId', 'consumeFaceQuota', 'fetchAuthResult', 'closeFaceRecord']);
      expect(r.calls.of('closeFaceRecord')[0]).toMatchObject({ status: 'fail', data: { authState: 'FAIL', score: 12 } });
    });
  });

  it('no completion before the face token dies: the row closed expired (the hold released), the flow expired', async () => {
    await t.run(faceStubs(), async (r) => {
      const h = await start(r, faceInput({ face: { deviceId: 'device-1', requestDigest: 'digest-1', ttlSec: 1 } }));
      await h.executeUpdate(beginFaceProofUpdate);
      expect(await h.result()).toMatchObject({ outcome: 'expired', error: { code: 'FACE_EXPIRED' } });
      expect(r.calls.names()).toEqual(['issueCertifyId', 'faceCheckBilled', 'closeFaceRecord']);
      expect(r.calls.of('closeFaceRecord')).toEqual([{ faceRecordId: 'face-row-1', status: 'expired', data: { reason: 'token_expired' } }]);
    });
  });

  it('no face quota: the start answers FACE_QUOTA_REQUIRED and the flow ends rejected', async () => {
    await t.run(faceStubs({ issueCertifyId: async () => Promise.reject(rejection('FACE_QUOTA_REQUIRED')) }), async (r) => {
      const h = await start(r, faceInput());
      expect((await updateRejection(h.executeUpdate(beginFaceProofUpdate))).type).toBe('FACE_QUOTA_REQUIRED');
      expect(await h.result()).toMatchObject({ outcome: 'rejected', error: { code: 'FACE_QUOTA_REQUIRED' } });
      expect(r.calls.names()).toEqual(['issueCertifyId']);
    });
  });

  it('a cancel while the check waits answers once the child closed its row (owner_closed)', async () => {
    await t.run(faceStubs(), async (r) => {
      const h = await start(r, faceInput());
      const started = await h.executeUpdate(beginFaceProofUpdate);
      await h.executeUpdate(cancelFlowUpdate);
      // answered after the child gave its hold back, not before
      expect(r.calls.of('closeFaceRecord')).toEqual([{ faceRecordId: 'face-row-1', status: 'expired', data: { reason: 'owner_closed' } }]);
      expect(await h.result()).toMatchObject({ outcome: 'cancelled', error: null });
      expect(await r.client.workflow.getHandle(started.faceCheckId).result()).toMatchObject({ outcome: 'expired' });
      expect(r.calls.count('consumeFaceQuota')).toBe(0);
    });
  });
});
