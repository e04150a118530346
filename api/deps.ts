// What the API is built over (api/main.ts wires it from config): its own module, so the
// routes that take it import neither app.ts nor each other's composition.
import type { Pool } from 'pg';
import type { Redis } from 'ioredis';
import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config';
import type { FieldCrypto } from '../lib/field-crypto';
import type { Logger } from '../lib/logger';

export interface ApiDeps {
  cfg: Config;
  pool: Pool;
  redis: Redis;
  client: Client;
  fieldCrypto: FieldCrypto;
  log: Logger;
}
