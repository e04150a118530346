// The worker process: runs workflows and activities until SIGINT/SIGTERM, then
// drains in-flight tasks and closes its connections. Metrics at WORKER_METRICS_PORT.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startTracing } from '../lib/tracing';
import { createRegistry, providerMetrics } from '../lib/metrics';
import { createActivityDeps } from './deps';
import { startWorkerMetricsServer } from './metrics-server';
import { createWorker } from './worker';
import { ensureRetentionSchedule } from '../flows/retention/schedule';
import { heapLimitMb } from './heap';

async function main() {
  const cfg = loadConfig();
  const log = createLogger('worker', cfg.logLevel);
  const sdkMetrics = `127.0.0.1:${cfg.workerMetrics.sdkPort}`;
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetrics } } },
  });
  const registry = createRegistry('worker');
  const deps = { ...createActivityDeps(cfg), metrics: providerMetrics(registry) };
  const metricsServer = await startWorkerMetricsServer({ registry, host: cfg.workerMetrics.host, port: cfg.workerMetrics.port, sdkMetricsUrl: `http://${sdkMetrics}/metrics`, token: cfg.metrics.token });
  // global too: the provider clients' spans (providers/shared/trace.ts) take the global tracer
  const tracing = startTracing(cfg, 'vsaga-worker', { global: true });
  const worker = await createWorker({ cfg, deps, tracing });
  // the retention sweep's Schedule (idempotent); the worker runs without it when Temporal refuses
  await ensureRetentionSchedule(deps.temporal!, cfg).then(
    (r) => log.info({ schedule: r, everySec: cfg.retention.sweepIntervalSec, pictureDays: cfg.retention.pictureDays, identityDays: cfg.retention.identityDays }, 'retention schedule'),
    (err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'retention schedule not ensured'),
  );
  log.info({ taskQueue: cfg.temporal.taskQueue, deployment: cfg.worker.deployment ?? 'unversioned', heapLimitMb: heapLimitMb(), temporal: cfg.temporal.address, metrics: `http://${cfg.workerMetrics.host}:${cfg.workerMetrics.port}/metrics` }, 'worker ready');
  await worker.run();
  metricsServer.close();
  await deps.close();
  await tracing?.shutdown(); // exports what is still batched
  log.info('worker stopped');
}

main().catch((err) => {
  console.error(`worker failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
