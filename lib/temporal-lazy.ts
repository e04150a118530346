// A Temporal client whose connection opens on first use, so activity deps (built
// synchronously by worker/deps.ts) can carry one; activities use it to start and
// signal the webhook dispatcher.
import { Client, Connection } from '@temporalio/client';
import type { Config } from './config';
import { createDataConverter } from './payload-codec';

export function lazyClient(cfg: Pick<Config, 'temporal' | 'crypto'>): Client {
  return new Client({
    connection: Connection.lazy({ address: cfg.temporal.address }),
    namespace: cfg.temporal.namespace,
    dataConverter: createDataConverter(cfg.crypto),
  });
}
