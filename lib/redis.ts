import { Redis } from 'ioredis';

export function createRedis(cfg: { url: string; keyPrefix: string }): Redis {
  return new Redis(cfg.url, { keyPrefix: cfg.keyPrefix, maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
}
