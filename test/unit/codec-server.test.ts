// api/codec-server.ts: the codec endpoint the Temporal Web UI calls, served over real HTTP.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { createCodecApp } from '../../api/codec-server';
import { loadConfig, type Config } from '../../lib/config';
import { AesGcmPayloadCodec } from '../../lib/payload-codec';
import { close, listen, request } from '../support/http-request';

const UI_ORIGIN = 'http://127.0.0.1:8233';
const TOKEN = 'operator-token-0123456789abcdef';
const PHONE = '13800138000';
const keyA = randomBytes(32).toString('base64');

function codecCfg(token?: string): Pick<Config, 'codec' | 'crypto'> {
  const base = loadConfig({});
  return {
    codec: { ...base.codec, token, corsOrigins: [UI_ORIGIN, 'http://localhost:8233'] },
    crypto: { ...base.crypto, payloadKeys: { a: keyA }, payloadKeyId: 'a' },
  };
}

const post = (port: number, path: string, body: unknown, headers: Record<string, string> = {}) =>
  request(port, 'POST', path, {
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** The JSON shape the Temporal UI sends: every bytes field base64. */
function toJson(p: Payload) {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([key, v]) => [key, Buffer.from(v).toString('base64')])),
    ...(p.data ? { data: Buffer.from(p.data).toString('base64') } : {}),
  };
}
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString();


describe('codec server without a token', () => {
  let server: http.Server;
  let port: number;
  const codec = new AesGcmPayloadCodec({ a: keyA }, 'a');

  beforeAll(async () => {
    ({ server, port } = await listen(createCodecApp(codecCfg())));
  });
  afterAll(() => close(server));

  it('POST /decode turns payloads sealed by the codec back into the plaintext payload JSON', async () => {
    const plain = defaultPayloadConverter.toPayload({ phone: PHONE, name: '张三' });
    const [sealed] = await codec.encode([plain]);
    const res = await post(port, '/decode', { payloads: [toJson(sealed!)] });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json.payloads).toHaveLength(1);
    const out = res.json.payloads[0];
    expect(unb64(out.metadata.encoding)).toBe('json/plain');
    expect(JSON.parse(unb64(out.data))).toEqual({ phone: PHONE, name: '张三' });
    expect(out).toEqual(toJson(plain));
  });

  it('POST /decode passes unencrypted payloads through and keeps order', async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload('secret')]);
    const plain = defaultPayloadConverter.toPayload('visible');
    const res = await post(port, '/decode', { payloads: [toJson(plain), toJson(sealed!)] });
    expect(res.status).toBe(200);
    expect(res.json.payloads.map((p: any) => JSON.parse(unb64(p.data)))).toEqual(['visible', 'secret']);
  });

  it('POST /encode seals (no plaintext in the response) and /decode restores it', async () => {
    const plain = defaultPayloadConverter.toPayload({ phone: PHONE });
    const enc = await post(port, '/encode', { payloads: [toJson(plain)] });
    expect(enc.status).toBe(200);
    const sealed = enc.json.payloads[0];
    expect(unb64(sealed.metadata.encoding)).toBe('binary/encrypted');
    expect(unb64(sealed.metadata['encryption-key-id'])).toBe('a');
    expect(enc.text).not.toContain(PHONE);
    expect(Buffer.from(sealed.data, 'base64').toString('latin1')).not.toContain(PHONE);

    const dec = await post(port, '/decode', { payloads: [sealed] });
    expect(dec.status).toBe(200);
    expect(dec.json.payloads[0]).toEqual(toJson(plain));
  });

  it('what /encode produces decodes with the library codec too', async () => {
    const enc = await post(port, '/encode', { payloads: [toJson(defaultPayloadConverter.toPayload(42))] });
    const p = enc.json.payloads[0];
    const [dec] = await codec.decode([
      { metadata: Object.fromEntries(Object.entries(p.metadata as Record<string, string>).map(([key, v]) => [key, Buffer.from(v, 'base64')])), data: Buffer.from(p.data, 'base64') },
    ]);
    expect(defaultPayloadConverter.fromPayload(dec!)).toBe(42);
  });

  it('handles an empty payload list', async () => {
    const res = await post(port, '/decode', { payloads: [] });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ payloads: [] });
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      request(port, 'OPTIONS', '/decode', {
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
      });

    it('answers a preflight from an allowed origin with that origin', async () => {
      const res = await preflight(UI_ORIGIN);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
      expect(res.headers['access-control-allow-methods']).toContain('POST');
      expect(res.headers['access-control-allow-headers']?.toLowerCase()).toContain('content-type');
      expect(res.headers['access-control-allow-headers']?.toLowerCase()).toContain('x-namespace');
      expect(res.headers['vary']).toMatch(/Origin/i);
    });

    it('the second configured origin is allowed too', async () => {
      const res = await preflight('http://localhost:8233');
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:8233');
    });

    it.each(['http://evil.example.com', 'http://127.0.0.1:8234', 'https://127.0.0.1:8233', 'null'])(
      'gives no Access-Control-Allow-Origin to %s',
      async (origin) => {
        const res = await preflight(origin);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      },
    );

    it('adds the CORS header to the actual POST from an allowed origin, not from another', async () => {
      const ok = await post(port, '/decode', { payloads: [] }, { origin: UI_ORIGIN });
      expect(ok.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
      const other = await post(port, '/decode', { payloads: [] }, { origin: 'http://evil.example.com' });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('bad requests', () => {
    it.each([
      ['not JSON', '{"payloads": ['],
      ['no payloads', {}],
      ['payloads not an array', { payloads: 'x' }],
      ['JSON array', []],
      ['JSON null', 'null'],
    ])('%s → 400 JSON error', async (_label, body) => {
      const res = await post(port, '/decode', body);
      expect(res.status).toBe(400);
      expect(res.json?.error?.code).toBe('INVALID_INPUT');
      expect(typeof res.json.error.message).toBe('string');
    });

    it('a body that is not application/json → 400 JSON error', async () => {
      const res = await request(port, 'POST', '/decode', { headers: { 'content-type': 'text/plain' }, body: 'payloads' });
      expect(res.status).toBe(400);
      expect(res.json?.error?.code).toBe('INVALID_INPUT');
    });

    it('garbage ciphertext → 400, not 500', async () => {
      const res = await post(port, '/decode', {
        payloads: [{ metadata: { encoding: b64('binary/encrypted'), 'encryption-key-id': b64('a') }, data: randomBytes(48).toString('base64') }],
      });
      expect(res.status).toBe(400);
      expect(res.json?.error?.code).toBe('INVALID_INPUT');
    });

    it('an unknown key id → 400, not 500', async () => {
      const other = new AesGcmPayloadCodec({ z: randomBytes(32).toString('base64') }, 'z');
      const [sealed] = await other.encode([defaultPayloadConverter.toPayload(PHONE)]);
      const res = await post(port, '/decode', { payloads: [toJson(sealed!)] });
      expect(res.status).toBe(400);
      expect(res.text).not.toContain(PHONE);
    });

    it('encrypted payload without data → 400, not 500', async () => {
      const res = await post(port, '/decode', { payloads: [{ metadata: { encoding: b64('binary/encrypted'), 'encryption-key-id': b64('a') } }] });
      expect(res.status).toBe(400);
    });

    it.each([
      ['a null payload', { payloads: [null] }],
      ['a numeric metadata value', { payloads: [{ metadata: { encoding: 5 }, data: 'AA==' }] }],
    ])('%s → 400, not 500', async (_label, body) => {
      const res = await post(port, '/decode', body);
      expect(res.status).toBe(400);
      expect(res.json?.error?.code).toBe('INVALID_INPUT');
    });

    it('an unknown route → 404 JSON', async () => {
      const res = await post(port, '/nope', { payloads: [] });
      expect(res.status).toBe(404);
      expect(res.json?.error?.code).toBe('ROUTE_NOT_FOUND');
    });

    it('GET /decode → 404 (only POST is served)', async () => {
      const res = await request(port, 'GET', '/decode');
      expect(res.status).toBe(404);
    });

    it('does not advertise express', async () => {
      const res = await post(port, '/decode', { payloads: [] });
      expect(res.headers['x-powered-by']).toBeUndefined();
    });
  });
});

describe('codec server with a token', () => {
  let server: http.Server;
  let port: number;
  const codec = new AesGcmPayloadCodec({ a: keyA }, 'a');
  let body: unknown;

  beforeAll(async () => {
    ({ server, port } = await listen(createCodecApp(codecCfg(TOKEN))));
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload({ phone: PHONE })]);
    body = { payloads: [toJson(sealed!)] };
  });
  afterAll(() => close(server));

  it.each([
    ['missing', undefined],
    ['wrong', `Bearer ${TOKEN}x`],
    ['without the Bearer scheme', TOKEN],
    ['empty bearer', 'Bearer '],
  ])('%s Authorization → 401 and no plaintext', async (_label, auth) => {
    const res = await post(port, '/decode', body, auth === undefined ? {} : { authorization: auth });
    expect(res.status).toBe(401);
    expect(res.json?.error?.code).toBe('UNAUTHENTICATED');
    expect(res.text).not.toContain(PHONE);
    expect(res.text).not.toContain(b64(JSON.stringify({ phone: PHONE })));
  });

  it('/encode is guarded too', async () => {
    const res = await post(port, '/encode', { payloads: [] });
    expect(res.status).toBe(401);
  });

  it('the right "Bearer <token>" → 200 with the decoded payload', async () => {
    const res = await post(port, '/decode', body, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(JSON.parse(unb64(res.json.payloads[0].data))).toEqual({ phone: PHONE });
  });

  it('a preflight needs no token (browsers do not send it) and still gets CORS headers', async () => {
    const res = await request(port, 'OPTIONS', '/decode', {
      headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(res.headers['access-control-allow-headers']?.toLowerCase()).toContain('authorization');
  });

  it('a 401 to an allowed origin still carries CORS headers, so the UI can read it', async () => {
    const res = await post(port, '/decode', body, { origin: UI_ORIGIN });
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
  });
});
