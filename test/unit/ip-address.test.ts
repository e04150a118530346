// lib/ip-address.ts: which addresses a production webhook may reach. Every spelling of an
// internal address must be caught — the forms below are the ones SSRF filters get wrong —
// and real public addresses (including public IPv4 behind NAT64 / 6to4) must pass.
import { lookup } from 'node:dns/promises';
import { nonPublicReason, parseIPv4, parseIPv6 } from '../../lib/ip-address';

describe('parseIPv4 (inet_aton forms)', () => {
  it.each([
    ['127.0.0.1', 0x7f000001],
    ['2130706433', 0x7f000001],
    ['0x7f000001', 0x7f000001],
    ['0x7F.0.0.1', 0x7f000001],
    ['0177.0.0.1', 0x7f000001],
    ['127.1', 0x7f000001],
    ['127.0.1', 0x7f000001],
    ['10.0x10.020.1', (10 << 24) + (16 << 16) + (16 << 8) + 1],
    ['0', 0],
    ['255.255.255.255', 0xffffffff],
    ['1.16777215', 0x01ffffff],
  ])('%s', (text, n) => expect(parseIPv4(text)).toBe(n));

  it.each(['', '1.2.3.4.5', '256.0.0.1', '1.2.3.256', '1..2.3', '08.0.0.1', '0x1g.0.0.1', '4294967296', '1.2.3.4 ', 'example.com', '-1.0.0.0', '1.2.65536'])('rejects %j', (text) =>
    expect(parseIPv4(text)).toBeNull(),
  );

  it('agrees with the system resolver on the loose forms it accepts', async () => {
    // getaddrinfo reads numeric hosts with inet_aton: a resolver-level bypass would show here
    for (const text of ['2130706433', '0x7f.1', '0177.0.0.1', '127.1']) {
      const { address } = await lookup(text, { family: 4 });
      expect({ text, address }).toEqual({ text, address: '127.0.0.1' });
      expect(parseIPv4(text)).toBe(parseIPv4(address));
    }
  });
});

describe('parseIPv6', () => {
  it.each([
    ['::', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['::1', [0, 0, 0, 0, 0, 0, 0, 1]],
    ['1::', [1, 0, 0, 0, 0, 0, 0, 0]],
    ['2001:db8::8:800:200c:417a', [0x2001, 0xdb8, 0, 0, 0x8, 0x800, 0x200c, 0x417a]],
    ['0:0:0:0:0:ffff:127.0.0.1', [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]],
    ['::FFFF:127.0.0.1', [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]],
    ['::ffff:7f00:1', [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]],
    ['64:ff9b::10.0.0.1', [0x64, 0xff9b, 0, 0, 0, 0, 0x0a00, 1]],
    ['fe80::1%eth0', [0xfe80, 0, 0, 0, 0, 0, 0, 1]],
    ['[::1]', null], // brackets are the URL's, not the address's (nonPublicReason strips them)
  ])('%s', (text, groups) => expect(parseIPv6(text)).toEqual(groups));

  it.each([':', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', '::g', '1:2:3:4:5:6:7', '::ffff:127.1', '::ffff:1.2.3.256', '::1.2.3.4.5', '1:2:3:4:5:6:7:8::'])(
    'rejects %j',
    (text) => expect(parseIPv6(text)).toBeNull(),
  );
});

describe('nonPublicReason', () => {
  it.each([
    // IPv4, every special-purpose block
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'], // the cloud metadata endpoint
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.170', 'IETF protocol assignment'],
    ['192.0.2.1', 'documentation'],
    ['192.88.99.1', 'reserved (6to4 relay anycast)'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    // IPv4 written the ways resolvers and URL parsers accept
    ['2130706433', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['0xa9fea9fe', 'link-local'],
    ['012.0.0.1', 'private'],
    ['3232235777', 'private'], // 192.168.1.1
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['fc00::1', 'unique-local'],
    ['fd00::2', 'unique-local'],
    ['FD12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['ff05::1:3', 'multicast'],
    ['100::1', 'discard-only'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001:2::1', 'benchmarking'],
    ['2001:10::1', 'reserved (ORCHID)'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['::2', 'unspecified (IPv4-compatible)'],
    ['1::1', 'reserved'],
    ['4000::1', 'reserved'],
    // IPv4-mapped / -translated / -compatible
    ['::ffff:127.0.0.1', 'loopback (IPv4-mapped)'],
    ['::ffff:7f00:1', 'loopback (IPv4-mapped)'],
    ['0:0:0:0:0:ffff:7f00:0001', 'loopback (IPv4-mapped)'],
    ['::ffff:10.0.0.1', 'private (IPv4-mapped)'],
    ['::ffff:a9fe:a9fe', 'link-local (IPv4-mapped)'],
    ['::ffff:100.64.0.1', 'carrier-grade NAT (IPv4-mapped)'],
    ['::ffff:0.0.0.0', 'unspecified (IPv4-mapped)'],
    ['::ffff:0:192.168.0.1', 'private (IPv4-translated)'],
    ['::127.0.0.1', 'loopback (IPv4-compatible)'],
    ['::8.8.8.8', 'reserved (IPv4-compatible)'],
    // NAT64 (RFC 6052 well-known prefix)
    ['64:ff9b::127.0.0.1', 'loopback (NAT64)'],
    ['64:ff9b::7f00:1', 'loopback (NAT64)'],
    ['64:ff9b::a00:1', 'private (NAT64)'],
    ['64:ff9b::192.168.0.1', 'private (NAT64)'],
    ['64:ff9b::a9fe:a9fe', 'link-local (NAT64)'],
    // 6to4: the IPv4 in bits 16–47
    ['2002:7f00:1::1', 'loopback (6to4)'],
    ['2002:a00:1::', 'private (6to4)'],
    ['2002:c0a8:101::1', 'private (6to4)'],
    ['2002:a9fe:a9fe::1', 'link-local (6to4)'],
    // Teredo: server IPv4 in clear, client IPv4 inverted
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback (Teredo)'], // client ~7f00:0001
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private (Teredo)'], // client ~0a00:0001
    ['2001:0:a00:1:8000:63bf:f7f7:f7f7', 'private (Teredo server)'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'documentation (Teredo)'], // RFC 4380's example client 192.0.2.45
  ])('%s → %s', (address, reason) => expect(nonPublicReason(address)).toBe(reason));

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '100.63.255.255', // just below carrier-grade NAT
    '100.128.0.0', // just above it
    '172.15.255.255',
    '172.32.0.0',
    '169.253.255.255',
    '192.167.255.255',
    '198.17.255.255',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '2400:cb00::1',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8', // NAT64 of a public address reaches that address
    '2002:808:808::1', // 6to4 of 8.8.8.8
    '2001:0:4136:e378:8000:63bf:f7f7:f7f7', // Teredo: public server, client 8.8.8.8
  ])('%s is public', (address) => expect(nonPublicReason(address)).toBeNull());

  it.each(['', 'localhost', 'example.com', '1.2.3.4.5', '::g', '127.0.0.1x', '1:2'])('%j is not an address', (text) => {
    expect(nonPublicReason(text)).toBe('not an IP address');
  });
});
