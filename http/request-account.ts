// The account row a start request acts on, read once per request. The frozen guard and the
// route both need it, a few milliseconds apart and in no transaction together, so a second
// read told nothing the first did not: it cost the API a statement on every flow start.
import type { Request } from 'express';
import type { Pool } from 'pg';
import { findAccount, type AccountRow } from '../db/accounts';

const readFor = new WeakMap<Request, { id: string; row: Promise<AccountRow | null> }>();

/** The account `id` as this request first read it (null: no such account). */
export function requestAccount(pool: Pool, req: Request, id: string): Promise<AccountRow | null> {
  const seen = readFor.get(req);
  if (seen?.id === id) return seen.row;
  const row = findAccount(pool, id);
  // a failed read is not kept: the route's own read asks again
  row.catch(() => {
    if (readFor.get(req)?.row === row) readFor.delete(req);
  });
  readFor.set(req, { id, row });
  return row;
}
