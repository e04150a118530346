// Phone rebind and email rebind (docs/rules.md#rebind).
// States are drawn in docs/flows/rebind.md:
//
//   proof code (old contact, or the other one) or face check ─► unbind token (timer)
//     ─► new contact's code (at most REBIND_NEW_CONTACTS_PER_FLOW different contacts)
//     ─► one transaction: change (only if the contact is still the one we started from),
//        other sessions ended, phone.rebound / email.rebound, notices to the old phone + email
//        queued ─► the queued notices sent
//   wrong codes are counted per flow across both steps; code, token and flow lifetimes are timers.
//
// Step 1 is one of two files, each registering its own handlers: ./proof-by-code.ts (sms,
// email) and ./proof-by-face.ts; the run's state and step guard are ./run.ts. This file holds
// step 2, the commit, cancel and the lifetimes.
import { allHandlersFinished, condition, proxyActivities, setHandler, type ApplicationFailure } from '@temporalio/workflow';
import type { RebindActivities } from './activities';
import type { SessionActivities } from '../shared/activities/sessions';
import type { ContactChangeActivities } from '../shared/activities/contact-change';
import { COMMITTED_FIRST, applies, beginRun } from '../shared/patches';
import { DURABLE_STEP, shortSteps } from '../shared/activity-options';
import { CONTACT } from '../../lib/contact-kinds';
import { failure } from '../../lib/errors';
import { CodeChallenge, iso, type ChallengeSpec } from '../shared/code-challenge';
import { cancelFlowUpdate, legacyCancelSignal, type CodeSent } from '../shared/contract';
import {
  NOTICE_RETRY,
  rebindStateQuery,
  requestNewCodeUpdate,
  submitNewCodeUpdate,
  type NoticeOutcome,
  type RebindInput,
  type RebindResult,
  type RebindState,
} from './contract';
import { proofChallenge, proveByCode } from './proof-by-code';
import { proveByFace } from './proof-by-face';
import { RebindRun } from './run';

const { assertRebindable, applyRebind, endSessionsAfterChange, recordCallback } = proxyActivities<RebindActivities & SessionActivities>(DURABLE_STEP);
const { commitRebind, committedContactChange } = shortSteps<RebindActivities & ContactChangeActivities>(DURABLE_STEP);
const NOTICE_STEP = { startToCloseTimeout: '60 seconds', heartbeatTimeout: '10 seconds' } as const;
// legacy: its last attempt (NOTICE_ATTEMPTS, the policy's maximumAttempts) reports
const { sendRebindNotices } = proxyActivities<RebindActivities>({ ...NOTICE_STEP, retry: NOTICE_RETRY });
// The notices a committed change owes are sent whatever fails meanwhile: retried until our own
// database answers; the activity itself stops retrying a provider's fault after NOTICE_ATTEMPTS
// and reports it, so a notice never holds the flow hostage.
const { sendQueuedRebindNotices } = proxyActivities<RebindActivities>({ ...NOTICE_STEP, retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' } });

/** Flows recorded before the cap could try any number of new contacts. */
const DEFAULT_NEW_CONTACTS = 3;

export async function phoneRebind(input: RebindInput): Promise<RebindResult> {
  return rebindContact(input);
}

export async function emailRebind(input: RebindInput): Promise<RebindResult> {
  return rebindContact(input);
}

async function rebindContact(input: RebindInput): Promise<RebindResult> {
  beginRun(); // first thing: the run decides in its first task (flows/shared/patches.ts)
  const run = new RebindRun(input);
  const { flowId, runKey, perRun, status } = run;
  const maxNewContacts = perRun ? (input.newContactLimit ?? DEFAULT_NEW_CONTACTS) : Infinity;
  const proof = proofChallenge(run);
  let fresh: CodeChallenge | null = null; // the new contact's code
  let newTargets = 0;
  let newTarget: { value: string; masked: string } | null = null;
  let notices: NoticeOutcome[] = [];
  let sessionsEnded: string[] = [];

  // read through functions: handlers assign these, which the loop's narrowing cannot see
  const current = (): CodeChallenge | null => fresh;
  const progress = () => `${proof.codesSent}/${current()?.codesSent ?? 0}/${run.token !== null}`;
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

  // Step 1: the old contact proven, by a face check or by a code (each answers only its method)
  const face = proveByFace(run);

  setHandler(rebindStateQuery, (): RebindState => ({
    flowId,
    kind: input.kind,
    method: input.method,
    accountId: input.accountId,
    stage: status.stage,
    proof: { sentTo: proof.sentTo, codesSent: proof.codesSent, codeExpiresAt: proof.live ? iso(proof.codeExpiresAt) : null },
    face: input.method === 'face' ? { faceCheckId: face.faceCheckId, certifyId: face.ready()?.certifyId ?? null, outcome: face.result()?.outcome ?? null } : null,
    tokenExpiresAt: run.tokenLive() ? iso(run.tokenExpiresAt) : null,
    newContact: { target: newTarget?.masked ?? null, codesSent: fresh?.codesSent ?? 0, codeExpiresAt: fresh?.live ? iso(fresh.codeExpiresAt) : null },
    wrongAttempts: run.wrongAttempts,
    attemptsLeft: Math.max(0, run.maxWrong - run.wrongAttempts),
    expiresAt: iso(run.expiresAt),
    outcome: status.outcome,
    error: status.error,
  }));

  proveByCode(run, proof);

  // Step 2: the new contact and its own code (scene bind_phone / bind_email).
  const assertMayChange = (given: unknown) => {
    run.status.assertIdle();
    if (run.token === null) throw failure('PROOF_NOT_DONE');
    run.assertToken(given);
  };

  setHandler(
    requestNewCodeUpdate,
    ({ target, targetMasked }): Promise<CodeSent> =>
      run.step('awaiting_new_code', null, async () => {
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
          if (fresh.codesSent === 0) run.setStage('awaiting_new_contact');
          throw err;
        }
      }),
    {
      validator: ({ target, token: given }) => {
        assertMayChange(given);
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
      run.step('verifying_new_code', 'awaiting_new_code', async () => {
        const challenge = fresh!;
        if (!(await challenge.check(code))) throw run.wrongCode();
        run.setStage('applying');
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
            if (run.open) run.setStage('awaiting_new_contact');
            throw err;
          }
          notices = await sendQueuedRebindNotices({ runKey, accountId: input.accountId, kind: input.kind, newTargetMasked: target.masked });
          run.finish('rebound', 'completed');
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
        run.finish('rebound', 'completed');
        return result();
      }),
    {
      validator: ({ code, token: given }) => {
        assertMayChange(given);
        if (!fresh) throw failure('CODE_NOT_SENT');
        fresh.assertMaySubmit(code, run.wrongAttempts);
      },
    },
  );

  /**
   * Ends the flow without the change (cancel, expiry), the flow busy meanwhile. From
   * COMMITTED_FIRST on it first asks whether this run committed the change in a workflow task
   * the history lost (a local step's commit, then the worker died): then the flow ends rebound,
   * as the database says, sends the notices the commit queued, and this answers false.
   */
  async function endUnchanged(o: 'cancelled' | 'expired', err?: ApplicationFailure): Promise<boolean> {
    status.busy = true;
    try {
      // only once a new contact's code went out can a change have committed; before that the
      // step would run beside the face proof's own (its token), and two local steps at once
      // resolve in an order replay does not keep
      if (perRun && fresh !== null && applies(COMMITTED_FIRST)) {
        const done = await committedContactChange({ runKey, eventType: `${input.kind}.rebound` });
        if (done) {
          sessionsEnded = done.sessionsEnded;
          notices = await sendQueuedRebindNotices({ runKey, accountId: input.accountId, kind: input.kind, newTargetMasked: newTarget?.masked ?? '' });
          run.finish('rebound', 'completed');
          return false;
        }
      }
      run.finish(o, o, err);
      return true;
    } finally {
      status.busy = false;
    }
  }

  setHandler(legacyCancelSignal, async () => {
    if (run.open && !run.busy) await endUnchanged('cancelled');
  });
  let cancelling = false;
  setHandler(
    cancelFlowUpdate,
    async () => {
      cancelling = true;
      await condition(() => !run.busy);
      if (!run.open) throw failure('FLOW_CLOSED');
      // the change had committed: the cancel says the flow closed, as when it waited for the step
      if (!(await endUnchanged('cancelled'))) throw failure('FLOW_CLOSED');
      // answered once a face check of the flow has closed: its quota unit is free again
      await face.close();
    },
    {
      validator: () => {
        run.status.assertOpen();
        // one cancel waits for the step in progress; more would only grow the history
        if (cancelling) throw failure('FLOW_IN_PROGRESS', { reason: 'a cancel is pending' });
      },
    },
  );

  // Lifetimes: the flow's, the unbind token's (10 minutes by default), each live code's.
  while (run.open) {
    const now = Date.now();
    const flowLeft = run.expiresAt - now;
    const tokenDied = run.token !== null && now >= run.tokenExpiresAt;
    if (flowLeft <= 0 || tokenDied) {
      if (run.busy) await condition(() => !run.busy);
      else await endUnchanged('expired', failure(tokenDied ? 'UNBIND_TOKEN_INVALID' : 'FLOW_EXPIRED'));
      continue;
    }
    const wake = Math.min(flowLeft, run.token !== null ? run.tokenExpiresAt - now : Infinity, proof.msToExpiry(), current()?.msToExpiry() ?? Infinity);
    const seen = progress();
    await condition(() => !run.open || progress() !== seen, Math.max(1, wake));
  }
  await face.close();
  await condition(allHandlersFinished);
  return result();
}
