// The grant flows' bearer strings (account recovery, password reset: flows/shared/grant-flow.ts).
// Both are HMAC-SHA256 under the recovery key, so neither is stored or recorded anywhere in clear:
//   ticket  rt1.<claims>.<mac>  the answer of a lookup that matched an account: lets the
//           caller start a recovery of that account for a few minutes, and nothing else (no
//           recovery starts for an account id a caller merely guessed)
//   grant   rg1.<mac>           what a proven run gives the platform to redeem once: the
//           run's key (flows/shared/run-key.ts) under the key, derived when it is handed out;
//           the database keeps only its SHA-256, the history only the run key it came from
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const TICKET = 'rt1';
const GRANT = 'rg1';

const mac = (key: string, s: string) => createHmac('sha256', Buffer.from(key, 'base64')).update(s).digest();

export interface TicketClaims {
  accountId: string;
  /** unix seconds */
  exp: number;
}

export function signTicket(key: string, c: TicketClaims): string {
  const body = Buffer.from(JSON.stringify({ a: c.accountId, e: c.exp })).toString('base64url');
  return `${TICKET}.${body}.${mac(key, `${TICKET}.${body}`).toString('base64url')}`;
}

/** The claims of a well-signed, unexpired ticket; null for anything else. */
export function verifyTicket(key: string, ticket: string, now = Date.now()): TicketClaims | null {
  if (ticket.length > 512) return null;
  const [prefix, body, sig, extra] = ticket.split('.');
  if (prefix !== TICKET || !body || !sig || extra !== undefined) return null;
  const expected = mac(key, `${TICKET}.${body}`);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let c: { a?: unknown; e?: unknown };
  try {
    c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof c;
  } catch {
    return null;
  }
  if (typeof c.a !== 'string' || typeof c.e !== 'number' || c.e * 1000 <= now) return null;
  return { accountId: c.a, exp: c.e };
}

/** The grant of a recovery run: the same for every retry of the step that hands it out. */
export function grantOf(key: string, runKey: string): string {
  return `${GRANT}.${mac(key, `${GRANT}.${runKey}`).toString('base64url')}`;
}

/** What the database keeps of a grant, and looks it up by. */
export function grantHash(grant: string): Buffer {
  return createHash('sha256').update(grant).digest();
}

/** A string shaped like a grant (before any lookup): rg1. and 43 base64url characters. */
export const GRANT_PATTERN = /^rg1\.[A-Za-z0-9_-]{43}$/;
