// Every run of a flow is its own. A flow id is one per account and kind, and a user runs the
// same kind again after any outcome, so the keys of a run's side effects (face check, quota,
// notices, events, audit rows) carry a nonce the run draws once. uuid4() is seeded from the
// run's history, so the nonce is the same on every replay and every retry of a step, and a
// new run (or a reset) draws another.
import { uuid4, workflowInfo } from '@temporalio/workflow';
import { PER_RUN_KEYS, applies } from './patches';

export interface FlowRun {
  /** the workflow id, one per account and kind */
  flowId: string;
  /** unique to this run: the prefix of every side-effect key the run makes */
  runKey: string;
  /** false only when replaying a flow recorded before per-run keys */
  perRun: boolean;
  /** child workflow ids of this run: `${ownerFlowId}/${nonce}/${name}` */
  childId(ownerFlowId: string, name: string): string;
  /**
   * When the run started (its WorkflowExecutionStarted event), the origin of its lifetime. Not
   * Date.now() in its first task, nor the SDK's `runStartTime`: both are the time of the task
   * that first ran the workflow's code, and a first task that a dying worker never completed is
   * retried 10 s later (its steps are local activities), which moved the flow's end by as much
   * (the model test, seeds 877606827 and 886074825: a bind and a rebind still open 10 s after
   * the model had them expire). Never later than those, so a history recorded before ends no
   * later than it did; a timer's duration is not part of what replay compares.
   */
  startedAt: number;
}

export function flowRun(): FlowRun {
  const { workflowId, runId, startTime } = workflowInfo();
  const nonce = uuid4().replace(/-/g, '').slice(0, 12);
  const perRun = applies(PER_RUN_KEYS);
  return {
    flowId: workflowId,
    // before per-run keys only code requests carried the run id; keep their format
    runKey: perRun ? `${workflowId}/${nonce}` : `${workflowId}/${runId}`,
    perRun,
    childId: (owner, name) => (perRun ? `${owner}/${nonce}/${name}` : `${owner}/${name}`),
    startedAt: startTime.getTime(),
  };
}
