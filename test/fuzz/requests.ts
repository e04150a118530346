// One whole hostile request for an operation: path parameters, query string, headers,
// content type and encoding, body — each mostly sane with something hostile somewhere —
// and now and then a request the HTTP layer itself must refuse (unknown method, broken
// request line, control characters in a header, oversized head).
import zlib from 'node:zlib';
import fc from 'fast-check';
import { bodyFor, strayBody, type Body } from './body';
import { CONTROL_CHARS, hostileString } from './hostile';
import type { Operation } from './openapi-ops';
import { hintFor, type Pools } from './pools';
import type { RawRequest } from './raw-http';
import { valueFor } from './schema-values';

export interface FuzzRequest extends RawRequest {
  /** the operation aimed at ("POST /v1/accounts") */
  op: string;
  /** what was done to it, for the report */
  kinds: string[];
}

/** Percent-encodes UTF-8 bytes but the unreserved characters (and ':' of flow ids). */
export const pct = (s: string) => Array.from(Buffer.from(s, 'utf8'), (b) => (/[A-Za-z0-9\-._~:]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

const HOSTILE_SEGMENTS = ['%00', '..', '.', '%2e%2e', '%2E%2E%2F%2E%2E', 'a%2Fb', '%2F', '%', '%zz', '%E0%A4%A', '%C0%AE', '%FF', '%ED%A0%80', '%EF%BB%BF', '%u0000', ';x', 'a%20b', '+', 'x'.repeat(129), 'x'.repeat(5000), 'x'.repeat(20_000), '%25', '%5C..%5C'];

const hostileSegment = fc.oneof(hostileString.map(pct), fc.constantFrom(...HOSTILE_SEGMENTS)).map((s) => ({ s, kind: 'path:hostile' }));

const QUERY_EXTRAS = ['__proto__[x]=1', 'constructor[prototype][x]=1', 'a[b]=c', 'a[]=1&a[]=2', '=x', '&&&', 'x', '%00=%00', '%=%', `x=${'a'.repeat(20_000)}`, 'unmasked=true', 'limit=0', 'limit=1e999', 'limit=-1', 'limit=abc'];

const noCrLf = (s: string) => s.replace(/[\r\n]/g, '');
/** A header value as bytes: latin1 (control characters kept) or UTF-8. */
const headerBytes = fc.tuple(hostileString, fc.boolean()).map(([s, utf8]) => Buffer.from(noCrLf(s), utf8 ? 'utf8' : 'latin1'));
/** Mostly a value the HTTP parser lets through, so the request reaches a route. */
const headerValue = fc.oneof({ weight: 1, arbitrary: headerBytes }, { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((s) => Buffer.from(s)) });

/** `arb` in `some` of `some + none` draws, else null. */
const sometimes = <T>(arb: fc.Arbitrary<T>, some: number, none: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: none, arbitrary: fc.constant(null) }, { weight: some, arbitrary: arb });

const EXTRA_HEADERS = ['user-agent', 'x-device-fingerprint', 'accept-language', 'x-forwarded-for', 'x-face-token', 'x-api-key', 'origin', 'cookie', 'accept', 'if-none-match', 'range', 'expect', 'upgrade'];

/** Requests the HTTP parser, not a route, has to answer. */
const RAW_HEADS = [
  'GET /health HTTP/1.1\nHost: x\n\n',
  'GET  /v1/accounts  HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /v1/accounts HTTP/9.9\r\nHost: x\r\n\r\n',
  'GET /v1/accounts\r\nHost: x\r\n\r\n',
  'GET /v1/accounts HTTP/1.1\r\nHost x\r\n\r\n',
  'GET /v1/accounts HTTP/1.1\r\nHo st: x\r\n\r\n',
  'GET /v1/accounts HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n',
  'GET /v1/accounts HTTP/1.1\r\nHost: x\r\nX-\u0000: y\r\n\r\n',
  'GET http://127.0.0.1/v1/webhooks HTTP/1.1\r\nHost: x\r\n\r\n',
  '\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /v1/accounts/x\u0000y HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /v1/accounts/中 HTTP/1.1\r\nHost: x\r\n\r\n',
  `GET /v1/accounts/${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
  `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`,
  'POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
  'POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
  'POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
  'POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}',
  'POST /v1/accounts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
  'POST /v1/accounts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
  'FOO /v1/accounts HTTP/1.1\r\nHost: x\r\n\r\n',
  'get /v1/accounts HTTP/1.1\r\nHost: x\r\n\r\n',
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  'CONNECT 127.0.0.1:5432 HTTP/1.1\r\nHost: 127.0.0.1:5432\r\n\r\n',
  'GET /v1/webhooks HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
  'GET /health HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nConnection: close\r\n\r\n',
  'GET /health HTTP/1.0\r\n\r\n',
].map((h) => ({ op: 'HTTP parser', kinds: ['raw-head'], method: h.split(' ')[0] ?? '', target: '', headers: [], rawHead: Buffer.from(h, 'utf8') }) satisfies FuzzRequest);

interface Encoded {
  kind: string;
  headers: [string, string][];
  bytes: Buffer;
}

/** How the body's bytes go out: JSON in UTF-8 mostly; other types, charsets and encodings. */
function encodingOf(text: string, hostile: boolean): fc.Arbitrary<Encoded> {
  const utf8 = Buffer.from(text, 'utf8');
  const json = (kind: string, type: string | null, bytes: Buffer, extra: [string, string][] = []): Encoded => ({ kind, headers: [...(type === null ? [] : [['content-type', type] as [string, string]]), ...extra], bytes });
  if (!hostile) return fc.constant(json('type:json', 'application/json', utf8));
  return fc.oneof(
    {
      weight: 1,
      // factories: only the variant drawn is built (a gzip of a large body is not free)
      arbitrary: fc
        .constantFrom<() => Encoded>(
          () => json('type:none', null, utf8),
          () => json('type:text', 'text/plain', utf8),
          () => json('type:form', 'application/x-www-form-urlencoded', utf8),
          () => json('type:multipart', 'multipart/form-data; boundary=x', utf8),
          () => json('type:+json', 'application/vnd.api+json', utf8),
          () => json('type:upper', 'APPLICATION/JSON', utf8),
          () => json('type:bogus', 'application/json; charset=bogus', utf8),
          () => json('type:latin1', 'application/json; charset=latin1', Buffer.from(text, 'latin1')),
          () => json('type:utf-16', 'application/json; charset=utf-16', Buffer.from(text, 'utf16le')),
          () => json('type:utf-7', 'application/json; charset=utf-7', utf8),
          () => json('type:quoted-charset', 'application/json; charset="utf-8"', utf8),
          () => json('type:bad-params', 'application/json;;;=; charset', utf8),
          () => json('bytes:invalid-utf8', 'application/json', Buffer.concat([utf8.subarray(0, Math.max(0, utf8.length - 1)), Buffer.from([0xff, 0xc0, 0xed, 0xa0, 0x80]), utf8.subarray(Math.max(0, utf8.length - 1))])),
          () => json('bytes:bom', 'application/json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8])),
          () => json('encoding:gzip', 'application/json', zlib.gzipSync(utf8), [['content-encoding', 'gzip']]),
          () => json('encoding:deflate', 'application/json', zlib.deflateSync(utf8), [['content-encoding', 'deflate']]),
          () => json('encoding:gzip-garbage', 'application/json', utf8, [['content-encoding', 'gzip']]),
          () => json('encoding:br-garbage', 'application/json', utf8, [['content-encoding', 'br']]),
          () => json('encoding:bogus', 'application/json', utf8, [['content-encoding', 'x-bogus']]),
          () => json('encoding:gzip-bomb', 'application/json', gzipBomb(), [['content-encoding', 'gzip']]),
        )
        .map((make) => make()),
    },
  );
}

let bomb: Buffer | null = null;
/** 5 MB of spaces in about 5 KB: past the body limit only once inflated. */
const gzipBomb = () => (bomb ??= zlib.gzipSync(Buffer.alloc(5_000_000, 0x20)));

type Auth = { kind: string; headers: [string, string | Buffer][] };
const auth = (kind: string, ...headers: [string, string | Buffer][]): Auth => ({ kind, headers });

function authHeaders(op: Operation, apiKey: string, faceToken: string | null, hostile: boolean): fc.Arbitrary<Auth> {
  const bearer: [string, string] = ['authorization', `Bearer ${apiKey}`];
  const odd = fc.oneof(
    fc.constant(auth('auth:none')),
    fc.constant(auth('auth:wrong-key', ['authorization', 'Bearer not-the-key'])),
    headerBytes.map((b) => auth('auth:hostile', ['authorization', Buffer.concat([Buffer.from('Bearer '), b])])),
    fc.constant(auth('auth:basic', ['authorization', `Basic ${Buffer.from(`x:${apiKey}`).toString('base64')}`])),
    fc.constant(auth('auth:x-api-key', ['x-api-key', apiKey])),
    fc.constant(auth('auth:twice', bearer, ['authorization', 'Bearer other'])),
  );
  if (op.auth === 'clientToken') {
    if (!hostile) return faceToken ? fc.constant(auth('auth:face-token', ['x-face-token', faceToken])) : odd;
    return fc.oneof(headerBytes.map((b) => auth('auth:face-token-hostile', ['x-face-token', b])), odd);
  }
  if (!hostile) return fc.constant(op.auth === 'none' ? auth('auth:none') : auth('auth:key', bearer));
  return odd;
}

/** Webhook bodies never enable a subscriber: an enabled one would get every other suite's events. */
function keepWebhooksDisabled(op: Operation, text: string): string {
  if (!op.path.startsWith('/v1/webhooks')) return text;
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v) && (v.enabled === true || (op.method === 'POST' && !('enabled' in v)))) {
      return text.replace(/\}\s*$/, `${Object.keys(v).length ? ',' : ''}"enabled":false}`);
    }
  } catch {
    /* not JSON: refused before it could enable anything */
  }
  return text.replace(/"enabled"\s*:\s*true/g, '"enabled":false');
}

/** Which part of a request is hostile: one at a time, so the rest is valid and the hostile part reaches its handler. */
const FOCUS = [
  { focus: 'body', weight: 40 },
  { focus: 'path', weight: 12 },
  { focus: 'query', weight: 10 },
  { focus: 'headers', weight: 10 },
  { focus: 'encoding', weight: 8 },
  { focus: 'auth', weight: 5 },
  { focus: 'method', weight: 3 },
  { focus: 'all', weight: 5 },
] as const;
type Focus = (typeof FOCUS)[number]['focus'];

export function requestFor(op: Operation, pools: Pools, apiKey: string): fc.Arbitrary<FuzzRequest> {
  const hint = hintFor(pools, op);
  const validSegment = (p: Operation['params'][number]) => valueFor(p.schema, p.name, hint).map((v) => ({ s: pct(String(v)), kind: '' }));
  const pathArb = (hostile: boolean) => {
    // hostile: one parameter gets a hostile value; a path without parameters gets a hostile tail
    if (hostile && !op.params.length) return hostileSegment.map(({ s: tail }) => ({ path: `${op.path}/${tail}`, kinds: ['path:tail'] }));
    const segments = hostile
      ? fc.nat({ max: op.params.length - 1 }).chain((bad) => fc.tuple(...op.params.map((p, i) => (i === bad ? hostileSegment : validSegment(p)))))
      : fc.tuple(...op.params.map(validSegment));
    return segments.map((segs) => {
      let path = op.path;
      op.params.forEach((p, i) => (path = path.replace(`{${p.name}}`, segs[i]!.s)));
      return { path, kinds: segs.map((x) => x.kind).filter(Boolean) };
    });
  };
  const queryParam = (p: Operation['params'][number], hostile: boolean) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(null) },
      { weight: 4, arbitrary: valueFor(p.schema, p.name, hint).map((v) => `${p.name}=${pct(typeof v === 'string' ? v : JSON.stringify(v))}`) },
      { weight: hostile ? 6 : 0, arbitrary: hostileString.map((v) => `${p.name}=${pct(v)}`) },
    );
  const extraQuery = fc.oneof(fc.constantFrom(...QUERY_EXTRAS), fc.tuple(hostileString, hostileString).map(([k, v]) => `${pct(k)}=${pct(v)}`));
  const queryArb = (hostile: boolean) =>
    fc.tuple(fc.tuple(...op.query.map((p) => queryParam(p, hostile))), hostile ? sometimes(extraQuery, op.query.length ? 1 : 3, 1) : fc.constant(null)).map(([params, extra]) => {
      const parts = [...params.filter((x): x is string => x !== null), ...(extra ? [extra] : [])];
      return { query: parts.length ? `?${parts.join('&')}` : '', kinds: hostile ? ['query:hostile'] : [] };
    });
  const bodyArb = (hostile: boolean): fc.Arbitrary<Body | null> => (op.body ? bodyFor(op.body, hint, hostile) : hostile ? strayBody : fc.constant(null));
  const headersArb = (hostile: boolean) =>
    hostile ? fc.uniqueArray(fc.tuple(fc.constantFrom(...EXTRA_HEADERS), headerValue), { minLength: 1, maxLength: 3, selector: ([n]) => n }) : fc.constant([] as [string, Buffer][]);
  const methodArb = (hostile: boolean) => (hostile ? fc.constantFrom(...['PUT', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'DELETE', 'POST', 'GET'].filter((m) => m !== op.method)) : fc.constant(op.method));

  const focused = (f: Focus) => {
    const h = (part: Focus) => f === part || f === 'all';
    return fc
      .record({ path: pathArb(h('path')), q: queryArb(h('query')), body: bodyArb(h('body')), auth: authHeaders(op, apiKey, pools.faceToken, h('auth')), extra: headersArb(h('headers')), method: methodArb(h('method')) })
      .chain((r) => (r.body ? encodingOf(keepWebhooksDisabled(op, r.body.text), h('encoding')) : fc.constant(null)).map((enc) => ({ ...r, enc })));
  };
  return fc
    .oneof(...FOCUS.map(({ focus, weight }) => ({ weight, arbitrary: focused(focus) })))
    .map(({ path, q, body, auth, extra, method, enc }) => {
      const headers: [string, string | Buffer][] = [['host', '127.0.0.1'], ['connection', 'close'], ...auth.headers, ...extra];
      if (enc) headers.push(...enc.headers, ['content-length', String(enc.bytes.length)]);
      return {
        op: op.id,
        kinds: [...(method === op.method ? [] : [`method:${method}`]), ...path.kinds, ...q.kinds, ...(body ? [body.kind] : []), ...(enc ? [enc.kind] : []), auth.kind, ...extra.map(([n]) => `header:${n}`)],
        method,
        target: path.path + q.query,
        headers,
        body: enc?.bytes,
      };
    });
}

/** Every operation alike, plus a few requests for the HTTP parser itself. */
export function anyRequest(ops: Operation[], pools: Pools, apiKey: string): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    // routes with a body have more to get wrong: twice the share
    { weight: 60, arbitrary: fc.oneof(...ops.map((op) => ({ weight: op.body ? 2 : 1, arbitrary: requestFor(op, pools, apiKey) }))) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_HEADS) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...CONTROL_CHARS.filter((c) => c !== '\r' && c !== '\n')), fc.constantFrom('user-agent', 'x-device-fingerprint', 'accept-language', 'authorization')).map(([c, name]) => ({
        op: 'HTTP parser',
        kinds: ['raw-head', `header-control:${name}`],
        method: 'GET',
        target: '/health',
        headers: [['host', '127.0.0.1'], ['connection', 'close'], [name, `a${c}b`]] as [string, string][],
      })),
    },
  );
}
