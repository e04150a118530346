// Does a provider setting point at one of our sandboxes? Production must never send a
// real user's code to the SMTP sink or "verify" an ID against a gateway that answers
// whatever its magic inputs say, so config load refuses these (lib/config.ts). A sandbox
// is recognised by where it runs (this machine: loopback or unspecified host) or by the
// ports the sandboxes listen on (e.g. compose's `sandbox:8081`). Private addresses are not
// refused here: a production SMTP relay or egress proxy may well sit on one.
import { isIP } from 'node:net';
import { nonPublicReason } from './ip-address';

/** Ports the sandboxes use by default: SMS, SMTP, inbox, ID check, face function, Alibaba face, WeChat. */
export const SANDBOX_DEFAULT_PORTS = [8081, 2525, 8025, 8082, 8083, 8085, 8086] as const;

export function sandboxHostReason(host: string): string | null {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return `loopback host ${host}`;
  if (!isIP(h)) return null;
  const why = nonPublicReason(h);
  return why !== null && /^(loopback|unspecified)/.test(why) ? `${why} host ${host}` : null;
}

/** Why host:port looks like a sandbox, or null. */
export function sandboxEndpointReason(host: string, port: number, sandboxPorts: readonly number[]): string | null {
  return sandboxHostReason(host) ?? (sandboxPorts.includes(port) ? `port ${port} is a sandbox's` : null);
}

/** "host[:port]" (SMS_ENDPOINT's form) or a URL, as host and port; null when unreadable. */
export function endpointHostPort(endpoint: string, defaultScheme: 'http:' | 'https:'): { host: string; port: number; scheme: string } | null {
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `${defaultScheme}//${endpoint}`);
  } catch {
    return null;
  }
  const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  return { host: u.hostname, port, scheme: u.protocol };
}
