// Which endpoint URLs a subscriber may register. Everywhere: http(s) only, no
// credentials in the URL, no fragment. In production (WEBHOOK_ALLOW_PRIVATE_URLS=false):
// https only, and no internal literal address (lib/ip-address.ts) or local name. A public
// name may still resolve to a private address, now or after a DNS change: that is caught
// at delivery, where the sender checks the resolved address and connects to exactly it
// (lib/webhook-http.ts).
import { isIP } from 'node:net';
import { nonPublicReason } from './ip-address';

function privateHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(h)) return nonPublicReason(h) !== null;
  const name = h.replace(/\.$/, ''); // "localhost." is localhost
  return name === 'localhost' || /\.(localhost|local|internal|home\.arpa)$/.test(name) || !name.includes('.');
}

export type UrlProblem = 'not a URL' | 'scheme must be http or https' | 'credentials are not allowed in the URL' | 'fragments are not allowed' | 'https is required' | 'private or loopback hosts are not allowed';

export function webhookUrlProblem(raw: string, allowPrivate: boolean): UrlProblem | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'scheme must be http or https';
  if (u.username || u.password) return 'credentials are not allowed in the URL';
  if (u.hash) return 'fragments are not allowed';
  if (!allowPrivate) {
    if (u.protocol !== 'https:') return 'https is required';
    if (privateHost(u.hostname)) return 'private or loopback hosts are not allowed';
  }
  return null;
}
