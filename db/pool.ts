import { Client, Pool, type PoolClient } from 'pg';
import { isStalePreparedStatement, PreparingClient } from './prepared-client';

export interface PoolOptions {
  max?: number;
  /** Prepare each parameterised statement once per connection (db/prepared-client.ts).
   * Off for a pooler in front of Postgres that does not keep them (PgBouncer's transaction
   * mode before 1.21): DATABASE_PREPARED_STATEMENTS=false. */
  prepare?: boolean;
}

export function createPool(databaseUrl: string, { max = 10, prepare = true }: PoolOptions = {}): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max, ...(prepare ? { Client: PreparingClient } : {}) });
  // An idle client whose server went away (a Postgres restart or failover) is reported
  // here and dropped by the pool; unheard, the 'error' event would end the process.
  pool.on('error', () => {});
  if (prepare) retryStaleStatements(pool);
  return pool;
}

/** A query outside a transaction that met a statement left stale by a migration is asked
 * again once, under the text's new name (the client renamed them all); nothing had been done by
 * the failed one. A transaction is not run again here (its function may do more than queries):
 * it fails once, and the step's retry prepares the statement afresh. */
function retryStaleStatements(pool: Pool): void {
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  pool.query = ((...args: unknown[]) => {
    if (typeof args[args.length - 1] === 'function') return query(...args);
    return query(...args).catch((err: unknown) => {
      if (!isStalePreparedStatement(err)) throw err;
      return query(...args);
    });
  }) as Pool['query'];
}

/** Drops the database a URL names (connections to it ended), through the server's postgres database. */
export async function dropDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const admin = new Client({ connectionString: u.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** A unique constraint refused the write (Postgres 23505): another writer got there first. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

/** Runs fn in one transaction; rolls back on any error. */
export async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
