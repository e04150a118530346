// Workflow tests: the real workflow code (flows/workflows.ts, bundled the way the worker
// bundles it, with our failure converter) on a real Temporal dev server, in a Worker whose
// activities are stubs: plain functions with the names the workflows proxy. A test decides
// what each activity answers (a value, a business rejection, a provider fault that is
// retried, a step that hangs until the test lets it go) and asserts on the flow's outcome
// and on which stubs were called with what. No Postgres, Redis or sandbox, and no sandbox
// magic: every compensation and failure branch is reached by an activity's answer.
//
// Which server. The Temporal CLI dev server does not skip time, so timers are driven with
// short TTLs in the inputs, never with env.sleep.
//  - Under the jest run with the global stack (`npm test`, `jest test/workflows`), global
//    setup already runs a dev server of the same CLI (.tools/bin/temporal, our search
//    attributes registered) and builds the workflow bundle; these suites connect to it
//    (TestWorkflowEnvironment.createFromExistingServer) and use that bundle. A second
//    server per suite would cost a process and a second or two of start on a 2-core
//    machine for nothing: every test has its own task queue and workflow ids, so the
//    shared server does not couple them.
//  - Without the stack (VSAGA_TEST_NO_STACK=1, or TEMPORAL_ADDRESS unset), each suite
//    starts its own in-memory dev server with TestWorkflowEnvironment.createLocal pointed
//    at the built CLI (scripts/ensure-temporal.sh), and bundles the workflows once per
//    source version (cached under .data/test), so these suites need only the CLI:
//      VSAGA_TEST_NO_STACK=1 node_modules/.bin/jest test/workflows
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId, type WorkflowStartOptions } from '@temporalio/client';
import { ApplicationFailure, type Workflow } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, CombinedWorkerRunError, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { createActivities } from '../../flows/activities';
import { faceCompletionSignal } from '../../flows/face-check/contract';
import { settleFaceCheck, type SettleInput } from '../../flows/face-check/settle';
import { checkThenIssue, type CheckThenIssueInput } from '../../flows/real-name/checks';
import { checkThenCommit, type CheckThenCommitInput } from '../../flows/bind/check-then-commit';
import { settleThenRecord, type SettleThenRecordInput } from '../../flows/real-name/settle-then-record';
import type { CodeLimits } from '../../flows/shared/contract';
import { failure, type ErrorCode } from '../../lib/errors';
import { SEARCH_ATTRIBUTES } from '../../lib/search-attributes';
import { TEMPORAL_BIN } from '../../scripts/temporal-dev';
import { workflowSpanSinks } from '../../worker/tracing';

type Activities = ReturnType<typeof createActivities>;
const ROOT = path.join(__dirname, '..', '..');
/** below jest's testTimeout (jest.config.js), so a hung test still shuts its worker down */
const RUN_TIMEOUT_MS = 45_000;

// Business rejections are the point of these tests; only the SDK's real errors are worth a line.
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  /* already installed in this process */
}

/** Every activity a workflow proxies, checked against the activities' type. */
export const ACTIVITY_NAMES = [
  'sendCode',
  'checkCode',
  'commitBind',
  'committedContactChange',
  'applyBind',
  'endSessionsAfterChange',
  'recordCallback',
  'issueUnbindToken',
  'commitRebind',
  'sendQueuedRebindNotices',
  'assertRebindable',
  'sendRebindNotices',
  'applyRebind',
  'precheckRealName',
  'spendSecurityPass',
  'checkIdentity',
  'recordRealName',
  'issueCertifyId',
  'consumeFaceQuota',
  'faceCheckBilled',
  'refundFaceQuota',
  'fetchAuthResult',
  'storeFacePicture',
  'closeFaceRecord',
  'applyFaceScene',
  'fanOutWebhookEvents',
  'deliverWebhook',
  'markWebhookDeliveryFailed',
  'sweepWebhookEvents',
] as const satisfies readonly (keyof Activities)[];
export type ActivityName = (typeof ACTIVITY_NAMES)[number];
export type Stubs = Partial<Pick<Activities, ActivityName>>;

/** One activity attempt as the worker ran it. */
export interface Call {
  name: ActivityName;
  input: unknown;
  attempt: number;
}

export class Calls {
  readonly all: Call[] = [];
  /** inputs of every attempt of one activity, in order */
  of<N extends ActivityName>(name: N): Parameters<Activities[N]>[0][] {
    return this.all.filter((c) => c.name === name).map((c) => c.input as Parameters<Activities[N]>[0]);
  }
  count(name: ActivityName): number {
    return this.all.filter((c) => c.name === name).length;
  }
  /** activity names in call order, attempts included */
  names(): ActivityName[] {
    return this.all.map((c) => c.name);
  }
  attempts(name: ActivityName): number[] {
    return this.all.filter((c) => c.name === name).map((c) => c.attempt);
  }
}

/** Thrown by a stub for a call the test did not expect: not retried, not one of our codes. */
export const UNEXPECTED = 'UNEXPECTED_ACTIVITY';

/** What a step answers when the test gives no stub: the database holds no commit of the run, no bill of the check. */
const DEFAULTS: Stubs = { committedContactChange: async () => null, faceCheckBilled: async () => false };

/** The worker's activities: every proxied name, recorded; the test's stub, a default or UNEXPECTED. */
function recorded(stubs: Stubs, calls: Calls, over: Promise<never>): Record<string, (input: unknown) => Promise<unknown>> {
  const out: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of ACTIVITY_NAMES) {
    out[name] = async (input: unknown) => {
      calls.all.push({ name, input, attempt: Context.current().info.attempt });
      const stub = (stubs[name] ?? DEFAULTS[name]) as ((i: unknown) => Promise<unknown>) | undefined;
      if (!stub) throw ApplicationFailure.create({ type: UNEXPECTED, message: `${name} was not expected`, nonRetryable: true });
      return Promise.race([stub(input), over]);
    };
  }
  // the face check's settling step is its parts in one (flows/face-check/settle.ts): the
  // parts are what a test stubs and sees called, as the worker's step calls them
  const part = out as unknown as Parameters<typeof settleFaceCheck>[0];
  out.settleFaceCheck = (input: unknown) => settleFaceCheck(part, input as SettleInput, Context.current().info.attempt);
  // so is the real-name run's step before the face (flows/real-name/checks.ts)
  const before = out as unknown as Parameters<typeof checkThenIssue>[0];
  out.checkThenIssue = (input: unknown) => checkThenIssue(before, input as CheckThenIssueInput, Context.current().info.attempt);
  // and a bind's submission (flows/bind/check-then-commit.ts)
  out.checkThenCommitBind = (input: unknown) => checkThenCommit(out as unknown as Parameters<typeof checkThenCommit>[0], input as CheckThenCommitInput);
  // and a real-name run's settling with its record (flows/real-name/settle-then-record.ts)
  out.settleThenRecord = (input: unknown) => settleThenRecord(out as unknown as Parameters<typeof settleThenRecord>[0], input as SettleThenRecordInput, Context.current().info.attempt);
  return out;
}

/** The local steps a run's history records, in order (one marker each, by activity type). */
export async function localSteps(handle: WorkflowHandle): Promise<string[]> {
  return (await handle.fetchHistory()).events!.flatMap((e) => {
    const details = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
    return details ? [(JSON.parse(Buffer.from(details).toString()) as { activity_type?: string }).activity_type ?? ''] : [];
  });
}

/** A business rejection, as activities make it (lib/errors.ts failure): not retried. */
export function rejection(code: ErrorCode, details?: Record<string, unknown>): ApplicationFailure {
  return failure(code, details);
}

/** A transient fault: Temporal retries the activity with backoff. */
export function transient(code: ErrorCode, details?: Record<string, unknown>): ApplicationFailure {
  return failure(code, details, { retryable: true });
}

/** A promise the test resolves: a stub awaits it to hold a step in progress. */
export interface Gate<T = void> {
  promise: Promise<T>;
  open(value: T): void;
  /** resolves when the stub started waiting */
  entered: Promise<void>;
  enter(): void;
}
export function gate<T = void>(): Gate<T> {
  let open!: (v: T) => void;
  let enter!: () => void;
  const promise = new Promise<T>((r) => (open = r));
  const entered = new Promise<void>((r) => (enter = r));
  return { promise, open, entered, enter };
}

/** Polls until check() returns true (queries, recorded calls). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The error code a rejected update (handler or validator) answered with. */
export async function updateRejection(p: Promise<unknown>): Promise<{ type: string | undefined; details: unknown[] }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      return { type: err.cause.type ?? undefined, details: [...(err.cause.details ?? [])] };
    }
    throw err;
  }
  throw new Error('the update was accepted');
}

async function workflowBundlePath(): Promise<string> {
  const fromSetup = process.env.WORKFLOW_BUNDLE;
  if (fromSetup && fs.existsSync(fromSetup)) return fromSetup;
  // bundled once per version of the sources a workflow can import
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) hash.update(p).update(fs.readFileSync(p));
    }
  };
  for (const dir of ['flows', 'lib']) walk(path.join(ROOT, dir));
  hash.update(fs.readFileSync(require.resolve('@temporalio/workflow/package.json')));
  const file = path.join(ROOT, '.data', 'test', `workflow-bundle-${hash.digest('hex').slice(0, 16)}.js`);
  if (fs.existsSync(file)) return file;
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(ROOT, 'flows', 'workflows.ts'),
    failureConverterPath: require.resolve('../../lib/failure-converter'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, code);
  fs.renameSync(tmp, file); // two suites bundling at once both write whole files
  return file;
}

export interface WorkflowTestEnv {
  env: TestWorkflowEnvironment;
  client: Client;
  /** runs body with a worker of these stubs on a task queue of its own */
  run<T>(stubs: Stubs, body: (t: TestRun) => Promise<T>): Promise<T>;
  teardown(): Promise<void>;
}

export interface TestRun {
  taskQueue: string;
  calls: Calls;
  client: Client;
  /** starts a workflow on this run's task queue; it is terminated after the test if still open */
  start<W extends Workflow>(workflow: W, args: Parameters<W>, workflowId?: string, opts?: { workflowTaskTimeout?: string }): Promise<WorkflowHandleWithFirstExecutionRunId<W>>;
  /** a workflow started otherwise (update-with-start): terminated after the test if still open */
  track(workflowId: string): void;
}

/** One per suite (beforeAll): the server (shared or its own) and the bundle. */
export async function startWorkflowTestEnv(): Promise<WorkflowTestEnv> {
  const address = process.env.TEMPORAL_ADDRESS;
  let env: TestWorkflowEnvironment;
  if (address && process.env.WORKFLOW_BUNDLE) {
    env = await TestWorkflowEnvironment.createFromExistingServer({ address });
  } else {
    if (!fs.existsSync(TEMPORAL_BIN)) throw new Error(`${TEMPORAL_BIN} is missing: run bash scripts/ensure-temporal.sh`);
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: TEMPORAL_BIN }, ip: '127.0.0.1', searchAttributes: SEARCH_ATTRIBUTES, log: { format: 'json', level: 'error' } },
    });
  }
  const codePath = await workflowBundlePath();

  return {
    env,
    client: env.client,
    async run<T>(stubs: Stubs, body: (t: TestRun) => Promise<T>): Promise<T> {
      const taskQueue = `wf-test-${randomUUID()}`;
      const calls = new Calls();
      const started: WorkflowHandle[] = [];
      // a stub still held when the test ends (it failed before opening its gate) lets go then,
      // so the worker stops in its grace time instead of failing the run on its force time
      let endRun!: () => void;
      const over = new Promise<never>((_, reject) => {
        endRun = () => reject(ApplicationFailure.create({ type: UNEXPECTED, message: 'the test is over', nonRetryable: true }));
      });
      over.catch(() => undefined);
      const worker = await Worker.create({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        workflowBundle: { codePath },
        activities: recorded(stubs, calls, over),
        // the bundle's trace interceptors export through it (traces off here: dropped)
        sinks: workflowSpanSinks(),
        // a stub a test left hanging must not hold the suite
        shutdownGraceTime: '1 second',
        shutdownForceTime: '5 seconds',
      });
      const t: TestRun = {
        taskQueue,
        calls,
        client: env.client,
        async start(workflow, args, workflowId, opts) {
          const options = { taskQueue, workflowId: workflowId ?? `wf-test-${randomUUID()}`, args, ...opts } as unknown as WorkflowStartOptions<typeof workflow>;
          const handle = await env.client.workflow.start(workflow, options);
          started.push(handle);
          return handle;
        },
        track(workflowId) {
          started.push(env.client.workflow.getHandle(workflowId));
        },
      };
      try {
        // a test that hangs fails here, with its worker shut down, before jest's own timeout
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the test did not finish in ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS);
        });
        return await worker.runUntil(
          Promise.race([body(t), timeout]).finally(() => {
            clearTimeout(timer);
            endRun();
          }),
        );
      } catch (err) {
        throw testFailureOf(err);
      } finally {
        for (const h of started) await h.terminate('test over').catch(() => undefined);
      }
    },
    teardown: () => env.teardown(),
  };
}

/**
 * Start options for a test that holds a local step open: every update and query waits for the
 * task's heartbeat meanwhile (0.8 of the task timeout, twice for an update), so at the default
 * 10 s one held step cost such a test 40 s of its 45 and a loaded CI run failed it.
 */
export const HELD_LOCAL_STEP = { workflowTaskTimeout: '3 seconds' };

/**
 * A test that fails while its worker fails too (a stub that ignores the end of the run) gets a
 * CombinedWorkerRunError from the SDK, whose message hides the test's own failure: jest shows
 * that failure, with the worker's error beside it.
 */
function testFailureOf(err: unknown): unknown {
  if (!(err instanceof CombinedWorkerRunError)) return err;
  const { innerError, workerError } = err.cause;
  if (!(innerError instanceof Error)) return err;
  innerError.message += `\n(the worker then failed too: ${workerError instanceof Error ? workerError.message : String(workerError)})`;
  return innerError;
}

/** Code limits generous enough that a test meets only the limit it sets. */
export const codeLimits = (o: Partial<CodeLimits> = {}): CodeLimits => ({ codeTtlSec: 60, resendGapSec: 0, perDay: 5, maxWrong: 3, flowTtlSec: 60, ...o });

/** Where a started check takes its completion, as the API finds it: the run hosting it, or its own workflow. */
export function faceCheckHandle(r: TestRun, started: { flowId?: string; faceCheckId: string; hostRunId?: string }) {
  return started.hostRunId && started.flowId ? r.client.workflow.getHandle(started.flowId, started.hostRunId) : r.client.workflow.getHandle(started.faceCheckId);
}

/** The app's good completion of a face check (device-1, as the inputs here start it). */
export async function completeFaceCheck(r: TestRun, started: { flowId?: string; faceCheckId: string; hostRunId?: string; certifyId: string }): Promise<void> {
  await faceCheckHandle(r, started).signal(faceCompletionSignal, {
    completionId: randomUUID(),
    deviceId: 'device-1',
    tokenDeviceId: 'device-1',
    certifyId: started.certifyId,
    errCode: 0,
  });
}

/** A suite's environment: started before its tests, torn down after; `run` as WorkflowTestEnv's. */
export function workflowSuite(): Pick<WorkflowTestEnv, 'run'> {
  let t: WorkflowTestEnv | undefined;
  beforeAll(async () => {
    t = await startWorkflowTestEnv();
  });
  afterAll(async () => {
    await t?.teardown();
  });
  return { run: (stubs, body) => t!.run(stubs, body) };
}
