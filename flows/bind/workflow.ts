// First-time bind of a phone or an email (docs/rules.md#first-time-bind).
// Its states are drawn in docs/flows/bind.md:
//
//   requestCode ─► awaiting_code ─ submitCode ─► verifying ─► bound → other sessions ended → callback
//       ▲               │  ▲ resend (gap, daily cap)   └──► rejected (address taken meanwhile)
//       └───────────────┘  └─ wrong code (≤ max per flow) ──► locked
//   code lifetime and flow lifetime are timers; cancel ends it at any open stage.
import { allHandlersFinished, condition, proxyActivities, setHandler, type ApplicationFailure } from '@temporalio/workflow';
import type { BindActivities } from './activities';
import type { SessionActivities } from '../shared/activities/sessions';
import type { ContactChangeActivities } from '../shared/activities/contact-change';
import { DURABLE_STEP, shortSteps } from '../shared/activity-options';
import { CONTACT } from '../../lib/contact-kinds';
import { failure, failureOf, type ErrorCode } from '../../lib/errors';
import { CodeChallenge, iso } from '../shared/code-challenge';
import { FlowStatus } from '../shared/flow-status';
import { flowRun } from '../shared/run-key';
import { CHECK_THEN_COMMIT, COMMITTED_FIRST, applies, appliesSince5, beginRun } from '../shared/patches';
import {
  stateQuery,
  submitCodeUpdate,
  type BindInput,
  type BindOutcome,
  type BindResult,
  type BindStage,
  type BindState,
} from './contract';
import { cancelFlowUpdate, legacyCancelSignal, requestCodeUpdate, type CodeSent } from '../shared/contract';

const { applyBind, endSessionsAfterChange, recordCallback } = proxyActivities<BindActivities & SessionActivities>(DURABLE_STEP);
const { checkThenCommitBind, commitBind, committedContactChange } = shortSteps<BindActivities & ContactChangeActivities>(DURABLE_STEP);

/** Rejections that mean this flow can never succeed, so it ends. */
const FATAL: ReadonlySet<string> = new Set<ErrorCode>(['ACCOUNT_NOT_FOUND', 'PHONE_ALREADY_BOUND', 'EMAIL_ALREADY_BOUND', 'PHONE_TAKEN', 'EMAIL_TAKEN']);

export async function bindPhone(input: BindInput): Promise<BindResult> {
  return bindContact(input);
}

export async function bindEmail(input: BindInput): Promise<BindResult> {
  return bindContact(input);
}

async function bindContact(input: BindInput): Promise<BindResult> {
  beginRun(); // first thing: the run decides in its first task (flows/shared/patches.ts)
  const { flowId, runKey, perRun, startedAt } = flowRun();
  const { limits } = input;
  const expiresAt = startedAt + limits.flowTtlSec * 1000;
  const challenge = new CodeChallenge(flowId, runKey, input.accountId, limits, {
    name: 'code',
    scene: input.scene,
    channel: input.channel,
    target: input.target,
    prechecks: [{ lacks: input.kind }, { unclaimed: CONTACT[input.kind].errors.taken }],
  });

  const status = new FlowStatus<BindStage, BindOutcome>('sending_code', ['awaiting_code']);
  let wrongAttempts = 0;
  let sessionsEnded: string[] = [];

  const open = () => status.open;
  const setStage = (s: BindStage) => status.setStage(s);
  const finish = (o: BindOutcome, s: BindStage, err?: ApplicationFailure) => status.finish(o, s, err);
  const result = (): BindResult => ({
    flowId,
    outcome: status.outcome ?? 'rejected',
    accountId: input.accountId,
    target: input.targetMasked,
    sessionsEnded,
    error: status.error,
  });

  /**
   * Ends the flow without the bind (cancel, expiry, lock). From COMMITTED_FIRST on it first asks
   * whether this run committed the bind in a workflow task the history lost (a local step's
   * commit, then the worker died or the task's completion was refused): then the flow ends
   * bound, as the database says, and this answers false.
   */
  async function endUnbound(o: BindOutcome, s: BindStage, err?: ApplicationFailure): Promise<boolean> {
    if (perRun && applies(COMMITTED_FIRST)) {
      const done = await committedContactChange({ runKey, eventType: `${input.kind}.bound` });
      if (done) {
        sessionsEnded = done.sessionsEnded;
        finish('bound', 'completed');
        return false;
      }
    }
    finish(o, s, err);
    return true;
  }
  /**
   * The code checked and, when right, the bind committed: the sessions it ended, or null for a
   * wrong code. From CHECK_THEN_COMMIT on one local step does both (./check-then-commit.ts).
   */
  async function checkThenCommit(code: string): Promise<string[] | null> {
    const commit = { runKey, flowId, accountId: input.accountId, kind: input.kind, target: input.target, meta: input.meta, keepSessionId: input.sessionId ?? null };
    if (perRun && appliesSince5(CHECK_THEN_COMMIT)) {
      const done = await checkThenCommitBind({ check: challenge.submission(code), commit });
      return done.ok ? done.committed.sessionsEnded : null;
    }
    if (!(await challenge.check(code))) return null;
    if (perRun) return (await commitBind(commit)).sessionsEnded;
    const applied = await applyBind({ flowId, accountId: input.accountId, kind: input.kind, target: input.target, meta: input.meta });
    const ended = await endSessionsAfterChange({
      flowId,
      accountId: input.accountId,
      keepSessionId: input.sessionId ?? null,
      reason: `${input.kind}_bound`,
    });
    await recordCallback({
      flowId,
      accountId: input.accountId,
      type: `${input.kind}.bound`,
      payload: { accountId: input.accountId, [input.kind]: input.targetMasked, flowId, contactVersion: applied.contactVersion, sessionsEnded: ended },
    });
    return ended;
  }
  /** endUnbound outside a step: the flow is busy while it asks, so no step starts meanwhile */
  async function endIdle(o: BindOutcome, s: BindStage, err?: ApplicationFailure): Promise<boolean> {
    status.busy = true;
    try {
      return await endUnbound(o, s, err);
    } finally {
      status.busy = false;
    }
  }

  setHandler(stateQuery, (): BindState => ({
    flowId,
    kind: input.kind,
    accountId: input.accountId,
    target: input.targetMasked,
    stage: status.stage,
    codesSent: challenge.codesSent,
    codeExpiresAt: challenge.live ? iso(challenge.codeExpiresAt) : null,
    resendAvailableAt: challenge.lastSentAt ? iso(challenge.lastSentAt + limits.resendGapSec * 1000) : null,
    wrongAttempts,
    attemptsLeft: Math.max(0, limits.maxWrong - wrongAttempts),
    expiresAt: iso(expiresAt),
    outcome: status.outcome,
    error: status.error,
  }));

  setHandler(
    requestCodeUpdate,
    async (): Promise<CodeSent> => {
      status.busy = true;
      try {
        const sent = await challenge.send();
        if (open()) setStage('awaiting_code');
        return sent;
      } catch (err) {
        const f = failureOf(err);
        // A flow that never got a code out, or can no longer succeed, ends here so the
        // caller can start afresh.
        if (open() && (challenge.codesSent === 0 || FATAL.has(f.type ?? ''))) finish('rejected', 'rejected', f);
        throw f;
      } finally {
        status.busy = false;
      }
    },
    {
      validator: () => {
        status.assertIdle();
        challenge.assertMaySend();
      },
    },
  );

  setHandler(
    submitCodeUpdate,
    async ({ code }): Promise<BindResult> => {
      status.busy = true;
      setStage('verifying');
      try {
        const ended = await checkThenCommit(code);
        if (!ended) {
          wrongAttempts += 1;
          const attemptsLeft = limits.maxWrong - wrongAttempts;
          if (attemptsLeft <= 0) {
            const f = failure('CODE_ATTEMPTS_EXCEEDED');
            if (!(await endUnbound('locked', 'locked', f))) return result();
            throw f;
          }
          throw failure('CODE_WRONG', { attemptsLeft });
        }
        sessionsEnded = ended;
        finish('bound', 'completed');
        return result();
      } catch (err) {
        const f = failureOf(err);
        if (open() && FATAL.has(f.type ?? '')) finish('rejected', 'rejected', f);
        throw f;
      } finally {
        status.busy = false;
        if (open()) setStage('awaiting_code');
      }
    },
    {
      validator: ({ code }) => {
        status.assertIdle();
        challenge.assertMaySubmit(code, wrongAttempts);
      },
    },
  );

  setHandler(legacyCancelSignal, async () => {
    if (open() && !status.busy) await endIdle('cancelled', 'cancelled');
  });
  let cancelling = false;
  setHandler(
    cancelFlowUpdate,
    async () => {
      cancelling = true;
      await condition(() => !status.busy);
      if (!open()) throw failure('FLOW_CLOSED');
      // the bind had committed: the cancel says the flow closed, as when it waited for the step
      if (!(await endIdle('cancelled', 'cancelled'))) throw failure('FLOW_CLOSED');
    },
    {
      validator: () => {
        status.assertOpen();
        // one cancel waits for the step in progress; more would only grow the history
        if (cancelling) throw failure('FLOW_IN_PROGRESS', { reason: 'a cancel is pending' });
      },
    },
  );

  // The flow's own lifetime and the live code's lifetime are timers: the workflow
  // wakes when either ends (Date.now() here is the deterministic workflow clock).
  while (open()) {
    const left = expiresAt - Date.now();
    if (left <= 0) {
      if (!status.busy) await endIdle('expired', 'expired', failure('FLOW_EXPIRED'));
      else await condition(() => !status.busy);
      continue;
    }
    const seen = challenge.codesSent;
    await condition(() => !open() || challenge.codesSent !== seen, Math.max(1, Math.min(left, challenge.msToExpiry())));
  }
  await condition(allHandlersFinished);
  return result();
}
