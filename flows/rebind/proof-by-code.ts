// Rebind, method 'sms' / 'email': the old contact is proven by a code sent to it (an email
// rebind always needs a bound phone; a proof by mail goes to the email). The code's answer is
// the unbind token. Workflow code: deterministic, no I/O.
import { setHandler } from '@temporalio/workflow';
import { CONTACT } from '../../lib/contact-kinds';
import { failure, failureOf } from '../../lib/errors';
import { CodeChallenge, iso, type ChallengeSpec } from '../shared/code-challenge';
import { requestCodeUpdate, type CodeSent } from '../shared/contract';
import { submitProofUpdate, type ProofAccepted, type RebindInput } from './contract';
import type { RebindRun } from './run';

/** Where the proof code goes (docs/rules.md#rebind). (With method 'face' it is never sent.) */
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

/** The proof code of a run; its handlers are registered by proveByCode. */
export function proofChallenge(run: RebindRun): CodeChallenge {
  return new CodeChallenge(run.flowId, run.runKey, run.input.accountId, run.input.proofLimits, proofSpec(run.input));
}

export function proveByCode(run: RebindRun, proof: CodeChallenge): void {
  const { input, flowId } = run;
  const assertMayProve = () => {
    run.status.assertOpen();
    if (input.method === 'face') throw failure('PROOF_METHOD_MISMATCH');
    if (run.busy) throw failure('FLOW_IN_PROGRESS');
    if (run.token !== null) throw failure('FLOW_IN_PROGRESS', { reason: 'proof already accepted' });
  };

  setHandler(
    requestCodeUpdate,
    (): Promise<CodeSent> =>
      run.step('sending_proof', 'awaiting_proof_code', async () => {
        try {
          return await proof.send();
        } catch (err) {
          const f = failureOf(err);
          if (run.open && proof.codesSent === 0) run.finish('rejected', 'rejected', f);
          throw f;
        }
      }),
    {
      validator: () => {
        assertMayProve();
        proof.assertMaySend();
      },
    },
  );

  setHandler(
    submitProofUpdate,
    ({ code }): Promise<ProofAccepted> =>
      run.step('verifying_proof', 'awaiting_proof_code', async () => {
        if (!(await proof.check(code))) throw run.wrongCode();
        // the step holds the flow busy: nothing closes it meanwhile
        if (!(await run.grantToken())) throw failure('FLOW_CLOSED');
        return { flowId, unbindToken: run.token!, tokenExpiresAt: iso(run.tokenExpiresAt) };
      }),
    {
      validator: ({ code }) => {
        assertMayProve();
        proof.assertMaySubmit(code, run.wrongAttempts);
      },
    },
  );
}
