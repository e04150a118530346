import fs from 'node:fs';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../flows/activities';
import type { ActivityDeps } from '../flows/activity-deps';
import type { Config } from '../lib/config';
import { createDataConverter } from '../lib/payload-codec';
import type { Tracing } from '../lib/tracing';
import { tracedBundleOf, workerTracing } from './tracing';
import { workerDeploymentOptions } from './deployment';

// resolved, not joined: workflows.ts from source, workflows.js from the production build
export const WORKFLOWS_PATH = require.resolve('../flows/workflows');

export interface WorkerOptions {
  cfg: Config;
  deps: ActivityDeps;
  connection?: NativeConnection;
  taskQueue?: string;
  /** a bundle made by bundleWorkflowCode ahead of time; otherwise bundled at start */
  workflowBundlePath?: string;
  /** the worker's spans (lib/tracing.ts); none when traces are off */
  tracing?: Tracing;
}

export async function createWorker(o: WorkerOptions): Promise<Worker> {
  const connection = o.connection ?? (await NativeConnection.connect({ address: o.cfg.temporal.address }));
  const given = o.workflowBundlePath ?? process.env.WORKFLOW_BUNDLE;
  // a traced worker runs the traced bundle beside it (worker/bundle.ts); without one it bundles at start
  const bundlePath = given && o.tracing ? tracedBundleOf(given) : given;
  return Worker.create({
    connection,
    namespace: o.cfg.temporal.namespace,
    taskQueue: o.taskQueue ?? o.cfg.temporal.taskQueue,
    ...(bundlePath && fs.existsSync(bundlePath) ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(o.deps),
    dataConverter: createDataConverter(o.cfg.crypto),
    // the workflow interceptors when traced, and their sink (worker/tracing.ts)
    ...workerTracing(o.tracing),
    // after a worker dies, its flows' tasks wait this long on its sticky queue before any worker
    // takes them: users wait on these flows, and their histories are short to replay
    stickyQueueScheduleToStartTimeout: `${o.cfg.worker.stickyTimeoutSec}s`,
    // A cached workflow costs ~0.27 MB here (docs/testing.md, open flows); flows mostly wait on
    // a person, and one evicted replays its short history (tens of events) when it wakes. The
    // SDK's default grows with the heap (2,310 on a 4 GiB heap), so memory grew with open flows.
    maxCachedWorkflows: o.cfg.worker.maxCachedWorkflows,
    // so a rolling deploy keeps each pinned flow on the build that started it (docs/operations.md)
    ...workerDeploymentOptions(o.cfg),
  });
}
