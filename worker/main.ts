// The worker process: runs workflows and activities until SIGINT/SIGTERM, then
// drains in-flight tasks and closes its connections.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createActivityDeps } from './deps';
import { createWorker } from './worker';

async function main() {
  const cfg = loadConfig();
  const log = createLogger('worker', cfg.logLevel);
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const deps = createActivityDeps(cfg);
  const worker = await createWorker({ cfg, deps });
  log.info({ taskQueue: cfg.temporal.taskQueue, temporal: cfg.temporal.address }, 'worker ready');
  await worker.run();
  await deps.close();
  log.info('worker stopped');
}

main().catch((err) => {
  console.error(`worker failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
