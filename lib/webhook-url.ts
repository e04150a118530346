// Which endpoint URLs a subscriber may register. Everywhere: http(s) only, no
// credentials in the URL, no fragment. In production (WEBHOOK_ALLOW_PRIVATE_URLS=false):
// https only, and no loopback / private / link-local literal address or local name.
// (A public name that resolves to a private address is not caught here; egress
// filtering belongs to the network.)
import { isIP } from 'node:net';

function privateV4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

function privateHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  const kind = isIP(h);
  if (kind === 4) return privateV4(h);
  if (kind === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    if (mapped) return privateV4(mapped[1]!);
    // WHATWG URL writes a mapped IPv4 address in hex: ::ffff:7f00:1
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
    if (hex) {
      const hi = parseInt(hex[1]!, 16);
      const lo = parseInt(hex[2]!, 16);
      return privateV4(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
    }
    return h === '::' || h === '::1' || /^f[cd]/.test(h) || /^fe[89ab]/.test(h);
  }
  return h === 'localhost' || /\.(localhost|local|internal|home\.arpa)$/.test(h) || !h.includes('.');
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
