// Activity options shared by the flows, and how a flow's short steps run.
//
// A durable step is a read or a write in our own database: it is retried with backoff until
// the database answers, however long that takes, because the flow cannot move on without it,
// and once a change committed the flow's outcome must be that commit (a retry finds its own
// write, keyed by the flow run, and answers the same). Provider calls that a user waits on
// have their own short budgets.
import {
  ActivityFailure,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  TemporalFailure,
  type ActivityOptions,
} from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import { FEWER_TASKS, applies } from './patches';

export const DURABLE_STEP: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/**
 * The activities of a flow's short steps (a user waits on each; each is keyed by the run, so a
 * repeat after a worker died mid-task answers the same). From FEWER_TASKS on they run as local
 * activities, with the same timeout and retry policy: in the worker that runs the workflow
 * task, recorded as one marker, with no task queue round trip and no workflow task between two
 * steps. Histories recorded before it scheduled activities, and replay so.
 */
export function shortSteps<A extends object>(options: ActivityOptions): A {
  const remote = proxyActivities<A>(options);
  const local = proxyLocalActivities<A>({ startToCloseTimeout: options.startToCloseTimeout, retry: options.retry });
  return new Proxy({} as A, {
    get: (_, name) => {
      if (typeof name !== 'string') return undefined;
      return async (...args: unknown[]) => {
        if (!applies(FEWER_TASKS)) return (remote as Steps)[name]!(...args);
        try {
          return await (local as Steps)[name]!(...args);
        } catch (err) {
          throw asActivityFailure(name, err);
        }
      };
    },
  });
}

type Steps = Record<string, (...a: unknown[]) => Promise<unknown>>;

/**
 * A local activity's last failure reaches the workflow as the bare cause; an activity's comes
 * wrapped in an ActivityFailure. The flows tell an outage (wrapped, not one of our codes) from a
 * bug in their own code (anything else) by that wrapper, so a local step's failure gets it too.
 */
function asActivityFailure(activityType: string, err: unknown): unknown {
  if (err instanceof ActivityFailure || isCancellation(err) || !(err instanceof TemporalFailure)) return err;
  return new ActivityFailure(err.message, activityType, undefined, RetryState.RETRY_STATE_UNSPECIFIED, undefined, err);
}
