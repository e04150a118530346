// The retention sweep's Temporal Schedule, created (or brought to the configured interval) at
// worker start (worker/main.ts): every RETENTION_SWEEP_INTERVAL_SEC it starts `retentionSweep`.
// Overlap SKIP: a sweep still running when the next is due lets it pass. One per task queue,
// like the webhook sweeper's. RETENTION_ENABLED=false deletes it.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../../lib/config';
import { FLOW_KIND } from '../../lib/search-attributes';
import { RETENTION_WORKFLOW_TYPE } from './contract';

export const retentionScheduleId = (cfg: Pick<Config, 'temporal'>) => `retention-sweeper:${cfg.temporal.taskQueue}`;

function options(cfg: Pick<Config, 'temporal' | 'retention'>): ScheduleOptions {
  return {
    scheduleId: retentionScheduleId(cfg),
    spec: { intervals: [{ every: `${cfg.retention.sweepIntervalSec}s` }] },
    action: {
      type: 'startWorkflow',
      workflowType: RETENTION_WORKFLOW_TYPE,
      workflowId: `retention-sweep:${cfg.temporal.taskQueue}`,
      taskQueue: cfg.temporal.taskQueue,
      args: [],
      workflowExecutionTimeout: '1 hour',
      typedSearchAttributes: [{ key: FLOW_KIND, value: 'retention-sweep' }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
  };
}

/** Idempotent: creates the Schedule, or updates an existing one to this config's interval. */
export async function ensureRetentionSchedule(client: Client, cfg: Pick<Config, 'temporal' | 'retention'>): Promise<'created' | 'updated' | 'deleted' | 'absent'> {
  const handle = client.schedule.getHandle(retentionScheduleId(cfg));
  if (!cfg.retention.enabled) {
    try {
      await handle.delete();
      return 'deleted';
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return 'absent';
      throw err;
    }
  }
  const o = options(cfg);
  try {
    await client.schedule.create(o);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await handle.update((prev) => ({ ...prev, spec: o.spec }));
  return 'updated';
}
