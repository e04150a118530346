// The app's face token (lib/face-token.ts): what it carries, and what it refuses.
import { createHmac } from 'node:crypto';
import { signFaceToken, tokenForStartedCheck, verifyFaceToken } from '../../lib/face-token';

const KEY = Buffer.alloc(32, 7).toString('base64');
const NOW = Date.parse('2026-12-03T08:00:00Z');
const exp = NOW / 1000 + 600;
const body = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString('utf8'));

test('a check of its own workflow: flow, check, device, expiry; no host run, no certifyId', () => {
  const t = signFaceToken(KEY, { flowId: 'rebind-phone:u1', faceCheckId: 'rebind-phone:u1/n/face', deviceId: 'd1', exp });
  expect(verifyFaceToken(KEY, t, NOW)).toEqual({ flowId: 'rebind-phone:u1', faceCheckId: 'rebind-phone:u1/n/face', deviceId: 'd1', exp });
  expect(Object.keys(body(t)).sort()).toEqual(['c', 'd', 'e', 'f']);
});

test('a check hosted by its owner run: the run and the certifyId travel signed', () => {
  const started = { flowId: 'real-name:u1', faceCheckId: 'real-name:u1/n/face', hostRunId: 'run-1', certifyId: 'cert-1', expiresAt: new Date(exp * 1000).toISOString() };
  const t = tokenForStartedCheck(KEY, started, 'd1');
  expect(verifyFaceToken(KEY, t, NOW)).toEqual({ flowId: 'real-name:u1', faceCheckId: 'real-name:u1/n/face', hostRunId: 'run-1', certifyId: 'cert-1', deviceId: 'd1', exp });
  // another key, a changed claim or an expired token: nothing
  expect(verifyFaceToken(Buffer.alloc(32, 8).toString('base64'), t, NOW)).toBeNull();
  const [p, b, s] = t.split('.');
  const forged = Buffer.from(JSON.stringify({ ...body(t), h: 'run-2' })).toString('base64url');
  expect(verifyFaceToken(KEY, `${p}.${forged}.${s}`, NOW)).toBeNull();
  expect(b).not.toBe(forged);
  expect(verifyFaceToken(KEY, t, exp * 1000)).toBeNull();
});

test('claims of the wrong type are refused even when well signed', () => {
  const good = signFaceToken(KEY, { flowId: 'f', faceCheckId: 'c', deviceId: 'd', exp });
  expect(verifyFaceToken(KEY, reSign(good.split('.')[1]!), NOW)).not.toBeNull();
  for (const extra of [{ h: 5 }, { k: ['cert'] }, { h: null }]) {
    const b = Buffer.from(JSON.stringify({ ...body(good), ...extra })).toString('base64url');
    expect(verifyFaceToken(KEY, reSign(b), NOW)).toBeNull();
  }
});

/** A token over any body, signed as lib/face-token.ts signs. */
function reSign(b: string): string {
  return `ft1.${b}.${createHmac('sha256', Buffer.from(KEY, 'base64')).update(`ft1.${b}`).digest().toString('base64url')}`;
}
