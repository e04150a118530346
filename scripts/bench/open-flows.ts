// The open-flows mode (`npm run bench -- --open-flows N`): what N flows waiting on their users
// cost the system, and what they do to new journeys. Half are bind flows waiting for their code
// (account made in the database, the flow started over the API), half real-name flows waiting for
// the app's face completion (account seeded in the database with a sealed phone and a device, as
// test/support/real-name.ts readyAccount does, the flow started over the API; each hosts its face
// check in its own run). Around the opening it reads the worker's, the API's and the Temporal
// server's RSS (VmRSS now, VmHWM peak) and the worker's sticky cache (the SDK's Prometheus
// metrics), and runs M journeys on the empty system first and M more while the flows wait.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { DEFAULT_REAL_NAME_AGREEMENT, type Config } from '../../lib/config';
import { FieldCrypto } from '../../lib/field-crypto';
import { createPool } from '../../db/pool';
import { contactAad, contactIndex, insertAccount } from '../../db/accounts';
import { upsertDevice } from '../../db/real-name';
import { ApiDriver, JourneyIdentities, META_INFO, randomIdNumber, randomPhone, runJourney, StepError } from './journey';
import { drive, type JourneySet } from './level';
import { peakRssBytes, rssBytes } from './proc';
import { pool } from './stats';
import type { BenchStack, ProcName } from './stack';

/** Lifetimes the bench's own stack runs with in this mode: the flows stay open for hours, and
 *  no code expiry wakes them while the journeys are measured. */
export const OPEN_FLOWS_ENV = { BIND_FLOW_TTL_SEC: '86400', FACE_TOKEN_TTL_SEC: '86400', CODE_TTL_SEC: '3600' } as const;

export interface ProcMemory {
  name: ProcName;
  pid: number;
  rssMb: number | null;
  peakRssMb: number | null;
}

/** The worker's sticky cache as the SDK's metrics show it (null: not exported / not readable). */
export interface StickyCache {
  size: number | null;
  forcedEvictions: number | null;
  hits: number | null;
  misses: number | null;
}

export interface MemorySample {
  label: string;
  procs: ProcMemory[];
  cache: StickyCache;
}

export interface OpenFlowsResult {
  requested: number;
  bindFlows: number;
  realNameFlows: number;
  /** workflows left running: one a flow (a real-name run hosts its face check) */
  workflowsOpen: number;
  openConcurrency: number;
  /** database seeding of the accounts (not timed as opening) */
  seedSec: number;
  /** the flows' starts over the API */
  openSec: number;
  flowsPerSec: number;
  failures: string[];
  lifetimes: { bindFlowTtlSec: number; faceTokenTtlSec: number; codeTtlSec: number | null };
  /** maxCachedWorkflows: what the worker sets, and where from */
  cacheMax: { value: number; source: string };
  memory: MemorySample[];
  empty: JourneySet;
  loaded: JourneySet;
  /** what became of the opened flows */
  cleanup: string;
}

export interface OpenFlowsOptions {
  flows: number;
  openConcurrency: number;
  journeys: number;
  concurrency: number;
  /** cancel the opened flows at the end (a server that outlives the bench) */
  cancel: boolean;
  log: (line: string) => void;
}

function procMemory(pids: BenchStack['pids']): ProcMemory[] {
  const out: ProcMemory[] = [];
  for (const name of ['worker', 'temporal', 'api'] as const) {
    const pid = pids[name];
    if (pid === null) continue;
    const rss = rssBytes(pid);
    const peak = peakRssBytes(pid);
    out.push({ name, pid, rssMb: rss === null ? null : rss / 2 ** 20, peakRssMb: peak === null ? null : peak / 2 ** 20 });
  }
  return out;
}

/** Sum of a metric's samples in Prometheus text (counters may carry a _total suffix). */
function metricSum(text: string, name: string): number | null {
  const re = new RegExp(`^(?:temporal_)?${name}(?:_total)?(?:\\{[^}]*\\})?\\s+([0-9.eE+-]+)`, 'gm');
  let sum: number | null = null;
  for (const m of text.matchAll(re)) sum = (sum ?? 0) + Number(m[1]);
  return sum;
}

export async function stickyCache(metricsUrl: string | null): Promise<StickyCache> {
  const none = { size: null, forcedEvictions: null, hits: null, misses: null };
  if (!metricsUrl) return none;
  const text = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) })
    .then((r) => (r.ok ? r.text() : ''))
    .catch(() => '');
  const size = metricSum(text, 'sticky_cache_size');
  if (size === null) return none;
  // a counter shows only once something was counted: with the gauge there, absent is 0
  const counter = (name: string) => metricSum(text, name) ?? 0;
  return { size, forcedEvictions: counter('sticky_cache_total_forced_eviction'), hits: counter('sticky_cache_hit'), misses: counter('sticky_cache_miss') };
}

const sample = async (label: string, stack: BenchStack): Promise<MemorySample> => ({ label, procs: procMemory(stack.pids), cache: await stickyCache(stack.workerMetricsUrl) });

interface Opened {
  workflowIds: string[];
  failures: string[];
}

/** Accounts in the database: bind ones bare, real-name ones with a sealed phone and a device. */
async function seedAccounts(db: Pool, fc: FieldCrypto, ids: string[], realName: Set<string>, concurrency: number): Promise<void> {
  await pool(ids.length, concurrency, async (i) => {
    const id = ids[i]!;
    await insertAccount(db, id);
    if (!realName.has(id)) return;
    const phone = randomPhone();
    await db.query('UPDATE accounts SET phone_enc = $2, phone_idx = $3 WHERE id = $1', [id, fc.encrypt(phone, contactAad('phone', id)), contactIndex(fc, 'phone', phone)]);
    await upsertDevice(db, fc, { accountId: id, deviceId: `app-${id}`, metaInfo: META_INFO, platform: 'android', ip: '198.18.0.1', userAgent: 'GongLunApp/4.0.8 (Android 14)' });
  });
}

async function openFlows(api: ApiDriver, who: { accountId: string; ip: string }[], realName: Set<string>, concurrency: number, log: (l: string) => void): Promise<Opened> {
  const workflowIds: string[] = [];
  const failures: string[] = [];
  const idNumbers = new Set<string>();
  let done = 0;
  const every = Math.max(100, Math.ceil(who.length / 10));
  await pool(who.length, concurrency, async (i) => {
    const { accountId: id, ip } = who[i]!;
    const client = { ip, userAgent: 'GongLunApp/4.0.8 (Android 14)', fingerprint: `dev-${id}` };
    try {
      if (realName.has(id)) {
        let idNumber = randomIdNumber();
        while (idNumbers.has(idNumber)) idNumber = randomIdNumber();
        idNumbers.add(idNumber);
        const started = await api.call('open real-name', 'POST', `/v1/accounts/${id}/real-name`, { realName: '张三', idNumber, deviceId: `app-${id}`, environmentSafe: true, agreement: DEFAULT_REAL_NAME_AGREEMENT, client }, [201]);
        workflowIds.push(started.flow.flowId as string);
      } else {
        await api.call('open bind', 'POST', `/v1/accounts/${id}/phone/bind`, { phone: randomPhone(), client }, [201]);
        workflowIds.push(`bind-phone:${id}`);
      }
    } catch (err) {
      failures.push(err instanceof StepError ? err.message : String(err));
    }
    if (++done % every === 0) log(`    ${done} / ${who.length} opened`);
  });
  return { workflowIds, failures };
}

export async function runOpenFlows(stack: BenchStack, client: Client, api: ApiDriver, ids: JourneyIdentities, o: OpenFlowsOptions): Promise<OpenFlowsResult> {
  const cfg: Config = stack.cfg;
  const journeys = () => drive(o.journeys, o.concurrency, () => runJourney(api, ids.next(), { rebind: false }));

  o.log(`  ${o.journeys} journeys at concurrency ${o.concurrency} on the empty system…`);
  const empty = (await journeys()).set;
  const memory: MemorySample[] = [await sample('before opening', stack)];

  const realNameCount = Math.floor(o.flows / 2);
  const tag = randomBytes(3).toString('hex');
  const who = Array.from({ length: o.flows }, () => ids.next(`bench-open-${tag}`));
  // alternate the kinds, so both open at the same pace
  const realName = new Set(who.filter((_, i) => i % 2 === 1).map((w) => w.accountId));
  o.log(`  seeding ${o.flows} accounts (${realNameCount} with a phone and a device)…`);
  const db = createPool(cfg.databaseUrl, { max: 16, prepare: cfg.databasePreparedStatements });
  let seedSec: number;
  try {
    const s0 = performance.now();
    await seedAccounts(db, new FieldCrypto(cfg.crypto), who.map((w) => w.accountId), realName, 16);
    seedSec = (performance.now() - s0) / 1000;
  } finally {
    await db.end();
  }

  o.log(`  opening ${o.flows} flows (${o.flows - realNameCount} bind, ${realNameCount} real-name) at concurrency ${o.openConcurrency}…`);
  const t0 = performance.now();
  const opened = await openFlows(api, who, realName, o.openConcurrency, o.log);
  const openSec = (performance.now() - t0) / 1000;
  o.log(`    ${opened.workflowIds.length} opened in ${openSec.toFixed(1)} s, ${opened.failures.length} failures`);
  memory.push(await sample('after opening', stack));

  o.log(`  ${o.journeys} journeys at concurrency ${o.concurrency} while they wait…`);
  const loaded = (await journeys()).set;
  memory.push(await sample(`after ${o.journeys} journeys`, stack));

  let cleanup: string;
  if (o.cancel) {
    o.log(`  cancelling the ${opened.workflowIds.length} opened flows…`);
    const c0 = performance.now();
    let failed = 0;
    await pool(opened.workflowIds.length, 16, async (i) => {
      await client.workflow
        .getHandle(opened.workflowIds[i]!)
        .cancel()
        .catch(() => failed++);
    });
    cleanup = `cancelled (${opened.workflowIds.length - failed} requests accepted, ${failed} refused) in ${((performance.now() - c0) / 1000).toFixed(1)} s`;
  } else {
    cleanup = "left open: the bench's own Temporal server, database and Redis prefix are removed with its stack";
  }
  const bindOpened = opened.workflowIds.filter((w) => w.startsWith('bind-phone:')).length;
  const rnOpened = opened.workflowIds.length - bindOpened;
  return {
    requested: o.flows,
    bindFlows: bindOpened,
    realNameFlows: rnOpened,
    workflowsOpen: bindOpened + rnOpened,
    openConcurrency: o.openConcurrency,
    seedSec,
    openSec,
    flowsPerSec: opened.workflowIds.length / openSec,
    failures: opened.failures,
    lifetimes: { bindFlowTtlSec: cfg.flows.bindFlowTtlSec, faceTokenTtlSec: cfg.realName.faceTokenTtlSec, codeTtlSec: cfg.flows.codeTtlOverrideSec ?? null },
    cacheMax: { value: cfg.worker.maxCachedWorkflows, source: 'WORKER_MAX_CACHED_WORKFLOWS (worker/worker.ts)' },
    memory,
    empty,
    loaded,
    cleanup,
  };
}
