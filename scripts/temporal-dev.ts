// Runs the Temporal CLI dev server (SQLite, Web UI) as a child process, with our
// search attributes registered and the UI pointed at our codec server. Used by
// `npm start` and by the test suite, so both run on the same real server.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../lib/search-attributes';
import { stopChild } from './stop-child';

export const TEMPORAL_BIN = path.join(__dirname, '..', '.tools', 'bin', 'temporal');

/**
 * The server's dynamic config, as the production engine sets it too (scripts/temporal-server.ts):
 * eager activity dispatch hands an activity scheduled by a workflow task to the worker that
 * completed it, in the same answer, instead of through the task queue (the workers request
 * it; the server only grants it when enabled, and it is off by default).
 */
export const DEV_DYNAMIC_CONFIG: Record<string, unknown> = {
  'system.enableActivityEagerExecution': true,
  // The CLI turns this on so search attributes created while it runs are seen at once: every
  // start, upsert and visibility write then reads the cluster metadata from SQLite again. Ours
  // are all registered at its start (--search-attribute, below) and never change while it runs.
  'system.forceSearchAttributesCacheRefreshOnRead': false,
  // A history shard reads its transfer queue (the tasks that hand a workflow task to matching,
  // a child's completion to its parent, …) at most this often; the default 20/s spaces two
  // reads 50 ms apart, and the dev server has one shard. A completion's answer waits on three
  // such hops (signal → check's task, child → parent, parent's task): 157 → 63 ms here
  // (docs/testing.md, "The transfer queue's read rate").
  'history.transferProcessorMaxPollRPS': 1000,
};

export interface DevServerOptions {
  port: number;
  uiPort?: number; // absent: headless
  dbFile?: string; // absent: in memory
  codecEndpoint?: string;
  ip?: string;
  logFile?: string;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  if (!fs.existsSync(TEMPORAL_BIN)) throw new Error(`${TEMPORAL_BIN} is missing: run bash scripts/ensure-temporal.sh`);
  const ip = o.ip ?? '127.0.0.1';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(o.port), '--log-level', 'warn', '--log-format', 'json'];
  args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');
  for (const [key, value] of Object.entries(DEV_DYNAMIC_CONFIG)) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  // The dev server only knows an update's timeout on long polls; keep defaults.
  if (o.dbFile) {
    fs.mkdirSync(path.dirname(o.dbFile), { recursive: true });
    args.push('--db-filename', o.dbFile);
  }
  if (o.uiPort) {
    args.push('--ui-port', String(o.uiPort), '--ui-ip', ip);
    if (o.codecEndpoint) args.push('--ui-codec-endpoint', o.codecEndpoint);
  } else {
    args.push('--headless');
  }
  for (const sa of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${sa.name}=Keyword`);
  const out = o.logFile ? fs.openSync(o.logFile, 'a') : 'ignore';
  const child = spawn(TEMPORAL_BIN, args, { stdio: ['ignore', out, out], detached: false });
  const address = `${ip}:${o.port}`;

  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`temporal dev server exited at start (exit code ${child.exitCode}); see ${o.logFile ?? 'its output'}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await conn.healthService.check({});
        // the default namespace is registered a moment after the frontend answers
        await conn.workflowService.describeNamespace({ namespace: 'default' });
        break;
      } finally {
        await conn.close();
      }
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`temporal dev server did not become ready on ${address}: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  return {
    address,
    uiUrl: o.uiPort ? `http://${ip}:${o.uiPort}` : null,
    process: child,
    stop: () => stopChild(child, 10_000),
  };
}
