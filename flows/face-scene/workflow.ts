// A face scene (docs/flows/face-scenes.md): the account's owner proves who they are by a face
// check against the account's own real-name identity, and the scene's effect follows. One
// workflow for every scene; reads like the rules (docs/rules.md#face-scenes):
//
//   certifyId (quota hold + 'wait' row, issued here, the check started with it)
//     ─► face check (child workflow: the app's completion → billed → getAuthResult)
//          expired / rejected / FAIL ─► ended, nothing changed (no event)
//     ─► SUCCESS ─► the effect, its audit row and its event in one transaction
//          (reset_security: flags cleared + other sessions ended; unfreeze: unfrozen;
//          cancellation: the request with its cooling-off date)
//          refused (the platform froze the account meanwhile…) ─► the unit refunded, rejected
//
// The effect runs only here, in the main path, after the check's success is in history: a task
// lost after the effect committed is retried from that success and runs the step again, which
// finds its own commit (keyed by the run). No path ends the flow without the effect once the
// check succeeded, so there is nothing else to ask the database (unlike bind and rebind, whose
// commit runs in an update a lost task takes with it: flows/shared/activities/contact-change.ts).
import { CancellationScope, ChildWorkflowFailure, allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import { answerFaceStart, cancelsFaceCheck, issuedFields } from '../face-check/owner';
import type { FaceSceneActivities } from './activities';
import type { FaceCheckActivities } from '../face-check/activities';
import { DURABLE_STEP, shortSteps } from '../shared/activity-options';
import { errorOf, failure, flowError } from '../../lib/errors';
import { requestCodeUpdate } from '../shared/contract';
import { sceneByCode } from './by-code';
import { refusedUpdate } from '../shared/refused-update';
import { FlowStatus } from '../shared/flow-status';
import { issueAndStartFaceCheck } from '../face-check/workflow';
import { flowRun } from '../shared/run-key';
import {
  beginCodeSceneUpdate,
  beginFaceSceneUpdate,
  submitSceneCodeUpdate,
  faceSceneStateQuery,
  SCENE_SUCCESS_MESSAGE,
  SCENES,
  sceneFlowIdOf,
  type FaceSceneEffect,
  type FaceSceneInput,
  type FaceSceneOutcome,
  type FaceSceneResult,
  type FaceSceneStage,
  type FaceSceneStarted,
} from './contract';
import type { FaceCheckReady, FaceCheckResult } from '../face-check/contract';
import type { FlowError } from '../shared/contract';
import { beginRun } from '../shared/patches';

const steps = shortSteps<FaceSceneActivities & Pick<FaceCheckActivities, 'refundFaceQuota'>>(DURABLE_STEP);

export async function faceScene(input: FaceSceneInput): Promise<FaceSceneResult> {
  beginRun(); // first thing: the run decides in its first task (flows/shared/patches.ts)
  if (input.method === 'sms') return sceneByCode(input);
  const { flowId, runKey, childId } = flowRun();
  const status = new FlowStatus<FaceSceneStage, FaceSceneOutcome>('issuing', ['awaiting_face']);
  let ready: FaceCheckReady | null = null;
  let effect: FaceSceneEffect | null = null;
  // cancelling it asks the face check to close (./face-check/owner.ts cancelsFaceCheck)
  const faceScope = new CancellationScope();

  const messageOf = (o: FaceSceneOutcome | null, e: FlowError | null) => (o === 'success' ? SCENE_SUCCESS_MESSAGE : (e?.message ?? null));

  setHandler(faceSceneStateQuery, () => ({
    flowId,
    accountId: input.accountId,
    scene: input.scene,
    stage: status.stage,
    method: 'face',
    ...issuedFields(ready),
    outcome: status.outcome,
    message: messageOf(status.outcome, status.error),
    error: status.error,
  }));

  answerFaceStart(
    beginFaceSceneUpdate,
    { flowId, request: input, status, ready: () => ready, waitingStage: 'awaiting_face', boundedRepeats: true },
    (r, cache): FaceSceneStarted => ({ flowId, scene: input.scene, faceCheckId: r.faceCheckId, certifyId: r.certifyId, faceRecordId: r.faceRecordId, expiresAt: r.expiresAt, provider: r.provider ?? 'dcloud', cache }),
  );
  const cancel = cancelsFaceCheck(status, () => ready !== null, faceScope);
  // the code method's updates reach a face run only by a caller's mistake
  refusedUpdate(beginCodeSceneUpdate, () => status.assertOpen(), () => failure('FLOW_IN_PROGRESS', { flowId }));
  refusedUpdate(requestCodeUpdate, () => status.assertOpen(), () => failure('PROOF_METHOD_MISMATCH'));
  refusedUpdate(submitSceneCodeUpdate, () => status.assertOpen(), () => failure('PROOF_METHOD_MISMATCH'));

  const finish = async (o: FaceSceneOutcome, e: FlowError | null): Promise<FaceSceneResult> => {
    status.finish(o, o === 'success' ? 'completed' : o === 'fail' ? 'failed' : o, e);
    await condition(allHandlersFinished);
    return {
      flowId,
      accountId: input.accountId,
      scene: input.scene,
      outcome: o,
      message: messageOf(o, e)!,
      certifyId: ready?.certifyId ?? null,
      faceRecordId: ready?.faceRecordId ?? null,
      effect,
      error: e,
    };
  };

  // 1. the face check against the account's own identity
  let face: FaceCheckResult;
  try {
    // from the input, not the workflow id: the same id when a recorded history replays under another
    const check = await issueAndStartFaceCheck(childId(sceneFlowIdOf(input.scene, input.accountId), 'face'), flowId, faceScope, {
      accountId: input.accountId,
      scene: input.scene,
      identity: { ofAccount: true },
      deviceId: input.deviceId,
      requestDigest: input.requestDigest,
      needPicture: false,
      ttlSec: input.ttlSec,
      meta: input.meta,
    });
    if ('error' in check) return finish('rejected', check.error);
    ready = check.ready;
    status.setStage('awaiting_face');
    face = await check.child.result();
  } catch (err) {
    if (err instanceof ChildWorkflowFailure) return finish('rejected', flowError('SERVICE_UNAVAILABLE'));
    throw err;
  }
  if (cancel.asked && face.outcome === 'expired') return finish('cancelled', flowError('FLOW_CANCELLED'));
  if (face.outcome !== 'success') return finish(face.outcome, face.error);

  // 2. the effect; a refusal means the user paid for nothing they did wrong: the unit goes back
  status.setStage('applying');
  try {
    effect = await steps.applyFaceScene({
      runKey,
      flowId,
      accountId: input.accountId,
      scene: input.scene,
      eventType: SCENES[input.scene].event,
      keepSessionId: input.sessionId,
      coolingDays: input.coolingDays,
      faceRecordId: face.faceRecordId,
      meta: input.meta,
    });
  } catch (err) {
    const e = errorOf(err);
    status.setStage('compensating');
    if (face.quota) await steps.refundFaceQuota({ faceCheckId: face.faceCheckId, reason: 'face_scene_not_applied' });
    return finish('rejected', e);
  }
  return finish('success', null);
}
