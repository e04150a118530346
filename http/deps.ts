// What the API is built over (api/main.ts wires it from config): its own module, so the
// routes that take it import neither app.ts nor each other's composition.
// http/ holds what the API's parts share: api/ and each flow's start.ts, routes.ts and
// openapi.ts import it, and it imports none of them, so a flow's HTTP code and the app that
// mounts it meet here without a circle (test/lint/import-cycles.test.ts).
import type { Pool } from 'pg';
import type { Redis } from 'ioredis';
import type { Tracer } from '@opentelemetry/api';
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
  /** the API's spans (lib/tracing.ts); none when traces are off */
  tracer?: Tracer;
}
