// `npm start`: the whole service on one machine with embedded defaults: migrations,
// the Temporal dev server with its Web UI (data kept in .data/), the provider
// sandboxes, the worker and the API. Ctrl-C stops everything it started.
//
// `npm start -- --engine=server` (or VSAGA_TEMPORAL_ENGINE=server): the full Temporal
// server on this machine's PostgreSQL instead of the dev server (scripts/temporal-server.ts,
// the production engine); everything else the same.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { loadConfig, ConfigError } from '../lib/config';
import { migrate } from '../db/migrate';
import { localDatabaseUrl } from '../db/local-url';
import { startDevServer, type DevServer } from './temporal-dev';
import { serverPorts, startFullServer, type FullServer } from './temporal-server';
import { portFree } from './ports';
import { workerEnv } from '../worker/heap';

const ROOT = path.join(__dirname, '..');

function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

const COLORS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m'];

function run(name: string, file: string, color: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, file)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `${color}${name.padEnd(8)}\x1b[0m│ `;
  const pipe = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
    let buf = '';
    stream.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) out.write(prefix + line + '\n');
    });
  };
  pipe(child.stdout!, process.stdout);
  pipe(child.stderr!, process.stderr);
  return child;
}

async function waitHttp(url: string, timeoutMs: number, isUp: (status: number) => boolean = (s) => s < 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (isUp(res.status)) return true;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

/** The worker is ready when it polls its task queue. */
async function waitForPoller(address: string, namespace: string, taskQueue: string, timeoutMs: number): Promise<boolean> {
  const conn = await Connection.connect({ address });
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { pollers } = await conn.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      if (pollers && pollers.length > 0) return true;
      await new Promise((r) => setTimeout(r, 300));
    }
    return false;
  } finally {
    await conn.close();
  }
}

type Engine = 'dev' | 'server';

/** --engine=dev|server (or --engine server), else VSAGA_TEMPORAL_ENGINE, else dev. */
function engineOf(argv: string[], env: NodeJS.ProcessEnv): Engine {
  let value = env.VSAGA_TEMPORAL_ENGINE || 'dev';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--engine=')) value = a.slice('--engine='.length);
    else if (a === '--engine' && argv[i + 1]) value = argv[++i]!;
    else throw new ConfigError(`unknown argument ${a} (npm start [-- --engine=dev|server])`);
  }
  if (value !== 'dev' && value !== 'server') throw new ConfigError(`engine ${value}: dev (the Temporal CLI dev server) or server (the full Temporal server on PostgreSQL)`);
  return value;
}

async function main() {
  const started = Date.now();
  const engine = engineOf(process.argv.slice(2), process.env);
  // This stack is one developer's machine: the demo console may fill in the dev key for a
  // browser on it (still only to loopback peers). Set CONSOLE_DEMO_API_KEY=false to paste
  // a key instead; production refuses the flag, so it is left alone there.
  if (process.env.VSAGA_ENV !== 'production') process.env.CONSOLE_DEMO_API_KEY ??= 'true';
  // this machine's PostgreSQL over its Unix socket when it answers there (db/local-url.ts)
  process.env.DATABASE_URL ||= await localDatabaseUrl('vsaga');
  const cfg = loadConfig();
  const temporal = hostPort(cfg.temporal.address);
  const uiPort = Number(new URL(cfg.temporal.uiUrl).port || 8233);
  const temporalPorts: [string, string, number][] =
    engine === 'dev'
      ? [
          ['TEMPORAL_ADDRESS', temporal.host, temporal.port],
          ['TEMPORAL_UI_URL', temporal.host, uiPort],
        ]
      : Object.values(serverPorts(temporal.port)).flatMap((p) => [p.grpcPort, p.membershipPort].map((port): [string, string, number] => ['TEMPORAL_ADDRESS', temporal.host, port]));
  const ports: [string, string, number][] = [
    ...temporalPorts,
    ['API_PORT', cfg.api.host, cfg.api.port],
    ['CODEC_PORT', cfg.codec.host, cfg.codec.port],
    ['SANDBOX_SMS_PORT', cfg.sandbox.host, cfg.sandbox.smsPort],
    ['SANDBOX_SMTP_PORT', cfg.sandbox.host, cfg.sandbox.smtpPort],
    ['SANDBOX_HTTP_PORT', cfg.sandbox.host, cfg.sandbox.httpPort],
    ['SANDBOX_IDCARD_PORT', cfg.sandbox.host, cfg.sandbox.idcardPort],
    ['SANDBOX_FACE_PORT', cfg.sandbox.host, cfg.sandbox.facePort],
    ['SANDBOX_WECHAT_PORT', cfg.sandbox.host, cfg.sandbox.wechatPort],
    ['SANDBOX_ALIYUN_FACE_PORT', cfg.sandbox.host, cfg.sandbox.aliyunFacePort],
    ['WORKER_METRICS_PORT', cfg.workerMetrics.host, cfg.workerMetrics.port],
    ['WORKER_SDK_METRICS_PORT', '127.0.0.1', cfg.workerMetrics.sdkPort],
  ];
  for (const [setting, host, port] of ports) {
    if (!(await portFree(host, port))) {
      const why = engine === 'server' && setting === 'TEMPORAL_ADDRESS' ? ` (the full server takes ${temporal.port}–${temporal.port + 7})` : '';
      throw new ConfigError(`port ${host}:${port} is in use${why} (is another npm start running?); free it or set ${setting}`);
    }
  }

  fs.mkdirSync(path.join(cfg.dataDir, 'logs'), { recursive: true });
  const applied = await migrate(cfg.databaseUrl);
  console.log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');

  const children: ChildProcess[] = [];
  let server: DevServer | FullServer | null = null;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await Promise.all(
      children.reverse().map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
            c.once('exit', () => (clearTimeout(t), resolve()));
            c.kill('SIGTERM');
          }),
      ),
    );
    await server?.stop();
    console.log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const temporalDbs = { temporal: process.env.TEMPORAL_DB_NAME || 'temporal', visibility: process.env.TEMPORAL_VISIBILITY_DB_NAME || 'temporal_visibility' };
  server =
    engine === 'server'
      ? await startFullServer({
          ip: temporal.host,
          port: temporal.port,
          dataDir: cfg.dataDir,
          databases: temporalDbs,
          namespace: cfg.temporal.namespace,
          logFile: path.join(cfg.dataDir, 'logs', 'temporal-server.log'),
          verbose: true,
        })
      : await startDevServer({
          ip: temporal.host,
          port: temporal.port,
          uiPort,
          dbFile: path.join(cfg.dataDir, 'temporal.sqlite'),
          codecEndpoint: `http://${cfg.codec.host}:${cfg.codec.port}`,
          logFile: path.join(cfg.dataDir, 'logs', 'temporal.log'),
        });
  console.log(`temporal ${engine === 'server' ? 'server (full, PostgreSQL)' : 'dev server'} ready on ${server.address}`);

  const spawnAll: [string, string, NodeJS.ProcessEnv?][] = [
    ['sandbox', 'sandbox/main.ts'],
    ['worker', 'worker/main.ts', workerEnv(process.env)],
    ['api', 'api/main.ts'],
  ];
  spawnAll.forEach(([name, file, env], i) => {
    const child = run(name, file, COLORS[i % COLORS.length]!, env);
    child.once('exit', (code, signal) => {
      if (!stopping) {
        console.error(`${name} exited (${signal ?? code}); stopping the stack`);
        void stop(1);
      }
    });
    children.push(child);
  });

  const apiUrl = `http://${cfg.api.host}:${cfg.api.port}`;
  const healthy = await waitHttp(`${apiUrl}/health`, 90_000, (s) => s === 200);
  const workerUp = healthy && (await waitForPoller(server.address, cfg.temporal.namespace, cfg.temporal.taskQueue, 120_000));
  const inboxUp = await waitHttp(`http://${cfg.sandbox.host}:${cfg.sandbox.httpPort}/`, 10_000);
  if (!healthy || !workerUp) {
    console.error(`the ${healthy ? 'worker' : 'API'} did not become ready; see the lines above and ${path.join(cfg.dataDir, 'logs')}`);
    return stop(1);
  }
  const rows = [
    ['API', apiUrl, `Authorization: Bearer <key> (dev key: ${cfg.api.keys[0]?.secret})`],
    engine === 'server'
      ? ['Temporal Web UI', '-', `none embedded in the full server: run temporalio/ui against ${server.address} (docker-compose.yml's temporal-ui)`]
      : ['Temporal Web UI', server.uiUrl ?? '-', 'payloads decoded through the codec server'],
    ['Demo console', `${apiUrl}/console`, `bind, real-name, rebind in the browser (${cfg.console.demoApiKey ? 'dev key filled in' : 'paste an API key'})`],
    ['Temporal gRPC', server.address, `namespace ${cfg.temporal.namespace}, task queue ${cfg.temporal.taskQueue}`],
    ['Codec server', `http://${cfg.codec.host}:${cfg.codec.port}`, '/encode, /decode'],
    ['Reports (operators)', `${apiUrl}/reports`, 'pass rate and volume per scene, counters'],
    ['API reference', `${apiUrl}/docs`, `OpenAPI 3.1 at ${apiUrl}/openapi.json`],
    [
      'Metrics (Prometheus)',
      // METRICS_PORT moves the API's /metrics off the API port (docs/operations.md#metrics)
      cfg.metrics.port === undefined ? `${apiUrl}/metrics` : `http://${cfg.metrics.host}:${cfg.metrics.port}/metrics`,
      `worker: http://${cfg.workerMetrics.host}:${cfg.workerMetrics.port}/metrics${cfg.metrics.token ? ' (bearer METRICS_TOKEN)' : ''}`,
    ],
    ['Sandbox inbox', `http://${cfg.sandbox.host}:${cfg.sandbox.httpPort}`, inboxUp ? 'every SMS and mail the sandboxes received' : 'not answering'],
    ['SMS gateway (sandbox)', `http://${cfg.sandbox.host}:${cfg.sandbox.smsPort}`, 'Tencent SMS wire protocol: SendSms, delivery reports'],
    ['SMTP sink (sandbox)', `smtp://${cfg.sandbox.host}:${cfg.sandbox.smtpPort}`, ''],
    ['ID check (sandbox)', `http://${cfg.sandbox.host}:${cfg.sandbox.idcardPort}`, 'API-market HMAC gateway, 身份证二要素'],
    ['Face function (sandbox)', `http://${cfg.sandbox.host}:${cfg.sandbox.facePort}/face`, 'DCloud uni-cloud-verify'],
    ['Alibaba face (sandbox)', `http://${cfg.sandbox.host}:${cfg.sandbox.aliyunFacePort}`, 'Cloudauth InitFaceVerify / DescribeFaceVerify, V3 signature'],
    ['WeChat face (sandbox)', `http://${cfg.sandbox.host}:${cfg.sandbox.wechatPort}`, 'stable_token, getverifyid / queryverifyinfo (人脸核身 2.0)'],
    ['Face providers', cfg.faceProviders.default.join(' → '), 'per scene: GET /v1/face-providers'],
    engine === 'server'
      ? ['Data', cfg.dataDir, `logs; Temporal in PostgreSQL databases ${temporalDbs.temporal}, ${temporalDbs.visibility} (kept)`]
      : ['Data', cfg.dataDir, 'Temporal SQLite and logs (kept between runs)'],
  ];
  console.log(`\nverification-saga is up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  for (const [what, where, note] of rows) console.log(`  ${what!.padEnd(24)} ${where!.padEnd(36)} ${note}`);
  console.log('\nCtrl-C stops everything.\n');
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `start failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
