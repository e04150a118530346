// Builds the real clients activities run over, from config. Used by the worker
// process and by tests, so tests exercise what production wires.
import type { ActivityDeps } from '../flows/activity-deps';
import type { Config } from '../lib/config';
import { FieldCrypto } from '../lib/field-crypto';
import { createLogger } from '../lib/logger';
import { createRedis } from '../lib/redis';
import { createPool } from '../db/pool';
import { createSmsSender } from '../providers/tencent-sms/client';
import { createMailer } from '../providers/smtp/client';
import { createIdCardChecker } from '../providers/idcard-market/client';
import { createFaceClient } from '../providers/dcloud-face/client';
import { lazyClient } from '../lib/temporal-lazy';

/** withTemporal false: no Temporal client (what only the webhook dispatcher's wake-up needs). */
export function createActivityDeps(cfg: Config, { withTemporal = true }: { withTemporal?: boolean } = {}): ActivityDeps & { close(): Promise<void> } {
  const pool = createPool(cfg.databaseUrl, { prepare: cfg.databasePreparedStatements });
  const redis = createRedis(cfg.redis);
  const mailer = createMailer(cfg.mail);
  // connects on first use, so building deps stays synchronous
  const temporal = withTemporal ? lazyClient(cfg) : undefined;
  return {
    pool,
    redis,
    fieldCrypto: new FieldCrypto(cfg.crypto),
    sms: createSmsSender(cfg.sms),
    mailer,
    idcard: createIdCardChecker(cfg.idcard),
    face: createFaceClient(cfg.face),
    cfg,
    log: createLogger('activities', cfg.logLevel),
    temporal,
    async close() {
      mailer.close();
      await Promise.allSettled([pool.end(), redis.quit(), temporal?.connection.close()]);
    },
  };
}
