// A face scene proven by a code to the bound phone instead of the face (unfreeze and
// cancellation: the seed's 冻结账户验证码 / 解除账户冻结 code scenes; the way left when the face
// switch is off). Same flow id, same effect, same event as the face method:
//
//   code to the bound phone ─ submitSceneCode ─► right ─► the effect, its audit row and event
//        resend (gap, daily cap) · wrong (≤ max) ─► locked      (one transaction, keyed by the run)
//   lifetime ─► expired · cancel ─► cancelled (each first asks whether this run committed the
//   effect in a task the history lost: then the flow ends success, as the database says)
import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import type { FaceSceneActivities } from './activities';
import { DURABLE_STEP, shortSteps } from '../shared/activity-options';
import { errorOf, failure, failureOf, flowError, type ErrorCode } from '../../lib/errors';
import { CodeChallenge, handleResends, iso, wrongCodeAnswer } from '../shared/code-challenge';
import { FlowStatus } from '../shared/flow-status';
import { flowRun } from '../shared/run-key';
import { refusedUpdate } from '../shared/refused-update';
import { beginFaceSceneUpdate, beginCodeSceneUpdate, faceSceneStateQuery, SCENES, submitSceneCodeUpdate, type CodeSceneStarted, type FaceSceneEffect, type FaceSceneInput, type FaceSceneOutcome, type FaceSceneResult, type FaceSceneStage } from './contract';
import { cancelFlowUpdate, type CodeSent, type FlowError } from '../shared/contract';

const steps = shortSteps<FaceSceneActivities>(DURABLE_STEP);

/** Repeats of the same start answered per run (each enters history). */
const MAX_REPEATS = 10;

export async function sceneByCode(input: FaceSceneInput): Promise<FaceSceneResult> {
  const { flowId, runKey, startedAt } = flowRun();
  const limits = input.codeLimits!;
  const { codeScene, codeMessage, event } = SCENES[input.scene];
  const expiresAt = startedAt + limits.flowTtlSec * 1000;
  const status = new FlowStatus<FaceSceneStage, FaceSceneOutcome>('issuing', ['awaiting_code']);
  const challenge = new CodeChallenge(flowId, runKey, input.accountId, limits, {
    name: 'code',
    scene: codeScene!,
    channel: 'sms',
    targetOfAccount: 'phone',
    prechecks: [{ has: 'phone' }],
  });
  let firstCode: CodeSent | null = null;
  let wrong = 0;
  let effect: FaceSceneEffect | null = null;

  const finish = (o: FaceSceneOutcome, s: FaceSceneStage, e: FlowError | null = null) => status.finish(o, s, e);
  const message = () => (status.outcome === 'success' ? codeMessage! : (status.error?.message ?? null));
  const result = (): FaceSceneResult => ({
    flowId,
    accountId: input.accountId,
    scene: input.scene,
    outcome: status.outcome ?? 'rejected',
    message: message() ?? '',
    certifyId: null,
    faceRecordId: null,
    effect,
    error: status.error,
  });

  setHandler(faceSceneStateQuery, () => ({
    flowId,
    accountId: input.accountId,
    scene: input.scene,
    stage: status.stage,
    method: 'sms',
    codesSent: challenge.codesSent,
    attemptsLeft: Math.max(0, limits.maxWrong - wrong),
    faceCheckId: null,
    certifyId: null,
    faceRecordId: null,
    expiresAt: iso(expiresAt),
    outcome: status.outcome,
    message: message(),
    error: status.error,
  }));

  // the face method's start reaches a code run only by a caller's mistake
  refusedUpdate(beginFaceSceneUpdate, () => status.assertOpen(), () => failure('FLOW_IN_PROGRESS', { flowId }));

  let begun = false;
  let repeats = 0;
  setHandler(
    beginCodeSceneUpdate,
    async (): Promise<CodeSceneStarted> => {
      const cache = begun;
      if (cache) repeats += 1;
      begun = true;
      await condition(() => firstCode !== null || !status.open);
      if (firstCode === null) throw failure((status.error?.code ?? 'INTERNAL') as ErrorCode, status.error?.details);
      return { flowId, scene: input.scene, method: 'sms', code: firstCode, cache };
    },
    {
      validator: ({ deviceId, requestDigest }) => {
        status.assertOpen();
        if (begun && (deviceId !== input.deviceId || requestDigest !== input.requestDigest || repeats >= MAX_REPEATS)) throw failure('FLOW_IN_PROGRESS', { flowId });
      },
    },
  );

  handleResends(challenge, status, () => {
    status.assertIdle();
    if (challenge.codesSent === 0) throw failure('FLOW_IN_PROGRESS', { flowId });
  });

  setHandler(
    submitSceneCodeUpdate,
    async ({ code }): Promise<FaceSceneResult> => {
      status.busy = true;
      status.setStage('verifying');
      try {
        if (!(await challenge.check(code))) {
          const answer = wrongCodeAnswer(++wrong, limits.maxWrong);
          if (!answer.locks || (await endUnapplied('locked', 'locked', errorOf(answer.failure)))) throw answer.failure;
          return result();
        }
        status.setStage('applying');
        try {
          effect = await steps.applyFaceScene({
            runKey,
            flowId,
            accountId: input.accountId,
            scene: input.scene,
            eventType: event,
            keepSessionId: input.sessionId,
            coolingDays: input.coolingDays,
            faceRecordId: null,
            method: 'sms',
            meta: input.meta,
          });
        } catch (err) {
          // refused (the account changed meanwhile): nothing was written, nothing was paid for
          const e = errorOf(err);
          finish('rejected', 'rejected', e);
          throw failureOf(err);
        }
        finish('success', 'completed');
        return result();
      } finally {
        status.busy = false;
        if (status.open) status.setStage('awaiting_code');
      }
    },
    {
      validator: ({ code }) => {
        status.assertIdle();
        challenge.assertMaySubmit(code, wrong);
      },
    },
  );

  /**
   * Ends the flow without the effect (cancel, expiry, lock), unless this run committed it in a
   * workflow task the history lost: then it ends success, as the database says, and answers false.
   */
  async function endUnapplied(o: FaceSceneOutcome, s: FaceSceneStage, e: FlowError): Promise<boolean> {
    const done = await steps.committedFaceScene({ runKey, eventType: event });
    if (done) {
      effect = done;
      finish('success', 'completed');
      return false;
    }
    finish(o, s, e);
    return true;
  }

  let cancelling = false;
  setHandler(
    cancelFlowUpdate,
    async () => {
      cancelling = true;
      await condition(() => !status.busy);
      if (!status.open) throw failure('FLOW_CLOSED');
      status.busy = true;
      try {
        if (!(await endUnapplied('cancelled', 'cancelled', flowError('FLOW_CANCELLED')))) throw failure('FLOW_CLOSED');
      } finally {
        status.busy = false;
      }
    },
    {
      validator: () => {
        status.assertOpen();
        if (cancelling) throw failure('FLOW_IN_PROGRESS', { reason: 'a cancel is pending' });
      },
    },
  );

  try {
    firstCode = await challenge.send();
    status.setStage('awaiting_code');
  } catch (err) {
    finish('rejected', 'rejected', errorOf(err));
  }
  while (status.open) {
    const left = expiresAt - Date.now();
    if (left <= 0) {
      if (status.busy) {
        await condition(() => !status.busy);
        continue;
      }
      status.busy = true;
      try {
        await endUnapplied('expired', 'expired', flowError('FLOW_EXPIRED'));
      } finally {
        status.busy = false;
      }
      continue;
    }
    await condition(() => !status.open, left);
  }
  await condition(allHandlersFinished);
  return result();
}
