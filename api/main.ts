// The API process: the HTTP API and the codec server, with a graceful shutdown that
// stops accepting, lets in-flight requests finish, then closes connections.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { FieldCrypto } from '../lib/field-crypto';
import { createRedis } from '../lib/redis';
import { connectClient } from '../lib/temporal';
import { startTracing } from '../lib/tracing';
import { createPool } from '../db/pool';
import { httpUrl, listen } from '../lib/listen';
import { createApp } from './app';
import { createApiServer } from './server';
import { createCodecApp } from './codec-server';
import { createApiMetrics, startInternalMetrics } from './routes/metrics';


async function main() {
  const cfg = loadConfig();
  const log = createLogger('api', cfg.logLevel);
  const pool = createPool(cfg.databaseUrl, { prepare: cfg.databasePreparedStatements });
  const redis = createRedis(cfg.redis);
  const tracing = startTracing(cfg, 'vsaga-api');
  const client = await connectClient(cfg, tracing?.tracer);
  const deps = { cfg, pool, redis, client, fieldCrypto: new FieldCrypto(cfg.crypto), log, tracer: tracing?.tracer };
  const metrics = createApiMetrics(deps);
  const app = createApp(deps, metrics);
  const api = createApiServer(app);
  const codec = http.createServer(createCodecApp(cfg, { log }));
  log.info({ url: httpUrl(cfg.api.host, await listen(api, cfg.api.port, cfg.api.host)) }, 'api listening');
  log.info({ url: httpUrl(cfg.codec.host, await listen(codec, cfg.codec.port, cfg.codec.host)) }, 'codec server listening');
  const metricsServer = await startInternalMetrics(metrics, cfg);
  const servers = metricsServer ? [api, codec, metricsServer] : [api, codec];
  if (metricsServer) log.info({ url: `${httpUrl(cfg.metrics.host, (metricsServer.address() as AddressInfo).port)}/metrics` }, 'metrics listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'api shutting down');
    const closed = (s: http.Server) => new Promise<void>((r) => s.close(() => r()));
    metrics.flows.stop();
    const force = setTimeout(() => servers.forEach((s) => s.closeAllConnections()), 10_000);
    servers.forEach((s) => s.closeIdleConnections());
    await Promise.all(servers.map(closed));
    clearTimeout(force);
    await Promise.allSettled([pool.end(), redis.quit(), client.connection.close(), tracing?.shutdown()]);
    log.info('api stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(`api failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
