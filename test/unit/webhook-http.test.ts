// lib/webhook-http.ts postPinned against real local servers: the connection goes to the
// address that was checked (never to a second DNS answer), with the URL's Host header and
// TLS servername; refused addresses get no connection at all; timeouts abort.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { nonPublicReason } from '../../lib/ip-address';
import { AddressRefusedError, postPinned, type Resolve } from '../../lib/webhook-http';

interface Seen {
  method?: string;
  url?: string;
  host?: string;
  contentType?: string;
  body: string;
}

let server: http.Server;
let port: number;
let seen: Seen[];
let connections: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, host: req.headers.host, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      if (req.url === '/slow') return; // never answers
      res.writeHead(req.url === '/fail' ? 503 : 204).end();
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
beforeEach(() => {
  seen = [];
  connections = 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const post = { headers: { 'Content-Type': 'application/json' }, body: '{"n":1}' };
/** Loopback is "public" for these tests only, so a local server can stand in for an endpoint. */
const onlyLoopback = (a: string) => (a === '127.0.0.1' ? null : 'not the test address');

test('connects to the checked address, with the URL name as Host; DNS is asked once', async () => {
  // hooks.example.test exists in no DNS: a client that resolved the name again to connect
  // would fail; and a second answer here would be an address the check refuses
  const answers = [[{ address: '127.0.0.1', family: 4 as const }], [{ address: '10.0.0.1', family: 4 as const }]];
  const asked: string[] = [];
  const resolve: Resolve = async (host) => (asked.push(host), answers.shift() ?? []);
  const status = await postPinned(`http://hooks.example.test:${port}/in?token=t`, { ...post, signal: AbortSignal.timeout(5000), check: onlyLoopback, resolve });
  expect(status).toBe(204);
  expect(asked).toEqual(['hooks.example.test']);
  expect(seen).toEqual([{ method: 'POST', url: '/in?token=t', host: `hooks.example.test:${port}`, contentType: 'application/json', body: '{"n":1}' }]);
});

test('answers any status without following or reading further', async () => {
  const resolve: Resolve = async () => [{ address: '127.0.0.1', family: 4 }];
  expect(await postPinned(`http://hooks.example.test:${port}/fail`, { ...post, signal: AbortSignal.timeout(5000), check: onlyLoopback, resolve })).toBe(503);
});

test.each([
  ['a loopback answer', [{ address: '127.0.0.1', family: 4 as const }], '127.0.0.1', 'loopback'],
  ['a mapped loopback answer', [{ address: '::ffff:127.0.0.1', family: 6 as const }], '::ffff:127.0.0.1', 'loopback (IPv4-mapped)'],
  [
    'a public and a private answer',
    [
      { address: '8.8.8.8', family: 4 as const },
      { address: '192.168.1.10', family: 4 as const },
    ],
    '192.168.1.10',
    'private',
  ],
])('refuses %s before connecting', async (_label, answer, address, reason) => {
  const err = await postPinned(`http://hooks.example.test:${port}/in`, { ...post, signal: AbortSignal.timeout(5000), check: nonPublicReason, resolve: async () => answer }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AddressRefusedError);
  expect(err).toMatchObject({ address, reason, message: `refused address ${address} (${reason})` });
  expect(connections).toBe(0);
});

test('checks a literal address in the URL itself, without DNS', async () => {
  const resolve: Resolve = async () => {
    throw new Error('DNS asked for a literal');
  };
  for (const [url, address] of [
    [`http://127.0.0.1:${port}/in`, '127.0.0.1'],
    [`http://2130706433:${port}/in`, '127.0.0.1'],
    [`http://[::ffff:127.0.0.1]:${port}/in`, '::ffff:7f00:1'],
  ] as const) {
    const err = await postPinned(url, { ...post, signal: AbortSignal.timeout(5000), check: nonPublicReason, resolve }).catch((e: unknown) => e);
    expect({ url, err }).toEqual({ url, err: expect.objectContaining({ name: 'AddressRefusedError', address }) });
  }
  expect(connections).toBe(0);
});

test('the system resolver: localhost (from /etc/hosts) is refused, and reached when no check applies', async () => {
  const err = await postPinned(`http://localhost:${port}/in`, { ...post, signal: AbortSignal.timeout(5000), check: nonPublicReason }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AddressRefusedError);
  expect((err as AddressRefusedError).reason).toBe('loopback');
  expect(connections).toBe(0);
  expect(await postPinned(`http://localhost:${port}/in`, { ...post, signal: AbortSignal.timeout(5000), check: null })).toBe(204);
  expect(seen.map((s) => s.host)).toEqual([`localhost:${port}`]);
});

test('TLS: the handshake names the URL host (SNI), not the pinned address', async () => {
  // no certificate: the SNI callback sees the ClientHello's name, then the handshake fails
  const names: string[] = [];
  const tlsServer = tls.createServer({
    SNICallback: (servername, cb) => {
      names.push(servername);
      cb(new Error('test server has no certificate'));
    },
  });
  tlsServer.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', () => r()));
  try {
    const tlsPort = (tlsServer.address() as AddressInfo).port;
    const resolve: Resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    const err = await postPinned(`https://hooks.example.test:${tlsPort}/in`, { ...post, signal: AbortSignal.timeout(5000), check: onlyLoopback, resolve }).catch((e: unknown) => e);
    expect(err).toHaveProperty('message'); // the handshake failed (an Error of node's realm)
    expect(names).toEqual(['hooks.example.test']);
  } finally {
    await new Promise((r) => tlsServer.close(r));
  }
});

test('a timeout aborts the wait for an answer and a DNS lookup that hangs', async () => {
  const resolve: Resolve = async () => [{ address: '127.0.0.1', family: 4 }];
  const slow = await postPinned(`http://hooks.example.test:${port}/slow`, { ...post, signal: AbortSignal.timeout(300), check: onlyLoopback, resolve }).catch((e: unknown) => e);
  expect(slow).toMatchObject({ name: 'AbortError', cause: expect.objectContaining({ name: 'TimeoutError' }) });

  const hanging: Resolve = () => new Promise(() => undefined);
  const started = Date.now();
  const dns = await postPinned('http://hooks.example.test/in', { ...post, signal: AbortSignal.timeout(300), check: nonPublicReason, resolve: hanging }).catch((e: unknown) => e);
  expect(dns).toMatchObject({ name: 'AbortError', cause: expect.objectContaining({ name: 'TimeoutError' }) });
  expect(Date.now() - started).toBeLessThan(3000);
});
