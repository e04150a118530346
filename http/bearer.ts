// A static bearer token (CODEC_TOKEN, METRICS_TOKEN) compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * `Authorization` header → whether it is `Bearer <token>`. Digests of equal length, so the
 * comparison takes the same time whatever was sent; the scheme is case-insensitive (RFC 7235),
 * the token is not.
 */
export function bearerMatcher(token: string): (authorization: string | undefined) => boolean {
  const expected = createHash('sha256').update(`Bearer ${token}`).digest();
  return (authorization) => timingSafeEqual(createHash('sha256').update((authorization ?? '').replace(/^bearer /i, 'Bearer ')).digest(), expected);
}
