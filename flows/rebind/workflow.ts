// Phone rebind and email rebind (docs/rules.md#rebind).
// States are drawn in docs/flows/rebind.md:
//
//   proof code (old contact, or the other one) or face check ─► unbind token (timer)
//     ─► new contact's code (at most REBIND_NEW_CONTACTS_PER_FLOW different contacts)
//     ─► one transaction: change (only if the contact is still the one we started from),
//        other sessions ended, phone.rebound / email.rebound, notices to the old phone + email
//        queued ─► the queued notices sent
//   wrong codes are counted per flow across both steps; code, token and flow lifetimes are timers.
import {
  allHandlersFinished,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  type ApplicationFailure,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { RebindActivities } from './activities';
import type { SessionActivities } from '../shared/activities/sessions';
import { DURABLE_STEP } from '../shared/activity-options';
import { CONTACT } from '../../lib/contact-kinds';
import { failure, failureOf, type ErrorCode } from '../../lib/errors';
import { CodeChallenge, iso, type ChallengeSpec } from '../shared/code-challenge';
import { cancelFlowUpdate, legacyCancelSignal, requestCodeUpdate, type CodeSent } from '../shared/contract';
import { startFaceCheck, type faceCheck } from '../face-check/workflow';
import { faceCheckIdOf, faceCheckReadySignal, type FaceCheckReady, type FaceCheckResult } from '../face-check/contract';
import { FlowStatus } from '../shared/flow-status';
import { flowRun } from '../shared/run-key';
import {
  beginFaceProofUpdate,
  collectProofUpdate,
  rebindFlowIdOf,
  NOTICE_RETRY,
  rebindStateQuery,
  requestNewCodeUpdate,
  submitNewCodeUpdate,
  submitProofUpdate,
  type FaceProofStarted,
  type NoticeOutcome,
  type ProofAccepted,
  type RebindInput,
  type RebindOutcome,
  type RebindResult,
  type RebindStage,
  type RebindState,
} from './contract';

const { issueUnbindToken, assertRebindable, applyRebind, endSessionsAfterChange, recordCallback } = proxyActivities<RebindActivities & SessionActivities>(DURABLE_STEP);
const { commitRebind } = proxyActivities<RebindActivities>(DURABLE_STEP);
const NOTICE_STEP = { startToCloseTimeout: '60 seconds', heartbeatTimeout: '10 seconds' } as const;
// legacy: its last attempt (NOTICE_ATTEMPTS, the policy's maximumAttempts) reports
const { sendRebindNotices } = proxyActivities<RebindActivities>({ ...NOTICE_STEP, retry: NOTICE_RETRY });
// The notices a committed change owes are sent whatever fails meanwhile: retried until our own
// database answers; the activity itself stops retrying a provider's fault after NOTICE_ATTEMPTS
// and reports it, so a notice never holds the flow hostage.
const { sendQueuedRebindNotices } = proxyActivities<RebindActivities>({ ...NOTICE_STEP, retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' } });

/** Flows recorded before the cap could try any number of new contacts. */
const DEFAULT_NEW_CONTACTS = 3;
/** How often the unbind token of a face proof may be collected (it is the same token). */
const MAX_COLLECTS = 5;

/** Rejections that mean the flow can never succeed. */
const FATAL: ReadonlySet<string> = new Set<ErrorCode>(['ACCOUNT_NOT_FOUND', 'PHONE_NOT_BOUND', 'EMAIL_NOT_BOUND', 'CONTACT_CHANGED']);

/** Where the proof code goes (docs/rules.md#rebind): an email rebind always needs a bound phone.
 *  (With method 'face' no code is sent; the spec is never used.) */
function proofSpec(input: RebindInput): ChallengeSpec {
  const { unbindScene: scene, rebindNeeds } = CONTACT[input.kind];
  const viaSms = input.method === 'sms';
  return {
    name: 'proof',
    scene,
    channel: viaSms ? 'sms' : 'mail',
    targetOfAccount: viaSms ? 'phone' : 'email',
    prechecks: rebindNeeds.map((has) => ({ has })),
  };
}

/** Same length and same characters, without an early exit on the first difference. */
function sameToken(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

export async function phoneRebind(input: RebindInput): Promise<RebindResult> {
  return rebindContact(input);
}

export async function emailRebind(input: RebindInput): Promise<RebindResult> {
  return rebindContact(input);
}

async function rebindContact(input: RebindInput): Promise<RebindResult> {
  const { flowId, runKey, perRun, childId } = flowRun();
  const expiresAt = Date.now() + input.flowTtlSec * 1000;
  const maxWrong = input.proofLimits.maxWrong;
  const maxNewContacts = perRun ? (input.newContactLimit ?? DEFAULT_NEW_CONTACTS) : Infinity;
  let collects = 0;
  const proof = new CodeChallenge(flowId, runKey, input.accountId, input.proofLimits, proofSpec(input));
  let fresh: CodeChallenge | null = null; // the new contact's code
  let newTargets = 0;
  let newTarget: { value: string; masked: string } | null = null;

  const status = new FlowStatus<RebindStage, RebindOutcome>('sending_proof');
  let token: string | null = null;
  let tokenExpiresAt = 0;
  let wrongAttempts = 0;
  let notices: NoticeOutcome[] = [];
  let sessionsEnded: string[] = [];
  let busy = false;

  const open = () => status.open;
  // read through functions: handlers assign these, which the loop's narrowing cannot see
  const current = (): CodeChallenge | null => fresh;
  const progress = () => `${proof.codesSent}/${current()?.codesSent ?? 0}/${token !== null}`;
  const tokenLive = () => token !== null && Date.now() < tokenExpiresAt;
  const setStage = (s: RebindStage) => status.setStage(s);
  const finish = (o: RebindOutcome, s: RebindStage, err?: ApplicationFailure) => status.finish(o, s, err);
  const result = (): RebindResult => ({
    flowId,
    outcome: status.outcome ?? 'rejected',
    accountId: input.accountId,
    kind: input.kind,
    target: newTarget?.masked ?? null,
    notices,
    sessionsEnded,
    error: status.error,
  });
  /** One wrong code more; the flow locks at the limit. */
  const wrongCode = (): ApplicationFailure => {
    wrongAttempts += 1;
    const attemptsLeft = maxWrong - wrongAttempts;
    if (attemptsLeft > 0) return failure('CODE_WRONG', { attemptsLeft });
    const f = failure('CODE_ATTEMPTS_EXCEEDED');
    finish('locked', 'locked', f);
    return f;
  };
  const assertToken = (given: unknown) => {
    if (typeof given !== 'string' || token === null || !tokenLive() || !sameToken(given, token)) throw failure('UNBIND_TOKEN_INVALID');
  };
  /** Runs a handler body with the flow marked busy; fatal rejections end the flow. */
  async function step<T>(during: RebindStage, after: RebindStage | null, body: () => Promise<T>): Promise<T> {
    busy = true;
    setStage(during);
    try {
      return await body();
    } catch (err) {
      const f = failureOf(err);
      if (open() && FATAL.has(f.type ?? '')) finish('rejected', 'rejected', f);
      throw f;
    } finally {
      busy = false;
      if (open() && after && status.stage === during) setStage(after);
    }
  }

  // method 'face': the reusable face check against the account's real-name identity
  let faceReady: FaceCheckReady | null = null;
  let faceResult: FaceCheckResult | null = null;
  // from the input, not the workflow id: the same id when a recorded history replays
  const faceCheckId = perRun ? childId(rebindFlowIdOf(input.kind, input.accountId), 'face') : faceCheckIdOf(flowId);
  setHandler(faceCheckReadySignal, (ready) => {
    faceReady = ready;
  });
  const readyNow = (): FaceCheckReady | null => faceReady;
  // the face check runs in a scope of its own: a flow that ends first cancels it, and waits for
  // it to close (it gives its quota hold back) and for its outcome to be settled, so the flow
  // never completes with a step of its own still in flight
  const faceScope = new CancellationScope();
  let faceSettled: Promise<void> | null = null;
  async function closeFace(): Promise<void> {
    if (!faceSettled) return;
    if (faceResult === null) faceScope.cancel();
    await faceSettled;
  }

  /** The face check's outcome decides the proof: a token, or the end of the flow. */
  async function settleFace(child: ChildWorkflowHandle<typeof faceCheck>): Promise<void> {
    try {
      faceResult = await child.result();
    } catch (err) {
      if (!(err instanceof ChildWorkflowFailure) && !isCancellation(err)) throw err;
      if (open()) finish('rejected', 'rejected', failure('SERVICE_UNAVAILABLE'));
      return;
    }
    if (!open()) return;
    if (faceResult.outcome === 'success') {
      const issued = await issueUnbindToken();
      if (perRun && !open()) return; // cancelled or expired meanwhile: no token for a closed flow
      token = issued;
      tokenExpiresAt = Date.now() + input.tokenTtlSec * 1000;
      setStage('awaiting_new_contact');
      return;
    }
    const code = (faceResult.error?.code ?? (faceResult.outcome === 'expired' ? 'FACE_EXPIRED' : 'FACE_FAILED')) as ErrorCode;
    finish(faceResult.outcome === 'expired' ? 'expired' : 'rejected', faceResult.outcome === 'expired' ? 'expired' : 'rejected', failure(code));
  }

  setHandler(
    beginFaceProofUpdate,
    (): Promise<FaceProofStarted> =>
      step('sending_proof', null, async () => {
        const face = input.face!;
        const start = () =>
          startFaceCheck(faceCheckId, perRun, {
            accountId: input.accountId,
            scene: CONTACT[input.kind].faceScene,
            identity: { ofAccount: true },
            deviceId: face.deviceId,
            requestDigest: face.requestDigest,
            needPicture: false,
            ttlSec: face.ttlSec,
            meta: input.meta,
          });
        if (perRun) {
          const child = await faceScope.run(start);
          faceSettled = settleFace(child);
        } else {
          void settleFace(await start());
        }
        await condition(() => readyNow() !== null || faceResult !== null || !open());
        const ready = readyNow();
        if (!ready) throw failure((status.error?.code ?? faceResult?.error?.code ?? 'SERVICE_UNAVAILABLE') as ErrorCode);
        if (token === null) setStage('awaiting_face');
        return { flowId, faceCheckId: ready.faceCheckId, certifyId: ready.certifyId, faceRecordId: ready.faceRecordId, expiresAt: ready.expiresAt };
      }),
    {
      validator: () => {
        if (!open()) throw failure('FLOW_CLOSED');
        if (input.method !== 'face' || !input.face) throw failure('PROOF_METHOD_MISMATCH');
        if (busy || readyNow() !== null) throw failure('FLOW_IN_PROGRESS');
      },
    },
  );

  setHandler(
    collectProofUpdate,
    async (): Promise<ProofAccepted> => {
      collects += 1;
      return { flowId, unbindToken: token!, tokenExpiresAt: iso(tokenExpiresAt) };
    },
    {
      validator: () => {
        if (input.method !== 'face') throw failure('PROOF_METHOD_MISMATCH');
        if (!open()) throw failure('FLOW_CLOSED');
        if (token === null || !tokenLive()) throw failure('PROOF_NOT_DONE');
        if (perRun && collects >= MAX_COLLECTS) throw failure('FLOW_IN_PROGRESS', { reason: 'the unbind token was already collected' });
      },
    },
  );

  setHandler(rebindStateQuery, (): RebindState => ({
    flowId,
    kind: input.kind,
    method: input.method,
    accountId: input.accountId,
    stage: status.stage,
    proof: { sentTo: proof.sentTo, codesSent: proof.codesSent, codeExpiresAt: proof.live ? iso(proof.codeExpiresAt) : null },
    face: input.method === 'face' ? { faceCheckId, certifyId: readyNow()?.certifyId ?? null, outcome: faceResult?.outcome ?? null } : null,
    tokenExpiresAt: tokenLive() ? iso(tokenExpiresAt) : null,
    newContact: { target: newTarget?.masked ?? null, codesSent: fresh?.codesSent ?? 0, codeExpiresAt: fresh?.live ? iso(fresh.codeExpiresAt) : null },
    wrongAttempts,
    attemptsLeft: Math.max(0, maxWrong - wrongAttempts),
    expiresAt: iso(expiresAt),
    outcome: status.outcome,
    error: status.error,
  }));

  // Step 1: a code to the contact the user still controls.
  setHandler(
    requestCodeUpdate,
    (): Promise<CodeSent> =>
      step('sending_proof', 'awaiting_proof_code', async () => {
        try {
          return await proof.send();
        } catch (err) {
          const f = failureOf(err);
          if (open() && proof.codesSent === 0) finish('rejected', 'rejected', f);
          throw f;
        }
      }),
    {
      validator: () => {
        if (!open()) throw failure('FLOW_CLOSED');
        if (input.method === 'face') throw failure('PROOF_METHOD_MISMATCH');
        if (busy) throw failure('FLOW_IN_PROGRESS');
        if (token !== null) throw failure('FLOW_IN_PROGRESS', { reason: 'proof already accepted' });
        proof.assertMaySend();
      },
    },
  );

  setHandler(
    submitProofUpdate,
    ({ code }): Promise<ProofAccepted> =>
      step('verifying_proof', 'awaiting_proof_code', async () => {
        if (!(await proof.check(code))) throw wrongCode();
        token = await issueUnbindToken();
        tokenExpiresAt = Date.now() + input.tokenTtlSec * 1000;
        setStage('awaiting_new_contact');
        return { flowId, unbindToken: token, tokenExpiresAt: iso(tokenExpiresAt) };
      }),
    {
      validator: ({ code }) => {
        if (!open()) throw failure('FLOW_CLOSED');
        if (input.method === 'face') throw failure('PROOF_METHOD_MISMATCH');
        if (busy) throw failure('FLOW_IN_PROGRESS');
        if (token !== null) throw failure('FLOW_IN_PROGRESS', { reason: 'proof already accepted' });
        proof.assertMaySubmit(code, wrongAttempts);
      },
    },
  );

  // Step 2: the new contact and its own code (scene bind_phone / bind_email).
  setHandler(
    requestNewCodeUpdate,
    ({ target, targetMasked }): Promise<CodeSent> =>
      step('awaiting_new_code', null, async () => {
        if (!fresh || newTarget?.value !== target) {
          const spec: ChallengeSpec = {
            name: `new-${++newTargets}`,
            scene: CONTACT[input.kind].bindScene,
            channel: CONTACT[input.kind].channel,
            target,
            prechecks: [{ has: input.kind }, { unclaimed: CONTACT[input.kind].errors.rebindTaken }],
          };
          fresh = new CodeChallenge(flowId, runKey, input.accountId, input.newLimits, spec);
          newTarget = { value: target, masked: targetMasked };
        }
        try {
          return await fresh.send();
        } catch (err) {
          if (fresh.codesSent === 0) setStage('awaiting_new_contact');
          throw err;
        }
      }),
    {
      validator: ({ target, token: given }) => {
        if (!open()) throw failure('FLOW_CLOSED');
        if (busy) throw failure('FLOW_IN_PROGRESS');
        if (token === null) throw failure('PROOF_NOT_DONE');
        assertToken(given);
        if (typeof target !== 'string' || target.length === 0) throw failure('MISSING_PARAMETERS');
        if (fresh && newTarget?.value === target) fresh.assertMaySend();
        // one proof must not pump codes to any number of numbers
        else if (newTargets >= maxNewContacts) throw failure('NEW_CONTACT_LIMIT', { limit: maxNewContacts });
      },
    },
  );

  setHandler(
    submitNewCodeUpdate,
    ({ code }): Promise<RebindResult> =>
      step('verifying_new_code', 'awaiting_new_code', async () => {
        const challenge = fresh!;
        if (!(await challenge.check(code))) throw wrongCode();
        setStage('applying');
        const target = newTarget!;
        const change = { accountId: input.accountId, kind: input.kind, target: target.value, expectedContactIdx: input.expectedContactIdx };
        if (perRun) {
          try {
            const committed = await commitRebind({
              ...change,
              runKey,
              flowId,
              method: input.method,
              targetMasked: target.masked,
              meta: input.meta,
              keepSessionId: input.sessionId ?? null,
            });
            sessionsEnded = committed.sessionsEnded;
          } catch (err) {
            // refused: the new code is spent, so the next try starts from a new contact
            fresh = null;
            newTarget = null;
            if (open()) setStage('awaiting_new_contact');
            throw err;
          }
          notices = await sendQueuedRebindNotices({ runKey, accountId: input.accountId, kind: input.kind, newTargetMasked: target.masked });
          finish('rebound', 'completed');
          return result();
        }
        await assertRebindable(change);
        // The old contacts hear of it first, while they are still the account's.
        notices = await sendRebindNotices({ flowId, accountId: input.accountId, kind: input.kind, newTargetMasked: target.masked });
        const applied = await applyRebind({ ...change, flowId, meta: input.meta });
        sessionsEnded = await endSessionsAfterChange({
          flowId,
          accountId: input.accountId,
          keepSessionId: input.sessionId ?? null,
          reason: `${input.kind}_rebound`,
        });
        await recordCallback({
          flowId,
          accountId: input.accountId,
          type: `${input.kind}.rebound`,
          payload: { accountId: input.accountId, [input.kind]: target.masked, method: input.method, flowId, contactVersion: applied.contactVersion, sessionsEnded },
        });
        finish('rebound', 'completed');
        return result();
      }),
    {
      validator: ({ code, token: given }) => {
        if (!open()) throw failure('FLOW_CLOSED');
        if (busy) throw failure('FLOW_IN_PROGRESS');
        if (token === null) throw failure('PROOF_NOT_DONE');
        assertToken(given);
        if (!fresh) throw failure('CODE_NOT_SENT');
        fresh.assertMaySubmit(code, wrongAttempts);
      },
    },
  );

  setHandler(legacyCancelSignal, () => {
    if (open() && !busy) finish('cancelled', 'cancelled');
  });
  let cancelling = false;
  setHandler(
    cancelFlowUpdate,
    async () => {
      cancelling = true;
      await condition(() => !busy);
      if (!open()) throw failure('FLOW_CLOSED');
      finish('cancelled', 'cancelled');
      // answered once a face check of the flow has closed: its quota unit is free again
      await closeFace();
    },
    {
      validator: () => {
        if (!open()) throw failure('FLOW_CLOSED');
        // one cancel waits for the step in progress; more would only grow the history
        if (cancelling) throw failure('FLOW_IN_PROGRESS', { reason: 'a cancel is pending' });
      },
    },
  );

  // Lifetimes: the flow's, the unbind token's (10 minutes by default), each live code's.
  while (open()) {
    const now = Date.now();
    const flowLeft = expiresAt - now;
    const tokenDied = token !== null && now >= tokenExpiresAt;
    if (flowLeft <= 0 || tokenDied) {
      if (busy) await condition(() => !busy);
      else finish('expired', 'expired', failure(tokenDied ? 'UNBIND_TOKEN_INVALID' : 'FLOW_EXPIRED'));
      continue;
    }
    const wake = Math.min(flowLeft, token !== null ? tokenExpiresAt - now : Infinity, proof.msToExpiry(), current()?.msToExpiry() ?? Infinity);
    const seen = progress();
    await condition(() => !open() || progress() !== seen, Math.max(1, wake));
  }
  await closeFace();
  await condition(allHandlersFinished);
  return result();
}
