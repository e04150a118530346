// Sending an Update to a running flow. When the workflow task that admitted an update fails
// (most often because the workflow completed in the same task as another event arrived, which
// the server answers with UnhandledCommand), the server aborts the update with "unexpected
// workflow task failure" although nothing happened. The same update id sent again is either
// run afresh or, when the first one did complete, answered with its outcome: never twice.
//
// An update admitted while the flow's last workflow task runs (a step's local activities hold
// it) is never delivered when that task closes the flow: the server answers "not found". The
// flow was there and has closed, which is what its validator would have said (FLOW_CLOSED).
import { randomUUID } from 'node:crypto';
import { ServiceError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { AppError } from '../lib/errors';

const ATTEMPTS = 3;

// executeUpdate's overloads tell no-argument updates from the others; one signature serves both
type Execute = <R, A extends unknown[]>(this: WorkflowHandle, def: UpdateDefinition<R, A>, options: { args: A; updateId: string }) => Promise<R>;

function abortedByTaskFailure(err: unknown): boolean {
  if (!(err instanceof ServiceError)) return false;
  const text = `${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`;
  return /unexpected workflow task failure/i.test(text);
}

export async function updateFlow<Ret, Args extends unknown[]>(handle: WorkflowHandle, def: UpdateDefinition<Ret, Args>, ...args: Args): Promise<Ret> {
  const updateId = randomUUID();
  const execute = handle.executeUpdate as unknown as Execute;
  for (let attempt = 1; ; attempt++) {
    try {
      return (await execute.call(handle, def, { args, updateId })) as Ret;
    } catch (err) {
      if (notFound(err) && (await closed(handle))) throw new AppError('FLOW_CLOSED');
      if (attempt >= ATTEMPTS || !abortedByTaskFailure(err)) throw err;
    }
  }
}

function notFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err instanceof ServiceError && /not found/i.test(err.message));
}

async function closed(handle: WorkflowHandle): Promise<boolean> {
  const described = await handle.describe().catch(() => null);
  return described !== null && described.status.name !== 'RUNNING';
}
