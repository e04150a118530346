// GET /console/config.json hands out an API key only with CONSOLE_DEMO_API_KEY on AND to a
// TCP peer on this machine (127.0.0.1, ::1, ::ffff:127.0.0.1 as the socket reports it). The
// peer is real: servers bound to loopback and to this machine's other interfaces, reached
// over them, with forged proxy headers that must not matter.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import express from 'express';
import { consoleRoutes, isLoopbackPeer } from '../../api/routes/console';
import { errorHandler, notFound } from '../../http/errors';
import { loadConfig, type Config } from '../../lib/config';
import { createLogger } from '../../lib/logger';

const KEY = 'console-test-key-0123';
const FORGED = { 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1', forwarded: 'for=127.0.0.1' };

function config(env: Record<string, string>): Config {
  return loadConfig({ API_KEYS: `reader:reader-secret-1:flows:read;all:${KEY}:*`, VSAGA_ENV: 'test', ...env });
}

/** The console's config as fetched from `connectTo`, the server bound to `bindTo`. */
async function fetchConfig(cfg: Config, bindTo: string, connectTo: string, headers: Record<string, string> = {}): Promise<{ peer: string; body: any }> {
  const app = express();
  // trust every proxy header there is: the key decision must ignore them all the same
  app.set('trust proxy', true);
  let peer = '';
  app.use((req, _res, next) => ((peer = req.socket.remoteAddress ?? ''), next()));
  app.use(consoleRoutes(cfg));
  app.use(notFound);
  app.use(errorHandler(createLogger('api', 'silent')));
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, bindTo, () => resolve()));
  try {
    const port = (server.address() as AddressInfo).port;
    const host = connectTo.includes(':') ? `[${connectTo}]` : connectTo;
    const res = await fetch(`http://${host}:${port}/console/config.json`, { headers });
    expect(res.status).toBe(200);
    return { peer, body: await res.json() };
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/** This machine's addresses that are not loopback (a request to one comes from it, not from 127.0.0.1). */
function externalAddresses(): { v4?: string; v6?: string } {
  const all = Object.values(os.networkInterfaces()).flat().filter((a) => a && !a.internal);
  return {
    v4: all.find((a) => a!.family === 'IPv4')?.address,
    v6: all.find((a) => a!.family === 'IPv6' && !a!.address.startsWith('fe80'))?.address,
  };
}

describe('isLoopbackPeer', () => {
  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    // what node never reports for a loopback peer, or is not one
    ['127.0.0.2', false],
    ['::ffff:7f00:1', false],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['192.0.2.2', false],
    ['fd00::2', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (address, expected) => expect(isLoopbackPeer(address)).toBe(expected));
});

describe('GET /console/config.json', () => {
  const on = config({ CONSOLE_DEMO_API_KEY: 'true' });

  it('with the demo flag, gives the first full-scope key to 127.0.0.1, ::1 and ::ffff:127.0.0.1', async () => {
    const v4 = await fetchConfig(on, '127.0.0.1', '127.0.0.1');
    expect(v4).toMatchObject({ peer: '127.0.0.1', body: { apiKey: KEY, env: 'test' } });
    const v6 = await fetchConfig(on, '::1', '::1');
    expect(v6).toMatchObject({ peer: '::1', body: { apiKey: KEY } });
    const mapped = await fetchConfig(on, '::', '127.0.0.1'); // a dual-stack socket sees IPv4 peers mapped
    expect(mapped).toMatchObject({ peer: '::ffff:127.0.0.1', body: { apiKey: KEY } });
  });

  it('without the flag (the default), gives no key, even to loopback; the rest of the config stays', async () => {
    const off = config({});
    expect(off.console.demoApiKey).toBe(false);
    const r = await fetchConfig(off, '127.0.0.1', '127.0.0.1');
    expect(r.peer).toBe('127.0.0.1');
    expect(r.body).toEqual({ env: 'test', inboxUrl: off.sandbox.inboxUrl, temporalUiUrl: 'http://127.0.0.1:8233', namespace: 'default', realNameAgreement: { id: 'real', version: '1' }, apiKey: null });
  });

  it('with the flag, gives no key to a peer on another interface, whatever proxy headers claim', async () => {
    const { v4, v6 } = externalAddresses();
    if (!v4 && !v6) throw new Error('this test needs a non-loopback network interface (none found in os.networkInterfaces())');
    if (v4) {
      const r = await fetchConfig(on, '0.0.0.0', v4, FORGED);
      expect(r.peer).toBe(v4);
      expect(r.body.apiKey).toBeNull();
      expect(r.body.env).toBe('test');
    }
    if (v6) {
      const r = await fetchConfig(on, '::', v6, FORGED);
      expect(r.peer).toBe(v6);
      expect(r.body.apiKey).toBeNull();
    }
  });

  it('never in production, even if a config were built with the flag on', async () => {
    const r = await fetchConfig({ ...on, env: 'production' }, '127.0.0.1', '127.0.0.1');
    expect(r.body).toMatchObject({ env: 'production', apiKey: null, inboxUrl: null });
  });
});
