// What the bench drives: its own stack, one process per part as `npm start` runs them (the
// Temporal dev server on a SQLite file, the sandboxes, the worker, the API), on free ports, a
// database and a Redis prefix of its own — or (`--running`) a running `npm start`, whose
// processes are found by the ports they listen on. Either way the bench knows each part's pid,
// to read its CPU time and peak RSS.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../lib/config';
import { writeWorkflowBundles } from '../../worker/bundle';
import { workerEnv } from '../../worker/heap';
import { dropDatabase } from '../../db/pool';
import { localDatabaseUrl } from '../../db/local-url';
import { startDevServer, type DevServer } from '../temporal-dev';

import { pidListeningOn } from './proc';
import { freePort, freePorts } from '../ports';
import { stopChild } from '../stop-child';

const ROOT = path.join(__dirname, '..', '..');

/** the processes whose CPU and memory the bench reports */
export type ProcName = 'temporal' | 'worker' | 'api' | 'sandbox';

export interface BenchStack {
  /** 'own': started by the bench; 'running': a running `npm start` */
  mode: 'own' | 'running';
  /** the settings the stack runs with (the bench's Temporal client and direct baseline use them) */
  cfg: Config;
  baseUrl: string;
  apiKey: string;
  inboxUrl: string;
  pids: Record<ProcName, number | null>;
  /** the worker's /metrics (ours and the Temporal SDK's), null when unknown */
  workerMetricsUrl: string | null;
  /** what the Temporal server is, for the report */
  engine: string;
  close(): Promise<void>;
}

export interface OwnStackOptions {
  /** a Temporal server already running (the test suite's); else a dev server of the bench's own */
  temporalAddress?: string;
  /** what that server is, for the report */
  engineName?: string;
  /** a migrated database to use; else vsaga_bench_<pid>, created here and dropped after */
  databaseUrl?: string;
  /** a workflow bundle already made; else one is written (the worker then starts in seconds) */
  workflowBundle?: string;
  /** where logs, the SQLite file and the bundle go; removed after a run unless BENCH_KEEP_WORKDIR is set */
  workDir: string;
  /** settings for the worker and the API over the bench's (the open-flows mode's lifetimes) */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>, died?: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = died?.();
    if (dead) throw new Error(`${what}: ${dead}`);
    try {
      if (await probe()) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function workerPolling(address: string, namespace: string, taskQueue: string): Promise<boolean> {
  const conn = await Connection.connect({ address });
  try {
    const { pollers } = await conn.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (pollers?.length ?? 0) > 0;
  } finally {
    await conn.close();
  }
}


/** Deletes every Redis key under the prefix (the bench's rate-limit slots and locks). */
async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function startOwnStack(o: OwnStackOptions): Promise<BenchStack> {
  const log = o.log ?? (() => {});
  fs.mkdirSync(o.workDir, { recursive: true });
  const tag = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const children: { name: ProcName; child: ChildProcess }[] = [];
  let server: DevServer | null = null;
  // as npm start finds it (db/local-url.ts): its Unix socket when it answers there
  const databaseUrl = o.databaseUrl ?? (await localDatabaseUrl(`vsaga_bench_${tag}`));
  const redisPrefix = `vsaga-bench:${tag}:`;
  const apiKey = `bench-${randomBytes(12).toString('hex')}`;

  const cleanup = async () => {
    await Promise.all(children.splice(0).reverse().map((c) => stopChild(c.child)));
    await server?.stop();
    server = null;
    if (!o.databaseUrl) await dropDatabase(databaseUrl).catch((e: unknown) => log(`could not drop ${databaseUrl}: ${String(e)}`));
    await dropRedisPrefix(cfg.redis.url, redisPrefix).catch(() => undefined);
  };

  const ports = await freePorts('api', 'codec', 'sms', 'smtp', 'inbox', 'idcard', 'face', 'wechat', 'aliyunFace', 'metrics', 'sdkMetrics');
  const env: Record<string, string | undefined> = {
    ...process.env,
    VSAGA_ENV: 'development',
    // the product as deployed traces nothing unless asked; development's default (file) would
    // make every journey write its spans: VSAGA_TRACES=file npm run bench measures that cost
    VSAGA_TRACES: process.env.VSAGA_TRACES ?? 'off',
    VSAGA_LOG_LEVEL: process.env.VSAGA_LOG_LEVEL ?? 'info',
    VSAGA_DATA_DIR: o.workDir,
    FACE_PICTURE_DIR: path.join(o.workDir, 'face-pictures'),
    DATABASE_URL: databaseUrl,
    REDIS_KEY_PREFIX: redisPrefix,
    TEMPORAL_TASK_QUEUE: `bench-${tag}`,
    API_HOST: '127.0.0.1',
    API_PORT: String(ports.api),
    API_KEYS: `bench:${apiKey}:*`,
    CODEC_PORT: String(ports.codec),
    SANDBOX_HOST: '127.0.0.1',
    SANDBOX_SMS_PORT: String(ports.sms),
    SANDBOX_SMTP_PORT: String(ports.smtp),
    SANDBOX_HTTP_PORT: String(ports.inbox),
    SANDBOX_IDCARD_PORT: String(ports.idcard),
    SANDBOX_FACE_PORT: String(ports.face),
    SMS_ENDPOINT: `127.0.0.1:${ports.sms}`,
    MAIL_HOST: '127.0.0.1',
    MAIL_PORT: String(ports.smtp),
    IDCARD_API_BASE_URL: `http://127.0.0.1:${ports.idcard}`,
    FACE_FUNCTION_URL: `http://127.0.0.1:${ports.face}/face`,
    SANDBOX_WECHAT_PORT: String(ports.wechat),
    WECHAT_API_BASE_URL: `http://127.0.0.1:${ports.wechat}`,
    SANDBOX_ALIYUN_FACE_PORT: String(ports.aliyunFace),
    WORKER_METRICS_PORT: String(ports.metrics),
    WORKER_SDK_METRICS_PORT: String(ports.sdkMetrics),
    ...o.env,
  };
  let cfg = loadConfig(env);

  try {
    const bundle =
      o.workflowBundle ??
      (log('bundling the workflows…'), (await writeWorkflowBundles(path.join(o.workDir, 'workflow-bundle.js')))[0]!);
    env.WORKFLOW_BUNDLE = bundle;
    if (o.temporalAddress) {
      env.TEMPORAL_ADDRESS = o.temporalAddress;
    } else {
      const port = await freePort();
      // as `npm start` runs it: a SQLite file (WAL, synchronous off), not in memory
      server = await startDevServer({ port, dbFile: path.join(o.workDir, 'temporal.sqlite'), logFile: path.join(o.workDir, 'temporal.log') });
      env.TEMPORAL_ADDRESS = server.address;
    }
    cfg = loadConfig(env);
    // in a process of its own, as npm start's migrations (node-pg-migrate is an ES module jest cannot load)
    execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'db', 'migrate.ts')], { cwd: ROOT, env: { ...env, DATABASE_URL: databaseUrl }, stdio: 'pipe' });

    const spawnPart = (name: ProcName, file: string, partEnv: NodeJS.ProcessEnv = env) => {
      const out = fs.openSync(path.join(o.workDir, `${name}.log`), 'a');
      // BENCH_CPU_PROF=<dir>: each part writes V8 CPU profiles into <dir>/<part>/ when it stops
      // (Node does not take --cpu-prof from NODE_OPTIONS), one per thread under Node's own names:
      // the worker's workflows run in a thread of their own, whose profile a fixed name would
      // overwrite. scripts/bench/profile-top.ts summarizes one.
      const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', path.join(process.env.BENCH_CPU_PROF, name)] : [];
      const child = spawn(process.execPath, [...prof, '--import', 'tsx', path.join(ROOT, file)], { cwd: ROOT, env: partEnv, stdio: ['ignore', out, out] });
      fs.closeSync(out);
      children.push({ name, child });
      return child;
    };
    const died = (name: ProcName, c: ChildProcess) => () =>
      c.exitCode !== null || c.signalCode !== null ? `${name} exited (${c.signalCode ?? c.exitCode}); see ${path.join(o.workDir, `${name}.log`)}` : null;
    const sandbox = spawnPart('sandbox', 'sandbox/main.ts');
    // with its memory limits, as npm start launches it (worker/heap.ts)
    const worker = spawnPart('worker', 'worker/main.ts', workerEnv(env));
    const api = spawnPart('api', 'api/main.ts');
    const baseUrl = `http://127.0.0.1:${ports.api}`;
    const inboxUrl = `http://127.0.0.1:${ports.inbox}`;
    log('starting the sandboxes, the worker and the API…');
    await Promise.all([
      waitFor('the sandboxes', 60_000, async () => (await fetch(`${inboxUrl}/`)).ok, died('sandbox', sandbox)),
      waitFor('the API', 90_000, async () => (await fetch(`${baseUrl}/health`)).status === 200, died('api', api)),
      waitFor('the worker', 120_000, () => workerPolling(env.TEMPORAL_ADDRESS!, cfg.temporal.namespace, cfg.temporal.taskQueue), died('worker', worker)),
    ]);
    const temporalPid = server ? server.process.pid ?? null : pidListeningOn(Number(env.TEMPORAL_ADDRESS!.split(':').pop()));
    return {
      mode: 'own',
      cfg,
      baseUrl,
      apiKey,
      inboxUrl,
      pids: { temporal: temporalPid, worker: worker.pid ?? null, api: api.pid ?? null, sandbox: sandbox.pid ?? null },
      workerMetricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
      engine: server ? 'temporal CLI dev server (SQLite file, WAL, synchronous=OFF), as npm start runs it' : (o.engineName ?? `Temporal server at ${env.TEMPORAL_ADDRESS}`),
      async close() {
        await cleanup();
        // logs, the SQLite file and the bundle; kept when the stack failed to start (see the error)
        if (!process.env.BENCH_KEEP_WORKDIR) fs.rmSync(o.workDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** A running `npm start` on the settings of this environment (its defaults: the dev key, port 3000). */
export async function attachRunning(): Promise<BenchStack> {
  const cfg = loadConfig();
  const baseUrl = `http://${cfg.api.host}:${cfg.api.port}`;
  const res = await fetch(`${baseUrl}/health`).catch(() => null);
  if (res?.status !== 200) throw new Error(`no API answering at ${baseUrl}/health: start it with npm start (or set API_HOST / API_PORT)`);
  const temporalPort = Number(cfg.temporal.address.split(':').pop());
  return {
    mode: 'running',
    cfg,
    baseUrl,
    apiKey: process.env.BENCH_API_KEY ?? cfg.api.keys[0]!.secret,
    inboxUrl: cfg.sandbox.inboxUrl,
    pids: {
      temporal: pidListeningOn(temporalPort),
      worker: pidListeningOn(cfg.workerMetrics.port),
      api: pidListeningOn(cfg.api.port),
      sandbox: pidListeningOn(cfg.sandbox.httpPort),
    },
    workerMetricsUrl: `http://${cfg.workerMetrics.host}:${cfg.workerMetrics.port}/metrics`,
    engine: `the server npm start runs at ${cfg.temporal.address}`,
    close: async () => {},
  };
}
