// Multi-period counters of provider calls (the seed's xc_redis_count / get_redis_count):
// total, today, yesterday, this/last week, this/last month, this/last year, on the China
// calendar (Asia/Shanghai, weeks from Monday). Postgres is the source of truth: one
// provider_calls row per answered call (call_key makes a retried activity count once), and
// the periods are computed from its (api, created_at) index at read time, so nothing can
// drift and nothing is lost with Redis.
import type { Pool, PoolClient } from 'pg';

export const COUNTER_KEYS = ['api:face', 'api:idcard_verification'] as const;
export type CounterKey = (typeof COUNTER_KEYS)[number];

export interface CounterView {
  key: CounterKey;
  timezone: 'Asia/Shanghai';
  total: number;
  today: number;
  yesterday: number;
  thisWeek: number;
  lastWeek: number;
  thisMonth: number;
  lastMonth: number;
  thisYear: number;
  lastYear: number;
}

export async function recordProviderCall(
  db: Pool | PoolClient,
  c: { callKey: string; api: CounterKey; accountId: string | null; flowId: string | null; outcome: string },
): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO provider_calls (call_key, api, account_id, flow_id, outcome) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (call_key) DO NOTHING`,
    [c.callKey, c.api, c.accountId, c.flowId, c.outcome],
  );
  return r.rowCount === 1;
}

export async function providerCallOutcome(db: Pool | PoolClient, callKey: string): Promise<string | null> {
  const { rows } = await db.query<{ outcome: string }>('SELECT outcome FROM provider_calls WHERE call_key = $1', [callKey]);
  return rows[0]?.outcome ?? null;
}

// Period starts as timestamptz: local (China) midnight of the period, converted back.
const PERIODS_SQL = `
WITH n AS (SELECT (COALESCE($2::timestamptz, now()) AT TIME ZONE 'Asia/Shanghai') AS local),
b AS (
  SELECT
    (date_trunc('day', local) AT TIME ZONE 'Asia/Shanghai')                         AS day0,
    ((date_trunc('day', local) - interval '1 day') AT TIME ZONE 'Asia/Shanghai')     AS day1,
    ((date_trunc('day', local) + interval '1 day') AT TIME ZONE 'Asia/Shanghai')     AS dayN,
    (date_trunc('week', local) AT TIME ZONE 'Asia/Shanghai')                        AS week0,
    ((date_trunc('week', local) - interval '1 week') AT TIME ZONE 'Asia/Shanghai')   AS week1,
    (date_trunc('month', local) AT TIME ZONE 'Asia/Shanghai')                       AS month0,
    ((date_trunc('month', local) - interval '1 month') AT TIME ZONE 'Asia/Shanghai') AS month1,
    (date_trunc('year', local) AT TIME ZONE 'Asia/Shanghai')                        AS year0,
    ((date_trunc('year', local) - interval '1 year') AT TIME ZONE 'Asia/Shanghai')   AS year1
  FROM n
)
SELECT
  count(*)                                                           AS total,
  count(*) FILTER (WHERE created_at >= day0 AND created_at < dayN)   AS today,
  count(*) FILTER (WHERE created_at >= day1 AND created_at < day0)   AS yesterday,
  count(*) FILTER (WHERE created_at >= week0 AND created_at < dayN)  AS this_week,
  count(*) FILTER (WHERE created_at >= week1 AND created_at < week0) AS last_week,
  count(*) FILTER (WHERE created_at >= month0 AND created_at < dayN) AS this_month,
  count(*) FILTER (WHERE created_at >= month1 AND created_at < month0) AS last_month,
  count(*) FILTER (WHERE created_at >= year0 AND created_at < dayN)  AS this_year,
  count(*) FILTER (WHERE created_at >= year1 AND created_at < year0) AS last_year
FROM provider_calls, b
WHERE api = $1`;

/** `at` (tests) sets "now"; calls after it are not in today or any current period. */
export async function readCounter(db: Pool | PoolClient, key: CounterKey, at?: Date): Promise<CounterView> {
  const { rows } = await db.query<Record<string, string>>(PERIODS_SQL, [key, at ?? null]);
  const r = rows[0]!;
  const n = (k: string) => Number(r[k] ?? 0);
  return {
    key,
    timezone: 'Asia/Shanghai',
    total: n('total'),
    today: n('today'),
    yesterday: n('yesterday'),
    thisWeek: n('this_week'),
    lastWeek: n('last_week'),
    thisMonth: n('this_month'),
    lastMonth: n('last_month'),
    thisYear: n('this_year'),
    lastYear: n('last_year'),
  };
}

export function isCounterKey(s: string): s is CounterKey {
  return (COUNTER_KEYS as readonly string[]).includes(s);
}
