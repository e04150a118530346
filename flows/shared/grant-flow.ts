// A grant flow (./grant-contract.ts): a person proves control of an account and the platform
// gets a single-use grant. Account recovery (flows/recovery/) and password reset
// (flows/password-reset/) run this with their own kind. Reads like the rules
// (docs/rules.md#account-recovery, #password-reset):
//
//   sms / mail: code to the bound phone / email ─ submit ─► right ─┐
//        resend (gap, daily cap) · wrong (≤ max) ─► locked · lifetime ─► expired │
//   face (recovery): certifyId (quota hold) ─► face check child ─► success ──────┤
//        FAIL / expired / refused ─► ended, nothing granted                        │
//   ◄──────────────────────────────────────────────────────────────────────────────┘
//   grant (its hash, audit row, its kind's event: one transaction) ─► awaiting_redeem
//     ─ redeem ─► the sessions ended (all, or all but the one that asked), grant used, its
//       kind's event (one transaction) ─► notices to every bound contact ─► recovered / reset
//     grant lifetime ─► expired (RECOVERY_GRANT_EXPIRED) · cancel at any open stage
//
// The security check (flows/security-check/) ends once its grant, the security pass, is out: a
// real-name run spends it (its row, not this flow, says when).
//
// The grant is never in history: the run answers its run key and the API derives the grant
// from it with a server key (lib/recovery-grant.ts); the redeem is checked against the hash.
import { CancellationScope, ChildWorkflowFailure, allHandlersFinished, condition, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import { COMMITTED_FIRST, applies, beginRun } from './patches';
import type { GrantActivities } from './activities/grants';
import { DURABLE_STEP, shortSteps } from './activity-options';
import { failure, failureOf, flowError, type ErrorCode } from '../../lib/errors';
import { CodeChallenge, handleResends, iso, wrongCodeAnswer } from './code-challenge';
import { FlowStatus } from './flow-status';
import { flowRun } from './run-key';
import { issueAndStartFaceCheck } from '../face-check/workflow';
import type { FaceCheckReady, FaceCheckResult } from '../face-check/contract';
import {
  cancelFlowUpdate,
  STATE_QUERY,
  type CodeSent,
  type FlowError,
  type GrantFlowInput,
  type GrantKind,
  type GrantOutcome,
  type GrantRedeemed,
  type GrantResult,
  type GrantStage,
  type GrantStarted,
  type GrantState,
  type GrantVerified,
} from './contract';

const { issueRecoveryGrant, redeemRecovery, redeemedRecovery } = shortSteps<GrantActivities>(DURABLE_STEP);
// the notices a redemption owes go out whatever fails meanwhile (rebind's notice step)
const { sendRecoveryNotices } = proxyActivities<GrantActivities>({
  startToCloseTimeout: '60 seconds',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** Repeats of the same start answered, and collects of a face proof's grant, per run. */
const MAX_REPEATS = 10;


const stateQuery = defineQuery<GrantState>(STATE_QUERY);

export async function grantFlow(input: GrantFlowInput, kind: GrantKind): Promise<GrantResult> {
  beginRun(); // first thing: the run decides in its first task (flows/shared/patches.ts)
  const { begin, submit, collect, redeem } = kind.updates;
  const { flowId, runKey, childId, startedAt } = flowRun();
  const proofEndsAt = startedAt + input.limits.flowTtlSec * 1000;
  const byCode = input.method !== 'face';
  const status = new FlowStatus<GrantStage, GrantOutcome>('starting', ['awaiting_code', 'awaiting_face', 'awaiting_redeem']);
  const challenge = new CodeChallenge(flowId, runKey, input.accountId, input.limits, {
    name: 'code',
    scene: kind.codeScene,
    channel: input.method === 'mail' ? 'mail' : 'sms',
    targetOfAccount: input.method === 'mail' ? 'email' : 'phone',
    prechecks: [],
  });
  let firstCode: CodeSent | null = null;
  let ready: FaceCheckReady | null = null;
  let wrongAttempts = 0;
  let verified: GrantVerified | null = null;
  let grantHash: string | null = null;
  let grantExpiresAt = 0;
  let sessionsEnded: string[] = [];
  let cancelAsked = false;
  // cancelling it asks the face check to close (it gives its quota hold back)
  const faceScope = new CancellationScope();

  const finish = (o: GrantOutcome, s: GrantStage, e?: Parameters<typeof status.finish>[2]) => status.finish(o, s, e);
  const result = (): GrantResult => ({
    flowId,
    accountId: input.accountId,
    method: input.method,
    outcome: status.outcome ?? 'rejected',
    message: status.outcome === kind.done ? kind.doneMessage : (status.error?.message ?? ''),
    sessionsEnded,
    error: status.error,
  });

  setHandler(stateQuery, () => ({
    flowId,
    accountId: input.accountId,
    method: input.method,
    stage: status.stage,
    codesSent: challenge.codesSent,
    codeExpiresAt: challenge.live ? iso(challenge.codeExpiresAt) : null,
    wrongAttempts,
    attemptsLeft: Math.max(0, input.limits.maxWrong - wrongAttempts),
    faceCheckId: ready?.faceCheckId ?? null,
    certifyId: ready?.certifyId ?? null,
    expiresAt: verified ? iso(grantExpiresAt) : (ready?.expiresAt ?? iso(proofEndsAt)),
    grantExpiresAt: verified ? iso(grantExpiresAt) : null,
    outcome: status.outcome,
    error: status.error,
  }));

  /** The proof succeeded: the grant's row and event, then the flow waits for the redemption. */
  async function grant(faceRecordId: string | null): Promise<void> {
    status.setStage('granting');
    grantExpiresAt = Date.now() + input.grantTtlSec * 1000;
    const issued = await issueRecoveryGrant({ runKey, flowId, accountId: input.accountId, method: input.method, expiresAt: iso(grantExpiresAt), faceRecordId, meta: input.meta, purpose: kind.purpose, ...(input.boundDeviceId ? { deviceId: input.boundDeviceId } : {}) });
    grantHash = issued.grantHash;
    verified = { flowId, grantRef: runKey, grantExpiresAt: iso(grantExpiresAt) };
    if (!kind.spentElsewhere) status.setStage('awaiting_redeem');
  }

  // the start: answers once the code is out or the certifyId issued; a double click, the same
  let begun = false;
  let repeats = 0;
  setHandler(
    begin,
    async (): Promise<GrantStarted> => {
      const cache = begun;
      if (cache) repeats += 1;
      begun = true;
      await condition(() => firstCode !== null || ready !== null || !status.open);
      if (firstCode === null && ready === null) throw failure((status.error?.code ?? 'INTERNAL') as ErrorCode, status.error?.details);
      const face = ready && { faceCheckId: ready.faceCheckId, certifyId: ready.certifyId, faceRecordId: ready.faceRecordId, expiresAt: ready.expiresAt, provider: ready.provider ?? 'dcloud' };
      return { flowId, method: input.method, code: firstCode, face, cache };
    },
    {
      validator: (r) => {
        status.assertOpen();
        if (!begun) return;
        const same = r.method === input.method && r.deviceId === input.deviceId && r.requestDigest === input.requestDigest;
        if (!same || verified !== null || repeats >= MAX_REPEATS) throw failure('FLOW_IN_PROGRESS', { flowId });
      },
    },
  );

  const assertCodeStep = () => {
    status.assertIdle();
    if (!byCode) throw failure('PROOF_METHOD_MISMATCH');
    if (verified !== null || challenge.codesSent === 0) throw failure('FLOW_IN_PROGRESS', { flowId });
  };

  handleResends(challenge, status, assertCodeStep);

  setHandler(
    submit,
    async ({ code }): Promise<GrantVerified> => {
      status.busy = true;
      status.setStage('verifying');
      try {
        if (!(await challenge.check(code))) {
          const wrong = wrongCodeAnswer(++wrongAttempts, input.limits.maxWrong);
          if (wrong.locks) finish('locked', 'locked', wrong.failure);
          throw wrong.failure;
        }
        await grant(null);
        return verified!;
      } finally {
        status.busy = false;
        if (status.open && verified === null) status.setStage('awaiting_code');
      }
    },
    {
      validator: ({ code }) => {
        assertCodeStep();
        challenge.assertMaySubmit(code, wrongAttempts);
      },
    },
  );

  let collects = 0;
  setHandler(
    collect,
    async (): Promise<GrantVerified> => {
      collects += 1;
      await condition(() => verified !== null || !status.open);
      if (verified && status.open) return verified;
      throw failure((status.error?.code ?? 'FLOW_CLOSED') as ErrorCode, status.error?.details);
    },
    {
      validator: () => {
        status.assertOpen();
        if (byCode) throw failure('PROOF_METHOD_MISMATCH');
        if (collects >= MAX_REPEATS) throw failure('FLOW_IN_PROGRESS', { reason: 'collected too often' });
      },
    },
  );

  setHandler(
    redeem,
    async (): Promise<GrantRedeemed> => {
      status.busy = true;
      status.setStage('redeeming');
      try {
        sessionsEnded = (await redeemRecovery({ runKey, flowId, accountId: input.accountId, meta: input.meta, purpose: kind.purpose, ...(input.keepSessionId ? { keepSessionId: input.keepSessionId } : {}) })).sessionsEnded;
        // committed: the notices report what went out (retried until our database answers)
        const notices = await sendRecoveryNotices({ runKey, accountId: input.accountId, purpose: kind.purpose });
        finish(kind.done, kind.done);
        return { flowId, accountId: input.accountId, sessionsEnded, notices };
      } finally {
        status.busy = false;
      }
    },
    {
      validator: ({ grantHash: given }) => {
        status.assertIdle();
        if (verified === null || grantHash === null || given !== grantHash) throw failure('RECOVERY_GRANT_INVALID');
        if (Date.now() >= grantExpiresAt) throw failure('RECOVERY_GRANT_EXPIRED');
      },
    },
  );

  /**
   * Ends a proven run without its redemption (the grant's expiry, a cancel), unless the
   * redemption committed in a workflow task the history lost (the platform never asked again):
   * then the run ends done, as the database says, and sends the notices it owes; answers false.
   * The flow is busy meanwhile, so no redeem runs beside it.
   */
  async function endUnredeemed(o: GrantOutcome, s: GrantStage, e: FlowError): Promise<boolean> {
    status.busy = true;
    try {
      const done = verified !== null && applies(COMMITTED_FIRST) ? await redeemedRecovery({ runKey }) : null;
      if (done) {
        sessionsEnded = done.sessionsEnded;
        await sendRecoveryNotices({ runKey, accountId: input.accountId, purpose: kind.purpose });
        finish(kind.done, kind.done);
        return false;
      }
      finish(o, s, e);
      return true;
    } finally {
      status.busy = false;
    }
  }

  let cancelling = false;
  setHandler(
    cancelFlowUpdate,
    async () => {
      cancelling = true;
      await condition(() => !status.busy && (byCode || ready !== null || !status.open));
      if (!status.open) throw failure('FLOW_CLOSED');
      if (!byCode && verified === null) {
        // the check closes (its hold given back) unless a completion was accepted first
        cancelAsked = true;
        faceScope.cancel();
        await condition(() => !status.open || verified !== null);
        if (!status.open) {
          if (status.outcome !== 'cancelled') throw failure('FLOW_CLOSED', { outcome: status.outcome });
          return;
        }
      }
      if (!(await endUnredeemed('cancelled', 'cancelled', flowError('FLOW_CANCELLED')))) throw failure('FLOW_CLOSED', { outcome: status.outcome });
    },
    {
      validator: () => {
        status.assertOpen();
        if (cancelling) throw failure('FLOW_IN_PROGRESS', { reason: 'a cancel is pending' });
      },
    },
  );

  /** Waits until `until` (a workflow-clock time) or the flow closes; ends it with `e` then. */
  async function openUntil(until: () => number, done: () => boolean, e: ErrorCode): Promise<void> {
    while (status.open && !done()) {
      const left = until() - Date.now();
      if (left <= 0) {
        if (status.busy) await condition(() => !status.busy);
        else await endUnredeemed('expired', 'expired', flowError(e));
        continue;
      }
      const seen = challenge.codesSent;
      await condition(() => !status.open || done() || challenge.codesSent !== seen, Math.max(1, left));
    }
  }

  // 1. the proof
  if (byCode) {
    try {
      firstCode = await challenge.send();
      status.setStage('awaiting_code');
    } catch (err) {
      finish('rejected', 'rejected', failureOf(err));
    }
    await openUntil(() => proofEndsAt, () => verified !== null, 'FLOW_EXPIRED');
  } else {
    let face: FaceCheckResult | null = null;
    try {
      // from the input, not the workflow id: the same id when a recorded history replays under another
      const check = await issueAndStartFaceCheck(childId(kind.flowIdOf(input.accountId), 'face'), flowId, faceScope, {
        accountId: input.accountId,
        scene: kind.faceScene ?? 'recovery',
        identity: { ofAccount: true },
        deviceId: input.deviceId,
        requestDigest: input.requestDigest,
        needPicture: false,
        ttlSec: input.faceTtlSec,
        meta: input.meta,
      });
      if ('error' in check) {
        finish('rejected', 'rejected', check.error);
      } else {
        ready = check.ready;
        status.setStage('awaiting_face');
        face = await check.child.result();
      }
    } catch (err) {
      if (!(err instanceof ChildWorkflowFailure)) throw err;
      finish('rejected', 'rejected', flowError('SERVICE_UNAVAILABLE'));
    }
    if (face && status.open) {
      if (cancelAsked && face.outcome === 'expired') finish('cancelled', 'cancelled', flowError('FLOW_CANCELLED'));
      else if (face.outcome === 'success') await grant(face.faceRecordId);
      else finish(face.outcome, face.outcome === 'fail' ? 'failed' : face.outcome, face.error);
    }
  }

  // 2. the redemption, within the grant's lifetime; a grant spent elsewhere: done once handed out
  if (kind.spentElsewhere && verified !== null && status.open) finish(kind.done, kind.done);
  await openUntil(() => grantExpiresAt, () => false, 'RECOVERY_GRANT_EXPIRED');
  await condition(allHandlersFinished);
  return result();
}
