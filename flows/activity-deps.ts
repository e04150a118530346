import type { Pool } from 'pg';
import type { Redis } from 'ioredis';
import type { FieldCrypto } from '../lib/field-crypto';
import type { Logger } from '../lib/logger';
import type { SmsSender } from '../providers/tencent-sms/client';
import type { Mailer } from '../providers/smtp/client';
import type { IdCardChecker } from '../providers/idcard-market/client';
import type { FaceClient } from '../providers/dcloud-face/client';
import type { Config } from '../lib/config';
import type { Client } from '@temporalio/client';
import type { ProviderMetrics } from '../lib/metrics';

/** What activities are built over; the worker wires real clients, tests the same ones. */
export interface ActivityDeps {
  pool: Pool;
  redis: Redis;
  fieldCrypto: FieldCrypto;
  sms: SmsSender;
  mailer: Mailer;
  /** ID two-factor check (API market) */
  idcard: IdCardChecker;
  /** DCloud face function */
  face: FaceClient;
  cfg: Config;
  log: Logger;
  /** to start / signal workflows from activities (webhook dispatcher); absent in some unit tests */
  temporal?: Client;
  /** provider call counters and latencies (worker's /metrics) */
  metrics?: ProviderMetrics;
}
