// The platform redeems a grant a grant flow handed out (account recovery's redeem, password
// reset's confirm): found by its hash, refused with what its row says (never issued or another
// kind's: RECOVERY_GRANT_INVALID; used; expired), else the flow's redeem update. A redeem that
// raced another, or the grant's timer, is told what the row says then.
import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import { grantByHash } from '../db/recovery';
import { AppError, type ErrorCode } from '../lib/errors';
import { GRANT_PATTERN, grantHash } from '../lib/recovery-grant';
import type { GrantPurpose } from '../flows/shared/contract';
import type { GrantFlows } from './grant-flows';
import { parse } from './validation';
import { redeemBody } from './schemas';

export function redeemGrant(pool: Pool, flows: GrantFlows, purpose: GrantPurpose, message: string): RequestHandler {
  return async (req, res) => {
    parse(redeemBody, req.body);
    const given = req.params.grant as string;
    const found = GRANT_PATTERN.test(given) ? await grantByHash(pool, grantHash(given)) : null;
    const row = found?.purpose === purpose ? found : null;
    const refusal: ErrorCode | null = !row ? 'RECOVERY_GRANT_INVALID' : row.redeemed_at ? 'RECOVERY_GRANT_USED' : row.expires_at.getTime() <= Date.now() ? 'RECOVERY_GRANT_EXPIRED' : null;
    if (refusal) throw new AppError(refusal);
    try {
      const result = await flows.redeem(row!.flow_id, row!.grant_hash.toString('hex'));
      res.json({ result: { ...result, message } });
    } catch (err) {
      if (err instanceof AppError && ['FLOW_CLOSED', 'FLOW_IN_PROGRESS', 'FLOW_NOT_FOUND'].includes(err.code)) {
        const now = await grantByHash(pool, row!.grant_hash);
        throw new AppError(now?.redeemed_at ? 'RECOVERY_GRANT_USED' : 'RECOVERY_GRANT_EXPIRED');
      }
      throw err;
    }
  };
}
