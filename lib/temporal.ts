// Connecting to Temporal with our data converter; shared by API, worker and tests.
import { Client, Connection } from '@temporalio/client';
import type { Config } from './config';
import { createDataConverter } from './payload-codec';

export async function connectClient(cfg: Pick<Config, 'temporal' | 'crypto'>): Promise<Client> {
  const connection = await Connection.connect({ address: cfg.temporal.address });
  return new Client({ connection, namespace: cfg.temporal.namespace, dataConverter: createDataConverter(cfg.crypto) });
}
