// lib/codes.ts (generation, keyed hashing, comparison) and lib/scenes.ts (the scene table).
import { randomBytes } from 'node:crypto';
import { codeFor, codeMatches, hashCode } from '../../lib/codes';
import { CODE_LENGTH, SCENES } from '../../lib/scenes';

const pepper = randomBytes(32).toString('base64');
const otherPepper = randomBytes(32).toString('base64');

describe('codeFor', () => {
  // 2000 draws of a uniform 6-digit code (10^6 values):
  //  - expected colliding pairs C(2000,2)/10^6 ≈ 2; ≥ 100 of them (needed to get ≤ 1900
  //    distinct) has probability < 1e-100.
  //  - P(no code with a leading zero) = 0.9^2000 ≈ 1e-92.
  //  - per (position, digit) cell, count ~ Binomial(2000, 0.1): mean 200, sd 13.4; the
  //    band [100, 300] is ±7.4 sd, so over all 60 cells P(any outside) < 1e-9.
  const N = 2000;
  const draws = Array.from({ length: N }, () => codeFor(pepper, `flow:acct/${randomBytes(6).toString('hex')}/code/1`));

  it('always yields exactly six ASCII digits', () => {
    for (const c of draws) expect(c).toMatch(/^\d{6}$/);
    expect(CODE_LENGTH).toBe(6);
  });

  it('draws from a wide distribution (2000 draws → > 1900 distinct)', () => {
    expect(new Set(draws).size).toBeGreaterThan(1900);
  });

  it('produces leading zeros (codes are zero-padded, not drawn from 100000–999999)', () => {
    expect(draws.some((c) => c.startsWith('0'))).toBe(true);
  });

  it('uses every digit in every position roughly uniformly', () => {
    for (let pos = 0; pos < 6; pos++) {
      const counts = new Array<number>(10).fill(0);
      for (const c of draws) counts[Number(c[pos])]!++;
      for (const n of counts) {
        expect(n).toBeGreaterThanOrEqual(100);
        expect(n).toBeLessThanOrEqual(300);
      }
    }
  });

  it('is the same for every retry of one request, and another for another request or pepper', () => {
    // fixed inputs, so this is deterministic (random ones would collide once in 10^6)
    const p1 = Buffer.alloc(32, 1).toString('base64');
    const p2 = Buffer.alloc(32, 2).toString('base64');
    const key = 'bind-phone:u1/0123456789ab/code/1';
    expect(codeFor(p1, key)).toBe(codeFor(p1, key));
    const others = ['bind-phone:u1/0123456789ab/code/2', 'bind-phone:u1/0123456789ac/code/1'].map((k) => codeFor(p1, k));
    expect(others).not.toContain(codeFor(p1, key));
    expect(codeFor(p2, key)).not.toBe(codeFor(p1, key));
  });
});

describe('hashCode', () => {
  it('is a 32-byte HMAC-SHA256 and deterministic', () => {
    const h = hashCode(pepper, 'id-1', '123456');
    expect(Buffer.isBuffer(h)).toBe(true);
    expect(h).toHaveLength(32);
    expect(hashCode(pepper, 'id-1', '123456').equals(h)).toBe(true);
  });

  it('depends on the pepper, the code id and the code', () => {
    const h = hashCode(pepper, 'id-1', '123456');
    expect(hashCode(otherPepper, 'id-1', '123456').equals(h)).toBe(false);
    expect(hashCode(pepper, 'id-2', '123456').equals(h)).toBe(false);
    expect(hashCode(pepper, 'id-1', '123457').equals(h)).toBe(false);
  });

  it('is not a bare SHA-256 of the code', () => {
    const { createHash } = jest.requireActual('node:crypto') as typeof import('node:crypto');
    const h = hashCode(pepper, 'id-1', '123456');
    expect(h.equals(createHash('sha256').update('123456').digest())).toBe(false);
    expect(h.equals(createHash('sha256').update('id-1:123456').digest())).toBe(false);
  });

  it('does not contain the code in clear', () => {
    const h = hashCode(pepper, 'id-1', '123456');
    expect(h.toString('latin1')).not.toContain('123456');
    expect(h.toString('hex')).not.toContain('123456'.split('').map((d) => d.charCodeAt(0).toString(16)).join(''));
  });
});

describe('codeMatches', () => {
  const codeId = '3f1c9a52-7d1e-4c4a-9b1b-5a2f0e6d8c11';
  const stored = hashCode(pepper, codeId, '042917');

  it('is true for the right code', () => {
    expect(codeMatches(pepper, codeId, '042917', stored)).toBe(true);
  });

  it.each([
    ['a wrong code', pepper, codeId, '042918'],
    ['the code without its leading zero', pepper, codeId, '42917'],
    ['the code with a trailing space', pepper, codeId, '042917 '],
    ['an empty code', pepper, codeId, ''],
    ['another code id', pepper, 'another-id', '042917'],
    ['another pepper', otherPepper, codeId, '042917'],
  ])('is false for %s', (_label, pep, id, code) => {
    expect(codeMatches(pep, id, code, stored)).toBe(false);
  });

  it('is false (and does not throw) for a stored hash of a different length', () => {
    expect(codeMatches(pepper, codeId, '042917', stored.subarray(0, 16))).toBe(false);
    expect(codeMatches(pepper, codeId, '042917', Buffer.concat([stored, Buffer.from([0])]))).toBe(false);
    expect(codeMatches(pepper, codeId, '042917', Buffer.alloc(0))).toBe(false);
  });

  it('is false for a same-length hash that differs in one bit', () => {
    const flipped = Buffer.from(stored);
    flipped[31] = flipped[31]! ^ 1;
    expect(codeMatches(pepper, codeId, '042917', flipped)).toBe(false);
  });
});

describe('SCENES', () => {
  it('equals the scene table of docs/rules.md#code-scenes', () => {
    expect(SCENES).toEqual({
      unbind_phone: { perDay: 5, lifetimeSec: 300, resendGapSec: 60 },
      bind_phone: { perDay: 6, lifetimeSec: 300, resendGapSec: 60 },
      unbind_email: { perDay: 5, lifetimeSec: 300, resendGapSec: 60 },
      bind_email: { perDay: 5, lifetimeSec: 300, resendGapSec: 60 },
      recover_account: { perDay: 5, lifetimeSec: 300, resendGapSec: 60 },
      unfreeze_account: { perDay: 5, lifetimeSec: 300, resendGapSec: 60 },
      cancel_account: { perDay: 5, lifetimeSec: 300, resendGapSec: 60 },
      update_password: { perDay: 6, lifetimeSec: 300, resendGapSec: 60 },
      security_check: { perDay: 5, lifetimeSec: 300, resendGapSec: 60 },
    });
  });

  it('has exactly the nine scenes', () => {
    expect(Object.keys(SCENES).sort()).toEqual(['bind_email', 'bind_phone', 'cancel_account', 'recover_account', 'security_check', 'unbind_email', 'unbind_phone', 'unfreeze_account', 'update_password']);
  });
});
