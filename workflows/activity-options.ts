// Activity options shared by the flows. A durable step is a write in our own database:
// it is retried with backoff until it succeeds (within reason), because the flow cannot
// move on without it; provider calls that a user waits on have their own short budgets.
import type { ActivityOptions } from '@temporalio/workflow';

export const DURABLE_STEP: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
};

/**
 * The step that commits a change the user was promised (a bind, a rebind): retried until
 * the database answers, however long that takes, because the flow's outcome is what was
 * committed. A retry finds its own commit (keyed by the flow run) and answers the same.
 */
export const COMMIT_STEP: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};
