// Report query time on 1 million records: creates a scratch database (vsaga_bench_<pid>),
// migrates it, inserts BENCH_ROWS face checks and as many verification codes spread over
// the last 120 days, runs the report of GET /v1/reports/verifications (db/reports.ts, the
// very SQL the API runs) for 1/7/30/90-day windows several times, prints p50 / max and the
// EXPLAIN plan's scan nodes, then (for contrast) the 90-day window without the report
// indexes. Drops the database at the end.
//
//   npm run bench:reports                      # or: npx tsx scripts/bench-reports.ts
//   BENCH_ROWS=200000 BENCH_RUNS=5 …           # sizes (defaults 1000000 and 9)
import { Client, Pool } from 'pg';
import { loadConfig } from '../lib/config';
import { migrate } from '../db/migrate';
import { readReport, reportQuery, resolveWindow, type ReportScene } from '../db/reports';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 9);

function adminUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

async function dropDatabase(base: string, name: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl(base) });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const pct = (s: number[], p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;

async function timeReport(pool: Pool, scene: ReportScene, days: number): Promise<{ p50: number; max: number; submissions: number; buckets: number }> {
  const now = new Date();
  const w = days === 90 ? resolveWindow({ from: new Date(now.getTime() - 89 * 86_400_000).toISOString().slice(0, 10) }, now) : resolveWindow({ days }, now);
  const times: number[] = [];
  let submissions = 0;
  let buckets = 0;
  await readReport(pool, scene, w); // warm the cache once
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = await readReport(pool, scene, w);
    times.push(ms(t0));
    submissions = r.totals.submissions;
    buckets = r.series.length;
  }
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), max: times[times.length - 1]!, submissions, buckets };
}

async function plan(pool: Pool, scene: ReportScene, days: number): Promise<string> {
  const now = new Date();
  const w = days === 90 ? resolveWindow({ from: new Date(now.getTime() - 89 * 86_400_000).toISOString().slice(0, 10) }, now) : resolveWindow({ days }, now);
  const q = reportQuery(scene, w);
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.params);
  const lines = rows.map((r) => r['QUERY PLAN']);
  const scans = lines.filter((l) => /Scan|Heap Fetches|Execution Time/.test(l)).map((l) => l.trim().replace(/\s+\(cost=[^)]*\)/, ''));
  return scans.map((l) => `      ${l}`).join('\n');
}

async function main(): Promise<void> {
  const cfg = loadConfig(process.env);
  const name = `vsaga_bench_${process.pid}`;
  const url = new URL(cfg.databaseUrl);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  console.log(`scratch database ${name}; ${ROWS.toLocaleString()} face checks + ${ROWS.toLocaleString()} codes over 120 days`);
  await migrate(dbUrl);
  const pool = new Pool({ connectionString: dbUrl, max: 2 });
  try {
    let t0 = process.hrtime.bigint();
    await pool.query(`INSERT INTO accounts (id) SELECT 'bench-' || g FROM generate_series(0, 999) g`);
    await pool.query(
      `INSERT INTO face_verifications (face_check_id, owner_flow_id, account_id, scene, device_id, request_digest, certify_id, name_enc, id_enc, id_idx, status, created_at)
       SELECT 'bench/' || g, 'real-name:bench-' || (g % 1000), 'bench-' || (g % 1000),
              (ARRAY['personal','personal','personal','rebind_phone','rebind_email'])[1 + (g % 5)],
              'dev', md5(g::text), md5(g::text), 'x', 'x', '\\x00'::bytea,
              (ARRAY['success','success','success','success','success','success','fail','fail','expired','error'])[1 + ((g * 7) % 10)],
              now() - random() * interval '120 days'
       FROM generate_series(1, $1::int) g`,
      [ROWS],
    );
    await pool.query(
      `INSERT INTO verification_codes (request_key, account_id, flow_id, scene, channel, target_idx, code_hash, status, created_at, sent_at, used_at)
       SELECT 'bench/' || g, 'bench-' || (g % 1000), 'bind-phone:bench-' || (g % 1000),
              (ARRAY['bind_phone','bind_email','unbind_phone','unbind_email'])[1 + (g % 4)], 'sms', '\\x00'::bytea, '\\x00'::bytea,
              s.status, s.at, CASE WHEN s.status = 'failed' THEN NULL ELSE s.at END, CASE WHEN s.status = 'used' THEN s.at END
       FROM generate_series(1, $1::int) g,
            LATERAL (SELECT (ARRAY['used','used','used','used','used','superseded','sent','failed'])[1 + ((g * 3) % 8)] AS status,
                            now() - random() * interval '120 days' AS at) s`,
      [ROWS],
    );
    console.log(`inserted in ${(ms(t0) / 1000).toFixed(1)} s`);
    t0 = process.hrtime.bigint();
    await pool.query('VACUUM ANALYZE face_verifications');
    await pool.query('VACUUM ANALYZE verification_codes');
    console.log(`VACUUM ANALYZE in ${(ms(t0) / 1000).toFixed(1)} s\n`);

    for (const scene of ['personal', 'bind_phone'] as ReportScene[]) {
      console.log(`scene ${scene} (${RUNS} runs each, after one warm-up)`);
      for (const days of [1, 7, 30, 90]) {
        const r = await timeReport(pool, scene, days);
        console.log(`  ${String(days).padStart(2)} day(s): p50 ${r.p50.toFixed(1).padStart(7)} ms   max ${r.max.toFixed(1).padStart(7)} ms   (${r.buckets} buckets, ${r.submissions.toLocaleString()} submissions)`);
        console.log(await plan(pool, scene, days));
      }
    }

    console.log('\nfor contrast, without the report indexes (90 days):');
    await pool.query('DROP INDEX face_verifications_scene_created');
    await pool.query('DROP INDEX verification_codes_scene_created');
    for (const scene of ['personal', 'bind_phone'] as ReportScene[]) {
      const r = await timeReport(pool, scene, 90);
      console.log(`  ${scene.padEnd(10)} 90 days: p50 ${r.p50.toFixed(1).padStart(7)} ms   max ${r.max.toFixed(1).padStart(7)} ms`);
      console.log(await plan(pool, scene, 90));
    }
  } finally {
    await pool.end();
    await dropDatabase(cfg.databaseUrl, name);
    console.log(`\ndropped ${name}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
