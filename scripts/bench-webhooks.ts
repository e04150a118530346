// Webhook end-to-end latency: from the recordCallback activity being called (the event
// is written to callback_events and the dispatcher signalled) to a receiver holding the
// verified POST. Prints p50 / p95 / max for events one at a time and for a burst.
//
//   npm run bench:webhooks                       # in-process: own Temporal dev server, database, worker, API
//   npm run bench:webhooks -- --running          # against `npm start` (its API, database and worker)
//   BENCH_EVENTS=200 BENCH_ACCOUNTS=20 …         # sizes (defaults 50 and 10)
import { randomUUID } from 'node:crypto';
import { createActivities } from '../flows/activities';
import { loadConfig } from '../lib/config';
import { migrate } from '../db/migrate';
import { localDatabaseUrl } from '../db/local-url';
import { createActivityDeps } from '../worker/deps';
import { startDevServer, type DevServer } from './temporal-dev';
import { startReceiver, type Receiver } from '../test/support/webhook-receiver';
import { freePort } from './ports';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 50);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 10);

type Record = (accountId: string, n: number) => Promise<void>;

interface Target {
  baseUrl: string;
  apiKey: string;
  record: Record;
  close(): Promise<void>;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(label: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const f = (n: number) => `${n.toFixed(1)} ms`.padStart(10);
  return `${label.padEnd(34)} n=${String(s.length).padEnd(4)} p50 ${f(pct(s, 50))}   p95 ${f(pct(s, 95))}   max ${f(s[s.length - 1]!)}`;
}

async function waitDelivered(receiver: Receiver, path: string, key: string, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = receiver.received.find((x) => x.path === path && `${x.body.accountId}#${x.body.data.n}` === key && x.status < 300);
    if (r) return r.at;
    if (Date.now() > deadline) throw new Error(`event ${key} not delivered within ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 2));
  }
}

async function measure(t: Target): Promise<void> {
  const receiver = await startReceiver();
  const path = `/bench/${randomUUID()}`;
  const res = await fetch(`${t.baseUrl}/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url(path), eventTypes: ['*'], description: 'bench-webhooks' }),
  });
  const created = (await res.json()) as { subscriber: { id: string }; secret: string };
  if (res.status !== 201) throw new Error(`creating the subscriber answered ${res.status}: ${JSON.stringify(created)}`);
  receiver.secrets.set(path, created.secret);
  const run = randomUUID().slice(0, 8);
  try {
    // warm-up: first dispatcher start, connections, JIT
    await t.record(`bench-${run}-warm`, 0);
    await waitDelivered(receiver, path, `bench-${run}-warm#0`);

    // 1. one at a time, each on a fresh account (dispatcher started by signal-with-start)
    const cold: number[] = [];
    for (let n = 0; n < EVENTS; n++) {
      const acct = `bench-${run}-c${n}`;
      const t0 = Date.now();
      await t.record(acct, n);
      cold.push((await waitDelivered(receiver, path, `${acct}#${n}`)) - t0);
    }
    // 2. one at a time on one account (its dispatcher already running: a signal)
    const warm: number[] = [];
    for (let n = 0; n < EVENTS; n++) {
      const acct = `bench-${run}-w`;
      const t0 = Date.now();
      await t.record(acct, n);
      warm.push((await waitDelivered(receiver, path, `${acct}#${n}`)) - t0);
    }
    // 3. a burst: EVENTS events over ACCOUNTS accounts, all recorded at once
    const started = new Map<string, number>();
    await Promise.all(
      Array.from({ length: EVENTS }, async (_, n) => {
        const acct = `bench-${run}-b${n % ACCOUNTS}`;
        started.set(`${acct}#${n}`, Date.now());
        await t.record(acct, n);
      }),
    );
    const burst = await Promise.all([...started].map(async ([key, t0]) => (await waitDelivered(receiver, path, key)) - t0));
    const unverified = receiver.received.filter((r) => r.path === path && !r.verified).length;

    console.log(`\nwebhook latency, recordCallback called → verified POST received (${EVENTS} events each)`);
    console.log(summary('sequential, new account each', cold));
    console.log(summary('sequential, same account', warm));
    console.log(summary(`burst over ${ACCOUNTS} accounts`, burst));
    console.log(`unverified signatures: ${unverified}\n`);
  } finally {
    await fetch(`${t.baseUrl}/v1/webhooks/${created.subscriber.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.apiKey}` } });
    await receiver.close();
  }
}

function recorder(deps: ReturnType<typeof createActivityDeps>): Record {
  const acts = createActivities(deps);
  return (accountId, n) => acts.recordCallback({ flowId: `bench-${n}:${accountId}`, accountId, type: 'phone.bound', payload: { accountId, n } });
}

async function running(): Promise<Target> {
  const cfg = loadConfig();
  const deps = createActivityDeps(cfg);
  return {
    baseUrl: `http://${cfg.api.host}:${cfg.api.port}`,
    apiKey: process.env.BENCH_API_KEY ?? cfg.api.keys[0]!.secret,
    record: recorder(deps),
    close: () => deps.close(),
  };
}

async function inProcess(): Promise<Target> {
  let server: DevServer | null = await startDevServer({ port: await freePort() });
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? (await localDatabaseUrl(`vsaga_bench_${process.pid}`));
  await migrate(databaseUrl);
  Object.assign(process.env, {
    TEMPORAL_ADDRESS: server.address,
    DATABASE_URL: databaseUrl,
    REDIS_KEY_PREFIX: `vsaga-bench:${process.pid}:`,
    VSAGA_ENV: 'test',
    VSAGA_LOG_LEVEL: 'silent',
  });
  // the test stack: real worker, API, sandboxes, over the database just migrated
  const { startStack, API_KEY } = await import('../test/support/stack');
  const stack = await startStack();
  return {
    baseUrl: stack.baseUrl,
    apiKey: API_KEY,
    record: recorder(stack.deps),
    async close() {
      await stack.close();
      await server?.stop();
      server = null;
      if (!process.env.BENCH_DATABASE_URL) {
        const { Client } = await import('pg');
        const u = new URL(databaseUrl);
        u.pathname = '/postgres';
        const admin = new Client({ connectionString: u.toString() });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS "${new URL(databaseUrl).pathname.slice(1)}" WITH (FORCE)`);
        await admin.end();
      }
    },
  };
}

async function main() {
  const target = process.argv.includes('--running') ? await running() : await inProcess();
  try {
    await measure(target);
  } finally {
    await target.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
