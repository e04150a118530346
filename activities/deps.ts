import type { Pool } from 'pg';
import type { Redis } from 'ioredis';
import type { FieldCrypto } from '../lib/field-crypto';
import type { Logger } from '../lib/logger';
import type { SmsSender } from '../providers/sms';
import type { Mailer } from '../providers/mail';
import type { Config } from '../lib/config';

/** What activities are built over; the worker wires real clients, tests the same ones. */
export interface ActivityDeps {
  pool: Pool;
  redis: Redis;
  fieldCrypto: FieldCrypto;
  sms: SmsSender;
  mailer: Mailer;
  cfg: Config;
  log: Logger;
}
