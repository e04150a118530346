// The worker's Worker Deployment options (docs/operations.md, "Deploying a new version").
import type { WorkerOptions } from '@temporalio/worker';
import type { Config } from '../lib/config';

/**
 * With WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID, the worker is one build of a versioned
 * deployment: the server sends it only the tasks of runs that belong to it (pinned to it, or
 * auto-upgrading while it is current). Without them, nothing is set and it runs as before.
 */
export function workerDeploymentOptions(cfg: Pick<Config, 'worker'>): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  const version = cfg.worker.deployment;
  if (!version) return {};
  return {
    workerDeploymentOptions: {
      version,
      useWorkerVersioning: true,
      // Every registered type declares its own behaviour (flows/registry.ts); this one applies
      // only to runs that started on an unversioned worker and declare none (see
      // flows/shared/versioning.ts). They have no build to stay on, and their code changes were
      // kept replaying with patched(), so they follow the current build.
      defaultVersioningBehavior: 'AUTO_UPGRADE',
    },
  };
}
