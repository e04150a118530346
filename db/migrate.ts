// Creates the database if it is missing, then applies pending migrations from
// db/migrations (node-pg-migrate, SQL files). Safe to run on every start.
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../lib/config';

export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`database name "${name}" must be [A-Za-z0-9_]+`);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      try {
        await admin.query(`CREATE DATABASE "${name}"`);
      } catch (err) {
        // two processes racing to create it: the loser finds it there
        if ((err as { code?: string }).code !== '42P04' && (err as { code?: string }).code !== '23505') throw err;
      }
    }
  } finally {
    await admin.end();
  }
}

// node-pg-migrate ships ESM only; Node 20.19+ can require() it, and its types need
// module resolution this commonjs project does not use, hence the narrow cast.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runner } = require('node-pg-migrate') as {
  runner: (o: Record<string, unknown>) => Promise<{ name: string }[]>;
};

export async function migrate(databaseUrl: string, log: (msg: string) => void = () => {}): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const applied = await runner({
    databaseUrl,
    dir: path.join(__dirname, 'migrations'),
    migrationsTable: 'pgmigrations',
    direction: 'up',
    count: Infinity,
    singleTransaction: true,
    log,
    logger: { debug: () => {}, info: log, warn: log, error: log },
  });
  return applied.map((m) => m.name);
}

if (require.main === module) {
  const cfg = loadConfig();
  migrate(cfg.databaseUrl)
    .then((names) => {
      console.log(names.length ? `migrations applied: ${names.join(', ')}` : 'database schema is up to date');
    })
    .catch((err) => {
      console.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
