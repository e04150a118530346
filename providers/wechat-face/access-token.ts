// The mini-program's access_token, from WeChat's stable-token endpoint, shared by every worker
// through Redis. WeChat's rules shape it (docs/providers.md#wechat-access-token): a token lives
// 7200 s; in normal mode WeChat hands out a new one only in the old one's last 5 minutes, and
// both stay valid through that handover; a forced refresh ends the current token for everyone,
// at most 20 times a day and not twice within 30 s; stable_token itself is rate limited. So:
//
//  - one cached value per appid, `<keyPrefix><appid>` = { token, expiresAtMs }, its Redis TTL
//    the token's own;
//  - refreshed when less than `refreshBeforeSec` (300) is left, by ONE process at a time: the
//    one that takes `<keyPrefix><appid>:lock` (SET NX PX with a random owner, released only by
//    its owner); the others keep using the old token while it is valid, or, on a cold start,
//    wait for the new value to appear;
//  - a business API's 40001 / 42001 / 40014 is answered by replace(staleToken): unless another
//    process has already replaced it, fetch again in normal mode, and only when WeChat hands
//    back the very token it refused, force a refresh. The client retries its call once.
//
// The token and the secret never reach a log line, an error message or a span.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../lib/logger';
import { providerCall } from '../shared/trace';
import { errcodeFailure, errcodeOf, postJson, redact, type WechatFailure } from './wire';

export interface WechatTokenConfig {
  /** api.weixin.qq.com, or the sandbox standing in for it */
  baseUrl: string;
  appid: string;
  secret: string;
  /** Redis key prefix of the cached token and its lock (after the connection's own prefix) */
  keyPrefix: string;
  timeoutMs: number;
}

export interface TokenOptions {
  /** ms since epoch; defaults to Date.now */
  now?: () => number;
  log?: Logger;
  /** refresh once less than this is left (WeChat hands a new token out in the last 300 s) */
  refreshBeforeSec?: number;
  /** how long a refresher holds the lock at most (a crashed one frees it after this) */
  lockTtlMs?: number;
  /** how long a caller without a usable token waits for another process's refresh */
  waitMs?: number;
  pollMs?: number;
}

export type TokenResult = { ok: true; token: string; expiresAtMs: number } | WechatFailure;

export interface AccessTokens {
  /** A token with more than the refresh margin left, refreshing it first when needed. */
  get(): Promise<TokenResult>;
  /** A business API refused `stale`: a token that is not it, replacing it at most once. */
  replace(stale: string): Promise<TokenResult>;
}

interface Cached {
  token: string;
  expiresAtMs: number;
}

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** A token this close to its end is not handed to a call that may take seconds. */
const USABLE_MARGIN_MS = 5_000;

export function createAccessTokens(cfg: WechatTokenConfig, redis: Redis, opts: TokenOptions = {}): AccessTokens {
  const now = opts.now ?? Date.now;
  const refreshBeforeMs = (opts.refreshBeforeSec ?? 300) * 1000;
  const lockTtlMs = opts.lockTtlMs ?? Math.max(15_000, 2 * cfg.timeoutMs + 1_000);
  const waitMs = opts.waitMs ?? Math.max(10_000, 2 * cfg.timeoutMs);
  const pollMs = opts.pollMs ?? 50;
  const key = `${cfg.keyPrefix}${cfg.appid}`;
  const lockKey = `${key}:lock`;
  const url = `${cfg.baseUrl.replace(/\/+$/, '')}/cgi-bin/stable_token`;

  const usable = (c: Cached | null): c is Cached => c !== null && c.expiresAtMs - now() > USABLE_MARGIN_MS;
  const fresh = (c: Cached | null): c is Cached => c !== null && c.expiresAtMs - now() > refreshBeforeMs;
  const ok = (c: Cached): TokenResult => ({ ok: true, token: c.token, expiresAtMs: c.expiresAtMs });

  async function read(): Promise<Cached | null> {
    const raw = await redis.get(key);
    if (!raw) return null;
    try {
      const v = JSON.parse(raw) as Partial<Cached>;
      return typeof v.token === 'string' && typeof v.expiresAtMs === 'number' ? { token: v.token, expiresAtMs: v.expiresAtMs } : null;
    } catch {
      return null;
    }
  }

  async function write(c: Cached): Promise<void> {
    await redis.set(key, JSON.stringify(c), 'PX', Math.max(1, c.expiresAtMs - now()));
  }

  async function fetchToken(force: boolean): Promise<TokenResult> {
    const scrub = (s: string) => redact(s, [cfg.secret]);
    return providerCall('wechat', 'stable_token', async (): Promise<TokenResult> => {
      const r = await postJson(url, { grant_type: 'client_credential', appid: cfg.appid, secret: cfg.secret, force_refresh: force }, cfg.timeoutMs, scrub);
      if (!r.ok) return r;
      const errcode = errcodeOf(r.data);
      if (errcode !== 0) {
        if (errcode === null) return { ok: false, code: 'InvalidResponse', message: 'errcode is not a number', retryable: true };
        const f = errcodeFailure(errcode, r.data.errmsg, scrub);
        // anything but busy or a quota is our configuration (appid, secret, IP allow-list):
        // no retry mends it, and another provider can still serve the check
        return f.retryable ? f : { ...f, unavailable: true };
      }
      const { access_token: token, expires_in: expiresIn } = r.data;
      if (typeof token !== 'string' || token === '' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
        return { ok: false, code: 'InvalidResponse', message: 'stable_token answered without access_token / expires_in', retryable: true };
      }
      return { ok: true, token, expiresAtMs: now() + expiresIn * 1000 };
    });
  }

  /** Polls for a usable token other than `old` until `waitMs` has passed. */
  async function waitForOther(old: string | undefined): Promise<Cached | null> {
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, pollMs));
      const c = await read();
      if (usable(c) && c.token !== old) return c;
    }
    return null;
  }

  /**
   * Refresh under the lock. `stale`: the token a business API refused (replace), else
   * undefined (get: the cached one is merely near its end, or missing).
   */
  async function refresh(cached: Cached | null, stale: string | undefined): Promise<TokenResult> {
    const owner = randomBytes(16).toString('hex');
    const locked = (await redis.set(lockKey, owner, 'PX', lockTtlMs, 'NX')) === 'OK';
    if (!locked) {
      // another process is refreshing: keep using a valid old token, or wait for the new one
      if (!stale && usable(cached)) return ok(cached);
      const next = await waitForOther(stale ?? cached?.token);
      if (next) return ok(next);
      if (!stale && usable(cached)) return ok(cached);
      return { ok: false, code: 'TokenRefreshTimeout', message: `no access_token from another process's refresh within ${waitMs} ms`, retryable: true };
    }
    try {
      // someone may have finished a refresh between our read and our lock
      const again = await read();
      if (stale ? usable(again) && again.token !== stale : fresh(again)) return ok(again as Cached);

      let r = await fetchToken(false);
      let forced = false;
      if (r.ok && stale !== undefined && r.token === stale) {
        // WeChat still hands out the token it refuses: only a forced refresh ends it
        forced = true;
        r = await fetchToken(true);
      }
      if (!r.ok) {
        opts.log?.warn({ appid: cfg.appid, code: r.code, retryable: r.retryable, forced }, 'wechat access_token refresh failed');
        // a failed refresh costs nothing while the old token still works
        if (!stale && usable(again ?? cached)) return ok((again ?? cached) as Cached);
        return r;
      }
      await write({ token: r.token, expiresAtMs: r.expiresAtMs });
      opts.log?.info({ appid: cfg.appid, expiresInSec: Math.round((r.expiresAtMs - now()) / 1000), forced, replaced: stale !== undefined }, 'wechat access_token refreshed');
      return r;
    } finally {
      await redis.eval(RELEASE, 1, lockKey, owner).catch(() => undefined);
    }
  }

  /** Redis failing is a failure like any other: a value, retryable. */
  async function guarded(run: () => Promise<TokenResult>): Promise<TokenResult> {
    try {
      return await run();
    } catch (err) {
      return { ok: false, code: 'RedisError', message: redact(`token cache: ${(err as Error).message}`, [cfg.secret]), retryable: true };
    }
  }

  return {
    get: () =>
      guarded(async () => {
        const cached = await read();
        if (fresh(cached)) return ok(cached);
        return refresh(cached, undefined);
      }),
    replace: (stale) =>
      guarded(async () => {
        const cached = await read();
        if (usable(cached) && cached.token !== stale) return ok(cached);
        return refresh(cached, stale);
      }),
  };
}
