// A frozen account starts no flow but the one that unfreezes it. Each start route says so itself
// (refuseFrozen after its key and scope checks), so a new flow's start cannot be forgotten by a
// list kept elsewhere, and an account's state is told to an authenticated caller only. The row
// read here is the route's too (requestAccount).
import type { Request, RequestHandler } from 'express';
import type { Pool } from 'pg';
import { AppError } from '../lib/errors';
import { requestAccount } from './request-account';
import { accountId } from './schemas';

/** `refused(req)`: false for a start a frozen account may make (the unfreeze scene). */
export function refuseFrozen(d: { pool: Pool }, refused: (req: Request) => boolean = () => true): RequestHandler {
  return async (req, _res, next) => {
    // a malformed id is the route's to answer
    const id = accountId.safeParse(req.params.id);
    if (id.success && refused(req) && (await requestAccount(d.pool, req, id.data))?.frozen_at) throw new AppError('ACCOUNT_FROZEN');
    next();
  };
}
