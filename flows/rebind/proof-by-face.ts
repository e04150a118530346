// Rebind, method 'face': the old contact's owner is proven by a face check (the reusable
// child, ../face-check/) against the account's real-name identity; its success is answered
// with the unbind token, collected by the app (collectProof). Workflow code: deterministic.
import { CancellationScope, ChildWorkflowFailure, condition, isCancellation, setHandler, type ChildWorkflowHandle } from '@temporalio/workflow';
import { CONTACT } from '../../lib/contact-kinds';
import { failure, type ErrorCode } from '../../lib/errors';
import { iso } from '../shared/code-challenge';
import { startFaceCheck, type faceCheck } from '../face-check/workflow';
import { faceCheckIdOf, faceCheckReadySignal, type FaceCheckReady, type FaceCheckResult } from '../face-check/contract';
import { beginFaceProofUpdate, collectProofUpdate, rebindFlowIdOf, type FaceProofStarted, type ProofAccepted } from './contract';
import type { RebindRun } from './run';

/** How often the unbind token of a face proof may be collected (it is the same token). */
const MAX_COLLECTS = 5;

export interface FaceProof {
  readonly faceCheckId: string;
  ready(): FaceCheckReady | null;
  result(): FaceCheckResult | null;
  /** Cancels a check still waiting and waits until it has closed (its quota hold is free). */
  close(): Promise<void>;
}

export function proveByFace(run: RebindRun): FaceProof {
  const { input, flowId, perRun } = run;
  let faceReady: FaceCheckReady | null = null;
  let faceResult: FaceCheckResult | null = null;
  let collects = 0;
  // from the input, not the workflow id: the same id when a recorded history replays
  const faceCheckId = perRun ? run.childId(rebindFlowIdOf(input.kind, input.accountId), 'face') : faceCheckIdOf(flowId);
  setHandler(faceCheckReadySignal, (ready) => {
    faceReady = ready;
  });
  const readyNow = (): FaceCheckReady | null => faceReady;
  // the face check runs in a scope of its own: a flow that ends first cancels it, and waits for
  // it to close (it gives its quota hold back) and for its outcome to be settled, so the flow
  // never completes with a step of its own still in flight
  const faceScope = new CancellationScope();
  let faceSettled: Promise<void> | null = null;

  /** The face check's outcome decides the proof: a token, or the end of the flow. */
  async function settleFace(child: ChildWorkflowHandle<typeof faceCheck>): Promise<void> {
    try {
      faceResult = await child.result();
    } catch (err) {
      if (!(err instanceof ChildWorkflowFailure) && !isCancellation(err)) throw err;
      if (run.open) run.finish('rejected', 'rejected', failure('SERVICE_UNAVAILABLE'));
      return;
    }
    if (!run.open) return;
    if (faceResult.outcome === 'success') {
      await run.grantToken();
      return;
    }
    const code = (faceResult.error?.code ?? (faceResult.outcome === 'expired' ? 'FACE_EXPIRED' : 'FACE_FAILED')) as ErrorCode;
    const ending = faceResult.outcome === 'expired' ? 'expired' : 'rejected';
    run.finish(ending, ending, failure(code, faceResult.error?.details));
  }

  setHandler(
    beginFaceProofUpdate,
    (): Promise<FaceProofStarted> =>
      run.step('sending_proof', null, async () => {
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
        await condition(() => readyNow() !== null || faceResult !== null || !run.open);
        const ready = readyNow();
        if (!ready) {
          // with its details: a provider's code and message are answered as it gave them (如实返回)
          const e = run.status.error ?? faceResult?.error;
          throw failure((e?.code ?? 'SERVICE_UNAVAILABLE') as ErrorCode, e?.details);
        }
        if (run.token === null) run.setStage('awaiting_face');
        return { flowId, faceCheckId: ready.faceCheckId, certifyId: ready.certifyId, faceRecordId: ready.faceRecordId, expiresAt: ready.expiresAt, provider: ready.provider ?? 'dcloud' };
      }),
    {
      validator: () => {
        run.status.assertOpen();
        if (input.method !== 'face' || !input.face) throw failure('PROOF_METHOD_MISMATCH');
        if (run.busy || readyNow() !== null) throw failure('FLOW_IN_PROGRESS');
      },
    },
  );

  setHandler(
    collectProofUpdate,
    async (): Promise<ProofAccepted> => {
      collects += 1;
      return { flowId, unbindToken: run.token!, tokenExpiresAt: iso(run.tokenExpiresAt) };
    },
    {
      validator: () => {
        if (input.method !== 'face') throw failure('PROOF_METHOD_MISMATCH');
        if (!run.open) throw failure('FLOW_CLOSED');
        if (run.token === null || !run.tokenLive()) throw failure('PROOF_NOT_DONE');
        if (perRun && collects >= MAX_COLLECTS) throw failure('FLOW_IN_PROGRESS', { reason: 'the unbind token was already collected' });
      },
    },
  );

  return {
    faceCheckId,
    ready: readyNow,
    result: () => faceResult,
    async close() {
      if (!faceSettled) return;
      if (faceResult === null) faceScope.cancel();
      await faceSettled;
    },
  };
}
