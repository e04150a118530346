// An update a run registers only to refuse it: one of another method of the same flow kind (a
// face scene's code updates on a face run, and the reverse). A run that never registered it
// would leave the caller's update waiting for a handler until the run ends; this refuses it in
// its validator, so nothing enters history. Workflow code.
import { setHandler } from '@temporalio/workflow';
import type { ApplicationFailure, UpdateDefinition } from '@temporalio/common';

export function refusedUpdate<Ret, Args extends unknown[]>(update: UpdateDefinition<Ret, Args>, assertOpen: () => void, refusal: () => ApplicationFailure): void {
  const refuse = (): never => {
    assertOpen();
    throw refusal();
  };
  setHandler(update as unknown as UpdateDefinition<unknown, []>, refuse, { validator: refuse });
}
