// faceScene (flows/face-scene/workflow.ts) with stubbed activities; its faceCheck child runs
// for real on the same worker. Success applies the effect once, keyed by the run; a refused
// effect gives the unit back; FAIL, expiry, no quota and a cancel apply nothing; a repeat
// start from the same device answers the same check, another device is refused.
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { faceScene } from '../../flows/face-scene/workflow';
import { beginFaceSceneUpdate, faceSceneStateQuery, sceneFlowIdOf, type FaceSceneInput } from '../../flows/face-scene/contract';
import { cancelFlowUpdate } from '../../flows/shared/contract';
import { completeFaceCheck, eventually, rejection, updateRejection, workflowSuite, type Stubs, type TestRun } from './env';

const t = workflowSuite();

function input(o: Partial<FaceSceneInput> = {}): FaceSceneInput {
  return {
    accountId: `acct-${randomUUID()}`,
    scene: 'reset_security',
    deviceId: 'device-1',
    requestDigest: 'digest-1',
    ttlSec: 60,
    sessionId: 'sess-keep',
    coolingDays: 15,
    meta: { ip: '203.0.113.8' },
    ...o,
  };
}

const EFFECT = { flagsCleared: ['remote_login'], sessionsEnded: ['sess-other'], frozenAt: null, coolingOffUntil: null };
const stubs = (o: Stubs = {}): Stubs => ({
  issueCertifyId: async (i) => ({ certifyId: `cert-${i.faceCheckId}`, faceRecordId: 'face-row-1' }),
  consumeFaceQuota: async () => ({ source: 'purchased' }),
  refundFaceQuota: async () => ({ refunded: true }),
  fetchAuthResult: async () => ({ authState: 'SUCCESS', score: 90 }),
  closeFaceRecord: async () => undefined,
  applyFaceScene: async () => EFFECT,
  ...o,
});

const begin = { deviceId: 'device-1', requestDigest: 'digest-1' };
/** Started as the API starts it: the update with the start, so even a run that ends in its first task answers. */
function startWith(r: TestRun, i: FaceSceneInput) {
  const workflowId = sceneFlowIdOf(i.scene, i.accountId);
  r.track(workflowId);
  const op = new WithStartWorkflowOperation(faceScene, { workflowId, taskQueue: r.taskQueue, args: [i], workflowIdConflictPolicy: 'USE_EXISTING' });
  return { h: r.client.workflow.getHandle<typeof faceScene>(workflowId), begun: r.client.workflow.executeUpdateWithStart(beginFaceSceneUpdate, { args: [begin], startWorkflowOperation: op }) };
}
async function start(r: TestRun, i: FaceSceneInput) {
  const { h, begun } = startWith(r, i);
  return { h, started: await begun };
}

describe('face scene', () => {
  it('success: the check against the account, then the effect once, keyed by the run', async () => {
    await t.run(stubs(), async (r) => {
      const i = input({ scene: 'cancellation', coolingDays: 7 });
      const { h, started } = await start(r, i);
      const flowId = sceneFlowIdOf('cancellation', i.accountId);
      expect(started).toMatchObject({ flowId, scene: 'cancellation', faceRecordId: 'face-row-1', cache: false });
      expect(started.faceCheckId).toMatch(new RegExp(`^${flowId}/[0-9a-f]{12}/face$`));
      expect(r.calls.of('issueCertifyId')[0]).toMatchObject({ faceCheckId: started.faceCheckId, ownerFlowId: flowId, scene: 'cancellation', identity: { ofAccount: true }, needPicture: false });
      expect(await h.query(faceSceneStateQuery)).toMatchObject({ stage: 'awaiting_face', certifyId: started.certifyId });
      await completeFaceCheck(r, started);
      const result = await h.result();
      expect(result).toMatchObject({ outcome: 'success', message: '刷脸成功:数据对比成功!', effect: EFFECT, error: null });
      const applied = r.calls.of('applyFaceScene');
      expect(applied).toHaveLength(1);
      expect(applied[0]).toMatchObject({ flowId, scene: 'cancellation', eventType: 'account.cancellation_requested', keepSessionId: 'sess-keep', coolingDays: 7, faceRecordId: 'face-row-1' });
      expect(applied[0]!.runKey).toBe(started.faceCheckId.replace(/\/face$/, ''));
      expect(r.calls.count('refundFaceQuota')).toBe(0);
    });
  });

  it('the effect refused (the platform froze the account meanwhile): the unit goes back, rejected', async () => {
    await t.run(stubs({ applyFaceScene: async () => Promise.reject(rejection('ACCOUNT_FROZEN')) }), async (r) => {
      const { h, started } = await start(r, input());
      await completeFaceCheck(r, started);
      expect(await h.result()).toMatchObject({ outcome: 'rejected', effect: null, error: { code: 'ACCOUNT_FROZEN' } });
      expect(r.calls.of('refundFaceQuota')).toEqual([{ faceCheckId: started.faceCheckId, reason: 'face_scene_not_applied' }]);
    });
  });

  it('FAIL: nothing applied, the message of the seed', async () => {
    await t.run(stubs({ fetchAuthResult: async () => ({ authState: 'FAIL', score: 10 }) }), async (r) => {
      const { h, started } = await start(r, input({ scene: 'unfreeze' }));
      await completeFaceCheck(r, started);
      expect(await h.result()).toMatchObject({ outcome: 'fail', message: '刷脸失败:人证信息比对不一致', error: { code: 'FACE_FAILED' } });
      expect(r.calls.count('applyFaceScene')).toBe(0);
    });
  });

  it('no completion before the face token dies: expired, the row closed, nothing applied', async () => {
    await t.run(stubs(), async (r) => {
      const { h } = await start(r, input({ ttlSec: 2 }));
      expect(await h.result()).toMatchObject({ outcome: 'expired', error: { code: 'FACE_EXPIRED' } });
      expect(r.calls.of('closeFaceRecord')).toEqual([{ faceRecordId: 'face-row-1', status: 'expired', data: { reason: 'token_expired' } }]);
      expect(r.calls.count('applyFaceScene')).toBe(0);
    });
  });

  it('no face quota: the start answers FACE_QUOTA_REQUIRED, no check starts, the flow ends rejected', async () => {
    await t.run(stubs({ issueCertifyId: async () => Promise.reject(rejection('FACE_QUOTA_REQUIRED')) }), async (r) => {
      const { h, begun } = startWith(r, input());
      expect((await updateRejection(begun)).type).toBe('FACE_QUOTA_REQUIRED');
      expect(await h.result()).toMatchObject({ outcome: 'rejected', error: { code: 'FACE_QUOTA_REQUIRED' } });
      expect(r.calls.names()).toEqual(['issueCertifyId']);
    });
  });

  it('a repeat start from the same device gets the same check (cache); another device is refused', async () => {
    await t.run(stubs(), async (r) => {
      const { h, started } = await start(r, input());
      const again = await h.executeUpdate(beginFaceSceneUpdate, { args: [begin] });
      expect(again).toEqual({ ...started, cache: true });
      expect((await updateRejection(h.executeUpdate(beginFaceSceneUpdate, { args: [{ deviceId: 'device-2', requestDigest: 'digest-2' }] }))).type).toBe('FLOW_IN_PROGRESS');
      expect(r.calls.count('issueCertifyId')).toBe(1);
    });
  });

  it('cancelled while it waits for the face: the check closes (its hold back), cancelled, nothing applied', async () => {
    await t.run(stubs(), async (r) => {
      const { h, started } = await start(r, input());
      await h.executeUpdate(cancelFlowUpdate);
      expect(await h.result()).toMatchObject({ outcome: 'cancelled', error: { code: 'FLOW_CANCELLED' } });
      await eventually(() => r.calls.count('closeFaceRecord') === 1, 'the check closed');
      expect(r.calls.of('closeFaceRecord')).toEqual([{ faceRecordId: 'face-row-1', status: 'expired', data: { reason: 'owner_closed' } }]);
      expect(await r.client.workflow.getHandle(started.faceCheckId).result()).toMatchObject({ outcome: 'expired' });
      expect(r.calls.count('applyFaceScene')).toBe(0);
    });
  });
});
