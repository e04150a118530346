// Multi-period counters of provider calls and messages (the seed's xc_redis_count /
// get_redis_count): total, today, yesterday, this/last week, this/last month, this/last
// year, on the China calendar (Asia/Shanghai, weeks from Monday). Postgres is the source of
// truth: one provider_calls row per answered call (call_key makes a retried activity count
// once), one face_verifications row per certifyId issued, one message_log row per SMS/mail
// tried; the periods are computed from their (…, created_at) indexes at read time, so
// nothing can drift and nothing is lost with Redis.
import type { Pool, PoolClient } from 'pg';

/** Keys recorded through recordProviderCall (rows of provider_calls). */
export const PROVIDER_CALL_KEYS = ['api:face', 'api:idcard_verification'] as const;
export const COUNTER_KEYS = [
  ...PROVIDER_CALL_KEYS,
  'api:face:dcloud',
  'api:face:aliyun',
  'api:face:wechat',
  'api:face_certify',
  'sms:sent',
  'sms:failed',
  'mail:sent',
  'mail:failed',
] as const;
export type CounterKey = (typeof COUNTER_KEYS)[number];
export type ProviderCallKey = (typeof PROVIDER_CALL_KEYS)[number];

/**
 * Where each counter's rows live (static SQL, chosen by a validated key; never user text):
 * - api:face / api:idcard_verification: answered provider calls (a face verdict, ID two-factor check);
 *   api:face:<provider> the face verdicts one provider answered
 * - api:face_certify: certifyIds issued by the face function (one face_verifications row each)
 * - sms:sent / mail:sent / …:failed: messages the gateway accepted / refused (message_log)
 */
const COUNTER_SOURCES: Record<CounterKey, string> = {
  'api:face': "SELECT created_at FROM provider_calls WHERE api = 'api:face'",
  'api:idcard_verification': "SELECT created_at FROM provider_calls WHERE api = 'api:idcard_verification'",
  'api:face:dcloud': "SELECT created_at FROM provider_calls WHERE api = 'api:face' AND provider = 'dcloud'",
  'api:face:aliyun': "SELECT created_at FROM provider_calls WHERE api = 'api:face' AND provider = 'aliyun'",
  'api:face:wechat': "SELECT created_at FROM provider_calls WHERE api = 'api:face' AND provider = 'wechat'",
  'api:face_certify': 'SELECT created_at FROM face_verifications',
  'sms:sent': "SELECT created_at FROM message_log WHERE channel = 'sms' AND status = 'sent'",
  'sms:failed': "SELECT created_at FROM message_log WHERE channel = 'sms' AND status = 'failed'",
  'mail:sent': "SELECT created_at FROM message_log WHERE channel = 'mail' AND status = 'sent'",
  'mail:failed': "SELECT created_at FROM message_log WHERE channel = 'mail' AND status = 'failed'",
};

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
  c: { callKey: string; api: ProviderCallKey; provider?: string; accountId: string | null; flowId: string | null; outcome: string },
): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO provider_calls (call_key, api, provider, account_id, flow_id, outcome) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (call_key) DO NOTHING`,
    [c.callKey, c.api, c.provider ?? null, c.accountId, c.flowId, c.outcome],
  );
  return r.rowCount === 1;
}

export async function providerCallOutcome(db: Pool | PoolClient, callKey: string): Promise<string | null> {
  const { rows } = await db.query<{ outcome: string }>('SELECT outcome FROM provider_calls WHERE call_key = $1', [callKey]);
  return rows[0]?.outcome ?? null;
}

// Period starts as timestamptz: local (China) midnight of the period, converted back.
const periodsSql = (source: string) => `
WITH n AS (SELECT (COALESCE($1::timestamptz, now()) AT TIME ZONE 'Asia/Shanghai') AS local),
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
FROM (${source}) AS src, b`;

/** `at` (tests) sets "now"; calls after it are not in today or any current period. */
export async function readCounter(db: Pool | PoolClient, key: CounterKey, at?: Date): Promise<CounterView> {
  const { rows } = await db.query<Record<string, string>>(periodsSql(COUNTER_SOURCES[key]), [at ?? null]);
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
