// GET /metrics for Prometheus: HTTP metrics, process metrics, and flow counts read from
// Temporal's visibility store (started, open, closed by outcome, per flow kind). Temporal is
// the source of truth for flows; the counts come from a refresher (api/flow-counts.ts), so a
// scrape never runs visibility queries itself, and the age of the counts is a metric too.
// Served on the API port, or on an internal listener when METRICS_PORT is set; behind
// METRICS_TOKEN when that is set.
import type http from 'node:http';
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import { createRegistry } from '../../lib/metrics';
import { metricsHandler, startMetricsServer, type MetricsHandler } from '../../http/metrics-server';
import { FlowCounts } from '../flow-counts';

export interface ApiMetrics {
  registry: Registry;
  flows: FlowCounts;
  handler: MetricsHandler;
}

export function createApiMetrics(d: { cfg: Pick<Config, 'metrics'>; client: Client; log: Logger }): ApiMetrics {
  const registry = createRegistry('api');
  const flows = new FlowCounts({
    count: (q) => d.client.workflow.count(q),
    intervalMs: d.cfg.metrics.flowRefreshSec * 1000,
    // called after a refresh, never during this function, so the counter below exists by then
    onFailure: (err) => {
      failures.inc();
      d.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'flow counts refresh failed');
    },
  });
  // every metric here reads the refresher in its collect: the registry collects them all at once,
  // and the first scrape may wait for the first refresh, whose outcome each of them reports
  const failures = new Counter({
    name: 'vsaga_flows_refresh_failures_total',
    help: 'Refreshes of the flow counts that failed (Temporal unreachable or a query refused); the counts keep their last values',
    registers: [registry],
    async collect() {
      await flows.read();
    },
  });
  new Gauge({
    name: 'vsaga_flows',
    help: 'Flows by kind and state: started (all), open (running), and closed by outcome; as of the last refresh (vsaga_flows_refreshed_age_seconds)',
    labelNames: ['kind', 'state'],
    registers: [registry],
    async collect() {
      for (const c of (await flows.read()).counts) this.set({ kind: c.kind, state: c.state }, c.value);
    },
  });
  new Gauge({
    name: 'vsaga_flows_refreshed_age_seconds',
    help: 'Seconds since the flow counts were last refreshed from Temporal (before the first success: since the refresher started)',
    registers: [registry],
    async collect() {
      this.set((await flows.read()).ageSeconds);
    },
  });
  return { registry, flows, handler: metricsHandler({ registry, token: d.cfg.metrics.token }) };
}

/** GET /metrics on the API port; not mounted when the metrics have a port of their own. */
export function metricsRoutes(m: ApiMetrics): Router {
  const r = Router();
  r.get('/metrics', (req, res) => m.handler(req, res));
  return r;
}

/** The internal metrics listener, when METRICS_PORT is set; null when the API port serves /metrics. */
export async function startInternalMetrics(m: ApiMetrics, cfg: Pick<Config, 'metrics'>): Promise<http.Server | null> {
  if (cfg.metrics.port === undefined) return null;
  return startMetricsServer({ registry: m.registry, token: cfg.metrics.token, host: cfg.metrics.host, port: cfg.metrics.port });
}
