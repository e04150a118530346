// Worker Deployments, without a server: every flow kind has a versioning behaviour and the
// bundle's functions declare it, only on a versioned worker; the worker's settings.
// test/process/worker-versions.test.ts shows the server routing by them.
import { VersioningBehavior } from '@temporalio/common';
import { ConfigError, loadConfig } from '../../lib/config';
import { FLOW_KINDS, WORKFLOW_TYPES, type FlowKind } from '../../flows/registry';
import { versioningOptions } from '../../flows/shared/versioning';
import * as workflows from '../../flows/workflows';
import { workerDeploymentOptions } from '../../worker/deployment';

const kinds = Object.keys(FLOW_KINDS) as FlowKind[];

test('every flow kind has a versioning behaviour the SDK knows', () => {
  for (const kind of kinds) expect({ kind, versioning: Object.values(VersioningBehavior).includes(FLOW_KINDS[kind].versioning) }).toEqual({ kind, versioning: true });
});

test('flows that end within their TTL are pinned; only the dispatcher, which outlives a deploy, upgrades', () => {
  expect(kinds.filter((k) => FLOW_KINDS[k].versioning === 'AUTO_UPGRADE')).toEqual(['webhooks']);
  for (const kind of ['bind-phone', 'bind-email', 'rebind-phone', 'rebind-email', 'real-name', 'face-check'] as const) {
    expect({ kind, versioning: FLOW_KINDS[kind].versioning }).toEqual({ kind, versioning: 'PINNED' });
  }
});

test('kinds that share a workflow type share its behaviour (the function declares one)', () => {
  for (const type of WORKFLOW_TYPES) {
    const behaviours = new Set(kinds.filter((k) => FLOW_KINDS[k].workflowType === type).map((k) => FLOW_KINDS[k].versioning));
    expect({ type, behaviours: behaviours.size }).toEqual({ type, behaviours: 1 });
  }
});

test("every workflow of the bundle carries its kind's declaration", () => {
  for (const type of WORKFLOW_TYPES) {
    const fn = (workflows as Record<string, unknown>)[type] as { workflowDefinitionOptions?: unknown };
    // a getter: the behaviour depends on the worker the run meets (below)
    expect({ type, declared: typeof fn.workflowDefinitionOptions }).toEqual({ type, declared: 'function' });
  }
});

test('a behaviour is declared only for a worker with a deployment version', () => {
  expect(versioningOptions('PINNED', { deploymentName: 'vsaga', buildId: '2026-06-01.1' })).toEqual({ versioningBehavior: 'PINNED' });
  expect(versioningOptions('AUTO_UPGRADE', { deploymentName: 'vsaga', buildId: 'b' })).toEqual({ versioningBehavior: 'AUTO_UPGRADE' });
  // an unversioned worker reports its bundle checksum as a build id, with no deployment name
  expect(versioningOptions('PINNED', { deploymentName: '', buildId: '@temporalio/worker@1.24.0+abc' })).toEqual({});
  expect(versioningOptions('PINNED', undefined)).toEqual({});
});

describe('WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID', () => {
  test('neither (or empty, as compose passes them): an unversioned worker, options unchanged', () => {
    for (const env of [{}, { WORKER_DEPLOYMENT_NAME: '', WORKER_BUILD_ID: '' }]) {
      const cfg = loadConfig(env);
      expect(cfg.worker.deployment).toBeUndefined();
      expect(workerDeploymentOptions(cfg)).toEqual({});
    }
  });

  test('both: a versioned build, AUTO_UPGRADE for runs that declare nothing', () => {
    const cfg = loadConfig({ WORKER_DEPLOYMENT_NAME: 'verification-saga', WORKER_BUILD_ID: '1.4.0+g3f2a1c9' });
    expect(cfg.worker.deployment).toEqual({ deploymentName: 'verification-saga', buildId: '1.4.0+g3f2a1c9' });
    expect(workerDeploymentOptions(cfg)).toEqual({
      workerDeploymentOptions: { version: { deploymentName: 'verification-saga', buildId: '1.4.0+g3f2a1c9' }, useWorkerVersioning: true, defaultVersioningBehavior: 'AUTO_UPGRADE' },
    });
  });

  test.each([
    [{ WORKER_DEPLOYMENT_NAME: 'verification-saga' }, 'WORKER_BUILD_ID'],
    [{ WORKER_BUILD_ID: 'b1' }, 'WORKER_DEPLOYMENT_NAME'],
    [{ WORKER_DEPLOYMENT_NAME: 'verification-saga', WORKER_BUILD_ID: '' }, 'WORKER_BUILD_ID'],
  ])('one without the other is refused, naming the missing one: %j', (env, missing) => {
    let err: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variables).toEqual([missing]);
  });

  test.each([
    ['WORKER_DEPLOYMENT_NAME', 'vsaga.prod'],
    ['WORKER_DEPLOYMENT_NAME', 'vsaga:prod'],
    ['WORKER_DEPLOYMENT_NAME', '__vsaga'],
    ['WORKER_BUILD_ID', '__internal'],
    ['WORKER_BUILD_ID', 'has space'],
  ])('what the server would refuse is refused at start: %s=%s', (name, value) => {
    const env = { WORKER_DEPLOYMENT_NAME: 'vsaga', WORKER_BUILD_ID: 'b1', [name]: value };
    expect(() => loadConfig(env)).toThrow(new RegExp(name));
  });
});
