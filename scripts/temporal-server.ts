// The production engine: the full Temporal server (go.temporal.io/server, the same
// release as docker-compose.yml's temporalio/server) on the machine's PostgreSQL, as a
// child process. Beside scripts/temporal-dev.ts (the CLI dev server on SQLite): same
// shape, { address, stop() }, so `npm start -- --engine=server` and the engine suite
// (test/engine/server.test.ts) swap one for the other.
//
// What it does, each step idempotent (a second start on the same databases is a no-op
// until the server itself starts):
//   1. scripts/ensure-temporal-server.sh: `server` and `temporal-sql-tool`, built with Go
//      once per machine and cached by version under ~/.cache/vsaga/, with the module's
//      schema/ and config/ beside them;
//   2. PostgreSQL: a `temporal` role, the databases (temporal, temporal_visibility by
//      default; per run in tests), the schema: create-database, setup-schema -v 0.0,
//      update-schema -d schema/postgresql/v12/{temporal,visibility}/versioned;
//   3. a config under <dataDir>/temporal-server/<name>/config/ (4 history shards, SQL
//      visibility on postgres12, ports port..port+7 on one IP, no metrics or pprof unless
//      asked) and `server --root … --config config --env vsaga --allow-no-auth start`;
//   4. when the frontend answers: the namespace (retention 1–3 days) and our search
//      attributes (lib/search-attributes.ts), through the operator service.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal as proto } from '@temporalio/proto';
import { Client as PgClient } from 'pg';
import { SEARCH_ATTRIBUTES } from '../lib/search-attributes';
import { portFree } from './ports';
import { stopChild } from './stop-child';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

/** Thrown when the engine cannot be had on this machine: no Go and nothing cached. */
export class EngineUnavailable extends Error {}

/** Where scripts/ensure-temporal-server.sh keeps this release's build. */
export function serverCacheDir(): string {
  const root = process.env.VSAGA_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'vsaga');
  return path.join(root, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

/** Null when the engine can run here (built, or Go to build it); else why not. */
export function engineUnavailableReason(): string | null {
  if (fs.existsSync(path.join(serverCacheDir(), 'server'))) return null;
  const go = spawnSync('go', ['version'], { stdio: 'ignore' });
  if (go.status === 0) return null;
  return `the full Temporal server is not built in ${serverCacheDir()} and Go is not installed to build it`;
}

export interface ServerBinaries {
  server: string;
  sqlTool: string;
  /** schema/ and config/ of the module, copied from the Go module cache */
  src: string;
}

/** Runs scripts/ensure-temporal-server.sh (builds on first use: minutes) and says where it all is. */
export async function ensureServerBinaries(opts: { quiet?: boolean } = {}): Promise<ServerBinaries> {
  const script = path.join(ROOT, 'scripts', 'ensure-temporal-server.sh');
  const env: Record<string, string> = {};
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [script, '--print-env'], { stdio: ['ignore', 'pipe', opts.quiet ? 'pipe' : 'inherit'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) return resolve(out);
      const msg = `scripts/ensure-temporal-server.sh exited ${code}${err ? `: ${err.trim().split('\n').slice(-5).join('\n')}` : ''}`;
      reject(code === 3 ? new EngineUnavailable(msg) : new Error(msg));
    });
  });
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  const bins = { server: env.TEMPORAL_SERVER_BIN!, sqlTool: env.TEMPORAL_SQL_TOOL!, src: env.TEMPORAL_SERVER_SRC! };
  if (!bins.server || !bins.sqlTool || !bins.src) throw new Error(`ensure-temporal-server.sh printed no paths: ${stdout}`);
  return bins;
}

export interface PgTarget {
  host: string;
  port: number;
  /** a superuser, to create the role (trust auth on this machine: no password) */
  adminUser: string;
  adminPassword?: string;
  /** the role the server connects as; created if missing, with CREATEDB */
  user: string;
  password: string;
}

export const DEFAULT_PG: PgTarget = {
  host: process.env.TEMPORAL_DB_HOST ?? '127.0.0.1',
  port: Number(process.env.TEMPORAL_DB_PORT ?? 5432),
  adminUser: process.env.TEMPORAL_DB_ADMIN_USER ?? 'postgres',
  adminPassword: process.env.TEMPORAL_DB_ADMIN_PASSWORD,
  user: process.env.TEMPORAL_DB_USER ?? 'temporal',
  password: process.env.TEMPORAL_DB_PASSWORD ?? 'temporal',
};

export interface Databases {
  temporal: string;
  visibility: string;
}

async function withAdmin<T>(pg: PgTarget, fn: (c: PgClient) => Promise<T>): Promise<T> {
  const c = new PgClient({ host: pg.host, port: pg.port, user: pg.adminUser, password: pg.adminPassword, database: 'postgres' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const ident = (s: string) => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(s)) throw new Error(`not a plain PostgreSQL name: ${s}`);
  return s;
};

/**
 * The role, both databases and their schema at the release's newest version. Re-running
 * changes nothing: each step looks first (update-schema itself applies only what is missing).
 */
export async function prepareDatabases(bins: ServerBinaries, dbs: Databases, pg: PgTarget = DEFAULT_PG): Promise<void> {
  const [temporalDb, visibilityDb] = [ident(dbs.temporal), ident(dbs.visibility)];
  const user = ident(pg.user);
  await withAdmin(pg, async (c) => {
    const role = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user]);
    if (!role.rowCount) {
      // two starts at once may both miss it: the loser's duplicate is fine
      await c.query(`CREATE ROLE ${user} LOGIN CREATEDB PASSWORD '${pg.password.replace(/'/g, "''")}'`).catch((err: { code?: string }) => {
        if (err.code !== '42710' && err.code !== '23505') throw err;
      });
    }
  });
  const sql = (db: string, ...args: string[]) =>
    run(bins.sqlTool, ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--pw', pg.password, '--db', db, ...args], {
      maxBuffer: 16 << 20,
    }).catch((err: Error & { stderr?: string; stdout?: string }) => {
      throw new Error(`temporal-sql-tool ${args[0]} on ${db} failed: ${err.stderr || err.stdout || err.message}`);
    });
  for (const [db, dir] of [
    [temporalDb, 'temporal'],
    [visibilityDb, 'visibility'],
  ] as const) {
    const exists = await withAdmin(pg, (c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]));
    if (!exists.rowCount) await sql(db, 'create-database');
    const db1 = new PgClient({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: db });
    await db1.connect();
    let versioned: boolean;
    try {
      const r = await db1.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_version'");
      versioned = !!r.rowCount;
    } finally {
      await db1.end();
    }
    if (!versioned) await sql(db, 'setup-schema', '-v', '0.0');
    await sql(db, 'update-schema', '-d', path.join(bins.src, 'schema', 'postgresql', 'v12', dir, 'versioned'));
  }
}

/** Drops both databases (a test run's own). */
export async function dropDatabases(dbs: Databases, pg: PgTarget = DEFAULT_PG): Promise<void> {
  await withAdmin(pg, async (c) => {
    for (const db of [dbs.temporal, dbs.visibility]) await c.query(`DROP DATABASE IF EXISTS ${ident(db)} WITH (FORCE)`);
  });
}

export interface FullServerOptions {
  /** the frontend's gRPC port; the other services take port+1 … port+7 */
  port: number;
  ip?: string;
  /** config and logs go under <dataDir>/temporal-server/<name>/ */
  dataDir: string;
  /** names the config folder; default: the temporal database's name */
  name?: string;
  databases?: Databases;
  pg?: PgTarget;
  namespace?: string;
  /** 1–3 days (default 3) */
  retentionDays?: number;
  /** fixed once the databases are made: changing it later needs new databases */
  historyShards?: number;
  /** Prometheus on this port (≥ 18000 here); absent: no metrics endpoint */
  metricsPort?: number;
  logFile?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** drop the databases and the config folder when stopped (test runs) */
  dropOnStop?: boolean;
  /** say what each step does on stderr */
  verbose?: boolean;
}

export interface FullServer {
  address: string;
  /** the full server embeds no Web UI (temporalio/ui in docker-compose.yml is the way) */
  uiUrl: null;
  process: ChildProcess;
  databases: Databases;
  configDir: string;
  stop(): Promise<void>;
}

/** The 8 ports the server listens on, from the frontend's. */
export function serverPorts(port: number) {
  return {
    frontend: { grpcPort: port, membershipPort: port + 1 },
    history: { grpcPort: port + 2, membershipPort: port + 3 },
    matching: { grpcPort: port + 4, membershipPort: port + 5 },
    worker: { grpcPort: port + 6, membershipPort: port + 7 },
  };
}

/** The server's static config (YAML is JSON's superset: written as JSON). */
export function serverConfig(o: { ip: string; port: number; databases: Databases; pg: PgTarget; historyShards: number; metricsPort?: number; logLevel: string; dynamicConfigFile: string }) {
  const ports = serverPorts(o.port);
  const store = (db: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName: db,
      connectAddr: `${o.pg.host}:${o.pg.port}`,
      connectProtocol: 'tcp',
      user: o.pg.user,
      password: o.pg.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (p: { grpcPort: number; membershipPort: number }) => ({ rpc: { ...p, bindOnIP: o.ip } });
  return {
    log: { stdout: true, level: o.logLevel, format: 'json' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: o.historyShards,
      datastores: { 'postgres-default': store(o.databases.temporal, 20), 'postgres-visibility': store(o.databases.visibility, 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: o.ip },
      // port 0: no pprof listener
      pprof: { port: 0 },
      ...(o.metricsPort ? { metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `${o.ip}:${o.metricsPort}` } } } : {}),
    },
    services: {
      // no httpPort: the frontend's HTTP API stays off (one port fewer to find free)
      frontend: rpc(ports.frontend),
      history: rpc(ports.history),
      matching: rpc(ports.matching),
      worker: rpc(ports.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `${o.ip}:${o.port}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: o.dynamicConfigFile, pollInterval: '10s' },
  };
}

// Dynamic config (polled every 10 s, so edits apply without a restart). The dev server's
// own defaults that matter to us; everything else stays at the release's defaults.
export const DYNAMIC_CONFIG = `# written by scripts/temporal-server.ts; edits are overwritten at the next start
# the visibility API's per-namespace rate (default 10/s): the API and reports list flows
frontend.namespaceRPS.visibility:
  - value: 100
# eager activity dispatch (off by default): an activity scheduled by a workflow task goes to the
# worker that completed it in the same answer, not through the task queue (as the dev server, scripts/temporal-dev.ts)
system.enableActivityEagerExecution:
  - value: true
# how often a history shard may read its transfer queue (default 20/s: reads 50 ms apart); each
# hop of a flow (a task handed to matching, a child's completion to its parent) waits for one
history.transferProcessorMaxPollRPS:
  - value: 1000
`;

async function waitReady(address: string, child: ChildProcess, logFile: string | undefined, timeoutMs: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    if (exited()) throw new Error(`temporal server exited at start (exit code ${child.exitCode}); see ${logFile ?? 'its output'}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        const r = await conn.healthService.check({});
        if (r.status === 1 /* grpc.health.v1 SERVING */) {
          // answers only once membership has history and matching: a real call
          await conn.workflowService.getSystemInfo({});
          return;
        }
      } finally {
        await conn.close();
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`temporal server did not become ready on ${address}: ${(last as Error)?.message ?? 'not serving'}; see ${logFile ?? 'its output'}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const isCode = (err: unknown, code: number) => (err as { code?: number })?.code === code;
const ALREADY_EXISTS = 6;

/** The namespace and our search attributes; both left alone when already there. */
export async function registerNamespace(address: string, namespace: string, retentionDays: number, timeoutMs = 60_000): Promise<void> {
  const conn = await Connection.connect({ address });
  const KEYWORD = proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  try {
    const deadline = Date.now() + timeoutMs;
    const retry = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await fn();
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 300));
        }
      }
    };
    await retry(`registering namespace ${namespace}`, () =>
      conn.workflowService
        .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(retentionDays * 86_400_000) })
        .catch((err) => {
          if (!isCode(err, ALREADY_EXISTS)) throw err;
        }),
    );
    // the frontend's namespace registry refreshes every few seconds: wait until it has it
    await retry(`namespace ${namespace} visible`, () => conn.workflowService.describeNamespace({ namespace }));
    const present = async () => Object.keys((await conn.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {});
    const have = await retry('listing search attributes', present);
    const toAdd = SEARCH_ATTRIBUTES.map((sa) => sa.name).filter((n) => !have.includes(n));
    if (toAdd.length) {
      await retry('adding search attributes', () =>
        conn.operatorService
          .addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(toAdd.map((n) => [n, KEYWORD])) })
          .catch((err) => {
            if (!isCode(err, ALREADY_EXISTS)) throw err;
          }),
      );
    }
    // usable once a visibility query with them is accepted (the namespace's alias map is cached)
    const probe = SEARCH_ATTRIBUTES.map((sa) => `${sa.name} = 'probe'`).join(' AND ');
    await retry('search attributes usable', () => conn.workflowService.countWorkflowExecutions({ namespace, query: probe }));
  } finally {
    await conn.close();
  }
}

export async function startFullServer(o: FullServerOptions): Promise<FullServer> {
  const ip = o.ip ?? '127.0.0.1';
  const pg = o.pg ?? DEFAULT_PG;
  const databases = o.databases ?? { temporal: 'temporal', visibility: 'temporal_visibility' };
  const retentionDays = Math.min(3, Math.max(1, o.retentionDays ?? 3));
  const say = (msg: string) => o.verbose && process.stderr.write(`temporal-server: ${msg}\n`);

  for (const [svc, p] of Object.entries(serverPorts(o.port))) {
    for (const port of [p.grpcPort, p.membershipPort]) {
      if (!(await portFree(ip, port))) throw new Error(`port ${ip}:${port} (temporal ${svc}) is in use; the full server takes ${o.port}–${o.port + 7}`);
    }
  }
  say(`${TEMPORAL_SERVER_VERSION}: binaries`);
  const bins = await ensureServerBinaries({ quiet: !o.verbose });
  say(`schema in ${databases.temporal}, ${databases.visibility} on ${pg.host}:${pg.port}`);
  await prepareDatabases(bins, databases, pg);

  const root = path.join(o.dataDir, 'temporal-server', o.name ?? databases.temporal);
  const configDir = path.join(root, 'config');
  fs.mkdirSync(configDir, { recursive: true });
  const dynamicConfigFile = path.join(configDir, 'dynamicconfig.yaml');
  fs.writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG);
  const cfg = serverConfig({ ip, port: o.port, databases, pg, historyShards: o.historyShards ?? 4, metricsPort: o.metricsPort, logLevel: o.logLevel ?? 'warn', dynamicConfigFile });
  fs.writeFileSync(path.join(configDir, 'vsaga.yaml'), `# written by scripts/temporal-server.ts at each start\n${JSON.stringify(cfg, null, 2)}\n`);

  if (o.logFile) fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
  const out = o.logFile ? fs.openSync(o.logFile, 'a') : 'ignore';
  const child = spawn(bins.server, ['--root', root, '--config', 'config', '--env', 'vsaga', '--allow-no-auth', 'start'], { stdio: ['ignore', out, out] });
  if (typeof out === 'number') fs.closeSync(out);
  let exited = false;
  child.once('exit', () => (exited = true));
  const address = `${ip}:${o.port}`;
  const stop = () =>
    stopChild(child).then(async () => {
      if (!o.dropOnStop) return;
      await dropDatabases(databases, pg);
      fs.rmSync(root, { recursive: true, force: true });
    });

  try {
    say(`starting on ${address} (ports ${o.port}–${o.port + 7})`);
    await waitReady(address, child, o.logFile, 90_000, () => exited);
    say(`namespace ${o.namespace ?? 'default'} and search attributes`);
    await registerNamespace(address, o.namespace ?? 'default', retentionDays);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { address, uiUrl: null, process: child, databases, configDir, stop };
}
