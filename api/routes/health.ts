// Liveness and readiness. /health answers without auth and says which dependency is
// down, so an orchestrator (and a person) can tell what to fix.
import { Router } from 'express';
import type { Connection } from '@temporalio/client';
import type { ApiDeps } from '../../http/deps';

async function probe(fn: () => Promise<unknown>, ms = 2000): Promise<'ok' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)))]);
    return 'ok';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(d: Pick<ApiDeps, 'pool' | 'redis' | 'client'>): Router {
  const r = Router();
  r.get('/health/live', (_req, res) => void res.json({ status: 'ok' }));
  r.get('/health', async (_req, res) => {
    const [postgres, redis, temporal] = await Promise.all([
      probe(() => d.pool.query('SELECT 1')),
      probe(() => d.redis.ping()),
      probe(() => (d.client.connection as Connection).healthService.check({})),
    ]);
    const ok = postgres === 'ok' && redis === 'ok' && temporal === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', checks: { postgres, redis, temporal } });
  });
  return r;
}
