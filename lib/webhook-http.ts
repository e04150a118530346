// One webhook POST, sent to an address that was checked just before. Checking a URL's
// name at registration is not enough: its DNS answer can change at any time, and a
// fetch() that resolves the name again when it connects can be steered to a private
// address between the check and the connection (DNS rebinding). So the sender resolves
// the name once, checks every address it got, and hands net.connect a lookup that can
// only return those checked addresses. The Host header and the TLS servername stay the
// URL's, so virtual hosting and certificate verification work as with any client.
//
// node:http(s) rather than fetch: its `lookup` option is the documented way to choose
// the address of a connection, without another HTTP client as a dependency. A fresh
// connection per attempt (no pooled socket made under another policy can be reused).
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a name resolves to. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), all addresses. */
export const systemResolve: Resolve = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** The reason an address may not be reached, or null. */
export type AddressCheck = (address: string) => string | null;

/** The name resolved to an address the policy forbids; nothing was sent. */
export class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
  constructor(
    readonly address: string,
    readonly reason: string,
  ) {
    super(`refused address ${address} (${reason})`);
  }
}

export interface PinnedPost {
  headers: Record<string, string>;
  body: string;
  /** aborts resolution, connection and the wait for the status line */
  signal: AbortSignal;
  /** null: any address (development's private endpoints) */
  check: AddressCheck | null;
  resolve?: Resolve;
}

/** Waits for a promise, or rejects the way http.request does when the signal aborts. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

function abortError(signal: AbortSignal): Error {
  const err = new Error('The operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  return err;
}

/** A lookup that answers only with the checked addresses, whatever DNS says by now. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const fitting = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    if (fitting.length === 0) {
      const err = Object.assign(new Error(`no checked IPv${options.family} address`), { code: 'ENOTFOUND' });
      return options.all ? callback(err, []) : callback(err, '', 0);
    }
    // node's typings model the `all` overload as a union; the runtime takes either shape
    if (options.all) return (callback as (e: null, a: ResolvedAddress[]) => void)(null, fitting);
    return callback(null, fitting[0]!.address, fitting[0]!.family);
  };
}

/**
 * POSTs `body` to `url` and resolves with the status code once the status line is in
 * (the answer's body is not read). Throws AddressRefusedError before any connection when
 * an address fails the check, and the usual socket / abort errors otherwise.
 */
export async function postPinned(url: string, o: PinnedPost): Promise<number> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host);
  const addresses: ResolvedAddress[] = literal ? [{ address: host, family: literal === 6 ? 6 : 4 }] : await abortable((o.resolve ?? systemResolve)(host), o.signal);
  if (addresses.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
  if (o.check) {
    // any bad address refuses the name: a mix of public and private answers is how a
    // rebinding attack looks, and connection attempts may fall through to any of them
    for (const a of addresses) {
      const why = o.check(a.address);
      if (why !== null) throw new AddressRefusedError(a.address, why);
    }
  }
  const client = u.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const req = client.request(
      {
        protocol: u.protocol,
        hostname: host,
        port: u.port || undefined,
        path: `${u.pathname}${u.search}`,
        method: 'POST',
        headers: { ...o.headers, Host: u.host, 'Content-Length': String(Buffer.byteLength(o.body)) },
        agent: false,
        lookup: pinnedLookup(addresses),
        // SNI and certificate check against the URL's name, never the pinned address
        ...(literal ? {} : { servername: host }),
        signal: o.signal,
      },
      (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}
