// Activity options shared by the flows. A durable step is a read or a write in our own
// database: it is retried with backoff until the database answers, however long that takes,
// because the flow cannot move on without it, and once a change committed the flow's outcome
// must be that commit (a retry finds its own write, keyed by the flow run, and answers the
// same). Provider calls that a user waits on have their own short budgets.
import type { ActivityOptions } from '@temporalio/workflow';

export const DURABLE_STEP: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};
