// Starting the webhook workflows: the per-account dispatcher (signal-with-start, so a
// running one is woken and a finished one starts afresh) and the sweeper's Schedule.
// Used by the activities that record events, by the sweeper and by the API.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from './config';
import { ACCOUNT_ID, FLOW_KIND } from './search-attributes';
import { dispatcherWorkflowId, eventsRecordedSignal, type DispatcherInput } from '../flows/webhooks/contract';

export function dispatcherInput(cfg: Pick<Config, 'webhooks'>, accountId: string): DispatcherInput {
  const w = cfg.webhooks;
  return {
    accountId,
    httpTimeoutMs: w.httpTimeoutMs,
    retry: { initialMs: w.retryInitialMs, maxIntervalMs: w.retryMaxIntervalMs, windowSec: w.retryWindowSec },
    idleSec: w.dispatcherIdleSec,
    maxPerRun: w.dispatcherMaxPerRun,
  };
}

/** Wakes the account's dispatcher, starting it when none runs. */
export async function signalDispatcher(client: Client, cfg: Pick<Config, 'webhooks' | 'temporal'>, accountId: string): Promise<void> {
  await client.workflow.signalWithStart('webhookDispatcher', {
    workflowId: dispatcherWorkflowId(accountId),
    taskQueue: cfg.temporal.taskQueue,
    args: [dispatcherInput(cfg, accountId)],
    signal: eventsRecordedSignal,
    signalArgs: [],
    typedSearchAttributes: [
      { key: FLOW_KIND, value: 'webhooks' },
      { key: ACCOUNT_ID, value: accountId },
    ],
  });
}

export async function dispatcherRunning(client: Client, accountId: string): Promise<boolean> {
  try {
    const d = await client.workflow.getHandle(dispatcherWorkflowId(accountId)).describe();
    return d.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

export const sweeperScheduleId = (cfg: Pick<Config, 'temporal'>) => `webhooks-sweeper:${cfg.temporal.taskQueue}`;

const ensured = new WeakMap<Client, Promise<void>>();

/**
 * Creates the sweeper's Schedule once (idempotent; remembered per client, forgotten on
 * failure so the next caller tries again). Every WEBHOOK_SWEEP_INTERVAL_SEC it starts
 * `webhookSweep`, which catches events no signal announced.
 */
export function ensureWebhookSweeper(client: Client, cfg: Pick<Config, 'webhooks' | 'temporal'>): Promise<void> {
  let p = ensured.get(client);
  if (!p) {
    p = client.schedule
      .create({
        scheduleId: sweeperScheduleId(cfg),
        spec: { intervals: [{ every: `${cfg.webhooks.sweepIntervalSec}s` }] },
        action: {
          type: 'startWorkflow',
          workflowType: 'webhookSweep',
          workflowId: `webhooks-sweep:${cfg.temporal.taskQueue}`,
          taskQueue: cfg.temporal.taskQueue,
          args: [],
          workflowExecutionTimeout: '10 minutes',
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      })
      .then(
        () => undefined,
        (err: unknown) => {
          if (err instanceof ScheduleAlreadyRunning) return;
          ensured.delete(client);
          throw err;
        },
      );
    ensured.set(client, p);
  }
  return p;
}
