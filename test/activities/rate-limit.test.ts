// lib/rate-limit.ts against the real local Redis (127.0.0.1:6379). Every key
// lives under a prefix unique to this run and is deleted afterwards.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { chinaDay, SendRateLimiter } from '../../lib/rate-limit';

const REDIS_URL = process.env.VSAGA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const PREFIX = `vsaga-unit-rl:${process.pid}:${randomBytes(6).toString('hex')}:`;

let redis: Redis; // what the limiter uses, with the prefix
let raw: Redis; // unprefixed: to inspect and clean up
let limiter: SendRateLimiter;

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { keyPrefix: PREFIX, maxRetriesPerRequest: 1 });
  raw = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await redis.ping();
  limiter = new SendRateLimiter(redis);
});

afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await raw.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    if (keys.length) await raw.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  expect(await raw.keys(`${PREFIX}*`)).toEqual([]);
  redis.disconnect();
  raw.disconnect();
});

const target = () => randomBytes(32);
const rk = () => `req-${randomBytes(6).toString('hex')}`;
const SCENE = 'bind_phone';
// a fixed instant mid-day in China, so a test never straddles the 16:00 UTC rollover
const NOON_CN = Date.UTC(2024, 5, 15, 4, 0, 0);

describe('chinaDay', () => {
  it('is the calendar day in UTC+8 and rolls over at 16:00 UTC', () => {
    expect(chinaDay(Date.UTC(2024, 0, 1, 15, 59, 59, 999))).toBe('20240101');
    expect(chinaDay(Date.UTC(2024, 0, 1, 16, 0, 0, 0))).toBe('20240102');
    expect(chinaDay(Date.UTC(2024, 0, 1, 0, 0, 0))).toBe('20240101');
    expect(chinaDay(Date.UTC(2023, 11, 31, 16, 0, 0))).toBe('20240101'); // year boundary
    expect(chinaDay(Date.UTC(2024, 1, 28, 16, 0, 0))).toBe('20240229'); // leap day
  });

  it('defaults to now', () => {
    const before = chinaDay(Date.now());
    const got = chinaDay();
    const after = chinaDay(Date.now());
    expect([before, after]).toContain(got);
    expect(got).toMatch(/^\d{8}$/);
  });
});

describe('SendRateLimiter', () => {
  it('acquires a free slot, under the configured key prefix', async () => {
    const idx = target();
    const r = await limiter.acquire({ scene: SCENE, targetIdx: idx, requestKey: rk(), perDay: 5, gapSec: 60, now: NOON_CN });
    expect(r).toEqual({ ok: true });
    const who = idx.toString('hex').slice(0, 32);
    const gapKey = `${PREFIX}rl:code:${SCENE}:${who}:gap`;
    const dayKey = `${PREFIX}rl:code:${SCENE}:${who}:day:20240615`;
    const gapTtl = await raw.pttl(gapKey);
    expect(gapTtl).toBeGreaterThan(55_000);
    expect(gapTtl).toBeLessThanOrEqual(60_000);
    expect(await raw.scard(dayKey)).toBe(1);
    const dayTtl = await raw.ttl(dayKey);
    expect(dayTtl).toBeGreaterThan(86_400); // outlives the China day it counts
    expect(dayTtl).toBeLessThanOrEqual(172_800);
    // nothing escaped the prefix
    expect(await raw.exists(`rl:code:${SCENE}:${who}:gap`)).toBe(0);
  });

  it('a second request within the gap is too_soon, with a positive retryAfterMs ≤ the gap', async () => {
    const idx = target();
    expect(await limiter.acquire({ scene: SCENE, targetIdx: idx, requestKey: rk(), perDay: 5, gapSec: 60, now: NOON_CN })).toEqual({ ok: true });
    const r = await limiter.acquire({ scene: SCENE, targetIdx: idx, requestKey: rk(), perDay: 5, gapSec: 60, now: NOON_CN });
    expect(r.ok).toBe(false);
    if (r.ok || r.reason !== 'too_soon') throw new Error(`expected too_soon, got ${JSON.stringify(r)}`);
    expect(r.retryAfterMs).toBeGreaterThan(0);
    expect(r.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('the too_soon request does not consume a daily slot', async () => {
    const idx = target();
    await limiter.acquire({ scene: SCENE, targetIdx: idx, requestKey: rk(), perDay: 5, gapSec: 60, now: NOON_CN });
    await limiter.acquire({ scene: SCENE, targetIdx: idx, requestKey: rk(), perDay: 5, gapSec: 60, now: NOON_CN });
    const who = idx.toString('hex').slice(0, 32);
    expect(await raw.scard(`${PREFIX}rl:code:${SCENE}:${who}:day:20240615`)).toBe(1);
  });

  it('acquiring again with the same request key is ok (an activity retry) and counts once', async () => {
    const idx = target();
    const requestKey = rk();
    const p = { scene: SCENE, targetIdx: idx, requestKey, perDay: 5, gapSec: 60, now: NOON_CN };
    expect(await limiter.acquire(p)).toEqual({ ok: true });
    expect(await limiter.acquire(p)).toEqual({ ok: true });
    expect(await limiter.acquire(p)).toEqual({ ok: true });
    const who = idx.toString('hex').slice(0, 32);
    expect(await raw.scard(`${PREFIX}rl:code:${SCENE}:${who}:day:20240615`)).toBe(1);
    // and others are still held off by the gap
    const other = await limiter.acquire({ ...p, requestKey: rk() });
    expect(other).toMatchObject({ ok: false, reason: 'too_soon' });
  });

  it('stops at the daily cap with daily_limit', async () => {
    const idx = target();
    const p = { scene: SCENE, targetIdx: idx, perDay: 3, gapSec: 0, now: NOON_CN };
    const keys = [rk(), rk(), rk()];
    for (const requestKey of keys) expect(await limiter.acquire({ ...p, requestKey })).toEqual({ ok: true });
    expect(await limiter.acquire({ ...p, requestKey: rk() })).toEqual({ ok: false, reason: 'daily_limit' });
    expect(await limiter.acquire({ ...p, requestKey: rk() })).toEqual({ ok: false, reason: 'daily_limit' });
    // a retry of a request that already holds a slot is still fine
    expect(await limiter.acquire({ ...p, requestKey: keys[1]! })).toEqual({ ok: true });
  });

  it('a perDay of 0 refuses everything', async () => {
    expect(await limiter.acquire({ scene: SCENE, targetIdx: target(), requestKey: rk(), perDay: 0, gapSec: 0, now: NOON_CN })).toEqual({
      ok: false,
      reason: 'daily_limit',
    });
  });

  it('release gives the gap back', async () => {
    const idx = target();
    const first = rk();
    const p = { scene: SCENE, targetIdx: idx, perDay: 5, gapSec: 60, now: NOON_CN };
    expect(await limiter.acquire({ ...p, requestKey: first })).toEqual({ ok: true });
    expect(await limiter.acquire({ ...p, requestKey: rk() })).toMatchObject({ ok: false, reason: 'too_soon' });
    await limiter.release({ scene: SCENE, targetIdx: idx, requestKey: first, now: NOON_CN });
    expect(await limiter.acquire({ ...p, requestKey: rk() })).toEqual({ ok: true });
  });

  it('release gives the daily slot back', async () => {
    const idx = target();
    const p = { scene: SCENE, targetIdx: idx, perDay: 1, gapSec: 0, now: NOON_CN };
    const first = rk();
    expect(await limiter.acquire({ ...p, requestKey: first })).toEqual({ ok: true });
    expect(await limiter.acquire({ ...p, requestKey: rk() })).toEqual({ ok: false, reason: 'daily_limit' });
    await limiter.release({ scene: SCENE, targetIdx: idx, requestKey: first, now: NOON_CN });
    expect(await limiter.acquire({ ...p, requestKey: rk() })).toEqual({ ok: true });
  });

  it('release gives back both the gap and the count in one go', async () => {
    const idx = target();
    const p = { scene: SCENE, targetIdx: idx, perDay: 1, gapSec: 60, now: NOON_CN };
    const first = rk();
    expect(await limiter.acquire({ ...p, requestKey: first })).toEqual({ ok: true });
    await limiter.release({ scene: SCENE, targetIdx: idx, requestKey: first, now: NOON_CN });
    const who = idx.toString('hex').slice(0, 32);
    expect(await raw.exists(`${PREFIX}rl:code:${SCENE}:${who}:gap`)).toBe(0);
    expect(await raw.scard(`${PREFIX}rl:code:${SCENE}:${who}:day:20240615`)).toBe(0);
    expect(await limiter.acquire({ ...p, requestKey: rk() })).toEqual({ ok: true });
  });

  it("releasing a request that does not hold the gap leaves another request's gap alone", async () => {
    const idx = target();
    const p = { scene: SCENE, targetIdx: idx, perDay: 5, gapSec: 60, now: NOON_CN };
    const holder = rk();
    expect(await limiter.acquire({ ...p, requestKey: holder })).toEqual({ ok: true });
    await limiter.release({ scene: SCENE, targetIdx: idx, requestKey: rk(), now: NOON_CN });
    expect(await limiter.acquire({ ...p, requestKey: rk() })).toMatchObject({ ok: false, reason: 'too_soon' });
    const who = idx.toString('hex').slice(0, 32);
    expect(await raw.scard(`${PREFIX}rl:code:${SCENE}:${who}:day:20240615`)).toBe(1);
  });

  it('a slot taken before midnight (China) and released after it goes back to its day', async () => {
    const idx = target();
    const before = Date.UTC(2024, 5, 15, 15, 59, 59); // 23:59:59 in China
    const after = Date.UTC(2024, 5, 15, 16, 0, 1); // 00:00:01 the next day
    const keys = [rk(), rk()];
    for (const k of keys) expect((await limiter.acquire({ scene: SCENE, targetIdx: idx, requestKey: k, perDay: 2, gapSec: 0, now: before })).ok).toBe(true);
    expect(await limiter.acquire({ scene: SCENE, targetIdx: idx, requestKey: rk(), perDay: 2, gapSec: 0, now: before })).toEqual({ ok: false, reason: 'daily_limit' });
    await limiter.release({ scene: SCENE, targetIdx: idx, requestKey: keys[0]!, now: after });
    expect((await limiter.acquire({ scene: SCENE, targetIdx: idx, requestKey: rk(), perDay: 2, gapSec: 0, now: before })).ok).toBe(true);
  });

  it('release of an unknown request is harmless', async () => {
    await expect(limiter.release({ scene: SCENE, targetIdx: target(), requestKey: rk(), now: NOON_CN })).resolves.toBeUndefined();
  });

  it('gapSec 0 sets no gap: back-to-back requests are ok until the cap', async () => {
    const idx = target();
    const p = { scene: SCENE, targetIdx: idx, perDay: 2, gapSec: 0, now: NOON_CN };
    expect(await limiter.acquire({ ...p, requestKey: rk() })).toEqual({ ok: true });
    expect(await limiter.acquire({ ...p, requestKey: rk() })).toEqual({ ok: true });
    const who = idx.toString('hex').slice(0, 32);
    expect(await raw.exists(`${PREFIX}rl:code:${SCENE}:${who}:gap`)).toBe(0);
    expect(await limiter.acquire({ ...p, requestKey: rk() })).toEqual({ ok: false, reason: 'daily_limit' });
  });

  it('a short gap expires by itself', async () => {
    const idx = target();
    const p = { scene: SCENE, targetIdx: idx, perDay: 5, gapSec: 1, now: NOON_CN };
    expect(await limiter.acquire({ ...p, requestKey: rk() })).toEqual({ ok: true });
    expect(await limiter.acquire({ ...p, requestKey: rk() })).toMatchObject({ ok: false, reason: 'too_soon' });
    await new Promise((r) => setTimeout(r, 1100));
    expect(await limiter.acquire({ ...p, requestKey: rk() })).toEqual({ ok: true });
  });

  it('counts separately per scene and per address', async () => {
    const idx = target();
    const p = { targetIdx: idx, perDay: 1, gapSec: 60, now: NOON_CN };
    expect(await limiter.acquire({ ...p, scene: 'bind_phone', requestKey: rk() })).toEqual({ ok: true });
    expect(await limiter.acquire({ ...p, scene: 'unbind_phone', requestKey: rk() })).toEqual({ ok: true });
    expect(await limiter.acquire({ ...p, scene: 'bind_phone', targetIdx: target(), requestKey: rk() })).toEqual({ ok: true });
    expect(await limiter.acquire({ ...p, scene: 'bind_phone', requestKey: rk() })).toMatchObject({ ok: false });
  });

  it('the daily count starts afresh when the China day rolls over at 16:00 UTC', async () => {
    const idx = target();
    const beforeRoll = Date.UTC(2024, 5, 15, 15, 59, 59, 0); // 23:59:59 in China, day 20240615
    const afterRoll = Date.UTC(2024, 5, 15, 16, 0, 0, 0); // 00:00:00 in China, day 20240616
    const p = { scene: SCENE, targetIdx: idx, perDay: 2, gapSec: 0 };
    expect(await limiter.acquire({ ...p, requestKey: rk(), now: beforeRoll })).toEqual({ ok: true });
    expect(await limiter.acquire({ ...p, requestKey: rk(), now: beforeRoll })).toEqual({ ok: true });
    expect(await limiter.acquire({ ...p, requestKey: rk(), now: beforeRoll })).toEqual({ ok: false, reason: 'daily_limit' });
    expect(await limiter.acquire({ ...p, requestKey: rk(), now: afterRoll })).toEqual({ ok: true });
    const who = idx.toString('hex').slice(0, 32);
    expect(await raw.scard(`${PREFIX}rl:code:${SCENE}:${who}:day:20240615`)).toBe(2);
    expect(await raw.scard(`${PREFIX}rl:code:${SCENE}:${who}:day:20240616`)).toBe(1);
  });

  it('a retry of the same request key stays idempotent across the China-day rollover', async () => {
    // An activity acquires at 23:59:59 (China), fails, and is retried a second later,
    // after midnight: the day set is a new one, but the gap key is still held by this
    // very request. The module promises "an activity retry does not count twice".
    const idx = target();
    const requestKey = rk();
    const p = { scene: SCENE, targetIdx: idx, requestKey, perDay: 5, gapSec: 60 };
    expect(await limiter.acquire({ ...p, now: Date.UTC(2024, 5, 15, 15, 59, 59, 0) })).toEqual({ ok: true });
    expect(await limiter.acquire({ ...p, now: Date.UTC(2024, 5, 15, 16, 0, 0, 0) })).toEqual({ ok: true });
  });

  it('concurrent acquires never exceed the cap', async () => {
    const idx = target();
    const p = { scene: SCENE, targetIdx: idx, perDay: 3, gapSec: 0, now: NOON_CN };
    const results = await Promise.all(Array.from({ length: 20 }, () => limiter.acquire({ ...p, requestKey: rk() })));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok && r.reason === 'daily_limit')).toHaveLength(17);
  });

  it('concurrent acquires with a gap let exactly one through', async () => {
    const idx = target();
    const p = { scene: SCENE, targetIdx: idx, perDay: 10, gapSec: 60, now: NOON_CN };
    const results = await Promise.all(Array.from({ length: 10 }, () => limiter.acquire({ ...p, requestKey: rk() })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'too_soon')).toHaveLength(9);
  });
});
