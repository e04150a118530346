// The worker's /metrics: our provider metrics and process metrics, followed by the
// Temporal SDK's own worker metrics (its core exports them on a loopback port; we
// append them here so one scrape target has everything).
import type http from 'node:http';
import type { Registry } from 'prom-client';
import { startMetricsServer } from '../http/metrics-server';

/** `token`: METRICS_TOKEN, the same bearer token the API's /metrics asks for when set. */
export function startWorkerMetricsServer(o: { registry: Registry; host: string; port: number; sdkMetricsUrl?: string; token?: string }): Promise<http.Server> {
  const sdkMetricsUrl = o.sdkMetricsUrl;
  return startMetricsServer({
    registry: o.registry,
    host: o.host,
    port: o.port,
    token: o.token,
    // the SDK's exporter down or slow must not cost us our own metrics
    append: sdkMetricsUrl
      ? () =>
          fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(2000) })
            .then((r) => (r.ok ? r.text() : ''))
            .catch(() => '')
      : undefined,
  });
}
