// What every flow that owns a face check and answers its caller with the certifyId does alike
// (real-name, the face scenes): the start update that answers once the check is issued (a
// double click from the same device gets the same check, cache: true), and the cancel that
// waits for the check to be issued and then asks it to close, so its quota hold goes back.
// Workflow code: handlers only, no commands of their own beyond what the caller's flow records.
import { condition, setHandler, type CancellationScope } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { failure, type ErrorCode, type ErrorInfo } from '../../lib/errors';
import { cancelFlowUpdate } from '../shared/contract';
import type { FaceCheckReady } from './contract';

/** What a start carries to tell a repeat of the same request from another one. */
export interface FaceStartRequest {
  deviceId: string;
  requestDigest: string;
}

/** The parts of a flow's FlowStatus these handlers read. */
interface OwnerStatus {
  readonly open: boolean;
  readonly stage: string;
  readonly outcome: string | null;
  readonly error: ErrorInfo | null;
  assertOpen(): void;
}

/** Repeats of the same start answered with the live certifyId, per run. */
const MAX_REPEATS = 10;

/**
 * The start update: answers once the check is issued, or with the error the flow ended with.
 * `boundedRepeats`: a cached answer enters history too, so a run answers a bounded number
 * (real-name runs recorded before per-run keys answered any number).
 */
export function answerFaceStart<T>(
  update: UpdateDefinition<T, [FaceStartRequest]>,
  o: { flowId: string; request: FaceStartRequest; status: OwnerStatus; ready: () => FaceCheckReady | null; waitingStage: string; boundedRepeats: boolean },
  answer: (ready: FaceCheckReady, cache: boolean) => T,
): void {
  let begun = false;
  let repeats = 0;
  setHandler(
    update,
    async (): Promise<T> => {
      const repeat = begun;
      if (repeat) repeats += 1;
      begun = true;
      await condition(() => o.ready() !== null || !o.status.open);
      const ready = o.ready();
      if (ready === null) throw failure((o.status.error?.code ?? 'INTERNAL') as ErrorCode, o.status.error?.details);
      return answer(ready, repeat);
    },
    {
      // Nothing enters history for a request that cannot be served by this flow.
      validator: ({ deviceId, requestDigest }) => {
        o.status.assertOpen();
        if (!begun) return;
        const same = deviceId === o.request.deviceId && requestDigest === o.request.requestDigest;
        if (!same || (o.ready() !== null && o.status.stage !== o.waitingStage) || (o.boundedRepeats && repeats >= MAX_REPEATS)) {
          throw failure('FLOW_IN_PROGRESS', { flowId: o.flowId });
        }
      },
    },
  );
}

/**
 * The cancelFlow update of an owner: waits until the check is issued (before that the flow is
 * seconds from waiting), then cancels `faceScope`, which asks the check to close: it gives its
 * hold back, unless a completion was accepted first, when the check (paid for) decides and the
 * cancel answers FLOW_CLOSED. The returned flag tells the flow a cancel was asked.
 */
export function cancelsFaceCheck(status: OwnerStatus, issued: () => boolean, faceScope: CancellationScope): { readonly asked: boolean } {
  const cancel = { asked: false };
  setHandler(
    cancelFlowUpdate,
    async () => {
      await condition(() => !status.open || issued());
      if (status.open) {
        cancel.asked = true;
        faceScope.cancel();
      }
      await condition(() => !status.open);
      if (status.outcome !== 'cancelled') throw failure('FLOW_CLOSED', { outcome: status.outcome });
    },
    {
      validator: () => {
        status.assertOpen();
        // one cancel is enough; more would only grow the history
        if (cancel.asked) throw failure('FLOW_IN_PROGRESS', { reason: 'a cancel is pending' });
      },
    },
  );
  return cancel;
}

/** The check's fields an owner's state shows: null each until the check is issued. */
export function issuedFields(ready: FaceCheckReady | null): { faceCheckId: string | null; certifyId: string | null; faceRecordId: string | null; expiresAt: string | null } {
  return { faceCheckId: ready?.faceCheckId ?? null, certifyId: ready?.certifyId ?? null, faceRecordId: ready?.faceRecordId ?? null, expiresAt: ready?.expiresAt ?? null };
}
