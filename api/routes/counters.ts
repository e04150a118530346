// Multi-period provider counters (api:face, api:idcard_verification), computed from Postgres.
import { Router, type RequestHandler } from 'express';
import type { ApiDeps } from '../../http/deps';
import { requireScope } from '../../http/auth';
import { COUNTER_KEYS, isCounterKey, readCounter } from '../../db/counters';
import { AppError } from '../../lib/errors';

export function counterRoutes(d: ApiDeps, auth: RequestHandler): Router {
  const r = Router();

  r.get('/v1/counters', auth, requireScope('flows:read'), async (_req, res) => {
    res.json({ counters: await Promise.all(COUNTER_KEYS.map((k) => readCounter(d.pool, k))) });
  });

  r.get('/v1/counters/:key', auth, requireScope('flows:read'), async (req, res) => {
    const key = String(req.params.key);
    if (!isCounterKey(key)) throw new AppError('NOT_FOUND', { known: COUNTER_KEYS });
    res.json({ counter: await readCounter(d.pool, key) });
  });

  return r;
}
