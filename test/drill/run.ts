// The fault drill: the journeys of ./journeys.ts on a stack of their own (Postgres
// cluster, Redis, worker processes; the suite's Temporal dev server) while worker
// processes are killed with SIGKILL at random moments and Redis and Postgres are each
// restarted once; then the audit of ./audit.ts.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { contactAad, contactIndex } from '../../db/accounts';
import { metaInfo } from '../support/real-name';
import { startStack, uniqueAccountId, uniqueEmail, uniquePhone, type Stack } from '../support/stack';
import { audit, renderTable, SESSIONS_PER_ACCOUNT, START_QUOTA, type AuditResult } from './audit';
import { DrillClient, sleep } from './client';
import { planRebinds, runJourney, type Journal, type JourneyEnv } from './journeys';
import { startPostgres, startRedis } from './services';
import { WorkerPool } from './workers';

const ROOT = path.join(__dirname, '..', '..');

export interface DrillOptions {
  journeys: number;
  /** journeys running at once */
  concurrency: number;
  seed: number;
  workers: number;
  /** rebinds per journey after its real-name verification */
  rebinds: number;
  /** the pause between two worker kills, drawn from [min, max] ms */
  killEveryMs: [number, number];
  log(line: string): void;
}

export interface DrillReport {
  seed: number;
  journeys: number;
  seconds: number;
  kills: number;
  restarts: { redis: number; postgres: number };
  calls: number;
  repeatedCalls: number;
  /** how the attempts ended, as the journeys saw it */
  outcomes: Record<string, number>;
  audit: AuditResult;
  /** errors of the drill itself (not findings about the service) */
  errors: string[];
}

/** A small seeded generator (mulberry32): the same seed draws the same journeys and faults. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runDrill(o: DrillOptions): Promise<DrillReport> {
  const started = Date.now();
  const rand = seeded(o.seed);
  const between = ([lo, hi]: [number, number]) => lo + Math.floor(rand() * (hi - lo));
  const pg = await startPostgres();
  const redis = await startRedis();
  let stack: Stack | null = null;
  let workers: WorkerPool | null = null;
  try {
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'db', 'migrate.ts')], { env: { ...process.env, DATABASE_URL: pg.url }, stdio: 'pipe' });
    stack = await startStack({
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'drill:',
      CODE_RESEND_GAP_SEC: '0',
      // the journeys all come from one address; the per-IP oracle limits are the model test's
      REAL_NAME_STARTS_PER_IP_PER_DAY: '100000',
      CONTACT_CHECKS_PER_IP_PER_DAY: '100000',
    });
    await stack.stopWorker();
    workers = new WorkerPool(stack.env, o.workers);
    await workers.startAll();
    o.log(`drill: seed ${o.seed}, ${o.journeys} journeys (${o.concurrency} at once), ${o.workers} worker processes`);

    // every other account has no email yet and binds one first
    const journals = await Promise.all(Array.from({ length: o.journeys }, (_, i) => seedAccount(stack!, i % 2 === 0)));
    const api = new DrillClient(stack.baseUrl);
    const env: JourneyEnv = {
      api,
      sms: stack.sms,
      smtp: stack.smtp,
      noticeTemplate: stack.cfg.sms.templates.rebind_notice,
      stepMs: 240_000,
      deviceId: (id, d) => `${id}-${d}`,
    };
    const plans = journals.map(() => planRebinds(rand, o.rebinds));
    const errors: string[] = [];

    let done = false;
    const restarts = { redis: 0, postgres: 0 };
    const pool = workers;
    const chaos = (async () => {
      const restarting: Promise<void>[] = [];
      // A killed worker is started again, a few times if it cannot start (its first start may
      // meet Postgres or Redis mid-restart); a slow return is logged, since it spaces the kills.
      const restart = async (i: number) => {
        const since = Date.now();
        for (let attempt = 1; ; attempt++) {
          try {
            await pool.start(i);
            break;
          } catch (err) {
            if (attempt >= 3) throw err;
            o.log(`drill: worker ${i} did not start (attempt ${attempt}): ${String(err instanceof Error ? err.message : err).split('\n')[0]}`);
            await sleep(1_000);
          }
        }
        const ms = Date.now() - since;
        if (ms > 5_000) o.log(`drill: worker ${i} took ${ms} ms to come back`);
      };
      while (!done) {
        // one worker at a time is down, the other keeps the flows going: the pause before the
        // next kill starts once the last one killed is back
        while (!done && pool.live().length < pool.size) await sleep(100);
        await sleep(between(o.killEveryMs));
        if (done) break;
        const live = pool.live();
        if (live.length < pool.size) continue;
        const i = live[Math.floor(rand() * live.length)]!;
        await pool.kill(i);
        o.log(`drill: ${new Date().toISOString()} killed worker ${i} (${pool.kills} kills)`);
        restarting.push(sleep(between([200, 1_000])).then(() => restart(i)));
        if (restarts.redis === 0) {
          await redis.restart();
          restarts.redis += 1;
          o.log(`drill: ${new Date().toISOString()} restarted Redis`);
        } else if (restarts.postgres === 0) {
          await pg.restart();
          restarts.postgres += 1;
          o.log(`drill: ${new Date().toISOString()} restarted Postgres (immediate stop)`);
        }
      }
      await Promise.all(restarting);
    })();

    let next = 0;
    let finished = 0;
    const lane = async () => {
      while (next < journals.length) {
        const i = next++;
        try {
          await runJourney(env, journals[i]!, plans[i]!);
        } catch (err) {
          errors.push(`${journals[i]!.accountId}: ${err instanceof Error ? err.stack : String(err)}`);
        }
        finished += 1;
        if (finished % Math.max(1, Math.floor(journals.length / 10)) === 0) o.log(`drill: ${finished}/${journals.length} journeys done`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency, journals.length) }, lane));
    done = true;
    await chaos;

    await settle(stack);
    const result = await audit(
      {
        pool: stack.deps.pool,
        sms: stack.sms,
        smtp: stack.smtp,
        noticeTemplate: env.noticeTemplate,
        contacts: async (id) => (await api.call('GET', `/v1/accounts/${id}?unmasked=true`, undefined, Date.now() + 60_000)).body.account,
      },
      journals,
    );
    const outcomes: Record<string, number> = {};
    for (const a of journals.flatMap((j) => j.attempts)) {
      const k = `${a.what}: ${String(a.outcome).replace(/(gave up: [^:]+).*/, '$1')}`;
      outcomes[k] = (outcomes[k] ?? 0) + 1;
    }
    return {
      seed: o.seed,
      journeys: o.journeys,
      seconds: Math.round((Date.now() - started) / 1000),
      kills: pool.kills,
      restarts,
      calls: api.stats.calls,
      repeatedCalls: api.stats.repeated,
      outcomes,
      audit: result,
      errors,
    };
  } finally {
    await workers?.stopAll();
    await stack?.close().catch(() => undefined);
    await redis.stop();
    await pg.stop();
  }
}

/** A drill account: a phone (and an email) bound, both face devices, three sessions, quota to spare. */
async function seedAccount(stack: Stack, withEmail: boolean): Promise<Journal> {
  const id = uniqueAccountId('drill');
  const phone = uniquePhone();
  const email = withEmail ? uniqueEmail() : null;
  const fc = stack.deps.fieldCrypto;
  await stack.deps.pool.query(
    'INSERT INTO accounts (id, phone_enc, phone_idx, email_enc, email_idx, contact_version, face_number) VALUES ($1, $2, $3, $4, $5, 1, $6)',
    [id, fc.encrypt(phone, contactAad('phone', id)), contactIndex(fc, 'phone', phone), email && fc.encrypt(email, contactAad('email', id)), email && contactIndex(fc, 'email', email), START_QUOTA.purchased],
  );
  const api = new DrillClient(stack.baseUrl);
  const until = Date.now() + 60_000;
  for (const d of ['ok', 'fail'] as const) {
    const r = await api.call('PUT', `/v1/accounts/${id}/devices/${id}-${d}`, { metaInfo: metaInfo(d === 'fail' ? 'fail' : undefined), platform: 'android' }, until);
    if (r.status !== 201) throw new Error(`device not registered: ${r.status} ${JSON.stringify(r.body)}`);
  }
  for (let s = 0; s < SESSIONS_PER_ACCOUNT; s++) {
    const r = await api.call('POST', `/v1/accounts/${id}/sessions`, { sessionId: `${id}-s${s}` }, until);
    if (r.status !== 201) throw new Error(`session not registered: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return { accountId: id, initial: { phone, email }, attempts: [], verifiedAcked: false, faceVerdicts: 0, codesAcked: 0, codesLost: 0 };
}

/** Waits until the queued notices are out and the inboxes stop changing. */
async function settle(stack: Stack): Promise<void> {
  const deadline = Date.now() + 180_000;
  let last = '';
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const { rows } = await stack.deps.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM message_log WHERE status = 'pending' AND kind = 'notice'");
    const now = `${rows[0]!.n}/${stack.sms.messages().length}/${stack.smtp.messages().length}`;
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (rows[0]!.n === 0 && Date.now() - stableSince > 5_000) {
      return;
    }
    await sleep(500);
  }
}

export function printReport(r: DrillReport, log: (line: string) => void): void {
  log(`drill: seed ${r.seed}, ${r.journeys} journeys in ${r.seconds} s; ${r.kills} worker kills (SIGKILL), Redis restarted ${r.restarts.redis}×, Postgres restarted ${r.restarts.postgres}×; ${r.calls} API calls, ${r.repeatedCalls} repeated after a fault`);
  log(renderTable(r.audit));
  const lost = Object.values(r.audit.table).reduce((n, c) => n + c.lost, 0);
  const dup = Object.values(r.audit.table).reduce((n, c) => n + c.duplicated, 0);
  log(`drill: ${lost} lost, ${dup} duplicated; ${r.audit.redelivered} mails redelivered with the Message-ID of one already delivered (SMTP is at least once)`);
  for (const f of r.audit.findings) log(`  finding: ${f}`);
  log('drill: how the attempts ended');
  for (const [k, n] of Object.entries(r.outcomes).sort()) log(`  ${String(n).padStart(4)}  ${k}`);
  for (const e of r.errors) log(`  drill error: ${e}`);
}
