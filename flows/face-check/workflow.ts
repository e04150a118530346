// One face check (a face provider's liveness against an identity: DCloud, Alibaba, WeChat), as a child workflow any flow
// can reuse with its own scene: real-name verification (scene personal), the rebind face
// method, account recovery; or inside its owner's run (runFaceCheck: real-name, since
// hosted-face). Its signal, query and shapes are in ./contract.ts.
//
//   hold one quota unit (none left: FACE_QUOTA_REQUIRED) ─► issue certifyId + 'wait' row
//     ─► tell the parent (faceCheckReady)
//     ─► wait for the app's completion signal, at most the token TTL (timer)
//          none, or the owner flow closed ─► expired (the hold is released)
//          wrong device / wrong certifyId / SDK errCode ≠ 0 → refused with its reason, keep waiting
//     ─► billed: the held unit consumed (once)           ┐ compensation: refund, newest first,
//     ─► getAuthResult server-side (counts api:face)      ┘ if the result cannot be had
//        (both, and closing the row when no picture is kept, one local step since SETTLE_IN_ONE)
//     ─► picture (optional, failure recorded) ─► close the row success / fail
//   Once billed, it finishes even if its owner closes meanwhile (the user paid for it).
import {
  CancellationScope,
  condition,
  isCancellation,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  startChild,
  type ChildWorkflowHandle,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { FaceCheckActivities } from './activities';
import { closingData, type AuthResultSummary, type Settled } from './settle';
import { DURABLE_STEP, shortSteps } from '../shared/activity-options';
import { errorOf, flowError } from '../../lib/errors';
import { ACCOUNT_ID, FLOW_KIND, FLOW_STAGE } from '../../lib/search-attributes';
import { FlowStatus } from '../shared/flow-status';
import { COMMITTED_FIRST, HOSTED_FACE, SETTLE_IN_ONE, SETTLE_THEN_RECORD, applies, appliesSince2, appliesSince4, appliesSince6, beginRun } from '../shared/patches';
import {
  faceCheckReadySignal,
  faceCheckStateQueryOf,
  faceCompletionSignal,
  completeFaceUpdate,
  type CompletionVerdict,
  type FaceCheckInput,
  type FaceCheckOutcome,
  type FaceCheckResult,
  type FaceCheckStage,
  type FaceCompletion,
  type FaceCheckReady,
  type PictureState,
} from './contract';
import type { FlowError } from '../shared/contract';
import type { RealNameActivities } from '../real-name/activities';
import type { RecordOfRun, SettledThenRecorded } from '../real-name/settle-then-record';

const steps = shortSteps<FaceCheckActivities & Pick<RealNameActivities, 'settleThenRecord'>>(DURABLE_STEP);
// a picture download may be large and slow: a task of its own
const pictures = proxyActivities<FaceCheckActivities>(DURABLE_STEP);
/** Issuing a certifyId: a provider call the user waits on (the owner flow may issue it too). */
export const ISSUE_STEP = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 3 },
} as const;
const provider = shortSteps<FaceCheckActivities>(ISSUE_STEP);
// A certifyId may be queried at most 5 times; the result may lag the app by a few seconds.
const result = shortSteps<FaceCheckActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '4 seconds', maximumAttempts: 4 },
});

/** Verdicts kept for the API to read; the API lets at most FACE_COMPLETIONS_PER_CHECK through,
 *  fewer than this, and the accepted one is kept apart, so no verdict anyone waits on is lost. */
const MAX_VERDICTS = 20;

/**
 * Starts a face check as a child of the calling flow. When the parent closes first the check is
 * asked to cancel, so it can give its quota hold back (flows recorded before that terminated it).
 */
export function startFaceCheck(workflowId: string, cancelWithParent: boolean, input: FaceCheckInput): Promise<ChildWorkflowHandle<typeof faceCheck>> {
  return startChild(faceCheck, {
    workflowId,
    args: [input],
    parentClosePolicy: cancelWithParent ? ParentClosePolicy.REQUEST_CANCEL : ParentClosePolicy.TERMINATE,
    typedSearchAttributes: [
      { key: FLOW_KIND, value: 'face-check' },
      { key: ACCOUNT_ID, value: input.accountId },
      { key: FLOW_STAGE, value: firstStage(input) },
    ],
  });
}

/**
 * For an owner that answers its caller with the certifyId: issues it in the owner's own task (a
 * local step) and starts the check with it, in `scope` so the owner's cancel reaches the check.
 * No task of the child's and no signal back stand between the caller and its answer (what
 * real-name does inline since fewer-tasks). A refusal (no quota, no real-name record, the
 * provider) is returned as the error the owner ends with; nothing was started then.
 */
export async function issueAndStartFaceCheck(
  faceCheckId: string,
  ownerFlowId: string,
  scope: CancellationScope,
  check: FaceCheckInput,
): Promise<{ child: ChildWorkflowHandle<typeof faceCheck>; ready: FaceCheckReady } | { error: FlowError }> {
  let issued: Awaited<ReturnType<FaceCheckActivities['issueCertifyId']>>;
  try {
    issued = await provider.issueCertifyId({ ...check, faceCheckId, ownerFlowId });
  } catch (err) {
    return { error: errorOf(err) };
  }
  const ready: FaceCheckReady = { faceCheckId, ...issued, expiresAt: new Date(Date.now() + check.ttlSec * 1000).toISOString() };
  const child = await scope.run(() => startFaceCheck(faceCheckId, true, { ...check, issued: { ...issued, expiresAt: ready.expiresAt } }));
  return { child, ready };
}

const firstStage = (input: FaceCheckInput): FaceCheckStage => (input.issued ? 'awaiting_completion' : 'issuing');

/** Where a check runs: a workflow of its own (a child of its owner), or inside its owner's run. */
export interface FaceCheckPlace {
  faceCheckId: string;
  ownerFlowId: string | null;
  /** the owner told faceCheckReady when the check issues its certifyId itself (a child) */
  parent: { workflowId: string; runId: string } | null;
  /** false inside the owner's run: the run's search attributes are the owner's */
  ownRun: boolean;
  /** a real-name run's record, made in the settling step when the provider passes the check (SETTLE_THEN_RECORD) */
  record?: RecordOfRun;
}

export async function faceCheck(input: FaceCheckInput): Promise<FaceCheckResult> {
  beginRun(); // first thing: the run decides in its first task (flows/shared/patches.ts)
  const info = workflowInfo();
  return runFaceCheck(input, { faceCheckId: info.workflowId, ownerFlowId: info.parent?.workflowId ?? null, parent: info.parent ?? null, ownRun: true });
}

/**
 * The check itself, in the run that calls it: the face-check workflow's, or its owner's (from
 * hosted-face on a real-name run hosts its check, flows/shared/patches.ts). Its signal, update
 * and query are registered on that run; an owner that hosts it cancels it by cancelling the
 * scope it runs in, as a parent's cancel request would.
 */
export async function runFaceCheck(input: FaceCheckInput, place: FaceCheckPlace): Promise<FaceCheckResult> {
  const { faceCheckId, ownerFlowId } = place;

  const status = new FlowStatus<FaceCheckStage, FaceCheckOutcome>(firstStage(input), ['awaiting_completion'], place.ownRun);
  // set before the handlers: a completion that arrived with the check's start is judged as
  // soon as its handler is registered, and must find the certifyId the owner issued
  let certifyId: string | null = input.issued?.certifyId ?? null;
  let faceRecordId: string | null = input.issued?.faceRecordId ?? null;
  let providerName = input.issued ? (input.issued.provider ?? 'dcloud') : null;
  let expiresAt = input.issued ? Date.parse(input.issued.expiresAt) : 0;
  let accepted: FaceCompletion | null = null;
  /** the token ran out, but a completion accepted in a workflow task the history lost had billed the check */
  let billedByLostTask = false;
  let acceptedVerdict: CompletionVerdict | null = null;
  const verdicts: CompletionVerdict[] = [];

  const setStage = (s: FaceCheckStage) => status.setStage(s);

  setHandler(faceCheckStateQueryOf(!place.ownRun), () => ({
    faceCheckId,
    scene: input.scene,
    stage: status.stage,
    certifyId,
    faceRecordId,
    provider: providerName,
    expiresAt: expiresAt ? new Date(expiresAt).toISOString() : null,
    completions: acceptedVerdict ? [acceptedVerdict, ...verdicts] : verdicts,
    outcome: status.outcome,
    error: status.error,
  }));

  // The app's completion: every one gets a recorded verdict (kept for the state query too);
  // only a well-formed one from the starting device with this check's certifyId and errCode 0
  // moves the check on.
  const judge = (c: FaceCompletion): CompletionVerdict => {
    const verdict = (err: FlowError | null) => {
      const v = { completionId: String(c.completionId ?? ''), accepted: err === null, error: err };
      if (v.accepted) acceptedVerdict = v;
      else verdicts.push(v);
      if (verdicts.length > MAX_VERDICTS) verdicts.shift();
      return v;
    };
    if (accepted !== null) return verdict(flowError('FACE_ALREADY_COMPLETED'));
    // billed by a lost task: that task accepted a completion in time, and its repeat is judged as it was
    const inTime = billedByLostTask || (status.stage === 'awaiting_completion' && Date.now() < expiresAt);
    if (!inTime) return verdict(flowError('FACE_TOKEN_INVALID'));
    if (c.deviceId !== input.deviceId || c.tokenDeviceId !== input.deviceId) return verdict(flowError('FACE_DEVICE_MISMATCH'));
    if (!c.certifyId || c.certifyId !== certifyId) return verdict(flowError('FACE_CERTIFY_MISMATCH'));
    if (String(c.errCode) !== '0') {
      return verdict(
        flowError('FACE_SDK_ERROR', {
          errCode: c.errCode,
          errMsg: typeof c.errMsg === 'string' ? c.errMsg.slice(0, 200) : '',
          ...(c.cause?.code !== undefined ? { causeCode: c.cause.code } : {}),
        }),
      );
    }
    accepted = c;
    return verdict(null);
  };
  /** asked once, by the expiry or by a completion judged late, whichever comes first */
  let billedCheck: Promise<boolean> | null = null;
  const billedBefore = () => (billedCheck ??= CancellationScope.nonCancellable(() => steps.faceCheckBilled({ faceCheckId })));

  // The API relays it as an update and gets the verdict back in the same round trip. One judged
  // after the token's time asks first whether a lost task had accepted it (COMMITTED_FIRST): the
  // API repeats a completion whose task was lost, and the repeat must not be told it came late.
  setHandler(completeFaceUpdate, async (c) => {
    if (accepted === null && status.stage === 'awaiting_completion' && Date.now() >= expiresAt && applies(COMMITTED_FIRST)) {
      billedByLostTask = await billedBefore();
    }
    return judge(c);
  });
  // Before that it was a signal, which cannot answer its sender: the API polled the state
  // query for the verdict by completionId. Kept for the histories and clients of then.
  setHandler(faceCompletionSignal, (c) => {
    judge(c);
  });

  const end = (o: FaceCheckOutcome, err: FlowError | null, quota: FaceCheckResult['quota'] = null, picture: PictureState = 'off'): FaceCheckResult => {
    status.finish(o, 'closed', err);
    return { faceCheckId, outcome: o, certifyId, faceRecordId, quota, picture, error: err };
  };

  // 1. certifyId and the 'wait' row, unless the owner issued them
  if (!input.issued) {
    const early = await issue();
    if (early) return early;
  }

  /** Issues the certifyId and tells the parent; the check's result when that fails. */
  async function issue(): Promise<FaceCheckResult | null> {
    try {
      const issued = await provider.issueCertifyId({
        faceCheckId,
        ownerFlowId,
        accountId: input.accountId,
        scene: input.scene,
        identity: input.identity,
        deviceId: input.deviceId,
        requestDigest: input.requestDigest,
        needPicture: input.needPicture,
        ttlSec: input.ttlSec,
        meta: input.meta,
      });
      certifyId = issued.certifyId;
      faceRecordId = issued.faceRecordId;
      providerName = issued.provider ?? 'dcloud';
    } catch (err) {
      return end('rejected', errorOf(err));
    }
    expiresAt = Date.now() + input.ttlSec * 1000;
    setStage('awaiting_completion');
    if (place.parent) {
      await getExternalWorkflowHandle(place.parent.workflowId, place.parent.runId).signal(faceCheckReadySignal, {
        faceCheckId,
        certifyId,
        faceRecordId,
        expiresAt: new Date(expiresAt).toISOString(),
        provider: providerName ?? 'dcloud',
      });
    }
    return null;
  }

  // 2. the app's completion, or the face token's timer, or the owner closing (a cancel request)
  let completed: boolean;
  let reason = 'token_expired';
  try {
    completed = await condition(() => accepted !== null, expiresAt - Date.now());
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // a completion accepted in the same task as the owner's cancel billed the check: it goes on
    // (checks recorded before HOSTED_FACE closed it as cancelled)
    completed = accepted !== null && appliesSince4(HOSTED_FACE);
    if (!completed) reason = 'owner_closed';
  }
  if (!completed && applies(COMMITTED_FIRST)) {
    // A completion accepted in a task the history lost (its worker died, or the server refused
    // the task's completion because this timer fired meanwhile) may have billed the check: the
    // user completed in time and paid, so the check finishes on the provider's verdict.
    billedByLostTask = await billedBefore();
    completed = billedByLostTask;
  }
  if (!completed) {
    // closing the row gives the held quota unit back
    const closing = faceRecordId!;
    await CancellationScope.nonCancellable(() => steps.closeFaceRecord({ faceRecordId: closing, status: 'expired', data: { reason } }));
    return end('expired', flowError('FACE_EXPIRED'));
  }
  const issuedId = faceRecordId!;
  return CancellationScope.nonCancellable(() => billed(certifyId!, issuedId));

  /** From the accepted completion on: the user paid, so nothing cancels this part. */
  async function billed(certifyId: string, faceRecordId: string): Promise<FaceCheckResult> {
    // 3. billed from here: one unit, refunded if the result cannot be had
    // 4. the server-side result decides
    let quota: Settled['quota'];
    let auth: AuthResultSummary;
    const rejected = async (e: FlowError) => {
      await steps.refundFaceQuota({ faceCheckId, reason: 'face_result_unavailable' });
      await steps.closeFaceRecord({ faceRecordId, status: 'error', data: { error: e.code, ...(e.details ?? {}) } });
      return end('rejected', e);
    };
    const decided = (auth: AuthResultSummary, picture: PictureState) => {
      const success = auth.authState === 'SUCCESS';
      return end(success ? 'success' : 'fail', success ? null : flowError('FACE_FAILED', { faceRecordId }), { source: quota.source }, picture);
    };
    setStage('billing');
    if (appliesSince2(SETTLE_IN_ONE)) {
      const settle = { faceCheckId, ownerFlowId, accountId: input.accountId, certifyId, faceRecordId, close: !input.needPicture };
      // the owner's record in the same step, when the row is closed by it (no picture to fetch first)
      const record = place.record && !input.needPicture && appliesSince6(SETTLE_THEN_RECORD) ? place.record : undefined;
      const settled: SettledThenRecorded = record ? await steps.settleThenRecord({ settle, record }) : await steps.settleFaceCheck(settle);
      quota = settled.quota;
      if ('error' in settled) return rejected(settled.error);
      if (!input.needPicture) return { ...decided(settled.auth, 'off'), ...(settled.recorded && { recorded: settled.recorded }) }; // closed by the step
      auth = settled.auth;
    } else {
      quota = await steps.consumeFaceQuota({ faceCheckId, accountId: input.accountId });
      setStage('fetching_result');
      try {
        auth = await result.fetchAuthResult({ faceCheckId, ownerFlowId, accountId: input.accountId, certifyId });
      } catch (err) {
        return rejected(errorOf(err));
      }
    }

    // 5. the picture, when collected; a failed download is recorded and does not decide anything
    let picture: PictureState = 'off';
    if (input.needPicture) {
      picture = 'none';
      if (auth.pictureUrl) {
        setStage('storing_picture');
        try {
          picture = (await pictures.storeFacePicture({ faceCheckId, faceRecordId, url: auth.pictureUrl })).stored ? 'stored' : 'failed';
        } catch {
          picture = 'failed';
        }
      }
    }

    // 6. the row closed with the provider's data (no personal data)
    await steps.closeFaceRecord({ faceRecordId, status: auth.authState === 'SUCCESS' ? 'success' : 'fail', data: closingData(auth, picture) });
    return decided(auth, picture);
  }
}
