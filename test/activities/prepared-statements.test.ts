// Prepared statements (db/prepared-client.ts, db/pool.ts) over the real PostgreSQL: each
// parameterised text is prepared once per connection, answers as unnamed, and a statement
// left stale by a migration while the process runs costs no caller an error it can avoid.
import type { Pool } from 'pg';
import { createPool, inTransaction } from '../../db/pool';
import { isStalePreparedStatement } from '../../db/prepared-client';

const TABLE = `prepared_test_${process.pid}_${Date.now().toString(36)}`;
const url = process.env.DATABASE_URL!;
const pools: Pool[] = [];
const pool = (max: number, prepare = true) => {
  const p = createPool(url, { max, prepare });
  pools.push(p);
  return p;
};

beforeAll(async () => {
  const p = pool(1);
  await p.query(`CREATE TABLE ${TABLE} (id text PRIMARY KEY, n integer NOT NULL)`);
  await p.query(`INSERT INTO ${TABLE} (id, n) SELECT 'k' || g, g FROM generate_series(1, 20) g`);
});
afterAll(async () => {
  await pools[0]?.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await Promise.all(pools.map((p) => p.end()));
});

/** The statements prepared on a pool of one connection, by their text. */
async function prepared(p: Pool): Promise<string[]> {
  const { rows } = await p.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements ORDER BY statement');
  return rows.map((r) => r.statement);
}

test('a text with values is prepared once on its connection; a text without values is not', async () => {
  const p = pool(1);
  const text = `SELECT n FROM ${TABLE} WHERE id = $1`;
  for (const id of ['k1', 'k2', 'k3']) expect((await p.query(text, [id])).rows).toEqual([{ n: Number(id.slice(1)) }]);
  await p.query(`SELECT count(*) FROM ${TABLE}`);
  expect(await prepared(p)).toEqual([text]);
});

test('named and unnamed answer alike, with the same types', async () => {
  const text = `SELECT id, n, n::text AS t, now() - now() AS zero FROM ${TABLE} WHERE n > $1 AND id <> $2 ORDER BY n`;
  const [named, unnamed] = await Promise.all([pool(2).query(text, [15, 'k17']), pool(2, false).query(text, [15, 'k17'])]);
  expect(named.rows).toEqual(unnamed.rows);
  expect(named.rows.map((r) => r.id)).toEqual(['k16', 'k18', 'k19', 'k20']);
  expect(named.fields.map((f) => f.dataTypeID)).toEqual(unnamed.fields.map((f) => f.dataTypeID));
});

test('one text run at once on every connection of a pool: each prepares it, none fails', async () => {
  const p = pool(4);
  const text = `SELECT n FROM ${TABLE} WHERE id = $1`;
  const out = await Promise.all(Array.from({ length: 60 }, (_, i) => p.query(text, [`k${(i % 20) + 1}`])));
  expect(out.map((r) => r.rows[0].n)).toEqual(Array.from({ length: 60 }, (_, i) => (i % 20) + 1));
  expect(p.totalCount).toBe(4);
});

test('a migration adds a column under a prepared SELECT *: the next query answers with it, on every connection', async () => {
  const p = pool(3);
  const text = `SELECT * FROM ${TABLE} WHERE id = $1`;
  // prepared on all three connections
  await Promise.all(Array.from({ length: 9 }, () => p.query(text, ['k1'])));
  expect(p.totalCount).toBe(3);
  await pool(1, false).query(`ALTER TABLE ${TABLE} ADD COLUMN extra text NOT NULL DEFAULT 'x'`);
  const out = await Promise.all(Array.from({ length: 9 }, () => p.query(text, ['k1'])));
  for (const r of out) expect(r.rows).toEqual([{ id: 'k1', n: 1, extra: 'x' }]);
});

test('in a transaction the stale statement fails that transaction once; the next one, on the same connection, answers', async () => {
  const p = pool(1);
  const text = `SELECT * FROM ${TABLE} WHERE id = $1 FOR UPDATE`;
  await inTransaction(p, (c) => c.query(text, ['k2']));
  await pool(1, false).query(`ALTER TABLE ${TABLE} ADD COLUMN more integer NOT NULL DEFAULT 7`);
  const failed = await inTransaction(p, (c) => c.query(text, ['k2'])).catch((e: unknown) => e);
  expect(isStalePreparedStatement(failed)).toBe(true);
  const again = await inTransaction(p, (c) => c.query(text, ['k2']));
  expect(again.rows).toEqual([{ id: 'k2', n: 2, extra: 'x', more: 7 }]);
  expect(p.totalCount).toBe(1);
});

test('prepare: false (DATABASE_PREPARED_STATEMENTS=false): nothing is prepared (for a pooler that cannot keep them)', async () => {
  const p = pool(1, false);
  await p.query(`SELECT n FROM ${TABLE} WHERE id = $1`, ['k1']);
  expect(await prepared(p)).toEqual([]);
});
