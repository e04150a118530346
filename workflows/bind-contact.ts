// First-time bind of a phone or an email (SPEC.md "First-time bind phone / bind email").
//
//   start ─ requestCode ─► awaiting_code ─ submitCode ─► verifying ─► completed (bound)
//                ▲              │  ▲ resend (gap, daily cap)   └──► rejected (address taken meanwhile)
//                └──────────────┘  └─ wrong code (≤ max) ──► locked
//   code lifetime and flow lifetime are timers; cancel ends it at any open stage.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ERRORS, isErrorCode, type ErrorCode } from '../lib/errors';
import { FLOW_OUTCOME, FLOW_STAGE } from '../lib/search-attributes';
import { CODE_PATTERN } from '../lib/scenes';
import {
  cancelSignal,
  requestCodeUpdate,
  stateQuery,
  submitCodeUpdate,
  type BindInput,
  type BindOutcome,
  type BindResult,
  type BindStage,
  type BindState,
  type CodeSent,
} from './definitions';

const { sendCode, checkCode, applyBind } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3 },
});

/** Rejections that mean this flow can never succeed, so it ends. */
const FATAL: ReadonlySet<string> = new Set<ErrorCode>([
  'ACCOUNT_NOT_FOUND',
  'PHONE_ALREADY_BOUND',
  'EMAIL_ALREADY_BOUND',
  'PHONE_TAKEN',
  'EMAIL_TAKEN',
]);

function failure(code: ErrorCode, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message: ERRORS[code].en, nonRetryable: true, details: details ? [details] : [] });
}

/** An activity's business rejection keeps its code; anything else is our outage. */
function asFailure(err: unknown): ApplicationFailure {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && isErrorCode(err.cause.type)) {
    return ApplicationFailure.create({
      type: err.cause.type,
      message: err.cause.message,
      nonRetryable: true,
      details: err.cause.details ? [...err.cause.details] : [],
    });
  }
  if (err instanceof ActivityFailure) return failure('SERVICE_UNAVAILABLE');
  throw err;
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function bindPhone(input: BindInput): Promise<BindResult> {
  return bindContact(input);
}

export async function bindEmail(input: BindInput): Promise<BindResult> {
  return bindContact(input);
}

async function bindContact(input: BindInput): Promise<BindResult> {
  const { workflowId: flowId } = workflowInfo();
  const { limits } = input;
  const expiresAt = Date.now() + limits.flowTtlSec * 1000;

  let stage: BindStage = 'sending_code';
  let outcome: BindOutcome | null = null;
  let error: { code: string; message: string } | null = null;
  let codeId: string | null = null;
  let codeExpiresAt = 0;
  let lastSentAt = 0;
  let codesSent = 0;
  let wrongAttempts = 0;
  let submissions = 0;
  let busy = false;

  const open = () => outcome === null;
  const setStage = (s: BindStage) => {
    stage = s;
    upsertSearchAttributes([{ key: FLOW_STAGE, value: s }]);
  };
  const finish = (o: BindOutcome, s: BindStage, err?: ApplicationFailure) => {
    outcome = o;
    error = err ? { code: err.type ?? 'INTERNAL', message: err.message } : null;
    setStage(s);
    upsertSearchAttributes([{ key: FLOW_OUTCOME, value: o }]);
  };
  const codeLive = () => codeId !== null && Date.now() < codeExpiresAt;
  const result = (): BindResult => ({ flowId, outcome: outcome ?? 'rejected', accountId: input.accountId, target: input.targetMasked, error });

  setHandler(stateQuery, (): BindState => ({
    flowId,
    kind: input.kind,
    accountId: input.accountId,
    target: input.targetMasked,
    stage,
    codesSent,
    codeExpiresAt: codeLive() ? iso(codeExpiresAt) : null,
    resendAvailableAt: lastSentAt ? iso(lastSentAt + limits.resendGapSec * 1000) : null,
    wrongAttempts,
    attemptsLeft: Math.max(0, limits.maxWrong - wrongAttempts),
    expiresAt: iso(expiresAt),
    outcome,
    error,
  }));

  setHandler(
    requestCodeUpdate,
    async (): Promise<CodeSent> => {
      busy = true;
      try {
        const sent = await sendCode({
          flowId,
          requestKey: `${flowId}/${workflowInfo().runId}/code/${codesSent + 1}`,
          accountId: input.accountId,
          scene: input.scene,
          channel: input.channel,
          target: input.target,
          prechecks: [{ lacks: input.kind }, { unclaimed: input.kind === 'phone' ? 'PHONE_TAKEN' : 'EMAIL_TAKEN' }],
          perDay: limits.perDay,
          resendGapSec: limits.resendGapSec,
        });
        codeId = sent.codeId;
        codesSent += 1;
        lastSentAt = Date.now();
        codeExpiresAt = lastSentAt + limits.codeTtlSec * 1000;
        if (open()) setStage('awaiting_code');
        return {
          flowId,
          sentTo: sent.sentTo,
          codeExpiresAt: iso(codeExpiresAt),
          resendAvailableAt: iso(lastSentAt + limits.resendGapSec * 1000),
        };
      } catch (err) {
        const f = asFailure(err);
        // A flow that never got a code out, or can no longer succeed, ends here so the
        // caller can start afresh.
        if (open() && (codesSent === 0 || FATAL.has(f.type ?? ''))) finish('rejected', 'rejected', f);
        throw f;
      } finally {
        busy = false;
      }
    },
    {
      validator: () => {
        if (!open()) throw failure('FLOW_CLOSED');
        if (busy) throw failure('FLOW_IN_PROGRESS');
        const wait = lastSentAt + limits.resendGapSec * 1000 - Date.now();
        if (lastSentAt && wait > 0) throw failure('CODE_TOO_SOON', { retryAfterSec: Math.ceil(wait / 1000) });
      },
    },
  );

  setHandler(
    submitCodeUpdate,
    async ({ code }): Promise<BindResult> => {
      busy = true;
      setStage('verifying');
      try {
        submissions += 1;
        const submissionKey = `${workflowInfo().runId}/submit/${submissions}`;
        const { ok } = await checkCode({ flowId, codeId: codeId!, code, submissionKey });
        if (!ok) {
          wrongAttempts += 1;
          const attemptsLeft = limits.maxWrong - wrongAttempts;
          if (attemptsLeft <= 0) {
            const f = failure('CODE_ATTEMPTS_EXCEEDED');
            finish('locked', 'locked', f);
            throw f;
          }
          throw failure('CODE_WRONG', { attemptsLeft });
        }
        await applyBind({ flowId, accountId: input.accountId, kind: input.kind, target: input.target, meta: input.meta });
        finish('bound', 'completed');
        return result();
      } catch (err) {
        const f = err instanceof ApplicationFailure ? err : asFailure(err);
        if (open() && FATAL.has(f.type ?? '')) finish('rejected', 'rejected', f);
        throw f;
      } finally {
        busy = false;
        if (open()) setStage('awaiting_code');
      }
    },
    {
      validator: ({ code }) => {
        if (!open()) throw failure('FLOW_CLOSED');
        if (typeof code !== 'string' || !CODE_PATTERN.test(code)) throw failure('CODE_INVALID_FORMAT');
        if (busy) throw failure('FLOW_IN_PROGRESS');
        if (codeId === null) throw failure('CODE_NOT_SENT');
        if (!codeLive()) throw failure('CODE_EXPIRED');
        if (wrongAttempts >= limits.maxWrong) throw failure('CODE_ATTEMPTS_EXCEEDED');
      },
    },
  );

  setHandler(cancelSignal, () => {
    if (open() && !busy) finish('cancelled', 'cancelled');
  });

  // The flow's own lifetime; code lifetimes are checked against the same timer-driven
  // clock (Date.now() in a workflow is the deterministic workflow time).
  while (open()) {
    const left = expiresAt - Date.now();
    if (left <= 0) {
      if (!busy) finish('expired', 'expired', failure('FLOW_EXPIRED'));
      else await condition(() => !busy);
      continue;
    }
    const codeLeft = codeLive() ? codeExpiresAt - Date.now() : Infinity;
    const seen = codesSent;
    await condition(() => !open() || codesSent !== seen, Math.max(1, Math.min(left, codeLeft)));
  }
  await condition(allHandlersFinished);
  return result();
}
