// May a production webhook reach this address? An outbound POST to a loopback, private,
// link-local or otherwise internal address is a server-side request forgery, and an
// attacker picks whichever spelling slips past a naive check: IPv4 in decimal, hex or octal,
// IPv4-mapped / -compatible IPv6, NAT64, 6to4 and Teredo forms that carry a private IPv4
// inside a "public-looking" IPv6 address. So the address is parsed into numbers first and
// the embedded IPv4 of every translation form is judged like a bare one.
//
// Ranges: IANA's IPv4 and IPv6 special-purpose registries (RFC 6890 and updates).

/** Why an address is not a public unicast address; null when it is public. */
export function nonPublicReason(address: string): string | null {
  const text = address.trim().replace(/^\[|\]$/g, '');
  const v4 = parseIPv4(text);
  if (v4 !== null) return v4Reason(v4);
  const v6 = parseIPv6(text);
  if (v6 !== null) return v6Reason(v6);
  return 'not an IP address';
}

/**
 * An IPv4 address the way inet_aton reads it (what getaddrinfo and many URL parsers
 * accept): 1 to 4 parts, each decimal, 0x-hex or 0-octal, the last part filling the
 * remaining bytes — so 2130706433, 0x7f.1 and 0177.0.0.1 are all 127.0.0.1.
 */
export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return null;
  const values: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]+$/.test(p)) n = parseInt(p.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(p)) n = Number(p);
    else return null;
    if (!Number.isSafeInteger(n)) return null;
    values.push(n);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 2 ** (8 * (4 - values.length))) return null;
  let n = 0;
  values.forEach((v, i) => (n += v * 2 ** (8 * (3 - i))));
  return n + last;
}

/** Eight 16-bit groups, or null. A zone id (fe80::1%eth0) is dropped: the address decides. */
export function parseIPv6(text: string): number[] | null {
  let s = text.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':')) return null;
  const lastColon = s.lastIndexOf(':');
  const quad = s.slice(lastColon + 1);
  if (quad.includes('.')) {
    // a dotted tail must be a strict dotted quad (RFC 4291), not inet_aton's loose forms
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(quad) || quad.split('.').some((x) => Number(x) > 255)) return null;
    const [a, b, c, d] = quad.split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const group = (g: string) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN);
  const side = (h: string) => (h === '' ? [] : h.split(':').map(group));
  const head = side(halves[0]!);
  const rest = halves.length === 2 ? side(halves[1]!) : [];
  const explicit = head.length + rest.length;
  if ([...head, ...rest].some(Number.isNaN)) return null;
  if (halves.length === 2) {
    if (explicit > 7) return null;
    return [...head, ...new Array<number>(8 - explicit).fill(0), ...rest];
  }
  return explicit === 8 ? head : null;
}

const V4_RANGES: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignment'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved (6to4 relay anycast)'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['255.255.255.255', 32, 'broadcast'],
  ['240.0.0.0', 4, 'reserved'],
];
const V4_TABLE = V4_RANGES.map(([base, bits, why]) => ({ base: parseIPv4(base)!, size: 2 ** (32 - bits), why }));

function v4Reason(n: number): string | null {
  for (const r of V4_TABLE) if (n >= r.base && n < r.base + r.size) return r.why;
  return null;
}

/** Does the address start with these groups, masked to `bits`? */
function inPrefix(g: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; bits > 0; i += 1, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((g[i]! & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

const v4Of = (hi: number, lo: number) => hi * 65536 + lo;

/** A translation form is as public as the IPv4 address it carries. */
function embedded(v4: number, form: string): string | null {
  const why = v4Reason(v4);
  return why === null ? null : `${why} (${form})`;
}

function v6Reason(g: number[]): string | null {
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return 'unspecified';
  if (zeros(0, 7) && g[7] === 1) return 'loopback';
  if (zeros(0, 5) && g[5] === 0xffff) return embedded(v4Of(g[6]!, g[7]!), 'IPv4-mapped');
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return embedded(v4Of(g[6]!, g[7]!), 'IPv4-translated');
  // ::a.b.c.d, deprecated: no host should be reached through it, public or not
  if (zeros(0, 6)) return `${v4Reason(v4Of(g[6]!, g[7]!)) ?? 'reserved'} (IPv4-compatible)`;
  if (inPrefix(g, [0x64, 0xff9b], 96)) return embedded(v4Of(g[6]!, g[7]!), 'NAT64');
  if (inPrefix(g, [0x64, 0xff9b, 1], 48)) return 'local-use NAT64';
  if (inPrefix(g, [0x100], 64)) return 'discard-only';
  if (inPrefix(g, [0x2001, 0x0db8], 32)) return 'documentation';
  if (inPrefix(g, [0x3fff], 20)) return 'documentation';
  if (inPrefix(g, [0x2001, 0], 32)) {
    // Teredo: the server's IPv4 in clear, the client's IPv4 inverted in the last 32 bits
    return embedded(v4Of(g[2]!, g[3]!), 'Teredo server') ?? embedded(v4Of(g[6]! ^ 0xffff, g[7]! ^ 0xffff), 'Teredo');
  }
  if (inPrefix(g, [0x2001, 0x0002], 48)) return 'benchmarking';
  if (inPrefix(g, [0x2001, 0x0010], 28)) return 'reserved (ORCHID)';
  if (inPrefix(g, [0x2002], 16)) return embedded(v4Of(g[1]!, g[2]!), '6to4');
  if (inPrefix(g, [0xfc00], 7)) return 'unique-local';
  if (inPrefix(g, [0xfe80], 10)) return 'link-local';
  if (inPrefix(g, [0xfec0], 10)) return 'site-local';
  if (inPrefix(g, [0xff00], 8)) return 'multicast';
  // global unicast is 2000::/3; everything else is unassigned or special
  if (!inPrefix(g, [0x2000], 3)) return 'reserved';
  return null;
}
