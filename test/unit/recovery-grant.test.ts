// lib/recovery-grant.ts: the lookup's ticket (signed, bound to one account, expiring) and the
// grant derived from a run's key (stable for the run, another for another run or key).
import { randomBytes } from 'node:crypto';
import { GRANT_PATTERN, grantHash, grantOf, signTicket, verifyTicket } from '../../lib/recovery-grant';

const key = randomBytes(32).toString('base64');
const otherKey = randomBytes(32).toString('base64');
const now = Date.parse('2026-12-02T08:00:00Z');
const exp = now / 1000 + 600;

describe('ticket', () => {
  test('a signed ticket gives its account back until it expires', () => {
    const t = signTicket(key, { accountId: 'u1001', exp });
    expect(t).toMatch(/^rt1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyTicket(key, t, now)).toEqual({ accountId: 'u1001', exp });
    expect(verifyTicket(key, t, exp * 1000)).toBeNull();
  });

  test('another key, another account in the body, a changed signature, junk: nothing', () => {
    const t = signTicket(key, { accountId: 'u1001', exp });
    const [p, , sig] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ a: 'u2002', e: exp })).toString('base64url');
    expect(verifyTicket(otherKey, t, now)).toBeNull();
    expect(verifyTicket(key, `${p}.${forged}.${sig}`, now)).toBeNull();
    // the signature's first character changed (its last carries padding bits)
    expect(verifyTicket(key, `${p}.${t.split('.')[1]}.${sig![0] === 'A' ? 'B' : 'A'}${sig!.slice(1)}`, now)).toBeNull();
    for (const junk of ['', 'rt1', 'rt1..', 'rt1.e30.x', `${t}.extra`, 'x'.repeat(600)]) expect(verifyTicket(key, junk, now)).toBeNull();
  });
});

describe('grant', () => {
  test('the same for every retry of one run; another for another run or key; shaped as the routes expect', () => {
    const g = grantOf(key, 'recovery:u1001/0a1b2c3d4e5f');
    expect(g).toMatch(GRANT_PATTERN);
    expect(grantOf(key, 'recovery:u1001/0a1b2c3d4e5f')).toBe(g);
    expect(grantOf(key, 'recovery:u1001/0a1b2c3d4e60')).not.toBe(g);
    expect(grantOf(otherKey, 'recovery:u1001/0a1b2c3d4e5f')).not.toBe(g);
  });

  test('its hash is what the database keeps: 32 bytes, not the grant', () => {
    const g = grantOf(key, 'password-reset:u1001/0a1b2c3d4e5f');
    const h = grantHash(g);
    expect(h).toHaveLength(32);
    expect(h.toString('base64url')).not.toBe(g.slice(4));
    expect(grantHash(g).equals(h)).toBe(true);
  });
});
