// Sending an Update to a running flow. When the workflow task that admitted an update fails
// (most often because the workflow completed in the same task as another event arrived, which
// the server answers with UnhandledCommand), the server aborts the update with "unexpected
// workflow task failure" although nothing happened. The same update id sent again is either
// run afresh or, when the first one did complete, answered with its outcome: never twice. Sent
// while the server still holds that failed task ("Workflow Task in failed state"), it is sent
// again a moment later.
//
// An update admitted while the flow's last workflow task runs (a step's local activities hold
// it) is never delivered when that task closes the flow: the server answers "not found". The
// flow was there and has closed, which is what its validator would have said (FLOW_CLOSED).
import { randomUUID } from 'node:crypto';
import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import { AppError } from '../lib/errors';

const ATTEMPTS = 4;
const RETRY_WAIT_MS = 100;

// executeUpdate's overloads tell no-argument updates from the others; one signature serves both
type Execute = <R, A extends unknown[]>(this: WorkflowHandle, def: UpdateDefinition<R, A>, options: { args: A; updateId: string }) => Promise<R>;

/**
 * The update was aborted with its workflow task, or sent while the server holds the flow's task
 * as failed (a moment, until it schedules the next one): the same update id is sent again.
 */
export function abortedByTaskFailure(err: unknown): boolean {
  if (!(err instanceof ServiceError)) return false;
  const text = `${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`;
  return /unexpected workflow task failure|workflow task in failed state/i.test(text);
}

export async function updateFlow<Ret, Args extends unknown[]>(handle: WorkflowHandle, def: UpdateDefinition<Ret, Args>, ...args: Args): Promise<Ret> {
  return send(handle, def, args, null);
}

/**
 * updateFlow for a step that can close the flow (the code that completes a bind or a rebind).
 * When its workflow task was lost after the step committed, the flow learns of the commit from
 * the database and closes (flows/shared/patches.ts COMMITTED_FIRST), and the step's retry finds
 * it closed: then the closed flow's result answers when it ended with `outcome`; else FLOW_CLOSED.
 */
export async function closingUpdate<Ret extends { outcome: string }, Args extends unknown[]>(
  handle: WorkflowHandle,
  def: UpdateDefinition<Ret, Args>,
  outcome: Ret['outcome'],
  ...args: Args
): Promise<Ret> {
  const closedWith = async (): Promise<Ret | null> => {
    // a run that failed or was terminated has no result to give: the flow closed
    const r = (await handle.result().catch(() => null)) as Ret | null;
    return r?.outcome === outcome ? r : null;
  };
  return send(handle, def, args, closedWith);
}

async function send<Ret, Args extends unknown[]>(handle: WorkflowHandle, def: UpdateDefinition<Ret, Args>, args: Args, outcome: (() => Promise<Ret | null>) | null): Promise<Ret> {
  const updateId = randomUUID();
  const execute = handle.executeUpdate as unknown as Execute;
  for (let attempt = 1; ; attempt++) {
    try {
      return (await execute.call(handle, def, { args, updateId })) as Ret;
    } catch (err) {
      if (notFound(err) && (await closed(handle))) {
        const answer = attempt > 1 && outcome ? await outcome() : null;
        if (answer !== null) return answer;
        throw new AppError('FLOW_CLOSED');
      }
      // the flow is asking the database what the lost task did (COMMITTED_FIRST): a moment
      if (outcome && attempt > 1 && attempt < BUSY_ATTEMPTS && refusedAsBusy(err)) {
        await new Promise((r) => setTimeout(r, BUSY_WAIT_MS));
        continue;
      }
      if (attempt >= ATTEMPTS || !abortedByTaskFailure(err)) throw err;
      await new Promise((r) => setTimeout(r, RETRY_WAIT_MS * attempt));
    }
  }
}

const BUSY_ATTEMPTS = 20;
const BUSY_WAIT_MS = 100;

function refusedAsBusy(err: unknown): boolean {
  return err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'FLOW_IN_PROGRESS';
}

function notFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err instanceof ServiceError && /not found/i.test(err.message));
}

async function closed(handle: WorkflowHandle): Promise<boolean> {
  const described = await handle.describe().catch(() => null);
  return described !== null && described.status.name !== 'RUNNING';
}
