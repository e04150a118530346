// OpenAPI entries of the report routes (api/routes/reports.ts): the JSON report and the
// operators' HTML page.
import type { RouteDoc } from '../http/route-doc';
import { z } from 'zod';
import { iso } from '../http/response-schemas';
import { FACE_PROVIDERS } from '../lib/face-providers';
import { reportQuery } from './routes/reports';

const reportRow = {
  submissions: z.number().int().min(0),
  passes: z.number().int().min(0),
  failures: z.number().int().min(0),
  pending: z.number().int().min(0),
  passRate: z.number().min(0).max(1).nullable().describe('passes / submissions; null without submissions'),
};
export const reportBody = z
  .object({
    scene: z.string(),
    window: z.object({ from: iso, to: iso, granularity: z.enum(['hour', 'day']), timezone: z.literal('Asia/Shanghai'), clamped: z.boolean() }).strict(),
    totals: z.object(reportRow).strict(),
    series: z.array(z.object({ bucket: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00\+08:00$/), ...reportRow }).strict()),
    byProvider: z
      .array(z.object({ provider: z.enum(FACE_PROVIDERS), ...reportRow }).strict())
      .optional()
      .describe('face scenes only: the window\'s totals per face provider (who issued the certifyId, after any failover), every provider listed, zeros for one that issued none'),
  })
  .strict();

const tag = 'reports';
const counts = (s: number, p: number, f: number) => ({ submissions: s, passes: p, failures: f, pending: s - p - f, passRate: s ? Math.round((p / s) * 10_000) / 10_000 : null });
const bucket = (h: string, s: number, p: number, f: number) => ({ bucket: `2026-11-22T${h}:00:00+08:00`, ...counts(s, p, f) });

export const REPORT_ROUTES: RouteDoc[] = [
  {
    method: 'get', path: '/v1/reports/verifications',
    summary: 'Per scene: submissions, passes, failures, pass rate over days=1|7|30 or from/to (≤ 90 days, clamped); by hour (Asia/Shanghai) for one day, by day otherwise; empty buckets are zeros; face scenes also per provider (byProvider)',
    tag, auth: 'apiKey', scope: 'flows:read', query: reportQuery.shape,
    responses: {
      200: {
        description: 'report',
        schema: reportBody,
        example: {
          scene: 'personal',
          window: { from: '2026-11-22T00:00:00.000Z', to: '2026-11-22T03:00:00.000Z', granularity: 'hour', timezone: 'Asia/Shanghai', clamped: false },
          totals: { submissions: 5, passes: 3, failures: 1, pending: 1, passRate: 0.6 },
          series: [bucket('08', 3, 2, 1), bucket('09', 0, 0, 0), bucket('10', 2, 1, 0)],
          byProvider: [
            { provider: 'dcloud', ...counts(3, 2, 1) },
            { provider: 'aliyun', ...counts(0, 0, 0) },
            { provider: 'wechat', ...counts(2, 1, 0) },
          ],
        },
      },
    },
    errors: ['INVALID_INPUT', 'REPORT_SCENE_UNKNOWN', 'REPORT_WINDOW_INVALID'],
  },
  {
    method: 'get', path: '/reports',
    summary: 'Operators\' report page (self-contained HTML, SVG charts, counters table); its data calls use an API key typed in and kept in sessionStorage',
    tag, auth: 'none', responses: { 200: { description: 'text/html page' } },
  },
];
