// A pg Client that prepares each parameterised statement once per connection.
//
// node-postgres sends a query with values as an unnamed statement, which Postgres parses and
// plans on every call; named, it is parsed once per connection, then only bound and run.
// Measured alone (one connection, 20,000 one-row selects, 16 queued): Postgres' CPU a query
// 41–45 µs unnamed against 23–25 µs named, the wall time a third less. A journey sends about
// 60 statements with values (docs/testing.md, "Prepared statements").
import crypto from 'node:crypto';
import { Client, type ClientConfig, type QueryConfig } from 'pg';

/** Beyond this many distinct texts a process sends the others unnamed: each name stays
 * prepared on every connection that ran it, and a text built with varying parts would
 * otherwise grow them without end. */
export const MAX_NAMED_TEXTS = 1000;

const names = new Map<string, string>();
let generation = 0;

/** The statement name for a query's text; null once the cap is reached. */
export function statementName(text: string): string | null {
  const known = names.get(text);
  if (known !== undefined) return known;
  if (names.size >= MAX_NAMED_TEXTS) return null;
  // a digest of the text: two texts never share a name (pg refuses one name for two texts)
  const name = `v${generation}_${crypto.createHash('sha1').update(text).digest('base64url')}`;
  names.set(text, name);
  return name;
}

/**
 * Postgres refuses to run a prepared statement whose result columns changed under it
 * ("cached plan must not change result type", 0A000): a `SELECT *` prepared before a
 * migration added a column to its table, while this process ran.
 */
export function isStalePreparedStatement(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === '0A000' && /cached plan must not change result type/.test(e.message ?? '');
}

/**
 * After a stale statement: every text gets a new name, so each connection prepares it afresh
 * on its next use instead of failing once per connection. The old names stay prepared, unused,
 * until their connections close.
 */
export function renameAllStatements(): void {
  names.clear();
  generation += 1;
}

export class PreparingClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    // an own property, not an override: pg's query() has more overloads than a method can restate
    const query = Client.prototype.query as (...args: unknown[]) => unknown;
    this.query = ((...args: unknown[]) => {
      const named = withName(args);
      if (named === args) return query.apply(this, args);
      // every named statement passes here, in a transaction or not: a stale one renames them all
      const last = named[named.length - 1];
      if (typeof last === 'function') {
        named[named.length - 1] = (err: unknown, res: unknown) => {
          if (isStalePreparedStatement(err)) renameAllStatements();
          (last as (e: unknown, r: unknown) => void)(err, res);
        };
        return query.apply(this, named);
      }
      return (query.apply(this, named) as Promise<unknown>).catch((err: unknown) => {
        if (isStalePreparedStatement(err)) renameAllStatements();
        throw err;
      });
    }) as Client['query'];
  }
}

/** query()'s arguments, with a name added to a text sent with values. */
export function withName(args: unknown[]): unknown[] {
  const [config, values] = args;
  if (typeof config === 'string') {
    const name = Array.isArray(values) && values.length > 0 ? statementName(config) : null;
    return name ? [{ name, text: config }, ...args.slice(1)] : args;
  }
  if (!isPlainConfig(config) || config.name !== undefined) return args;
  const hasValues = Array.isArray(config.values) ? config.values.length > 0 : Array.isArray(values) && values.length > 0;
  const name = hasValues ? statementName(config.text) : null;
  return name ? [{ ...config, name }, ...args.slice(1)] : args;
}

function isPlainConfig(c: unknown): c is QueryConfig {
  // a Submittable (a cursor, a stream) runs itself and is left as it is
  return typeof c === 'object' && c !== null && typeof (c as { text?: unknown }).text === 'string' && typeof (c as { submit?: unknown }).submit !== 'function';
}
