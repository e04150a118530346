// flows/security-check/pass.ts: what a security pass's row lets a real-name start do, in the
// order the refusals are checked (the API's look before a run, the run's own under the row's
// lock), and the pass as lib/recovery-grant.ts derives it for a security check's run.
import { randomBytes } from 'node:crypto';
import type { GrantRow } from '../../db/recovery';
import { passRefusal } from '../../flows/security-check/pass';
import { GRANT_PATTERN, grantHash, grantOf } from '../../lib/recovery-grant';

const now = Date.parse('2026-12-02T08:00:00Z');
const key = randomBytes(32).toString('base64');

function row(o: Partial<GrantRow> = {}): GrantRow {
  const pass = grantOf(key, 'security-check:u1/abc');
  return {
    grant_hash: grantHash(pass),
    run_key: 'security-check:u1/abc',
    flow_id: 'security-check:u1',
    account_id: 'u1',
    method: 'sms',
    purpose: 'security',
    issued_at: new Date(now - 1000),
    expires_at: new Date(now + 600_000),
    redeemed_at: null,
    sessions_ended: null,
    device_id: 'dev-1',
    used_by_run_key: null,
    used_by_run_id: null,
    ...o,
  };
}
const use = { accountId: 'u1', deviceId: 'dev-1' };
const spent = { redeemed_at: new Date(now - 10), used_by_run_key: 'real-name:u1/r1', used_by_run_id: 'run-1' };

test('an unspent, unexpired pass of this account and device lets the start go on', () => {
  expect(passRefusal(row(), use, now)).toBeNull();
});

test('no row, or another purpose\'s grant: invalid', () => {
  expect(passRefusal(null, use, now)).toBe('SECURITY_PASS_INVALID');
  expect(passRefusal(row({ purpose: 'password_reset' }), use, now)).toBe('SECURITY_PASS_INVALID');
  expect(passRefusal(row({ purpose: 'recovery', device_id: null }), use, now)).toBe('SECURITY_PASS_INVALID');
});

test('another account, then another device', () => {
  expect(passRefusal(row(), { ...use, accountId: 'u2' }, now)).toBe('SECURITY_PASS_ACCOUNT_MISMATCH');
  expect(passRefusal(row(), { ...use, deviceId: 'dev-2' }, now)).toBe('SECURITY_PASS_DEVICE_MISMATCH');
  // both wrong: the account is told first (a pass of another account says nothing of its devices)
  expect(passRefusal(row(), { accountId: 'u2', deviceId: 'dev-2' }, now)).toBe('SECURITY_PASS_ACCOUNT_MISMATCH');
});

test('expired at its instant, not a millisecond before', () => {
  expect(passRefusal(row({ expires_at: new Date(now + 1) }), use, now)).toBeNull();
  expect(passRefusal(row({ expires_at: new Date(now) }), use, now)).toBe('SECURITY_PASS_EXPIRED');
});

test('spent: used for any other run; still good for the run that spent it (by run key: its retried step; by run id: a repeat of its start), even once expired', () => {
  expect(passRefusal(row(spent), use, now)).toBe('SECURITY_PASS_USED');
  expect(passRefusal(row(spent), { ...use, run: { runKey: 'real-name:u1/r2' } }, now)).toBe('SECURITY_PASS_USED');
  expect(passRefusal(row(spent), { ...use, run: { runId: 'run-2' } }, now)).toBe('SECURITY_PASS_USED');
  expect(passRefusal(row(spent), { ...use, run: { runKey: 'real-name:u1/r1' } }, now)).toBeNull();
  expect(passRefusal(row(spent), { ...use, run: { runId: 'run-1' } }, now)).toBeNull();
  expect(passRefusal(row({ ...spent, expires_at: new Date(now - 1) }), { ...use, run: { runId: 'run-1' } }, now)).toBeNull();
  // a spent pass of another account is that account's business: mismatch first
  expect(passRefusal(row(spent), { ...use, accountId: 'u2', run: { runId: 'run-1' } }, now)).toBe('SECURITY_PASS_ACCOUNT_MISMATCH');
});

test('the pass of a run: grant-shaped, stable for the run, another for another run; the row keeps its hash only', () => {
  const pass = grantOf(key, 'security-check:u1/abc');
  expect(pass).toMatch(GRANT_PATTERN);
  expect(grantOf(key, 'security-check:u1/abc')).toBe(pass);
  expect(grantOf(key, 'security-check:u1/abd')).not.toBe(pass);
  expect(row().grant_hash.equals(grantHash(pass))).toBe(true);
  expect(row().grant_hash.toString('hex')).not.toContain(pass);
});
