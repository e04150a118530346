// Real-name verification (docs/rules.md#real-name-verification, scene personal). Reads like
// the rules; its states are drawn in docs/flows/real-name.md:
//
//   pre-checks (docs/rules.md#pre-checks) ─► [unsafe environment: the security pass spent]
//     ─► ID two-factor check (rate-limited per IP)
//     ─► certifyId (quota hold + 'wait' row; from fewer-tasks on issued here, before the child)
//     ─► face check (in this run since hosted-face, a child workflow before: app completion signal → getAuthResult → picture)
//          expired / rejected / FAIL ─► ended (real_name.failed for a check that ran)
//     ─► SUCCESS ─► real-name record + account verified + real_name.verified, in one transaction
//          that refuses when the ID subject is used up meanwhile ─► compensations, newest first
//
// The caller starts it with update-with-start (beginRealName) and gets the certifyId as soon as
// the face check that waits for it has started; a repeat from the same device with the same request gets the same
// certifyId (cache: true) without a second provider call.
import {
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  allHandlersFinished,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RealNameActivities } from './activities';
import type { FaceCheckActivities } from '../face-check/activities';
import type { SessionActivities } from '../shared/activities/sessions';
import type { SecurityCheckActivities } from '../security-check/activities';
import { DURABLE_STEP, shortSteps } from '../shared/activity-options';
import { errorOf, flowError } from '../../lib/errors';
import { answerFaceStart, cancelsFaceCheck, issuedFields } from '../face-check/owner';
import { ACCOUNT_ID, FLOW_KIND, FLOW_STAGE } from '../../lib/search-attributes';
import { FlowStatus } from '../shared/flow-status';
import { ISSUE_STEP, runFaceCheck, startFaceCheck } from '../face-check/workflow';
import { flowRun } from '../shared/run-key';
import { CHECK_THEN_ISSUE, FEWER_TASKS, HOSTED_FACE, SECURITY_PASS, applies, appliesSince3, appliesSince4, beginRun } from '../shared/patches';
import type { CheckThenIssueInput } from './checks';
import {
  beginRealNameUpdate,
  realNameFlowIdOf,
  realNameStateQuery,
  VERIFIED_MESSAGE,
  type RealNameInput,
  type RealNameOutcome,
  type RealNameResult,
  type RealNameStage,
  type RealNameStarted,
} from './contract';
import { faceCheckIdOf, faceCheckReadySignal, type FaceCheckInput, type FaceCheckReady, type FaceCheckResult } from '../face-check/contract';
import type { FlowError } from '../shared/contract';

// the face check's quota unit is refunded here when the record cannot be made
const steps = shortSteps<RealNameActivities & SessionActivities & SecurityCheckActivities & Pick<FaceCheckActivities, 'refundFaceQuota'>>(DURABLE_STEP);
// The user waits on these: a short retry budget, then an answer.
const issuing = shortSteps<Pick<FaceCheckActivities, 'issueCertifyId'>>(ISSUE_STEP);
const idCheck = shortSteps<RealNameActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '2 seconds', maximumAttempts: 3 },
});
// Before the face in one step (./checks.ts): both calls' time, the ID check's first backoff,
// and retried without end as the database steps were (the step itself ends provider faults).
const beforeFace = shortSteps<RealNameActivities>({
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function realName(input: RealNameInput): Promise<RealNameResult> {
  beginRun(); // first thing: the run decides in its first task (flows/shared/patches.ts)
  const { flowId, runKey, perRun, childId } = flowRun();
  const s = input.settings;

  const status = new FlowStatus<RealNameStage, RealNameOutcome>('prechecking', ['awaiting_face']);
  let ready: FaceCheckReady | null = null;
  /** this run, when it hosts its face check (HOSTED_FACE): the caller's token names it */
  let hostRunId: string | undefined;
  let realNameRecordId: string | null = null;
  let faceResult: FaceCheckResult | null = null;
  // Cancelling it asks the face check to close: it gives its quota hold back unless a
  // completion was accepted first, in which case the check (paid for) decides the outcome.
  const faceScope = new CancellationScope();

  const setStage = (next: RealNameStage) => status.setStage(next);
  const messageOf = (o: RealNameOutcome | null, e: FlowError | null) => (o === 'verified' ? VERIFIED_MESSAGE : (e?.message ?? null));

  setHandler(realNameStateQuery, () => ({
    flowId,
    accountId: input.accountId,
    stage: status.stage,
    ...issuedFields(ready),
    outcome: status.outcome,
    message: messageOf(status.outcome, status.error),
    error: status.error,
  }));

  setHandler(faceCheckReadySignal, (r) => {
    ready = r;
    if (status.open && status.stage === 'issuing_certify_id') setStage('awaiting_face');
  });

  answerFaceStart(
    beginRealNameUpdate,
    { flowId, request: input, status, ready: () => ready, waitingStage: 'awaiting_face', boundedRepeats: perRun },
    (r, cache): RealNameStarted => ({
      flowId,
      faceCheckId: r.faceCheckId,
      certifyId: r.certifyId,
      faceRecordId: r.faceRecordId,
      expiresAt: r.expiresAt,
      provider: r.provider ?? 'dcloud',
      cache,
      ...(hostRunId && { hostRunId }),
    }),
  );
  const cancel = cancelsFaceCheck(status, () => ready !== null, faceScope);

  const finish = async (o: RealNameOutcome, e: FlowError | null): Promise<RealNameResult> => {
    status.finish(o, o === 'fail' ? 'failed' : o, e);
    await condition(allHandlersFinished);
    return {
      flowId,
      accountId: input.accountId,
      outcome: o,
      message: messageOf(o, e)!,
      certifyId: ready?.certifyId ?? null,
      faceRecordId: ready?.faceRecordId ?? null,
      realNameRecordId,
      error: e,
    };
  };

  // the start sets them (./start.ts); flows recorded before FEWER_TASKS set them again here
  if (!applies(FEWER_TASKS)) {
    upsertSearchAttributes([
      { key: FLOW_KIND, value: 'real-name' },
      { key: ACCOUNT_ID, value: input.accountId },
      { key: FLOW_STAGE, value: status.stage },
    ]);
  }

  const precheck = {
    flowId,
    accountId: input.accountId,
    realName: input.realName,
    idNumber: input.idNumber,
    deviceId: input.deviceId,
    // an unsafe environment with a pass the API accepted: spent just below
    environmentSafe: input.environmentSafe || input.securityPassHash !== undefined,
    subjectLimit: s.subjectLimit,
    freePerAccount: s.freePerAccount,
  };
  const securityPass =
    input.securityPassHash !== undefined && !input.environmentSafe
      ? { passHash: input.securityPassHash, runKey, flowId, accountId: input.accountId, deviceId: input.deviceId, meta: input.meta }
      : undefined;
  const idCheckInput = {
    flowId,
    callKey: `${runKey}/id-check`,
    accountId: input.accountId,
    realName: input.realName,
    idNumber: input.idNumber,
    clientIp: input.meta.ip ?? null,
    perDay: s.idCheckPerDay,
    gapSec: s.idCheckGapSec,
  };
  const owner = realNameFlowIdOf(input.accountId);
  // from the input, not workflowInfo(): the same id when a history replays under another id
  const faceCheckId = perRun ? childId(owner, 'face') : faceCheckIdOf(owner);
  const check: FaceCheckInput = {
    accountId: input.accountId,
    scene: 'personal',
    identity: { realName: input.realName, idNumber: input.idNumber },
    deviceId: input.deviceId,
    requestDigest: input.requestDigest,
    needPicture: s.needPicture,
    ttlSec: s.ttlSec,
    meta: input.meta,
  };
  const issuedAt = (issued: Omit<NonNullable<FaceCheckInput['issued']>, 'expiresAt'>) => ({ ...issued, expiresAt: new Date(Date.now() + s.ttlSec * 1000).toISOString() });

  if (appliesSince3(CHECK_THEN_ISSUE)) {
    // the check runs in this run (HOSTED_FACE): its row names the run, for the completion to find it
    if (appliesSince4(HOSTED_FACE)) hostRunId = workflowInfo().runId;
    // 1–3. the pre-checks, the pass, the ID check and the certifyId, in one step (./checks.ts)
    const issue = { ...check, faceCheckId, ownerFlowId: flowId, ...(hostRunId && { hostRunId }) };
    const step: CheckThenIssueInput = { precheck, ...(securityPass && { securityPass }), idCheck: idCheckInput, issue };
    try {
      const r = await beforeFace.checkThenIssue(step);
      if ('error' in r) return finish('rejected', r.error);
      setStage('issuing_certify_id');
      check.issued = issuedAt(r.issued);
    } catch (err) {
      return finish('rejected', errorOf(err));
    }
  } else {
    // 1. pre-checks, before any paid call
    try {
      await steps.precheckRealName(precheck);
    } catch (err) {
      return finish('rejected', errorOf(err));
    }

    // 1b. the security pass (an unsafe environment proven by SMS): spent by this run, once; a pass
    // another run spent, or expired since the API looked, ends the run with its code
    if (securityPass && applies(SECURITY_PASS)) {
      try {
        await steps.spendSecurityPass(securityPass);
      } catch (err) {
        return finish('rejected', errorOf(err));
      }
    }

    // 2. ID two-factor check (slot given back by the activity when the provider is at fault)
    setStage('id_check');
    try {
      await idCheck.checkIdentity(idCheckInput);
    } catch (err) {
      return finish('rejected', errorOf(err));
    }

    // 3–9. the face check, as a child workflow
    setStage('issuing_certify_id');
    // From fewer-tasks on the certifyId is issued here, in this task, and the check starts with
    // it: no task of the child's and no signal back before the caller has its answer.
    if (applies(FEWER_TASKS)) {
      try {
        check.issued = issuedAt(await issuing.issueCertifyId({ ...check, faceCheckId, ownerFlowId: flowId }));
      } catch (err) {
        return finish('rejected', errorOf(err));
      }
    }
  }
  // the record of a passed check: made in the check's settling step when the run hosts it (SETTLE_THEN_RECORD)
  const record = { flowId, runKey, accountId: input.accountId, subjectLimit: s.subjectLimit, meta: input.meta };
  if (hostRunId && check.issued) {
    // 3–9. the face check, in this run: in faceScope so a cancel reaches it, as it would a child
    ready = { faceCheckId, ...check.issued };
    setStage('awaiting_face');
    faceResult = await faceScope.run(() => runFaceCheck(check, { faceCheckId, ownerFlowId: flowId, parent: null, ownRun: false, record }));
  } else {
    try {
      // started in faceScope so a cancel reaches it; its result is awaited whatever happens
      const child = await faceScope.run(() => startFaceCheck(faceCheckId, perRun, check));
      if (check.issued) {
        ready = { faceCheckId, ...check.issued };
        setStage('awaiting_face');
      }
      faceResult = await child.result();
    } catch (err) {
      if (err instanceof ChildWorkflowFailure) return finish('rejected', flowError('SERVICE_UNAVAILABLE'));
      throw err;
    }
  }

  const face: FaceCheckResult = faceResult;
  setStage('face_result');
  if (cancel.asked && face.outcome === 'expired') return finish('cancelled', flowError('FLOW_CANCELLED'));
  if (face.outcome !== 'success') {
    if (face.certifyId !== null) {
      await steps.recordCallback({
        flowId,
        runKey,
        accountId: input.accountId,
        // an expired check has its own event (flows recorded before it told it as failed)
        type: perRun && face.outcome === 'expired' ? 'real_name.expired' : 'real_name.failed',
        payload: { accountId: input.accountId, flowId, type: 'personal', id: face.faceRecordId, table_name: 'face_verifications', reason: face.outcome, code: face.error?.code ?? null },
      });
    }
    return finish(face.outcome === 'fail' ? 'fail' : face.outcome === 'expired' ? 'expired' : 'rejected', face.error);
  }

  // 10. SUCCESS: the record, under the subject-limit lock. If it cannot be written the check
  // was paid for nothing the user did wrong: compensations run, newest first.
  const compensations: (() => Promise<unknown>)[] = [];
  if (face.quota) compensations.unshift(() => steps.refundFaceQuota({ faceCheckId: face.faceCheckId, reason: 'real_name_not_recorded' }));
  setStage('recording');
  // made in the check's settling step, unless the database did not answer it there
  let recorded = face.recorded;
  if (!recorded) {
    try {
      recorded = await steps.recordRealName({ ...record, faceRecordId: face.faceRecordId! });
    } catch (err) {
      recorded = { error: errorOf(err) };
    }
  }
  if ('realNameRecordId' in recorded) {
    realNameRecordId = recorded.realNameRecordId;
  } else {
    const e = recorded.error;
    setStage('compensating');
    for (const compensate of compensations) await compensate();
    await steps.recordCallback({
      flowId,
      runKey,
      accountId: input.accountId,
      type: 'real_name.failed',
      payload: { accountId: input.accountId, flowId, type: 'personal', id: face.faceRecordId, table_name: 'face_verifications', reason: 'rejected', code: e.code },
    });
    return finish('rejected', e);
  }
  return finish('verified', null);
}
