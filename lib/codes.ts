// Verification codes: drawn from a keyed PRF, stored only as a keyed hash (a bare SHA of
// a 6-digit code falls to a million guesses), compared in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CODE_LENGTH } from './scenes';

const RANGE = 10 ** CODE_LENGTH;
// the largest multiple of RANGE below 2^32: values at or above it are skipped, so every code
// is equally likely
const ACCEPT_BELOW = Math.floor(2 ** 32 / RANGE) * RANGE;

/**
 * The code of one send request: HMAC-SHA256 under the secret pepper over the request key, as
 * HMAC_DRBG draws (unpredictable without the pepper; request keys are unique per flow run and
 * request). Being a function of the request, a retried send can only repeat the code it may
 * already have sent, never send a second, different one.
 */
export function codeFor(pepper: string, requestKey: string): string {
  for (let counter = 0; ; counter++) {
    const block = createHmac('sha256', Buffer.from(pepper, 'base64')).update(`code-draw:${counter}:${requestKey}`).digest();
    for (let i = 0; i + 4 <= block.length; i += 4) {
      const v = block.readUInt32BE(i);
      if (v < ACCEPT_BELOW) return String(v % RANGE).padStart(CODE_LENGTH, '0');
    }
  }
}

/** The code id is in the MAC so one row's hash says nothing about another row's code. */
export function hashCode(pepper: string, codeId: string, code: string): Buffer {
  return createHmac('sha256', Buffer.from(pepper, 'base64')).update(`${codeId}:${code}`).digest();
}

export function codeMatches(pepper: string, codeId: string, submitted: string, storedHash: Buffer): boolean {
  const candidate = hashCode(pepper, codeId, submitted);
  return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash);
}
