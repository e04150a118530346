// faceCheck (flows/face-check/workflow.ts) on its own, as a top-level workflow with stubbed
// activities: completions that are refused with a recorded verdict (and keep it waiting), a
// second completion while the first is being billed, the result that stays pending through
// its retry budget (refund, then the row closed as error), and the token's expiry.
import { randomUUID } from 'node:crypto';
import { faceCheck } from '../../flows/face-check/workflow';
import { completeFaceUpdate, faceCheckStateQuery, faceCompletionSignal, type FaceCheckInput, type FaceCompletion } from '../../flows/face-check/contract';
import { eventually, gate, HELD_LOCAL_STEP, rejection, workflowSuite, transient, type Stubs } from './env';

const t = workflowSuite();

function input(o: Partial<FaceCheckInput> = {}): FaceCheckInput {
  return {
    accountId: `acct-${randomUUID()}`,
    scene: 'recovery',
    identity: { ofAccount: true },
    deviceId: 'device-1',
    requestDigest: 'digest-fc',
    needPicture: false,
    ttlSec: 60,
    meta: {},
    ...o,
  };
}

const stubs = (o: Stubs = {}): Stubs => ({
  issueCertifyId: async () => ({ certifyId: 'cert-1', faceRecordId: 'face-row-3' }),
  consumeFaceQuota: async () => ({ source: 'free' }),
  refundFaceQuota: async () => ({ refunded: true }),
  fetchAuthResult: async () => ({ authState: 'SUCCESS', score: 90 }),
  closeFaceRecord: async () => undefined,
  ...o,
});

const completion = (o: Partial<FaceCompletion> = {}): FaceCompletion => ({
  completionId: randomUUID(),
  deviceId: 'device-1',
  tokenDeviceId: 'device-1',
  certifyId: 'cert-1',
  errCode: 0,
  ...o,
});


/** A fetchAuthResult held until the test opens it, so a step can happen while the check bills. */
function heldFetch() {
  const fetching = gate<Awaited<ReturnType<NonNullable<Stubs['fetchAuthResult']>>>>();
  const fetchAuthResult: Stubs['fetchAuthResult'] = async () => {
    fetching.enter();
    return fetching.promise;
  };
  return { fetching, fetchAuthResult };
}

describe('face check: completions', () => {
  it('refused completions get their verdict and leave it waiting; a good one after succeeds', async () => {
    await t.run(stubs(), async (r) => {
      const h = await r.start(faceCheck, [input()]);
      await eventually(async () => (await h.query(faceCheckStateQuery)).stage === 'awaiting_completion', 'the certifyId');
      const bad = [
        completion({ completionId: 'other-device', deviceId: 'device-2', tokenDeviceId: 'device-2' }),
        completion({ completionId: 'other-token', tokenDeviceId: 'device-2' }),
        completion({ completionId: 'other-cert', certifyId: 'cert-2' }),
        completion({ completionId: 'sdk-error', errCode: 'Z5120', errMsg: 'user cancelled', cause: { code: 1001 } }),
      ];
      for (const c of bad) await h.signal(faceCompletionSignal, c);
      await eventually(async () => (await h.query(faceCheckStateQuery)).completions.length === 4, 'four verdicts');
      const state = await h.query(faceCheckStateQuery);
      expect(state.stage).toBe('awaiting_completion');
      expect(state.completions.map((v) => [v.completionId, v.accepted, v.error?.code])).toEqual([
        ['other-device', false, 'FACE_DEVICE_MISMATCH'],
        ['other-token', false, 'FACE_DEVICE_MISMATCH'],
        ['other-cert', false, 'FACE_CERTIFY_MISMATCH'],
        ['sdk-error', false, 'FACE_SDK_ERROR'],
      ]);
      expect(state.completions[3]!.error!.details).toEqual({ errCode: 'Z5120', errMsg: 'user cancelled', causeCode: 1001 });
      expect(r.calls.names()).toEqual(['issueCertifyId']);

      await h.signal(faceCompletionSignal, completion({ completionId: 'good' }));
      expect(await h.result()).toEqual({
        faceCheckId: h.workflowId,
        outcome: 'success',
        certifyId: 'cert-1',
        faceRecordId: 'face-row-3',
        quota: { source: 'free' },
        picture: 'off',
        error: null,
      });
      // a top-level check has no owner
      expect(r.calls.of('issueCertifyId')[0]).toMatchObject({ faceCheckId: h.workflowId, ownerFlowId: null, scene: 'recovery' });
      expect(r.calls.of('fetchAuthResult')[0]).toEqual({ faceCheckId: h.workflowId, ownerFlowId: null, accountId: expect.any(String), certifyId: 'cert-1' });
    });
  });

  it('a second completion while the first is being billed is FACE_ALREADY_COMPLETED; billed once', async () => {
    const { fetching, fetchAuthResult } = heldFetch();
    await t.run(stubs({ fetchAuthResult }), async (r) => {
      const h = await r.start(faceCheck, [input()], undefined, HELD_LOCAL_STEP);
      await eventually(async () => (await h.query(faceCheckStateQuery)).stage === 'awaiting_completion', 'the certifyId');
      await h.signal(faceCompletionSignal, completion({ completionId: 'first' }));
      await fetching.entered;
      await h.signal(faceCompletionSignal, completion({ completionId: 'second' }));
      await eventually(async () => (await h.query(faceCheckStateQuery)).completions.length === 2, 'two verdicts');
      expect((await h.query(faceCheckStateQuery)).completions.map((v) => [v.completionId, v.accepted, v.error?.code ?? null])).toEqual([
        ['first', true, null],
        ['second', false, 'FACE_ALREADY_COMPLETED'],
      ]);
      fetching.open({ authState: 'SUCCESS' });
      expect((await h.result()).outcome).toBe('success');
      expect(r.calls.count('consumeFaceQuota')).toBe(1);
    });
  });
});

describe('face check: the certifyId issued by its owner (real-name, fewer-tasks)', () => {
  const issued = { certifyId: 'cert-9', faceRecordId: 'face-row-9' };

  it('waits at once without issuing, and judges a completion that arrived with its start', async () => {
    await t.run(stubs(), async (r) => {
      const workflowId = `wf-test-${randomUUID()}`;
      const expiresAt = new Date(Date.now() + 60_000).toISOString();
      // the completion is in the check's first task: its handler runs before the workflow body
      // reads input.issued, so the certifyId must already be known there
      const h = await r.client.workflow.signalWithStart(faceCheck, {
        taskQueue: r.taskQueue,
        workflowId,
        args: [input({ issued: { ...issued, expiresAt } })],
        signal: faceCompletionSignal,
        signalArgs: [completion({ completionId: 'first', certifyId: 'cert-9' })],
      });
      r.track(workflowId);
      expect(await h.result()).toMatchObject({ outcome: 'success', certifyId: 'cert-9', faceRecordId: 'face-row-9' });
      expect(r.calls.names()).not.toContain('issueCertifyId');
      expect(r.calls.of('closeFaceRecord')[0]).toMatchObject({ faceRecordId: 'face-row-9', status: 'success' });
    });
  });

  it("expires at the owner's expiresAt and closes the owner's row", async () => {
    await t.run(stubs(), async (r) => {
      const h = await r.start(faceCheck, [input({ issued: { ...issued, expiresAt: new Date(Date.now() + 1_500).toISOString() } })]);
      expect(await h.result()).toMatchObject({ outcome: 'expired', certifyId: 'cert-9', error: { code: 'FACE_EXPIRED' } });
      expect(r.calls.names()).toEqual(['faceCheckBilled', 'closeFaceRecord']);
      expect(r.calls.of('closeFaceRecord')[0]).toMatchObject({ faceRecordId: 'face-row-9', status: 'expired' });
    });
  });
});

describe('face check: the completeFace update (the API relays by the signal until it survives a worker restart)', () => {
  it('answers each completion with its verdict, recorded as the signal records it; the accepted one moves the check on', async () => {
    const { fetching, fetchAuthResult } = heldFetch();
    await t.run(stubs({ fetchAuthResult }), async (r) => {
      const h = await r.start(faceCheck, [input()], undefined, HELD_LOCAL_STEP);
      await eventually(async () => (await h.query(faceCheckStateQuery)).stage === 'awaiting_completion', 'the certifyId');
      const answer = (c: FaceCompletion) => h.executeUpdate(completeFaceUpdate, { args: [c] });
      expect(await answer(completion({ completionId: 'other-device', deviceId: 'device-2', tokenDeviceId: 'device-2' }))).toMatchObject({
        completionId: 'other-device',
        accepted: false,
        error: { code: 'FACE_DEVICE_MISMATCH' },
      });
      expect((await answer(completion({ completionId: 'other-cert', certifyId: 'cert-2' }))).error?.code).toBe('FACE_CERTIFY_MISMATCH');
      const sdk = await answer(completion({ completionId: 'sdk-error', errCode: 'Z5120', errMsg: 'user cancelled', cause: { code: 1001 } }));
      expect(sdk).toMatchObject({ accepted: false, error: { code: 'FACE_SDK_ERROR', details: { errCode: 'Z5120', errMsg: 'user cancelled', causeCode: 1001 } } });
      expect(r.calls.names()).toEqual(['issueCertifyId']);

      expect(await answer(completion({ completionId: 'good' }))).toEqual({ completionId: 'good', accepted: true, error: null });
      await fetching.entered;
      // a signal of before and an update after it: both refused alike
      await h.signal(faceCompletionSignal, completion({ completionId: 'old-client' }));
      expect(await answer(completion({ completionId: 'again' }))).toMatchObject({ accepted: false, error: { code: 'FACE_ALREADY_COMPLETED' } });
      expect((await h.query(faceCheckStateQuery)).completions.map((v) => [v.completionId, v.accepted, v.error?.code ?? null])).toEqual([
        ['good', true, null],
        ['other-device', false, 'FACE_DEVICE_MISMATCH'],
        ['other-cert', false, 'FACE_CERTIFY_MISMATCH'],
        ['sdk-error', false, 'FACE_SDK_ERROR'],
        ['old-client', false, 'FACE_ALREADY_COMPLETED'],
        ['again', false, 'FACE_ALREADY_COMPLETED'],
      ]);
      fetching.open({ authState: 'SUCCESS' });
      expect((await h.result()).outcome).toBe('success');
      // should the held settling step outlive its 30 s and run again whole, consuming again is keyed by this check (once in the ledger)
      expect(new Set(r.calls.of('consumeFaceQuota').map((c) => c.faceCheckId))).toEqual(new Set([h.workflowId]));
    });
  });

  it('a completion before the certifyId is issued is FACE_TOKEN_INVALID and leaves the check waiting', async () => {
    const issuing = gate<{ certifyId: string; faceRecordId: string }>();
    const issueCertifyId: Stubs['issueCertifyId'] = async () => {
      issuing.enter();
      return issuing.promise;
    };
    await t.run(stubs({ issueCertifyId }), async (r) => {
      const h = await r.start(faceCheck, [input()], undefined, HELD_LOCAL_STEP);
      await issuing.entered;
      expect(await h.executeUpdate(completeFaceUpdate, { args: [completion({ completionId: 'early' })] })).toMatchObject({ accepted: false, error: { code: 'FACE_TOKEN_INVALID' } });
      issuing.open({ certifyId: 'cert-1', faceRecordId: 'face-row-3' });
      await eventually(async () => (await h.query(faceCheckStateQuery)).stage === 'awaiting_completion', 'the certifyId');
      expect((await h.executeUpdate(completeFaceUpdate, { args: [completion()] })).accepted).toBe(true);
      expect((await h.result()).outcome).toBe('success');
    });
  });
});

describe('face check: failures after billing, and expiry', () => {
  it('a result still pending after its retry budget: refunded, the row closed as error, rejected', async () => {
    await t.run(stubs({ fetchAuthResult: async () => Promise.reject(transient('FACE_RESULT_PENDING', { authState: 'PROCESSING' })) }), async (r) => {
      const h = await r.start(faceCheck, [input()]);
      await eventually(async () => (await h.query(faceCheckStateQuery)).stage === 'awaiting_completion', 'the certifyId');
      await h.signal(faceCompletionSignal, completion());
      const result = await h.result();
      expect(result).toMatchObject({ outcome: 'rejected', quota: null, error: { code: 'FACE_RESULT_PENDING', details: { authState: 'PROCESSING' } } });
      expect(r.calls.attempts('fetchAuthResult')).toEqual([1, 2, 3, 4]);
      expect(r.calls.names().slice(-3)).toEqual(['fetchAuthResult', 'refundFaceQuota', 'closeFaceRecord']);
      expect(r.calls.of('refundFaceQuota')).toEqual([{ faceCheckId: h.workflowId, reason: 'face_result_unavailable' }]);
      expect(r.calls.of('closeFaceRecord')).toEqual([{ faceRecordId: 'face-row-3', status: 'error', data: { error: 'FACE_RESULT_PENDING', authState: 'PROCESSING' } }]);
    });
  });

  it('a picture refused after a success is recorded failed; the outcome stands', async () => {
    await t.run(
      stubs({
        fetchAuthResult: async () => ({ authState: 'SUCCESS', score: 90, pictureUrl: 'https://face.example/p.jpg' }),
        // a durable step: only a refusal (not retried) reaches the flow; the activity reports
        // a download it gave up on as { stored: false } (see real-name.test.ts)
        storeFacePicture: async () => Promise.reject(rejection('FACE_PROVIDER_ERROR', { picture: 'HTTP 404' })),
      }),
      async (r) => {
        const h = await r.start(faceCheck, [input({ needPicture: true })]);
        await eventually(async () => (await h.query(faceCheckStateQuery)).stage === 'awaiting_completion', 'the certifyId');
        await h.signal(faceCompletionSignal, completion());
        expect(await h.result()).toMatchObject({ outcome: 'success', picture: 'failed', quota: { source: 'free' } });
        expect(r.calls.of('closeFaceRecord')).toEqual([{ faceRecordId: 'face-row-3', status: 'success', data: { authState: 'SUCCESS', score: 90, quality: null, picture: 'failed' } }]);
        expect(r.calls.count('refundFaceQuota')).toBe(0);
      },
    );
  });

  it('no completion before the token dies: the row closed expired, nothing billed', async () => {
    await t.run(stubs(), async (r) => {
      const h = await r.start(faceCheck, [input({ ttlSec: 1 })]);
      expect(await h.result()).toMatchObject({ outcome: 'expired', quota: null, error: { code: 'FACE_EXPIRED' } });
      expect(r.calls.names()).toEqual(['issueCertifyId', 'faceCheckBilled', 'closeFaceRecord']);
      expect(r.calls.of('faceCheckBilled')).toEqual([{ faceCheckId: h.workflowId }]);
      expect(r.calls.of('closeFaceRecord')).toEqual([{ faceRecordId: 'face-row-3', status: 'expired', data: { reason: 'token_expired' } }]);
    });
  });

  // a completion accepted in a workflow task the history lost (the worker died, or the timer's
  // event refused the task's completion) billed the check: it finishes on the provider's verdict
  it('the token dies, but the check was billed by a lost task: it finishes on the verdict, and a repeat of that completion is accepted', async () => {
    const { fetching, fetchAuthResult } = heldFetch();
    await t.run(stubs({ faceCheckBilled: async () => true, fetchAuthResult }), async (r) => {
      const h = await r.start(faceCheck, [input({ ttlSec: 1 })], undefined, HELD_LOCAL_STEP);
      await fetching.entered;
      // the API's repeat of the completion the lost task accepted (delivered when the SDK
      // heartbeats the task that waits on the local step)
      const repeat = h.executeUpdate(completeFaceUpdate, { args: [completion({ completionId: 'repeat' })] });
      expect(await repeat).toMatchObject({ completionId: 'repeat', accepted: true, error: null });
      fetching.open({ authState: 'SUCCESS', score: 90 });
      expect(await h.result()).toMatchObject({ outcome: 'success', quota: { source: 'free' }, error: null });
      expect(r.calls.names()).toEqual(['issueCertifyId', 'faceCheckBilled', 'consumeFaceQuota', 'fetchAuthResult', 'closeFaceRecord']);
      expect(r.calls.of('closeFaceRecord')[0]).toMatchObject({ faceRecordId: 'face-row-3', status: 'success' });
    });
  });
});
