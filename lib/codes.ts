// Verification codes: drawn from a CSPRNG, stored only as a keyed hash (a bare SHA of
// a 6-digit code falls to a million guesses), compared in constant time.
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { CODE_LENGTH } from './scenes';

export function generateCode(): string {
  return String(randomInt(0, 10 ** CODE_LENGTH)).padStart(CODE_LENGTH, '0');
}

/** The code id is in the MAC so one row's hash says nothing about another row's code. */
export function hashCode(pepper: string, codeId: string, code: string): Buffer {
  return createHmac('sha256', Buffer.from(pepper, 'base64')).update(`${codeId}:${code}`).digest();
}

export function codeMatches(pepper: string, codeId: string, submitted: string, storedHash: Buffer): boolean {
  const candidate = hashCode(pepper, codeId, submitted);
  return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash);
}
