// Reports (seed 001): GET /v1/reports/verifications (API key, flows:read) and the operators'
// page GET /reports (static HTML; its data calls carry the key). Mounted before the API-key
// middleware: the JSON route authenticates itself, the page needs no key.
import { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../../http/deps';
import { authenticate, requireScope } from '../../http/auth';
import { text } from '../../http/schemas';
import { parse } from '../../http/validation';
import { AppError } from '../../lib/errors';
import { isReportScene, readReport, REPORT_SCENES, resolveWindow, WindowError } from '../../db/reports';
import { REPORT_PAGE_CSP, reportPageHtml } from '../report-page';

export const reportQuery = z
  .object({
    scene: text({ min: 1, max: 64 }).describe(`one of ${REPORT_SCENES.join(', ')}`),
    days: text({ max: 4 }).optional().describe('1 (hourly), 7 or 30 (daily); default 7 when no from/to'),
    from: text({ max: 40 }).optional().describe('YYYY-MM-DD (Shanghai day) or ISO date-time with offset'),
    to: text({ max: 40 }).optional().describe('YYYY-MM-DD (inclusive day) or ISO date-time (exclusive); default end of today'),
  })
  .strict();

export function reportRoutes(d: ApiDeps): Router {
  const r = Router();
  const auth = authenticate(d.cfg.api.keys);
  let page: string | null = null;

  r.get('/reports', (_req, res) => {
    res.set('content-security-policy', REPORT_PAGE_CSP).set('cache-control', 'no-store').type('html').send((page ??= reportPageHtml()));
  });

  r.get('/v1/reports/verifications', auth, requireScope('flows:read'), async (req, res) => {
    const q = parse(reportQuery, req.query);
    if (!isReportScene(q.scene)) throw new AppError('REPORT_SCENE_UNKNOWN', { known: REPORT_SCENES });
    let days: number | undefined;
    if (q.days !== undefined) {
      if (!/^\d{1,3}$/.test(q.days)) throw new AppError('REPORT_WINDOW_INVALID', { reason: 'days is 1, 7 or 30' });
      days = Number(q.days);
    }
    let window;
    try {
      window = resolveWindow({ days, from: q.from, to: q.to });
    } catch (e) {
      if (e instanceof WindowError) throw new AppError('REPORT_WINDOW_INVALID', { reason: e.reason });
      throw e;
    }
    res.json(await readReport(d.pool, q.scene, window));
  });

  return r;
}
