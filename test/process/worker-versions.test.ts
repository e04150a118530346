// A rolling deploy with Worker Deployments (docs/operations.md, "Deploying a new version"):
// two builds of the worker, each a process of its own (worker/main.ts with WORKER_DEPLOYMENT_NAME
// and WORKER_BUILD_ID), on the suite's task queue of the shared dev server, made current with
// the CLI commands the README gives. A bind flow started on build A and waiting for its code
// when build B becomes current finishes on A (PINNED); a bind flow started afterwards runs on B;
// a webhook dispatcher started on A moves to B at its next task (AUTO_UPGRADE). Told apart by
// what the server recorded: each workflow task completion's deployment version, behaviour and
// worker identity (`<pid>@<host>`: which process), and each run's versioning info.
import { execFile, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { temporal } from '@temporalio/proto';
import { dispatcherWorkflowId } from '../../flows/webhooks/contract';
import { signalDispatcher } from '../../lib/webhook-dispatch';
import { TEMPORAL_BIN } from '../../scripts/temporal-dev';
import { call, startStack, uniqueAccountId, uniquePhone, type Stack } from '../support/stack';
import { waitFor, waitForAsync } from '../support/wait';
import { killWorkerProcess, startWorkerProcess } from '../support/worker-process';

const run = promisify(execFile);
const { VersioningBehavior, EventType } = temporal.api.enums.v1;
const DEPLOYMENT = `vsaga-test-${process.pid}-${Date.now().toString(36)}`;

let stack: Stack;
const workers: ChildProcess[] = [];
const dispatchers: string[] = [];

beforeAll(async () => {
  // a dispatcher with nothing to do must outlive the test, to take a task after the switch
  stack = await startStack({ WEBHOOK_DISPATCHER_IDLE_SEC: '600' });
  // the suite's in-process worker is unversioned: it would take the new flows before a version is current
  await stack.stopWorker();
});
afterAll(async () => {
  for (const id of dispatchers) await stack.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  for (const w of workers) {
    // 'exit' can come before the child's pipes close; jest's worker then lingers on them
    const closed = new Promise((r) => w.once('close', r));
    await killWorkerProcess(w);
    await closed;
  }
  await stack?.close();
});

async function startBuild(buildId: string): Promise<{ proc: ChildProcess; identity: string }> {
  const proc = await startWorkerProcess(stack, { WORKER_DEPLOYMENT_NAME: DEPLOYMENT, WORKER_BUILD_ID: buildId });
  workers.push(proc);
  // the SDK's default identity, which the server records on each task the process completes
  return { proc, identity: `${proc.pid}@${os.hostname()}` };
}

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(TEMPORAL_BIN, [...args, '--address', stack.cfg.temporal.address, '--namespace', stack.cfg.temporal.namespace], { encoding: 'utf8' });
  return stdout;
}

const describeDeployment = () => stack.client.workflowService.describeWorkerDeployment({ namespace: stack.cfg.temporal.namespace, deploymentName: DEPLOYMENT });

/** The README's command, retried until the build's workers have registered its version. */
async function makeCurrent(buildId: string): Promise<void> {
  await waitForAsync(() => cli('worker', 'deployment', 'set-current-version', '--deployment-name', DEPLOYMENT, '--build-id', buildId, '--yes').then(() => true, () => undefined), 30_000);
  // matching learns the new routing asynchronously; until it has, new tasks may go the old way
  await waitForAsync(async () => {
    const info = (await describeDeployment()).workerDeploymentInfo;
    const current = info?.routingConfig?.currentDeploymentVersion?.buildId ?? versionBuildId(info?.routingConfig?.currentVersion);
    const propagating = info?.routingConfigUpdateState === temporal.api.enums.v1.RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_IN_PROGRESS;
    return current === buildId && !propagating ? true : undefined;
  }, 30_000);
}

/** "<deployment>.<build>" (or ':' as the separator, in newer servers) → the build id */
function versionBuildId(version: string | null | undefined): string | undefined {
  if (!version?.startsWith(DEPLOYMENT)) return undefined;
  return version.slice(DEPLOYMENT.length + 1);
}

interface TaskRecord {
  at: Date;
  buildId: string | undefined;
  behaviour: string;
  identity: string;
}

/** Every workflow task completion of a run: on which build, declaring which behaviour, by which process. */
async function taskCompletions(workflowId: string, runId?: string): Promise<TaskRecord[]> {
  const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
    .map((e) => {
      const a = e.workflowTaskCompletedEventAttributes!;
      return {
        at: new Date(Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6)),
        buildId: a.deploymentVersion?.buildId || versionBuildId(a.workerDeploymentVersion) || undefined,
        behaviour: VersioningBehavior[a.versioningBehavior ?? 0]!.replace('VERSIONING_BEHAVIOR_', ''),
        identity: a.identity ?? '',
      };
    });
}

async function versioningInfo(workflowId: string): Promise<{ behaviour: string; buildId: string | undefined }> {
  const d = await stack.client.workflowService.describeWorkflowExecution({ namespace: stack.cfg.temporal.namespace, execution: { workflowId } });
  const v = d.workflowExecutionInfo?.versioningInfo;
  return { behaviour: VersioningBehavior[v?.behavior ?? 0]!.replace('VERSIONING_BEHAVIOR_', ''), buildId: v?.deploymentVersion?.buildId || versionBuildId(v?.version) || undefined };
}

async function startBind(): Promise<{ flowId: string; code: string }> {
  const id = uniqueAccountId('wv');
  // its phone.bound event starts the account's dispatcher
  dispatchers.push(dispatcherWorkflowId(id));
  expect((await call(stack, 'POST', '/v1/accounts', { id })).status).toBe(201);
  const phone = uniquePhone();
  const start = await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone });
  expect(start.status).toBe(201);
  const code = await waitFor(() => stack.sms.forPhone(phone)[0]?.params[0], 20_000);
  return { flowId: start.body.flow.flowId, code };
}

function print(label: string, tasks: TaskRecord[], builds: Record<string, string>): void {
  const rows = tasks.map((t) => `    ${t.at.toISOString()}  build ${t.buildId ?? '-'}  ${t.behaviour.padEnd(12)}  by ${builds[t.identity] ?? t.identity}`);
  console.log(`${label}\n${rows.join('\n')}`);
}

test('a flow in flight finishes on the build that started it, new flows run on the new one, the dispatcher moves', async () => {
  const a = await startBuild('build-a');
  await makeCurrent('build-a');

  const first = await startBind(); // waits for its code on build A
  const dispatcherAccount = uniqueAccountId('wv-hooks');
  const dispatcherId = dispatcherWorkflowId(dispatcherAccount);
  dispatchers.push(dispatcherId);
  await signalDispatcher(stack.client, stack.cfg, dispatcherAccount);
  await waitForAsync(async () => ((await taskCompletions(dispatcherId)).length > 0 ? true : undefined), 20_000);

  const b = await startBuild('build-b');
  await makeCurrent('build-b');
  const switchedAt = new Date();
  const builds = { [a.identity]: 'A (pid ' + a.proc.pid + ')', [b.identity]: 'B (pid ' + b.proc.pid + ')' };

  const done = await call(stack, 'POST', `/v1/flows/${first.flowId}/code`, { code: first.code });
  expect(done.body.result?.outcome).toBe('bound');

  const second = await startBind();
  const done2 = await call(stack, 'POST', `/v1/flows/${second.flowId}/code`, { code: second.code });
  expect(done2.body.result?.outcome).toBe('bound');

  // news for the dispatcher: its next task goes to the current build
  await signalDispatcher(stack.client, stack.cfg, dispatcherAccount);
  await waitForAsync(async () => ((await taskCompletions(dispatcherId)).some((t) => t.at > switchedAt) ? true : undefined), 20_000);

  const firstTasks = await taskCompletions(first.flowId);
  const secondTasks = await taskCompletions(second.flowId);
  const dispatcherTasks = await taskCompletions(dispatcherId);
  console.log(await cli('worker', 'deployment', 'describe', '--name', DEPLOYMENT));
  print(`${first.flowId} (started on A; B current from ${switchedAt.toISOString()})`, firstTasks, builds);
  print(`${second.flowId} (started with B current)`, secondTasks, builds);
  print(`${dispatcherId} (started on A)`, dispatcherTasks, builds);
  const infos = { first: await versioningInfo(first.flowId), second: await versioningInfo(second.flowId), dispatcher: await versioningInfo(dispatcherId) };
  console.log(`versioning info: ${JSON.stringify(infos)}`);

  // the flow in flight: every task on A, pinned, including the code's after B became current
  expect(firstTasks.filter((t) => t.at > switchedAt).length).toBeGreaterThan(0);
  expect(new Set(firstTasks.map((t) => `${t.buildId} ${t.behaviour} ${t.identity}`))).toEqual(new Set([`build-a PINNED ${a.identity}`]));
  expect(infos.first).toEqual({ behaviour: 'PINNED', buildId: 'build-a' });
  // the new flow: every task on B
  expect(new Set(secondTasks.map((t) => `${t.buildId} ${t.behaviour} ${t.identity}`))).toEqual(new Set([`build-b PINNED ${b.identity}`]));
  expect(infos.second).toEqual({ behaviour: 'PINNED', buildId: 'build-b' });
  // the dispatcher: on A before the switch, on B after it
  expect(new Set(dispatcherTasks.filter((t) => t.at < switchedAt).map((t) => `${t.buildId} ${t.behaviour} ${t.identity}`))).toEqual(new Set([`build-a AUTO_UPGRADE ${a.identity}`]));
  expect(new Set(dispatcherTasks.filter((t) => t.at > switchedAt).map((t) => `${t.buildId} ${t.behaviour} ${t.identity}`))).toEqual(new Set([`build-b AUTO_UPGRADE ${b.identity}`]));
  expect(infos.dispatcher).toEqual({ behaviour: 'AUTO_UPGRADE', buildId: 'build-b' });
}, 180_000);
