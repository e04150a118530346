// Reports (seed 001's 数据报表): per scene, submissions, passes, failures and pass rate over a
// window, grouped by hour for a one-day window and by day otherwise, on the China calendar
// (Asia/Shanghai). Counted in Postgres from the records themselves (face_verifications,
// verification_codes) through the (scene, created_at) INCLUDE (…) indexes of migration
// 1732300000004_reports.sql; empty buckets are filled in by generate_series.
//
// What is counted (a record falls in the bucket of its created_at):
// - face scenes (personal, rebind_phone, rebind_email, recovery, reset_security, unfreeze,
//   cancellation), one face_verifications row
//   per face check, i.e. per certifyId issued for a complete submission (name, ID number,
//   device): submission = every row; pass = status success; failure = fail, expired (the
//   user never completed in time) or error (the provider gave no verdict); rows still
//   'wait' are submissions that are neither yet (pending).
// - code scenes (bind_phone, bind_email, unbind_phone, unbind_email), one verification_codes
//   row per code: submission = a code delivered (status sent, used or superseded; a code
//   the gateway refused, or still being sent, never reached the user and is not counted);
//   pass = used (a submission consumed it); failure = superseded by a resend, or still
//   'sent' past its lifetime (expired unused); a live unused code is pending.
// passRate = passes / submissions (4 decimals), null when there were no submissions.
//
// Face scenes are also broken down by provider (face_verifications.provider: who issued the
// certifyId, after any failover) over the whole window: one row per known provider, zeros
// for one that issued nothing, so a scene switched from one provider to another shows both.
import type { Pool, PoolClient } from 'pg';
import { SCENES, type Scene as CodeScene } from '../lib/scenes';
import { FACE_PROVIDERS, isFaceProviderName, type FaceProviderName } from '../lib/face-providers';
import type { FaceScene } from '../flows/face-check/contract';

export const FACE_REPORT_SCENES = ['personal', 'rebind_phone', 'rebind_email', 'recovery', 'reset_security', 'unfreeze', 'cancellation'] as const satisfies readonly FaceScene[];
export const CODE_REPORT_SCENES = ['bind_phone', 'bind_email', 'unbind_phone', 'unbind_email', 'recover_account', 'unfreeze_account', 'cancel_account', 'update_password', 'security_check'] as const satisfies readonly CodeScene[];
export const REPORT_SCENES = [...FACE_REPORT_SCENES, ...CODE_REPORT_SCENES] as const;
export type ReportScene = (typeof REPORT_SCENES)[number];
export const REPORT_DAYS = [1, 7, 30] as const;
export const MAX_WINDOW_DAYS = 90;
export type Granularity = 'hour' | 'day';

export function isReportScene(s: string): s is ReportScene {
  return (REPORT_SCENES as readonly string[]).includes(s);
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SHANGHAI_OFFSET = 8 * HOUR; // no daylight saving in China since 1991

export interface ReportWindow {
  from: Date;
  /** exclusive */
  to: Date;
  granularity: Granularity;
  /** the asked window was longer than 90 days and was cut to 90 from its start */
  clamped: boolean;
}

export class WindowError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Shanghai midnight of the calendar day holding t. */
function shanghaiMidnight(t: number): number {
  return Math.floor((t + SHANGHAI_OFFSET) / DAY) * DAY - SHANGHAI_OFFSET;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A date (a Shanghai calendar day) or a date-time with its offset. */
function parseBound(name: 'from' | 'to', s: string): { at: number; dateOnly: boolean } {
  const d = DATE_ONLY.exec(s);
  if (d) {
    const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
    const utc = Date.UTC(y, m - 1, day);
    const back = new Date(utc);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== day) throw new WindowError(`${name} is not a calendar date`);
    return { at: utc - SHANGHAI_OFFSET, dateOnly: true };
  }
  if (DATE_TIME.test(s)) {
    const at = Date.parse(s);
    if (Number.isFinite(at)) return { at, dateOnly: false };
  }
  throw new WindowError(`${name} must be an ISO date (YYYY-MM-DD, a Shanghai calendar day) or date-time with offset`);
}

/**
 * The window of a report request:
 * - days=1: the 24 hours ending with the current hour, by hour;
 * - days=7|30: the last 7|30 Shanghai calendar days including today, by day;
 * - from[/to]: from a date's Shanghai midnight (or a date-time) to the end of `to`'s day
 *   (a date is inclusive; a date-time is an exclusive instant; no `to` = end of today);
 *   longer than 90 days → cut to 90 days from `from` (the seed moves the other end);
 *   by hour when it spans at most one day, by day otherwise;
 * - nothing: days=7 (the seed's default view).
 */
export function resolveWindow(q: { days?: number; from?: string; to?: string }, now: Date = new Date()): ReportWindow {
  if (q.days !== undefined && (q.from !== undefined || q.to !== undefined)) throw new WindowError('give either days or from/to, not both');
  if (q.from === undefined && q.to !== undefined) throw new WindowError('to needs from');
  const t = now.getTime();
  if (q.from === undefined) {
    const days = q.days ?? 7;
    if (!(REPORT_DAYS as readonly number[]).includes(days)) throw new WindowError('days is 1, 7 or 30');
    if (days === 1) {
      const end = Math.floor(t / HOUR) * HOUR + HOUR;
      return { from: new Date(end - DAY), to: new Date(end), granularity: 'hour', clamped: false };
    }
    const end = shanghaiMidnight(t) + DAY;
    return { from: new Date(end - days * DAY), to: new Date(end), granularity: 'day', clamped: false };
  }
  const from = parseBound('from', q.from).at;
  let to: number;
  if (q.to === undefined) to = shanghaiMidnight(t) + DAY;
  else {
    const b = parseBound('to', q.to);
    to = b.dateOnly ? b.at + DAY : b.at;
  }
  if (to <= from) throw new WindowError('from must be before to');
  const clamped = to - from > MAX_WINDOW_DAYS * DAY;
  if (clamped) to = from + MAX_WINDOW_DAYS * DAY;
  return { from: new Date(from), to: new Date(to), granularity: to - from <= DAY ? 'hour' : 'day', clamped };
}

export interface ReportRow {
  submissions: number;
  passes: number;
  failures: number;
  pending: number;
  passRate: number | null;
}
export interface ReportBucket extends ReportRow {
  /** the bucket's start, Shanghai local time with its offset, e.g. 2026-11-22T13:00:00+08:00 */
  bucket: string;
}
export interface ProviderRow extends ReportRow {
  provider: FaceProviderName;
}
export interface Report {
  scene: ReportScene;
  window: { from: string; to: string; granularity: Granularity; timezone: 'Asia/Shanghai'; clamped: boolean };
  totals: ReportRow;
  series: ReportBucket[];
  /** face scenes only: the window's totals per provider, in FACE_PROVIDERS' order */
  byProvider?: ProviderRow[];
}

// Buckets are binned on timestamptz with date_bin from a Shanghai midnight: exact for
// Asia/Shanghai (a fixed +08:00 since 1991, no daylight saving) and 2–3× cheaper per row
// than date_trunc over AT TIME ZONE (measured by scripts/bench-reports.ts).
const ORIGIN = "TIMESTAMPTZ '2000-01-01 00:00:00+08'";

// $1 scene, $2 from, $3 to (exclusive), $4 the bucket interval ('1 hour' | '1 day'); the
// record query yields (start, submissions, passes, failures) for rows in [from, to).
const FACE_COUNTS = `
  SELECT date_bin($4::interval, created_at, ${ORIGIN}) AS start,
         count(*) AS submissions,
         count(*) FILTER (WHERE status = 'success') AS passes,
         count(*) FILTER (WHERE status IN ('fail', 'expired', 'error')) AS failures
  FROM face_verifications
  WHERE scene = $1 AND created_at >= $2 AND created_at < $3
  GROUP BY 1`;

// $5: the scene's code lifetime in seconds (a 'sent' code older than that expired unused).
const CODE_COUNTS = `
  SELECT date_bin($4::interval, created_at, ${ORIGIN}) AS start,
         count(*) AS submissions,
         count(*) FILTER (WHERE status = 'used') AS passes,
         count(*) FILTER (WHERE status = 'superseded' OR (status = 'sent' AND sent_at < now() - make_interval(secs => $5))) AS failures
  FROM verification_codes
  WHERE scene = $1 AND created_at >= $2 AND created_at < $3 AND status IN ('sent', 'used', 'superseded')
  GROUP BY 1`;

const withBuckets = (counts: string) => `
WITH counts AS (${counts}),
buckets AS (
  SELECT g AS start
  FROM generate_series(date_bin($4::interval, $2::timestamptz, ${ORIGIN}), $3::timestamptz - interval '1 microsecond', $4::interval) AS g
)
SELECT to_char(b.start AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS') || '+08:00' AS bucket,
       COALESCE(c.submissions, 0) AS submissions, COALESCE(c.passes, 0) AS passes, COALESCE(c.failures, 0) AS failures
FROM buckets b LEFT JOIN counts c USING (start)
ORDER BY b.start`;

export const FACE_REPORT_SQL = withBuckets(FACE_COUNTS);

// $1 scene, $2 from, $3 to (exclusive): the same counts per provider over the whole window.
// provider is not in the scene's index, so this one reads the table (docs/reports.md#speed).
export const FACE_PROVIDER_SQL = `
  SELECT provider,
         count(*) AS submissions,
         count(*) FILTER (WHERE status = 'success') AS passes,
         count(*) FILTER (WHERE status IN ('fail', 'expired', 'error')) AS failures
  FROM face_verifications
  WHERE scene = $1 AND created_at >= $2 AND created_at < $3
  GROUP BY provider`;
export const CODE_REPORT_SQL = withBuckets(CODE_COUNTS);

const rate = (passes: number, submissions: number) => (submissions ? Math.round((passes / submissions) * 10_000) / 10_000 : null);
const row = (submissions: number, passes: number, failures: number): ReportRow => ({
  submissions,
  passes,
  failures,
  pending: submissions - passes - failures,
  passRate: rate(passes, submissions),
});

/** The SQL and parameters of one report (the benchmark EXPLAINs the same). */
export function reportQuery(scene: ReportScene, w: ReportWindow): { sql: string; params: unknown[] } {
  const base = [scene, w.from, w.to, `1 ${w.granularity}`];
  if ((FACE_REPORT_SCENES as readonly string[]).includes(scene)) return { sql: FACE_REPORT_SQL, params: base };
  return { sql: CODE_REPORT_SQL, params: [...base, SCENES[scene as CodeScene].lifetimeSec] };
}

type Counts = { submissions: string; passes: string; failures: string };

/** One row per known provider from the per-provider counts (zeros where none issued). */
function providerRows(counts: (Counts & { provider: string })[]): ProviderRow[] {
  const by = new Map(counts.filter((c) => isFaceProviderName(c.provider)).map((c) => [c.provider, c]));
  return FACE_PROVIDERS.map((provider) => {
    const c = by.get(provider);
    return { provider, ...row(Number(c?.submissions ?? 0), Number(c?.passes ?? 0), Number(c?.failures ?? 0)) };
  });
}

export async function readReport(db: Pool | PoolClient, scene: ReportScene, w: ReportWindow): Promise<Report> {
  const q = reportQuery(scene, w);
  const face = (FACE_REPORT_SCENES as readonly string[]).includes(scene);
  // one after the other: db may be a single client, which takes one query at a time
  const { rows } = await db.query<Counts & { bucket: string }>(q.sql, q.params);
  const providers = face ? await db.query<Counts & { provider: string }>(FACE_PROVIDER_SQL, [scene, w.from, w.to]) : null;
  const series = rows.map((r) => ({ bucket: r.bucket, ...row(Number(r.submissions), Number(r.passes), Number(r.failures)) }));
  const sum = (k: 'submissions' | 'passes' | 'failures') => series.reduce((a, b) => a + b[k], 0);
  return {
    scene,
    window: { from: w.from.toISOString(), to: w.to.toISOString(), granularity: w.granularity, timezone: 'Asia/Shanghai', clamped: w.clamped },
    totals: row(sum('submissions'), sum('passes'), sum('failures')),
    series,
    ...(providers && { byProvider: providerRows(providers.rows) }),
  };
}
