// The Temporal floor: the least a workflow costs on this server. Bench-only — bundled by
// scripts/bench/floor.ts for a worker of its own on its own task queue, never part of the
// product's bundle (flows/workflows.ts). Workflow code: deterministic, no I/O.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

export interface FloorActivities {
  floorStep(n: number): Promise<number>;
}

const { floorStep } = proxyActivities<FloorActivities>({ startToCloseTimeout: '30 seconds' });
const local = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '30 seconds' });

/** One workflow, one activity. */
export async function floorOneActivity(n: number): Promise<number> {
  return floorStep(n);
}

/** One workflow, three local activities one after another. */
export async function floorThreeLocal(n: number): Promise<number> {
  const a = await local.floorStep(n);
  const b = await local.floorStep(a);
  return local.floorStep(b);
}
