// The app's short-lived client token for posting a face completion: HMAC-SHA256 signed,
// bound to one flow, its face check and the device that started it, valid until the face
// check's own expiry. The app authenticates with it instead of the platform's API key.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface FaceTokenClaims {
  /** the owner flow (real-name:<accountId>, …) */
  flowId: string;
  /** the face check; its workflow takes the completion signal unless hostRunId is set */
  faceCheckId: string;
  /** the owner flow's run that hosts the check (real-name since hosted-face): it takes the signal */
  hostRunId?: string;
  /** the check's certifyId (tokens issued before carried none): a completion with it and errCode 0 waits for the outcome alone */
  certifyId?: string;
  deviceId: string;
  /** unix seconds */
  exp: number;
}

const PREFIX = 'ft1';

function mac(key: string, body: string): Buffer {
  return createHmac('sha256', Buffer.from(key, 'base64')).update(`${PREFIX}.${body}`).digest();
}

export function signFaceToken(key: string, claims: FaceTokenClaims): string {
  const body = Buffer.from(
    JSON.stringify({ f: claims.flowId, c: claims.faceCheckId, ...(claims.hostRunId && { h: claims.hostRunId }), ...(claims.certifyId && { k: claims.certifyId }), d: claims.deviceId, e: claims.exp }),
  ).toString('base64url');
  return `${PREFIX}.${body}.${mac(key, body).toString('base64url')}`;
}

/** The token for a face check that just issued its certifyId, valid until the check expires. */
export function tokenForStartedCheck(
  key: string,
  started: { flowId: string; faceCheckId: string; hostRunId?: string; certifyId?: string; expiresAt: string },
  deviceId: string,
): string {
  const { flowId, faceCheckId, hostRunId, certifyId } = started;
  // signFaceToken leaves out the claims that are absent
  return signFaceToken(key, { flowId, faceCheckId, hostRunId, certifyId, deviceId, exp: Math.floor(Date.parse(started.expiresAt) / 1000) });
}

/** The claims of a well-signed, unexpired token; null for anything else. */
export function verifyFaceToken(key: string, token: string | undefined, now = Date.now()): FaceTokenClaims | null {
  if (typeof token !== 'string' || token.length > 2048) return null;
  const [prefix, body, sig, extra] = token.split('.');
  if (prefix !== PREFIX || !body || !sig || extra !== undefined) return null;
  const expected = mac(key, body);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const c = raw as { f?: unknown; c?: unknown; h?: unknown; k?: unknown; d?: unknown; e?: unknown };
  if (typeof c.f !== 'string' || typeof c.c !== 'string' || typeof c.d !== 'string' || typeof c.e !== 'number') return null;
  if ((c.h !== undefined && typeof c.h !== 'string') || (c.k !== undefined && typeof c.k !== 'string')) return null;
  if (c.e * 1000 <= now) return null;
  return { flowId: c.f, faceCheckId: c.c, ...(c.h !== undefined && { hostRunId: c.h }), ...(c.k !== undefined && { certifyId: c.k }), deviceId: c.d, exp: c.e };
}
