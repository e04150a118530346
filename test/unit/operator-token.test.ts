// Operators sign in: the codec server takes the signed-in operator's OIDC access token that
// the Web UI forwards (lib/operator-token.ts). A local issuer of keys (an HTTP server with a
// discovery document and a JWKS) stands in for the identity provider; the test makes the
// RSA and EC P-256 keys and signs the tokens itself.
import { constants, createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { createCodecApp } from '../../api/codec-server';
import { ConfigError, loadConfig, type Config } from '../../lib/config';
import { OperatorTokenVerifier, claimAt, rolesIn } from '../../lib/operator-token';
import { AesGcmPayloadCodec } from '../../lib/payload-codec';
import { close, listen, request, type HttpResponse as Res } from '../support/http-request';
import { productionEnv } from '../support/production-env';

const UI_ORIGIN = 'http://127.0.0.1:8233';
const PHONE = '13800138000';
const ROLE = 'temporal-operator';
const AUDIENCE = 'temporal-ui';
const STATIC_TOKEN = 'static-operator-token-0123456789';
const payloadKey = randomBytes(32).toString('base64');
const codec = new AesGcmPayloadCodec({ a: payloadKey }, 'a');

// ---- keys and tokens ----

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'PS256';
  privateKey: KeyObject;
  publicKey: KeyObject;
}
const rsaKey = (kid: string, alg: 'RS256' | 'PS256' = 'RS256'): SigningKey => ({ kid, alg, ...generateKeyPairSync('rsa', { modulusLength: 2048 }) });
const ecKey = (kid: string): SigningKey => ({ kid, alg: 'ES256', ...generateKeyPairSync('ec', { namedCurve: 'P-256' }) });
const jwkOf = (k: SigningKey) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, alg: k.alg, use: 'sig' });

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

function signJwt(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${b64url({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header })}.${b64url(claims)}`;
  const signature =
    key.alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
      : key.alg === 'PS256'
        ? sign('sha256', Buffer.from(input), { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
        : sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

// ---- the local issuer ----

interface Issuer {
  url: string;
  jwks: { keys: object[] };
  /** requests per path */
  hits: Map<string, number>;
  /** answer 500 to everything */
  down: boolean;
  /** the discovery document's issuer, when it should lie */
  discoveryIssuer?: string;
  server: http.Server;
}

async function startIssuer(keys: SigningKey[]): Promise<Issuer> {
  const issuer = { jwks: { keys: keys.map(jwkOf) }, hits: new Map<string, number>(), down: false } as Issuer;
  const serve: http.RequestListener = (req, res) => {
    const path = req.url ?? '';
    issuer.hits.set(path, (issuer.hits.get(path) ?? 0) + 1);
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (issuer.down) return void res.writeHead(500).end();
    if (path === '/.well-known/openid-configuration') return json({ issuer: issuer.discoveryIssuer ?? issuer.url, jwks_uri: `${issuer.url}/keys` });
    if (path === '/keys') return json(issuer.jwks);
    res.writeHead(404).end();
  };
  const { server, port } = await listen(serve);
  Object.assign(issuer, { server, url: `http://127.0.0.1:${port}` });
  return issuer;
}

// ---- the codec server over HTTP ----

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([key, v]) => [key, Buffer.from(v).toString('base64')])),
  ...(p.data ? { data: Buffer.from(p.data).toString('base64') } : {}),
});


function codecCfg(codecSettings: Partial<Config['codec']>): Pick<Config, 'codec' | 'crypto'> {
  const base = loadConfig({});
  return {
    codec: { ...base.codec, corsOrigins: [UI_ORIGIN], ...codecSettings },
    crypto: { ...base.crypto, payloadKeys: { a: payloadKey }, payloadKeyId: 'a' },
  };
}

/** A codec server, the sealed payload to decode, and a way to call /decode. */
async function startCodec(codecSettings: Partial<Config['codec']>, verifier?: OperatorTokenVerifier, log?: { info: jest.Mock; warn: jest.Mock }) {
  const { server, port } = await listen(createCodecApp(codecCfg(codecSettings), { operatorTokens: verifier, log }));
  const [sealed] = await codec.encode([defaultPayloadConverter.toPayload({ phone: PHONE })]);
  const body = JSON.stringify({ payloads: [toJson(sealed!)] });
  const decode = (authorization?: string, extra: Record<string, string> = {}) =>
    request(port, 'POST', '/decode', { headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }), ...extra }, body });
  return { server, port, decode };
}

const decodedPhone = (res: Res) => JSON.parse(Buffer.from(res.json.payloads[0].data, 'base64').toString()).phone;

function expectRefused(res: Res, status: 401 | 403 | 503) {
  expect({ status: res.status, code: res.json?.error?.code }).toEqual({
    status,
    code: { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 503: 'SERVICE_UNAVAILABLE' }[status],
  });
  expect(typeof res.json.error.message).toBe('string');
  expect(res.text).not.toContain(PHONE);
}

// ---- the tests ----

describe('codec server with operators signing in (JWT from a local issuer)', () => {
  const rsa = rsaKey('rsa-1');
  const ec = ecKey('ec-1');
  const pss = rsaKey('pss-1', 'PS256');
  const rotated = ecKey('ec-2');
  const outsider = rsaKey('outsider');
  let issuer: Issuer;
  let codecServer: http.Server;
  let decode: Awaited<ReturnType<typeof startCodec>>['decode'];
  let port: number;
  let nowMs = Date.UTC(2030, 0, 1);
  const nowSec = () => Math.floor(nowMs / 1000);
  const GAP_MS = 30_000;
  const TTL_SEC = 600;
  const log = { info: jest.fn(), warn: jest.fn() };
  let settings: NonNullable<Config['codec']['jwt']>;

  /** The claims of a good token, overridden by `over` (undefined removes a claim). */
  const claims = (over: Record<string, unknown> = {}) => {
    const c: Record<string, unknown> = { iss: issuer.url, aud: AUDIENCE, sub: 'ops-1', iat: nowSec(), exp: nowSec() + 300, roles: ['viewer', ROLE], ...over };
    for (const [k, v] of Object.entries(c)) if (v === undefined) delete c[k];
    return c;
  };
  const bearer = (token: string) => `Bearer ${token}`;

  beforeAll(async () => {
    issuer = await startIssuer([rsa, ec, pss]);
    settings = { issuer: issuer.url, jwksUrl: `${issuer.url}/keys`, audience: AUDIENCE, roleClaim: 'roles', role: ROLE, jwksTtlSec: TTL_SEC };
    const verifier = new OperatorTokenVerifier({ ...settings, now: () => nowMs, refetchGapMs: GAP_MS, log });
    ({ server: codecServer, port, decode } = await startCodec({ jwt: settings }, verifier, log));
  });
  afterAll(async () => {
    await close(codecServer);
    await close(issuer.server);
  });

  it('a valid RS256 token with the role → 200 and the payload decoded', async () => {
    const res = await decode(bearer(signJwt(rsa, claims())));
    expect(res.status).toBe(200);
    expect(decodedPhone(res)).toBe(PHONE);
  });

  it('a valid ES256 token (raw r||s signature) with the role → 200', async () => {
    const res = await decode(bearer(signJwt(ec, claims())));
    expect(res.status).toBe(200);
    expect(decodedPhone(res)).toBe(PHONE);
  });

  it('a valid PS256 token → 200, and "bearer" in any case', async () => {
    expect((await decode(bearer(signJwt(pss, claims())))).status).toBe(200);
    expect((await decode(`bearer ${signJwt(rsa, claims())}`)).status).toBe(200);
  });

  it('/encode is guarded by the same check', async () => {
    const body = JSON.stringify({ payloads: [] });
    const h = { 'content-type': 'application/json' };
    expect((await request(port, 'POST', '/encode', { headers: h, body })).status).toBe(401);
    expect((await request(port, 'POST', '/encode', { headers: { ...h, authorization: bearer(signJwt(rsa, claims())) }, body })).status).toBe(200);
  });

  it.each([
    ['no Authorization', undefined],
    ['an empty bearer', 'Bearer '],
    ['no Bearer scheme', 'TOKEN'],
    ['not a JWT', 'Bearer abc.def'],
    ['a JWT with bad base64url', 'Bearer a.b.c+d'],
  ])('%s → 401 with a bearer challenge', async (_label, auth) => {
    const res = await decode(auth);
    expectRefused(res, 401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('an expired token → 401; one expired within the clock skew still passes', async () => {
    expectRefused(await decode(bearer(signJwt(rsa, claims({ exp: nowSec() - 120 })))), 401);
    expect((await decode(bearer(signJwt(rsa, claims({ exp: nowSec() - 30 }))))).status).toBe(200);
  });

  it('a token without exp → 401; one not valid yet (nbf) → 401', async () => {
    expectRefused(await decode(bearer(signJwt(rsa, claims({ exp: undefined })))), 401);
    expectRefused(await decode(bearer(signJwt(rsa, claims({ nbf: nowSec() + 600 })))), 401);
    expect((await decode(bearer(signJwt(rsa, claims({ nbf: nowSec() + 30 }))))).status).toBe(200);
  });

  it('a token from another issuer → 401', async () => {
    expectRefused(await decode(bearer(signJwt(rsa, claims({ iss: 'https://evil.example.com' })))), 401);
    expectRefused(await decode(bearer(signJwt(rsa, claims({ iss: `${issuer.url}/` })))), 401);
    expectRefused(await decode(bearer(signJwt(rsa, claims({ iss: undefined })))), 401);
  });

  it('a token for another audience → 401; an audience list that holds ours → 200', async () => {
    expectRefused(await decode(bearer(signJwt(rsa, claims({ aud: 'another-app' })))), 401);
    expectRefused(await decode(bearer(signJwt(rsa, claims({ aud: undefined })))), 401);
    expect((await decode(bearer(signJwt(rsa, claims({ aud: ['account', AUDIENCE] }))))).status).toBe(200);
  });

  it('a token signed by a key not in the JWKS → 401, whether it names a known kid or its own', async () => {
    expectRefused(await decode(bearer(signJwt(outsider, claims()))), 401);
    expectRefused(await decode(bearer(signJwt({ ...outsider, kid: rsa.kid }, claims()))), 401);
  });

  it('a tampered payload → 401', async () => {
    const [h, , s] = signJwt(rsa, claims({ roles: ['viewer'] })).split('.');
    expectRefused(await decode(bearer(`${h}.${b64url(claims())}.${s}`)), 401);
  });

  it('alg "none" → 401, with an empty or a made-up signature', async () => {
    const unsigned = `${b64url({ alg: 'none', typ: 'JWT', kid: rsa.kid })}.${b64url(claims())}`;
    expectRefused(await decode(bearer(`${unsigned}.`)), 401);
    // refused for its algorithm, before any key is tried
    for (const token of [`${unsigned}.${b64url('x')}`, `${b64url({ alg: 'None', kid: rsa.kid })}.${b64url(claims())}.${b64url('x')}`]) {
      const res = await decode(bearer(token));
      expectRefused(res, 401);
      expect(res.json.error.message).toMatch(/algorithm is not accepted/);
    }
  });

  it('HS256 keyed with the public key (algorithm confusion) → 401', async () => {
    const input = `${b64url({ alg: 'HS256', typ: 'JWT', kid: rsa.kid })}.${b64url(claims())}`;
    const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' });
    const mac = createHmac('sha256', pem).update(input).digest('base64url');
    const res = await decode(bearer(`${input}.${mac}`));
    expectRefused(res, 401);
    expect(res.json.error.message).toMatch(/algorithm is not accepted/);
  });

  it("an RSA token naming the EC key's kid (a key of the wrong type) → 401", async () => {
    expectRefused(await decode(bearer(signJwt({ ...rsa, kid: ec.kid }, claims()))), 401);
  });

  it('a token without a kid, or with critical extensions → 401', async () => {
    const noKid = `${b64url({ alg: 'RS256' })}.${b64url(claims())}`;
    expectRefused(await decode(bearer(`${noKid}.${sign('sha256', Buffer.from(noKid), rsa.privateKey).toString('base64url')}`)), 401);
    expectRefused(await decode(bearer(signJwt(rsa, claims(), { crit: ['exp'] }))), 401);
  });

  it('a valid token without the role → 403 with an insufficient_scope challenge', async () => {
    for (const roles of [['viewer'], [], 'viewer', undefined, [`${ROLE}-x`], { [ROLE]: true }]) {
      const res = await decode(bearer(signJwt(rsa, claims({ roles }))));
      expectRefused(res, 403);
      expect(res.headers['www-authenticate']).toMatch(/insufficient_scope/);
    }
  });

  it('the role as a single string or among space-separated values → 200', async () => {
    expect((await decode(bearer(signJwt(rsa, claims({ roles: ROLE }))))).status).toBe(200);
    expect((await decode(bearer(signJwt(rsa, claims({ roles: `viewer ${ROLE}` }))))).status).toBe(200);
  });

  it('key rotation: a kid that appears in the JWKS after start is accepted after one refetch', async () => {
    const token = signJwt(rotated, claims({ exp: nowSec() + GAP_MS / 1000 + 300 }));
    issuer.jwks.keys.push(jwkOf(rotated));
    nowMs += GAP_MS; // the last fetch was long enough ago for an early one
    const before = issuer.hits.get('/keys') ?? 0;
    const res = await decode(bearer(token));
    expect(res.status).toBe(200);
    expect(issuer.hits.get('/keys')).toBe(before + 1);
    // found in the copy from now on: no more fetches
    expect((await decode(bearer(token))).status).toBe(200);
    expect(issuer.hits.get('/keys')).toBe(before + 1);
  });

  it('a flood of tokens with made-up kids costs the issuer one fetch per refetch gap', async () => {
    nowMs += GAP_MS;
    const before = issuer.hits.get('/keys') ?? 0;
    const flood = Array.from({ length: 25 }, (_, i) => decode(bearer(signJwt({ ...outsider, kid: `bogus-${i}` }, claims()))));
    for (const res of await Promise.all(flood)) expectRefused(res, 401);
    for (let i = 0; i < 10; i++) expectRefused(await decode(bearer(signJwt({ ...outsider, kid: `later-${i}` }, claims()))), 401);
    expect(issuer.hits.get('/keys')).toBe(before + 1);
    // good tokens keep working meanwhile
    expect((await decode(bearer(signJwt(rsa, claims())))).status).toBe(200);
  });

  it('the key set is fetched again after its TTL: a withdrawn key stops being accepted', async () => {
    const before = issuer.hits.get('/keys') ?? 0;
    issuer.jwks.keys = issuer.jwks.keys.filter((k) => (k as { kid: string }).kid !== pss.kid);
    expect((await decode(bearer(signJwt(pss, claims())))).status).toBe(200); // the copy is still fresh
    nowMs += TTL_SEC * 1000;
    expectRefused(await decode(bearer(signJwt(pss, claims()))), 401);
    expect(issuer.hits.get('/keys')).toBe(before + 1);
    expect((await decode(bearer(signJwt(rsa, claims())))).status).toBe(200);
  });

  it('an issuer that is down: the last good keys keep working, an unknown kid → 503, and fetches stay rate-limited', async () => {
    issuer.down = true;
    try {
      nowMs += TTL_SEC * 1000;
      const before = issuer.hits.get('/keys') ?? 0;
      expect((await decode(bearer(signJwt(rsa, claims())))).status).toBe(200);
      expectRefused(await decode(bearer(signJwt(outsider, claims()))), 503);
      expect((await decode(bearer(signJwt(ec, claims())))).status).toBe(200);
      expect(issuer.hits.get('/keys')).toBe(before + 1);
      expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ issuer: issuer.url }), expect.any(String));
    } finally {
      issuer.down = false;
    }
  });

  it('never logs the token: refusals are logged with their reason only', async () => {
    log.info.mockClear();
    const token = signJwt(rsa, claims({ exp: nowSec() - 3600 }));
    expectRefused(await decode(bearer(token)), 401);
    expect(log.info).toHaveBeenCalledTimes(1);
    const logged = JSON.stringify([...log.info.mock.calls, ...log.warn.mock.calls]);
    for (const part of token.split('.')) expect(logged).not.toContain(part);
    expect(logged).not.toContain('ops-1');
    expect(log.info.mock.calls[0]![0]).toEqual(expect.objectContaining({ status: 401, reason: expect.stringMatching(/expired/) }));
  });

  it('a preflight lets the UI send Authorization and Authorization-Extras (its ID token) and needs no token', async () => {
    const res = await request(port, 'OPTIONS', '/decode', {
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,authorization-extras,content-type,x-namespace',
      },
    });
    expect(res.status).toBe(204);
    const allowed = (res.headers['access-control-allow-headers'] ?? '').toLowerCase().split(/\s*,\s*/);
    for (const h of ['authorization', 'authorization-extras', 'content-type', 'x-namespace']) expect(allowed).toContain(h);
  });

  it('a 401 and a 403 to the UI origin carry CORS headers, so the UI can read them', async () => {
    const unauth = await decode(undefined, { origin: UI_ORIGIN });
    expect(unauth.status).toBe(401);
    expect(unauth.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    const forbidden = await decode(bearer(signJwt(rsa, claims({ roles: [] }))), { origin: UI_ORIGIN });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
  });
});

describe('codec server built from its config alone (discovery, real clock)', () => {
  const rsa = rsaKey('rsa-1');
  let issuer: Issuer;
  beforeAll(async () => {
    issuer = await startIssuer([rsa]);
  });
  afterAll(() => close(issuer.server));
  const now = () => Math.floor(Date.now() / 1000);
  const jwtEnv = () => ({ CODEC_JWT_ISSUER: issuer.url, CODEC_JWT_ROLE_CLAIM: 'realm_access.roles', CODEC_JWT_ROLE: 'ops' });

  it('finds the JWKS through the discovery document and reads a dotted role claim', async () => {
    const { server, decode } = await startCodec(loadConfig(jwtEnv()).codec);
    try {
      const good = signJwt(rsa, { iss: issuer.url, exp: now() + 60, realm_access: { roles: ['ops'] } });
      const res = await decode(`Bearer ${good}`);
      expect(res.status).toBe(200);
      expect(decodedPhone(res)).toBe(PHONE);
      expect(issuer.hits.get('/.well-known/openid-configuration')).toBe(1);
      expectRefused(await decode(`Bearer ${signJwt(rsa, { iss: issuer.url, exp: now() + 60, roles: ['ops'] })}`), 403);
    } finally {
      await close(server);
    }
  });

  it('a discovery document that names another issuer is not trusted: 503, nothing accepted', async () => {
    issuer.discoveryIssuer = 'https://evil.example.com';
    const keysFetched = issuer.hits.get('/keys') ?? 0;
    const { server, decode } = await startCodec(loadConfig(jwtEnv()).codec);
    try {
      const res = await decode(`Bearer ${signJwt(rsa, { iss: issuer.url, exp: now() + 60, realm_access: { roles: ['ops'] } })}`);
      expectRefused(res, 503);
      expect(issuer.hits.get('/keys') ?? 0).toBe(keysFetched);
    } finally {
      issuer.discoveryIssuer = undefined;
      await close(server);
    }
  });

  it('with CODEC_TOKEN set too, either credential is accepted and anything else refused', async () => {
    const { server, decode } = await startCodec(loadConfig({ ...jwtEnv(), CODEC_TOKEN: STATIC_TOKEN }).codec);
    try {
      expect((await decode(`Bearer ${STATIC_TOKEN}`)).status).toBe(200);
      expect((await decode(`Bearer ${signJwt(rsa, { iss: issuer.url, exp: now() + 60, realm_access: { roles: ['ops'] } })}`)).status).toBe(200);
      expectRefused(await decode(`Bearer ${STATIC_TOKEN}x`), 401);
      expectRefused(await decode(undefined), 401);
    } finally {
      await close(server);
    }
  });

  it('without an issuer the static token alone works as before, and a JWT is no credential', async () => {
    const { server, decode } = await startCodec(loadConfig({ CODEC_TOKEN: STATIC_TOKEN }).codec);
    try {
      expect((await decode(`Bearer ${STATIC_TOKEN}`)).status).toBe(200);
      const res = await decode(`Bearer ${signJwt(rsa, { iss: issuer.url, exp: now() + 60, realm_access: { roles: ['ops'] } })}`);
      expectRefused(res, 401);
      expect(res.json.error.message).toBe('codec server needs the operator token');
    } finally {
      await close(server);
    }
  });
});

describe('OperatorTokenVerifier', () => {
  it('requests that arrive during the first fetch of the key set wait for it: all pass, one fetch', async () => {
    const rsa = rsaKey('rsa-1');
    const issuer = await startIssuer([rsa]);
    try {
      const verifier = new OperatorTokenVerifier({ issuer: issuer.url, jwksUrl: `${issuer.url}/keys`, roleClaim: 'roles', role: ROLE, jwksTtlSec: 600 });
      const token = signJwt(rsa, { iss: issuer.url, exp: Math.floor(Date.now() / 1000) + 60, roles: [ROLE] });
      const checks = await Promise.all(Array.from({ length: 10 }, () => verifier.check(`Bearer ${token}`)));
      expect(checks.map((c) => c.ok)).toEqual(Array(10).fill(true));
      expect(issuer.hits.get('/keys')).toBe(1);
    } finally {
      await close(issuer.server);
    }
  });
});

describe('role claims', () => {
  it('reads a claim by its full name before a dotted path (namespaced claims hold dots)', () => {
    const claims = { 'https://example.com/roles': ['a'], realm_access: { roles: ['b'] }, resource_access: { ui: { roles: ['c'] } } };
    expect(claimAt(claims, 'https://example.com/roles')).toEqual(['a']);
    expect(claimAt(claims, 'realm_access.roles')).toEqual(['b']);
    expect(claimAt(claims, 'resource_access.ui.roles')).toEqual(['c']);
    expect(claimAt(claims, 'realm_access.missing.roles')).toBeUndefined();
    expect(claimAt(claims, 'toString')).toBeUndefined();
  });

  it('takes an array of strings or a space-separated string', () => {
    expect(rolesIn(['a', 1, 'b'])).toEqual(['a', 'b']);
    expect(rolesIn('a  b')).toEqual(['a', 'b']);
    expect(rolesIn({ a: true })).toEqual([]);
  });
});

describe('CODEC_JWT_* configuration', () => {
  it('is off by default', () => {
    expect(loadConfig({}).codec.jwt).toBeUndefined();
  });

  it('parses the settings, with defaults for the role claim, the role and the TTL', () => {
    expect(loadConfig({ CODEC_JWT_ISSUER: 'https://sso.example.com/realms/ops' }).codec.jwt).toEqual({
      issuer: 'https://sso.example.com/realms/ops',
      jwksUrl: undefined,
      audience: undefined,
      roleClaim: 'roles',
      role: 'temporal-operator',
      jwksTtlSec: 600,
    });
    expect(
      loadConfig({
        CODEC_JWT_ISSUER: 'https://sso.example.com/',
        CODEC_JWT_JWKS_URL: 'https://sso.example.com/keys',
        CODEC_JWT_AUDIENCE: 'temporal-ui',
        CODEC_JWT_ROLE_CLAIM: 'realm_access.roles',
        CODEC_JWT_ROLE: 'ops',
        CODEC_JWT_JWKS_TTL_SEC: '120',
      }).codec.jwt,
    ).toEqual({ issuer: 'https://sso.example.com/', jwksUrl: 'https://sso.example.com/keys', audience: 'temporal-ui', roleClaim: 'realm_access.roles', role: 'ops', jwksTtlSec: 120 });
  });

  it.each([
    [{ CODEC_JWT_ISSUER: 'not a url' }, 'CODEC_JWT_ISSUER'],
    [{ CODEC_JWT_ISSUER: 'ftp://sso.example.com' }, 'CODEC_JWT_ISSUER'],
    [{ CODEC_JWT_ISSUER: 'https://sso.example.com', CODEC_JWT_JWKS_TTL_SEC: '5' }, 'CODEC_JWT_JWKS_TTL_SEC'],
    [{ CODEC_JWT_ISSUER: 'https://sso.example.com', CODEC_JWT_ROLE: '' }, 'CODEC_JWT_ROLE'],
    [{ CODEC_JWT_JWKS_URL: 'https://sso.example.com/keys' }, 'CODEC_JWT_JWKS_URL'],
    [{ CODEC_JWT_AUDIENCE: 'temporal-ui' }, 'CODEC_JWT_AUDIENCE'],
  ])('refuses %j, naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('in production an issuer stands in for CODEC_TOKEN beyond loopback, over https only', () => {
    expect(loadConfig(productionEnv({ CODEC_HOST: '0.0.0.0', CODEC_JWT_ISSUER: 'https://sso.example.com/realms/ops' })).codec.jwt?.issuer).toBe(
      'https://sso.example.com/realms/ops',
    );
    let err: unknown;
    try {
      loadConfig(productionEnv({ CODEC_HOST: '0.0.0.0', CODEC_JWT_ISSUER: 'http://sso.example.com', CODEC_JWT_JWKS_URL: 'http://sso.example.com/keys' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(new Set((err as ConfigError).variables)).toEqual(new Set(['CODEC_JWT_ISSUER', 'CODEC_JWT_JWKS_URL']));
  });
});
