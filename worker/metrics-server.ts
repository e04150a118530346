// The worker's /metrics: our provider metrics and process metrics, followed by the
// Temporal SDK's own worker metrics (its core exports them on a loopback port; we
// append them here so one scrape target has everything).
import http from 'node:http';
import type { Registry } from 'prom-client';
import { listen } from '../lib/listen';

export async function startWorkerMetricsServer(o: { registry: Registry; host: string; port: number; sdkMetricsUrl?: string }): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'ROUTE_NOT_FOUND', message: 'GET /metrics' } }));
      return;
    }
    let sdk = '';
    if (o.sdkMetricsUrl) {
      sdk = await fetch(o.sdkMetricsUrl, { signal: AbortSignal.timeout(2000) })
        .then((r) => (r.ok ? r.text() : ''))
        .catch(() => '');
    }
    res.writeHead(200, { 'content-type': o.registry.contentType }).end(`${await o.registry.metrics()}\n${sdk}`);
  });
  await listen(server, o.port, o.host);
  return server;
}
