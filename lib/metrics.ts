// Prometheus metrics of our own processes: HTTP (API), provider calls (worker), and the
// process defaults. Labels never carry personal data: routes are Express patterns
// (/v1/accounts/:id), providers are names, outcomes are our vocabulary.
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export function createRegistry(process: 'api' | 'worker'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process });
  collectDefaultMetrics({ register: registry, prefix: 'vsaga_' });
  return registry;
}

/** Requests by method, route pattern and status class; latency by route. */
export function httpMetrics(registry: Registry): RequestHandler {
  const requests = new Counter({
    name: 'vsaga_http_requests_total',
    help: 'HTTP requests answered',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'vsaga_http_errors_total',
    help: 'HTTP requests answered with an error body (4xx and 5xx), by error class',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'vsaga_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      // the matched pattern, never the raw path (which holds account ids and flow ids)
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const labels = { method: req.method, route };
      const status = String(res.statusCode);
      requests.inc({ ...labels, status });
      if (res.statusCode >= 400) errors.inc({ ...labels, status });
      latency.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}

export interface ProviderMetrics {
  /** Times one provider call; outcome is 'ok', or the provider's own code on refusal. */
  observe(provider: string, outcome: string, seconds: number): void;
}

export function providerMetrics(registry: Registry): ProviderMetrics {
  const calls = new Counter({
    name: 'vsaga_provider_calls_total',
    help: 'Calls to external providers (SMS gateway, mail server, ID check, face function)',
    labelNames: ['provider', 'outcome'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'vsaga_provider_errors_total',
    help: 'Provider calls that did not succeed',
    labelNames: ['provider', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'vsaga_provider_call_duration_seconds',
    help: 'Provider call latency',
    labelNames: ['provider'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return {
    observe(provider, outcome, seconds) {
      calls.inc({ provider, outcome });
      if (outcome !== 'ok') errors.inc({ provider, outcome });
      latency.observe({ provider }, seconds);
    },
  };
}

/** Wraps an async call that answers `{ ok, code? }` so it is timed and counted. */
export async function timed<T extends { ok: boolean; code?: string }>(m: ProviderMetrics | undefined, provider: string, call: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  const r = await call();
  m?.observe(provider, r.ok ? 'ok' : (r.code ?? 'error'), Number(process.hrtime.bigint() - start) / 1e9);
  return r;
}
