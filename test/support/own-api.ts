// An API of a test's own over the suite's services, with some of them changed (a setting, a
// pool that counts): a route's behaviour under what the shared stack cannot be given.
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app';
import { createApiServer } from '../../api/server';
import { createLogger } from '../../lib/logger';
import type { Stack } from './stack';

export interface OwnApi {
  baseUrl: string;
  close(): Promise<void>;
}

export async function startOwnApi(stack: Stack, over: Partial<Pick<Parameters<typeof createApp>[0], 'cfg' | 'pool'>> = {}): Promise<OwnApi> {
  const app = createApp({
    cfg: over.cfg ?? stack.cfg,
    pool: over.pool ?? stack.deps.pool,
    redis: stack.deps.redis,
    client: stack.client,
    fieldCrypto: stack.deps.fieldCrypto,
    log: createLogger('api', 'silent'),
  });
  const server = createApiServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
