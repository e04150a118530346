// Once per test run: a real Temporal dev server (in memory, headless), a fresh test
// database with migrations applied, and the workflow bundle. Suites read where
// everything is from the environment this sets.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { dropDatabase } from '../../db/pool';
import { localDatabaseUrl } from '../../db/local-url';
import { startDevServer, type DevServer } from '../../scripts/temporal-dev';
import { freePort } from '../../scripts/ports';

const ROOT = path.join(__dirname, '..', '..');

declare global {
  var __VSAGA_TEMPORAL__: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.VSAGA_TEST_NO_STACK) return;
  const dataDir = path.join(ROOT, '.data', 'test');
  // one database per run, so two runs on one machine do not pull it from under each other
  // as npm start finds it (db/local-url.ts): its Unix socket when it answers there
  const databaseUrl = process.env.VSAGA_TEST_DATABASE_URL ?? (await localDatabaseUrl(`vsaga_test_${process.pid}`));
  await dropDatabase(databaseUrl); // afresh: a run before may have left it
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  execFileSync(tsx, [path.join(ROOT, 'db', 'migrate.ts')], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: 'pipe' });
  const bundle = path.join(dataDir, 'workflow-bundle.js');
  // and its traced sibling (worker/bundle.ts), for the suites that trace
  execFileSync(tsx, [path.join(ROOT, 'worker', 'bundle.ts'), bundle], { stdio: 'pipe' });

  const server = await startDevServer({ port: await freePort(), logFile: path.join(dataDir, 'temporal.log') });
  globalThis.__VSAGA_TEMPORAL__ = server;

  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.DATABASE_URL = databaseUrl;
  process.env.VSAGA_TEST_DROP_DATABASE = process.env.VSAGA_TEST_DATABASE_URL ? '' : databaseUrl;
  process.env.WORKFLOW_BUNDLE = bundle;
  process.env.REDIS_KEY_PREFIX = `vsaga-test:${process.pid}:`;
  process.env.VSAGA_ENV = 'test';
  process.env.VSAGA_LOG_LEVEL ??= 'silent';
}
