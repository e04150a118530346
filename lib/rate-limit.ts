// The send-rate lock of a code scene, in Redis: a resend gap and a daily cap per
// address and scene. Acquiring is idempotent per request key (an activity retry does
// not count twice), and a failed send gives its slot back. In lib/, not with the flows'
// activities: the API's abuse limits take their slots through it too, and it needs
// nothing above a Redis client.
import type { Redis } from 'ioredis';

const ACQUIRE = `
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return {1, 0} end
if redis.call('GET', KEYS[1]) == ARGV[1] then return {1, 0} end
local gap = redis.call('PTTL', KEYS[1])
if gap > 0 then return {0, gap} end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[2]) then return {-1, 0} end
if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], 172800)
return {1, 0}
`;

// the request key is unique, so removing it from yesterday's set as well is safe: a slot
// taken before midnight and given back after it is returned to the day it was taken on
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return redis.call('SREM', KEYS[2], ARGV[1]) + redis.call('SREM', KEYS[3], ARGV[1])
`;

export type Acquired = { ok: true } | { ok: false; reason: 'too_soon'; retryAfterMs: number } | { ok: false; reason: 'daily_limit' };

/** The calendar day in China (UTC+8, no DST), which is what "per day" means to users. */
export function chinaDay(now = Date.now()): string {
  return new Date(now + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
}

export class SendRateLimiter {
  constructor(private readonly redis: Redis) {}

  private keys(scene: string, targetIdx: Buffer, now: number): [string, string] {
    const who = targetIdx.toString('hex').slice(0, 32);
    return [`rl:code:${scene}:${who}:gap`, `rl:code:${scene}:${who}:day:${chinaDay(now)}`];
  }

  async acquire(p: { scene: string; targetIdx: Buffer; requestKey: string; perDay: number; gapSec: number; now?: number }): Promise<Acquired> {
    const keys = this.keys(p.scene, p.targetIdx, p.now ?? Date.now());
    const [status, ms] = (await this.redis.eval(ACQUIRE, 2, ...keys, p.requestKey, p.perDay, p.gapSec * 1000)) as [number, number];
    if (status === 1) return { ok: true };
    if (status === 0) return { ok: false, reason: 'too_soon', retryAfterMs: ms };
    return { ok: false, reason: 'daily_limit' };
  }

  async release(p: { scene: string; targetIdx: Buffer; requestKey: string; now?: number }): Promise<void> {
    const now = p.now ?? Date.now();
    const [gap, today] = this.keys(p.scene, p.targetIdx, now);
    const [, yesterday] = this.keys(p.scene, p.targetIdx, now - 86_400_000);
    await this.redis.eval(RELEASE, 3, gap, today, yesterday, p.requestKey);
  }
}
