import path from 'node:path';
import fs from 'node:fs';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../flows/activities';
import type { ActivityDeps } from '../flows/activity-deps';
import type { Config } from '../lib/config';
import { createDataConverter } from '../lib/payload-codec';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'flows', 'workflows.ts');

export interface WorkerOptions {
  cfg: Config;
  deps: ActivityDeps;
  connection?: NativeConnection;
  taskQueue?: string;
  /** a bundle made by bundleWorkflowCode ahead of time; otherwise bundled at start */
  workflowBundlePath?: string;
}

export async function createWorker(o: WorkerOptions): Promise<Worker> {
  const connection = o.connection ?? (await NativeConnection.connect({ address: o.cfg.temporal.address }));
  const bundlePath = o.workflowBundlePath ?? process.env.WORKFLOW_BUNDLE;
  return Worker.create({
    connection,
    namespace: o.cfg.temporal.namespace,
    taskQueue: o.taskQueue ?? o.cfg.temporal.taskQueue,
    ...(bundlePath && fs.existsSync(bundlePath) ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(o.deps),
    dataConverter: createDataConverter(o.cfg.crypto),
    // after a worker dies, its flows' tasks wait this long on its sticky queue before any worker
    // takes them: users wait on these flows, and their histories are short to replay
    stickyQueueScheduleToStartTimeout: `${o.cfg.worker.stickyTimeoutSec}s`,
    // A cached workflow costs ~0.27 MB here (docs/testing.md, open flows); flows mostly wait on
    // a person, and one evicted replays its short history (tens of events) when it wakes. The
    // SDK's default grows with the heap (2,310 on a 4 GiB heap), so memory grew with open flows.
    maxCachedWorkflows: o.cfg.worker.maxCachedWorkflows,
  });
}
