// What the API checks before it starts a face check against the account's own real-name
// identity (rebind by face, the face scenes), so a request that cannot succeed starts no flow
// and costs no provider call. The check's own issuing step checks them again, authoritatively.
import type { Pool } from 'pg';
import type { AccountRow } from '../../db/accounts';
import { faceQuota, quotaRequiredDetails } from '../../db/real-name';
import { heldByFlow } from '../../db/account-security';
import { realNameIdentityRedacted } from '../../db/redaction';
import type { Config } from '../../lib/config';
import { AppError } from '../../lib/errors';

/**
 * `ownFlowId`: the flow a repeat start would reach (update-with-start, as the face scenes start):
 * the unit its own live check holds still counts as available, so a double click gets the
 * flow's answer rather than FACE_QUOTA_REQUIRED.
 */
export async function assertAccountFaceReady(pool: Pool, cfg: Config, account: AccountRow, deviceId: string | undefined, ownFlowId?: string): Promise<string> {
  if (account.real_name_status !== 'verified') throw new AppError('REAL_NAME_REQUIRED');
  // verified, but its identity was redacted (db/redaction.ts): nothing to check a face against
  if (await realNameIdentityRedacted(pool, account.id)) throw new AppError('REAL_NAME_REQUIRED');
  if (!deviceId) throw new AppError('MISSING_PARAMETERS', { missing: 'deviceId' });
  // every face scene draws on the one quota pool; the face check holds the unit itself
  const own = ownFlowId ? await heldByFlow(pool, account.id, ownFlowId) : 0;
  if ((await faceQuota(pool, account, cfg.realName.faceFreePerAccount)).available + own < 1) {
    throw new AppError('FACE_QUOTA_REQUIRED', quotaRequiredDetails(cfg.realName.faceFreePerAccount, cfg.realName.facePriceCny));
  }
  return deviceId;
}
