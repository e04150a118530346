// realName (flows/real-name/workflow.ts) with stubbed activities, started as the API starts
// it (update-with-start of beginRealName), its face check running in its own run (hosted-face;
// the child of runs before is replayed from test/histories/): pre-check and ID check refusals (no face call), an ID provider fault (retried, then
// refused), the face check's FAIL / expiry / no quota, and the compensation when the record
// cannot be written after a successful, billed check (refund, then real_name.failed); a cancel
// while the face waits, and one raced by an accepted completion.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { updateFlow } from '../../http/flow-updates';
import { realName } from '../../flows/real-name/workflow';
import { cancelFlowUpdate } from '../../flows/shared/contract';
import { beginRealNameUpdate, realNameFlowIdOf, realNameStateQuery, VERIFIED_MESSAGE, type RealNameInput, type RealNameSettings } from '../../flows/real-name/contract';
import { hostedFaceCheckStateQuery } from '../../flows/face-check/contract';
import { AppError, ERRORS } from '../../lib/errors';
import { completeFaceCheck, faceCheckHandle, localSteps, rejection, workflowSuite, transient, updateRejection, type Stubs, type TestRun } from './env';

const t = workflowSuite();

const settings = (o: Partial<RealNameSettings> = {}): RealNameSettings => ({
  ttlSec: 60,
  subjectLimit: 3,
  freePerAccount: 1,
  needPicture: true,
  idCheckPerDay: 5,
  idCheckGapSec: 0,
  ...o,
});

function input(o: Partial<RealNameInput> = {}): RealNameInput {
  return {
    accountId: `acct-${randomUUID()}`,
    realName: '张三',
    idNumber: '11010519491231002X',
    deviceId: 'device-1',
    environmentSafe: true,
    requestDigest: 'digest-rn',
    settings: settings(),
    meta: { ip: '203.0.113.9' },
    ...o,
  };
}

const stubs = (o: Stubs = {}): Stubs => ({
  precheckRealName: async () => ({ quota: 'free' }),
  checkIdentity: async () => ({ sex: 'M', birthday: '1949-12-31' }),
  issueCertifyId: async (i) => ({ certifyId: `cert-${i.faceCheckId}`, faceRecordId: 'face-row-7' }),
  consumeFaceQuota: async () => ({ source: 'purchased' }),
  refundFaceQuota: async () => ({ refunded: true }),
  fetchAuthResult: async () => ({ authState: 'SUCCESS', score: 95, pictureUrl: 'https://face.example/p.jpg' }),
  storeFacePicture: async () => ({ stored: true }),
  closeFaceRecord: async () => undefined,
  recordRealName: async () => ({ realNameRecordId: 'rn-1' }),
  recordCallback: async () => undefined,
  ...o,
});

/** As the API starts it: the flow and its beginRealName update in one call. */
function begin(r: TestRun, i: RealNameInput) {
  const workflowId = realNameFlowIdOf(i.accountId);
  r.track(workflowId);
  const startWorkflowOperation = new WithStartWorkflowOperation(realName, { workflowId, taskQueue: r.taskQueue, args: [i], workflowIdConflictPolicy: 'FAIL' });
  const started = r.client.workflow.executeUpdateWithStart(beginRealNameUpdate, { args: [{ deviceId: i.deviceId, requestDigest: i.requestDigest }], startWorkflowOperation });
  return { started, handle: r.client.workflow.getHandle<typeof realName>(workflowId) };
}

describe('real-name: refused before the face check', () => {
  it('the ID check says mismatch: rejected ID_MISMATCH, no face call', async () => {
    await t.run(stubs({ checkIdentity: async () => Promise.reject(rejection('ID_MISMATCH')) }), async (r) => {
      const i = input();
      const { started, handle } = begin(r, i);
      expect((await updateRejection(started)).type).toBe('ID_MISMATCH');
      const result = await handle.result();
      expect(result).toMatchObject({ outcome: 'rejected', message: ERRORS.ID_MISMATCH.zh, certifyId: null, realNameRecordId: null, error: { code: 'ID_MISMATCH' } });
      expect(r.calls.names()).toEqual(['precheckRealName', 'checkIdentity']);
      expect(r.calls.of('checkIdentity')[0]).toEqual({
        flowId: handle.workflowId,
        callKey: expect.stringMatching(new RegExp(`^${handle.workflowId}/[0-9a-f]{12}/id-check$`)),
        accountId: i.accountId,
        realName: '张三',
        idNumber: '11010519491231002X',
        clientIp: '203.0.113.9',
        perDay: 5,
        gapSec: 0,
      });
    });
  });

  it('an ID provider fault is retried three times, then the flow is rejected ID_CHECK_UNAVAILABLE, no face call', async () => {
    await t.run(stubs({ checkIdentity: async () => Promise.reject(transient('ID_CHECK_UNAVAILABLE', { provider: 'transport' })) }), async (r) => {
      const { started, handle } = begin(r, input());
      expect(await updateRejection(started)).toEqual({ type: 'ID_CHECK_UNAVAILABLE', details: [{ provider: 'transport' }] });
      expect(await handle.result()).toMatchObject({ outcome: 'rejected', error: { code: 'ID_CHECK_UNAVAILABLE', details: { provider: 'transport' } } });
      expect(r.calls.attempts('checkIdentity')).toEqual([1, 2, 3]);
      expect(r.calls.count('issueCertifyId') + r.calls.count('recordCallback')).toBe(0);
    });
  });

  it('the certifyId fails once after a good ID check: the step runs again whole, the flow gets its certifyId', async () => {
    let issues = 0;
    const flaky = stubs({
      issueCertifyId: async (i) => {
        if (++issues === 1) throw transient('FACE_PROVIDER_ERROR', { errCode: 'HTTP_500' });
        return { certifyId: `cert-${i.faceCheckId}`, faceRecordId: 'face-row-7' };
      },
    });
    await t.run(flaky, async (r) => {
      const { started, handle } = begin(r, input());
      expect(await started).toMatchObject({ certifyId: expect.stringMatching(/^cert-/), cache: false });
      // the pre-checks and the ID check again (each answers from what its first attempt kept)
      expect(r.calls.names()).toEqual(['precheckRealName', 'checkIdentity', 'issueCertifyId', 'precheckRealName', 'checkIdentity', 'issueCertifyId']);
      expect(r.calls.attempts('issueCertifyId')).toEqual([1, 2]);
      expect(await handle.query(realNameStateQuery)).toMatchObject({ stage: 'awaiting_face' });
    });
  });

  it('a pre-check refusal stops before any paid call', async () => {
    await t.run(stubs({ precheckRealName: async () => Promise.reject(rejection('REAL_NAME_SUBJECT_LIMIT', { limit: 3 })) }), async (r) => {
      const { started, handle } = begin(r, input());
      expect((await updateRejection(started)).type).toBe('REAL_NAME_SUBJECT_LIMIT');
      expect(await handle.result()).toMatchObject({ outcome: 'rejected', error: { code: 'REAL_NAME_SUBJECT_LIMIT', message: ERRORS.REAL_NAME_SUBJECT_LIMIT.zh.replace('{limit}', '3') } });
      expect(r.calls.names()).toEqual(['precheckRealName']);
    });
  });
});

describe('real-name: the face check', () => {
  it('success: verified, the record written once; a picture that could not be stored does not decide', async () => {
    await t.run(stubs({ storeFacePicture: async () => ({ stored: false, error: 'HTTP 404' }) }), async (r) => {
      const i = input();
      const { started, handle } = begin(r, i);
      const s = await started;
      expect(s).toMatchObject({ flowId: handle.workflowId, certifyId: `cert-${s.faceCheckId}`, faceRecordId: 'face-row-7', cache: false });
      // a repeat from the same device gets the same certifyId; another device is refused
      const again = await handle.executeUpdate(beginRealNameUpdate, { args: [{ deviceId: 'device-1', requestDigest: 'digest-rn' }] });
      expect(again).toMatchObject({ certifyId: s.certifyId, cache: true });
      expect((await updateRejection(handle.executeUpdate(beginRealNameUpdate, { args: [{ deviceId: 'device-2', requestDigest: 'digest-rn' }] }))).type).toBe('FLOW_IN_PROGRESS');
      await completeFaceCheck(r, s);
      const result = await handle.result();
      expect(result).toEqual({ flowId: handle.workflowId, accountId: i.accountId, outcome: 'verified', message: VERIFIED_MESSAGE, certifyId: s.certifyId, faceRecordId: 'face-row-7', realNameRecordId: 'rn-1', error: null });
      expect(r.calls.names()).toEqual(['precheckRealName', 'checkIdentity', 'issueCertifyId', 'consumeFaceQuota', 'fetchAuthResult', 'storeFacePicture', 'closeFaceRecord', 'recordRealName']);
      // the check ran in this run: its row names the run, the answer too (for the token), and no child was started
      const runId = (await handle.describe()).runId;
      expect(s.hostRunId).toBe(runId);
      expect(r.calls.of('issueCertifyId')[0]).toMatchObject({ scene: 'personal', identity: { realName: '张三', idNumber: '11010519491231002X' }, needPicture: true, ownerFlowId: handle.workflowId, hostRunId: runId });
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toEqual([]);
      expect(r.calls.of('closeFaceRecord')[0]).toEqual({ faceRecordId: 'face-row-7', status: 'success', data: { authState: 'SUCCESS', score: 95, quality: null, picture: 'failed' } });
      expect(r.calls.of('recordRealName')[0]).toMatchObject({ flowId: handle.workflowId, accountId: i.accountId, faceRecordId: 'face-row-7', subjectLimit: 3 });
    });
  });

  it('the record refused after a billed success: the quota refunded, then real_name.failed; rejected', async () => {
    await t.run(stubs({ recordRealName: async () => Promise.reject(rejection('REAL_NAME_SUBJECT_LIMIT', { limit: 3 })) }), async (r) => {
      const i = input();
      const { started, handle } = begin(r, i);
      const s = await started;
      await completeFaceCheck(r, s);
      expect(await handle.result()).toMatchObject({ outcome: 'rejected', realNameRecordId: null, certifyId: s.certifyId, error: { code: 'REAL_NAME_SUBJECT_LIMIT' } });
      // compensations newest first, and the event after them
      expect(r.calls.names().slice(-3)).toEqual(['recordRealName', 'refundFaceQuota', 'recordCallback']);
      expect(r.calls.of('refundFaceQuota')).toEqual([{ faceCheckId: s.faceCheckId, reason: 'real_name_not_recorded' }]);
      expect(r.calls.of('recordCallback')).toEqual([
        {
          flowId: handle.workflowId,
          runKey: expect.stringMatching(new RegExp(`^${handle.workflowId}/[0-9a-f]{12}$`)),
          accountId: i.accountId,
          type: 'real_name.failed',
          payload: { accountId: i.accountId, flowId: handle.workflowId, type: 'personal', id: 'face-row-7', table_name: 'face_verifications', reason: 'rejected', code: 'REAL_NAME_SUBJECT_LIMIT' },
        },
      ]);
      expect(await handle.query(realNameStateQuery)).toMatchObject({ stage: 'rejected', outcome: 'rejected' });
    });
  });

  describe('no picture to fetch: the verdict and the record in one local step (settle-then-record)', () => {
    const noPicture = (): RealNameInput => input({ settings: settings({ needPicture: false }) });

    it('verified: consumed, asked, closed and recorded in the one step, one marker', async () => {
      await t.run(stubs(), async (r) => {
        const i = noPicture();
        const { started, handle } = begin(r, i);
        const s = await started;
        await completeFaceCheck(r, s);
        expect(await handle.result()).toMatchObject({ outcome: 'verified', realNameRecordId: 'rn-1', faceRecordId: 'face-row-7', error: null });
        expect(r.calls.names()).toEqual(['precheckRealName', 'checkIdentity', 'issueCertifyId', 'consumeFaceQuota', 'fetchAuthResult', 'closeFaceRecord', 'recordRealName']);
        expect(await localSteps(handle)).toEqual(['checkThenIssue', 'settleThenRecord']);
        expect(r.calls.of('recordRealName')).toEqual([
          { flowId: handle.workflowId, runKey: expect.stringMatching(new RegExp(`^${handle.workflowId}/[0-9a-f]{12}$`)), accountId: i.accountId, faceRecordId: 'face-row-7', subjectLimit: 3, meta: i.meta },
        ]);
        expect(r.calls.of('closeFaceRecord')).toEqual([{ faceRecordId: 'face-row-7', status: 'success', data: { authState: 'SUCCESS', score: 95, quality: null, picture: 'off' } }]);
      });
    });

    it('the record refused in the step: the provider is not asked again; refunded, then real_name.failed', async () => {
      await t.run(stubs({ recordRealName: async () => Promise.reject(rejection('REAL_NAME_SUBJECT_LIMIT', { limit: 3 })) }), async (r) => {
        const { started, handle } = begin(r, noPicture());
        const s = await started;
        await completeFaceCheck(r, s);
        expect(await handle.result()).toMatchObject({ outcome: 'rejected', realNameRecordId: null, error: { code: 'REAL_NAME_SUBJECT_LIMIT', details: { limit: 3 } } });
        expect(r.calls.count('fetchAuthResult')).toBe(1);
        expect(r.calls.names().slice(-3)).toEqual(['recordRealName', 'refundFaceQuota', 'recordCallback']);
        expect(await localSteps(handle)).toEqual(['checkThenIssue', 'settleThenRecord', 'refundFaceQuota', 'recordCallback']);
        expect(r.calls.of('recordCallback')).toMatchObject([{ type: 'real_name.failed', payload: { reason: 'rejected', code: 'REAL_NAME_SUBJECT_LIMIT' } }]);
      });
    });

    it('the database down for the record in the step: the verdict stands, and the run records by its own step', async () => {
      let records = 0;
      const recordRealName: Stubs['recordRealName'] = async () => {
        if (++records === 1) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return { realNameRecordId: 'rn-2' };
      };
      await t.run(stubs({ recordRealName }), async (r) => {
        const { started, handle } = begin(r, noPicture());
        await completeFaceCheck(r, await started);
        expect(await handle.result()).toMatchObject({ outcome: 'verified', realNameRecordId: 'rn-2' });
        expect(r.calls.count('fetchAuthResult')).toBe(1);
        expect(r.calls.count('consumeFaceQuota')).toBe(1);
        expect(r.calls.count('refundFaceQuota')).toBe(0);
        expect(await localSteps(handle)).toEqual(['checkThenIssue', 'settleThenRecord', 'recordRealName']);
      });
    });

    it('a FAIL verdict: nothing recorded, nothing refunded, one step', async () => {
      await t.run(stubs({ fetchAuthResult: async () => ({ authState: 'FAIL', score: 20 }) }), async (r) => {
        const { started, handle } = begin(r, noPicture());
        await completeFaceCheck(r, await started);
        expect(await handle.result()).toMatchObject({ outcome: 'fail', error: { code: 'FACE_FAILED' } });
        expect(r.calls.count('recordRealName') + r.calls.count('refundFaceQuota')).toBe(0);
        expect(await localSteps(handle)).toEqual(['checkThenIssue', 'settleThenRecord', 'recordCallback']);
      });
    });
  });

  it('a FAIL verdict: outcome fail, real_name.failed, no record and no refund', async () => {
    await t.run(stubs({ fetchAuthResult: async () => ({ authState: 'FAIL', score: 20 }) }), async (r) => {
      const { started, handle } = begin(r, input());
      await completeFaceCheck(r, await started);
      expect(await handle.result()).toMatchObject({ outcome: 'fail', message: ERRORS.FACE_FAILED.zh, error: { code: 'FACE_FAILED' } });
      expect(r.calls.count('recordRealName') + r.calls.count('refundFaceQuota')).toBe(0);
      expect(r.calls.of('recordCallback')).toMatchObject([{ type: 'real_name.failed', payload: { reason: 'fail', code: 'FACE_FAILED' } }]);
    });
  });

  it('the face token dies with no completion: expired, real_name.expired, nothing billed', async () => {
    await t.run(stubs(), async (r) => {
      const { started, handle } = begin(r, input({ settings: settings({ ttlSec: 1 }) }));
      const s = await started;
      expect(await handle.result()).toMatchObject({ outcome: 'expired', error: { code: 'FACE_EXPIRED' } });
      expect(r.calls.names()).toEqual(['precheckRealName', 'checkIdentity', 'issueCertifyId', 'faceCheckBilled', 'closeFaceRecord', 'recordCallback']);
      expect(r.calls.of('closeFaceRecord')).toEqual([{ faceRecordId: 'face-row-7', status: 'expired', data: { reason: 'token_expired' } }]);
      expect(r.calls.of('recordCallback')).toMatchObject([{ type: 'real_name.expired', payload: { id: 'face-row-7', reason: 'expired', code: 'FACE_EXPIRED' } }]);
      expect(await faceCheckHandle(r, s).query(hostedFaceCheckStateQuery)).toMatchObject({ stage: 'closed', outcome: 'expired' });
    });
  });

  it('no face quota: the certifyId is never issued; rejected FACE_QUOTA_REQUIRED, no event', async () => {
    await t.run(stubs({ issueCertifyId: async () => Promise.reject(rejection('FACE_QUOTA_REQUIRED', { free: 1 })) }), async (r) => {
      const { started, handle } = begin(r, input());
      expect((await updateRejection(started)).type).toBe('FACE_QUOTA_REQUIRED');
      expect(await handle.result()).toMatchObject({ outcome: 'rejected', certifyId: null, error: { code: 'FACE_QUOTA_REQUIRED' } });
      expect(r.calls.names()).toEqual(['precheckRealName', 'checkIdentity', 'issueCertifyId']);
    });
  });
});

describe('real-name: cancel (cancelFlow)', () => {
  it('while the face check waits: the check closes its row expired (owner_closed), nothing billed; cancelled, no event', async () => {
    await t.run(stubs(), async (r) => {
      const { started, handle } = begin(r, input());
      const s = await started;
      await handle.executeUpdate(cancelFlowUpdate);
      expect(await handle.result()).toMatchObject({ outcome: 'cancelled', certifyId: s.certifyId, realNameRecordId: null, error: { code: 'FLOW_CANCELLED' } });
      expect(await handle.query(realNameStateQuery)).toMatchObject({ stage: 'cancelled', outcome: 'cancelled' });
      expect(r.calls.of('closeFaceRecord')).toEqual([{ faceRecordId: 'face-row-7', status: 'expired', data: { reason: 'owner_closed' } }]);
      expect(r.calls.count('consumeFaceQuota') + r.calls.count('fetchAuthResult') + r.calls.count('recordCallback')).toBe(0);
      // once closed, the server itself refuses another (the API answers FLOW_CLOSED)
      await expect(handle.executeUpdate(cancelFlowUpdate)).rejects.toThrow(/already completed/);
    });
  });

  it('a completion accepted first: the paid check decides (verified) and the cancel answers FLOW_CLOSED', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let fetching = false;
    const fetchAuthResult = async () => {
      fetching = true;
      await held; // the result is being fetched when the cancel arrives
      return { authState: 'SUCCESS' as const, score: 95 };
    };
    await t.run(stubs({ fetchAuthResult }), async (r) => {
      const { started, handle } = begin(r, input());
      const s = await started;
      await completeFaceCheck(r, s);
      for (let i = 0; i < 100 && !fetching; i++) await new Promise((res) => setTimeout(res, 50));
      // sent as the API sends it (http/flow-updates.ts): the check settles in the run's own task
      // (hosted-face), so the cancel either reaches the handler, which refuses it, or arrives while
      // that last task runs and closes with the run; both answer FLOW_CLOSED
      const cancel = updateFlow(handle, cancelFlowUpdate).then(
        () => 'accepted',
        (err: unknown) => (err instanceof AppError ? err.code : err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure ? err.cause.type : String(err)),
      );
      release();
      expect(await cancel).toBe('FLOW_CLOSED');
      expect(await handle.result()).toMatchObject({ outcome: 'verified', message: VERIFIED_MESSAGE, realNameRecordId: 'rn-1' });
      // the cancel request may land while the check's last task runs: the server refuses that task's
      // completion and its local steps run again (consuming is keyed by the check: once in the ledger)
      expect(new Set(r.calls.of('consumeFaceQuota').map((c) => c.faceCheckId))).toEqual(new Set([s.faceCheckId]));
    });
  });
});
