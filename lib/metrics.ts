// Prometheus metrics of our own processes: HTTP (API), provider calls (worker), and the
// process defaults. Labels never carry personal data: routes are Express patterns
// (/v1/accounts/:id), providers are names, outcomes are our vocabulary.
import type { Request, RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export function createRegistry(process: 'api' | 'worker'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process });
  collectDefaultMetrics({ register: registry, prefix: 'vsaga_' });
  return registry;
}

/** The matched pattern (/v1/accounts/:id), never the raw path, which holds account ids and flow ids. Known once routed. */
export function routePattern(req: Request): string | undefined {
  return req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : undefined;
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
      const labels = { method: req.method, route: routePattern(req) ?? 'unmatched' };
      const status = String(res.statusCode);
      requests.inc({ ...labels, status });
      if (res.statusCode >= 400) errors.inc({ ...labels, status });
      latency.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}

export interface ProviderMetrics {
  /** Times one provider call; outcome is 'ok' or the provider's own answer; error marks a failed call. */
  observe(provider: string, outcome: string, seconds: number, error?: boolean): void;
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
    observe(provider, outcome, seconds, error = outcome !== 'ok') {
      calls.inc({ provider, outcome });
      if (error) errors.inc({ provider, outcome });
      latency.observe({ provider }, seconds);
    },
  };
}

/**
 * Wraps an async provider call so it is timed and counted; `outcomeOf` names its answer (by
 * default a ProviderResult's: `ok`, or the failure's code).
 */
export async function timed<T>(
  m: ProviderMetrics | undefined,
  provider: string,
  call: () => Promise<T>,
  outcomeOf: (r: T) => { outcome: string; error: boolean } = (r) => {
    const x = r as { ok?: boolean; code?: string };
    return x.ok ? { outcome: 'ok', error: false } : { outcome: x.code ?? 'error', error: true };
  },
): Promise<T> {
  const start = process.hrtime.bigint();
  let r: T;
  try {
    r = await call();
  } catch (err) {
    m?.observe(provider, 'exception', Number(process.hrtime.bigint() - start) / 1e9, true);
    throw err;
  }
  const { outcome, error } = outcomeOf(r);
  m?.observe(provider, outcome, Number(process.hrtime.bigint() - start) / 1e9, error);
  return r;
}
