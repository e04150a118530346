// Worker Deployments (docs/operations.md, "Deploying a new version"): each workflow function
// declares the versioning behaviour its kind has in flows/registry.ts. The bundle entry
// (flows/workflows.ts) calls declareVersioning once, so the behaviours live in one place.
//
// A behaviour travels with every workflow task completion, not in the history's commands:
// declaring one changes no command, and recorded histories replay as before.
import { setWorkflowOptions, workflowInfo, type WorkflowInfo } from '@temporalio/workflow';
import { FLOW_KINDS } from '../registry';

type Behaviour = (typeof FLOW_KINDS)[keyof typeof FLOW_KINDS]['versioning'];
type WorkflowType = (typeof FLOW_KINDS)[keyof typeof FLOW_KINDS]['workflowType'];
// never[]: any workflow's parameters accept it, whatever its own input
type WorkflowFn = (...args: never[]) => Promise<unknown>;

/**
 * What a run declares, given the deployment version of the worker that first ran it (on a
 * replay, the version its history recorded). The server refuses every task completion that
 * declares a behaviour from a worker without a deployment version ("versioning behavior cannot
 * be specified without deployment options"), and retries the task for ever: so a run that an
 * unversioned worker (npm start, the tests) started declares none. An unversioned worker still
 * reports a version: its build id (the bundle's checksum) without a deployment name.
 * A run started unversioned and later taken over by a versioned worker gets that worker's
 * default behaviour (worker/deployment.ts).
 */
export function versioningOptions(behaviour: Behaviour, version: WorkflowInfo['currentDeploymentVersion']): { versioningBehavior?: Behaviour } {
  return version?.deploymentName ? { versioningBehavior: behaviour } : {};
}

/**
 * Declares every registered workflow type's behaviour on its function; the record must name them
 * all. Kinds sharing a type (the face scenes) share its behaviour (test/unit/worker-versioning.test.ts).
 */
export function declareVersioning(workflows: Record<WorkflowType, WorkflowFn>): void {
  const byType = new Map(Object.values(FLOW_KINDS).map((k) => [k.workflowType, k.versioning] as const));
  for (const [workflowType, versioning] of byType) {
    // a getter, run when a run's first activation reaches this worker: the version is known only then
    setWorkflowOptions(() => versioningOptions(versioning, workflowInfo().currentDeploymentVersion), workflows[workflowType]);
  }
}
