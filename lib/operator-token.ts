// The operators' sign-in token, as the codec server checks it: a JWT from the OIDC issuer the
// Temporal Web UI signs operators in with, which the UI forwards to the codec server
// (TEMPORAL_CODEC_PASS_ACCESS_TOKEN). Only node:crypto: a JWT library would be a dependency
// for the one narrow case we need, and every choice below is one we want to make ourselves.
//
// The issuer's public keys (its JWKS) are fetched over HTTP and kept for a bounded time, so a
// key the issuer withdraws stops being accepted within that time. A token whose key id is not
// in the copy makes one early refetch (the issuer rotated its keys), but no more than one per
// refetch gap: anyone can mint tokens with made-up key ids, and each would otherwise cost the
// issuer a request.
import { constants, createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

interface Algorithm {
  hash: 'sha256' | 'sha384' | 'sha512';
  kty: 'RSA' | 'EC';
  /** EC: the curve the key must be on; its raw r||s signature is twice the coordinate size */
  crv?: 'P-256' | 'P-384' | 'P-521';
  sigBytes?: number;
  pss?: boolean;
}

// An allow-list, so the token cannot pick 'none' or an HS* algorithm (which would check the
// signature with the public key used as an HMAC secret, which anyone can read).
const ALGORITHMS: Record<string, Algorithm> = {
  RS256: { hash: 'sha256', kty: 'RSA' },
  RS384: { hash: 'sha384', kty: 'RSA' },
  RS512: { hash: 'sha512', kty: 'RSA' },
  PS256: { hash: 'sha256', kty: 'RSA', pss: true },
  PS384: { hash: 'sha384', kty: 'RSA', pss: true },
  PS512: { hash: 'sha512', kty: 'RSA', pss: true },
  ES256: { hash: 'sha256', kty: 'EC', crv: 'P-256', sigBytes: 64 },
  ES384: { hash: 'sha384', kty: 'EC', crv: 'P-384', sigBytes: 96 },
  ES512: { hash: 'sha512', kty: 'EC', crv: 'P-521', sigBytes: 132 },
};

const MIN_RSA_BITS = 2048;
// access tokens with many groups run to a few KB; far beyond that is not a token
const MAX_TOKEN_CHARS = 16 * 1024;
const MAX_DOCUMENT_CHARS = 1024 * 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface OperatorTokenSettings {
  /** exactly the tokens' `iss` */
  issuer: string;
  /** unset: the `jwks_uri` of `<issuer>/.well-known/openid-configuration` */
  jwksUrl?: string;
  /** unset: `aud` is not checked */
  audience?: string;
  /** a claim name, or a dotted path into the claims (realm_access.roles) */
  roleClaim: string;
  role: string;
  /** how long a fetched key set is used before it is fetched again */
  jwksTtlSec: number;
}

export interface OperatorTokenOptions extends OperatorTokenSettings {
  /** the fewest milliseconds between two fetches of the key set made for unknown key ids or after a failure */
  refetchGapMs?: number;
  clockSkewSec?: number;
  fetchTimeoutMs?: number;
  now?: () => number;
  log?: { warn: (obj: object, msg: string) => void };
}

export type OperatorTokenCheck =
  | { ok: true; claims: Record<string, unknown> }
  /** 401: no token, or not a valid one; 403: valid, without the role; 503: the issuer's keys could not be fetched */
  | { ok: false; status: 401 | 403 | 503; reason: string };

interface IssuerKey {
  key: KeyObject;
  kty: string;
  crv?: string;
  alg?: string;
}

const deny = (status: 401 | 403 | 503, reason: string): OperatorTokenCheck => ({ ok: false, status, reason });

function jsonObject(base64url: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(base64url, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The claim at `path`: a claim of that very name first, since namespaced claims (https://example.com/roles) hold dots. */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let at: unknown = claims;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** A role claim as a list: an array of strings, or one string of space-separated values (as `scope` is). */
export function rolesIn(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** The usable signing keys of a JWKS document, by key id; the rest are skipped, not fatal. */
function parseJwks(doc: unknown): Map<string, IssuerKey> {
  const keys = new Map<string, IssuerKey>();
  const list = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new Error('the key set has no "keys" array');
  for (const jwk of list as Record<string, unknown>[]) {
    if (jwk === null || typeof jwk !== 'object' || typeof jwk.kid !== 'string') continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') continue;
    let key: KeyObject;
    try {
      // only the public members: a published private key must not turn into anything else
      const { kty, n, e, crv, x, y } = jwk;
      key = createPublicKey({ key: { kty, n, e, crv, x, y } as JsonWebKey, format: 'jwk' });
    } catch {
      continue;
    }
    if (jwk.kty === 'RSA' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) continue;
    keys.set(jwk.kid, { key, kty: jwk.kty, crv: typeof jwk.crv === 'string' ? jwk.crv : undefined, alg: typeof jwk.alg === 'string' ? jwk.alg : undefined });
  }
  return keys;
}

export class OperatorTokenVerifier {
  private keys = new Map<string, IssuerKey>();
  private fetchedAt = -Infinity;
  private triedAt = -Infinity;
  private lastFetchFailed = false;
  private loading: Promise<void> | null = null;
  private jwksUrl: string | undefined;
  private readonly now: () => number;
  private readonly refetchGapMs: number;
  private readonly clockSkewSec: number;
  private readonly fetchTimeoutMs: number;

  constructor(private readonly opts: OperatorTokenOptions) {
    this.jwksUrl = opts.jwksUrl;
    this.now = opts.now ?? Date.now;
    this.refetchGapMs = opts.refetchGapMs ?? 30_000;
    this.clockSkewSec = opts.clockSkewSec ?? 60;
    this.fetchTimeoutMs = opts.fetchTimeoutMs ?? 5_000;
  }

  /** Checks an Authorization header's value. */
  async check(authorization: string | undefined): Promise<OperatorTokenCheck> {
    const token = /^bearer +(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!token) return deny(401, 'no bearer token');
    if (token.length > MAX_TOKEN_CHARS) return deny(401, 'the token is too long');
    const parts = token.split('.');
    // an empty signature (alg "none") fails here already
    if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p))) return deny(401, 'not a signed JWT');
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];

    const header = jsonObject(headerPart);
    if (!header) return deny(401, 'the token header is not a JSON object');
    const algName = typeof header.alg === 'string' ? header.alg : '';
    const alg = Object.hasOwn(ALGORITHMS, algName) ? ALGORITHMS[algName] : undefined;
    if (!alg) return deny(401, "the token's algorithm is not accepted (RS*, PS*, ES* only)");
    // we implement no extension, and RFC 7515 says a token naming one we do not know is invalid
    if (header.crit !== undefined) return deny(401, 'the token names critical extensions');
    if (typeof header.kid !== 'string' || !header.kid) return deny(401, 'the token has no key id (kid)');

    const found = await this.keyFor(header.kid);
    if (found === 'unavailable') return deny(503, "the issuer's signing keys could not be fetched");
    if (!found) return deny(401, 'the token is signed with a key the issuer does not publish');
    if (found.kty !== alg.kty || (alg.crv && found.crv !== alg.crv) || (found.alg && found.alg !== algName)) {
      return deny(401, "the issuer's key does not match the token's algorithm");
    }

    const signature = Buffer.from(signaturePart, 'base64url');
    if (alg.sigBytes && signature.length !== alg.sigBytes) return deny(401, 'bad signature');
    let valid = false;
    try {
      valid = verify(
        alg.hash,
        Buffer.from(`${headerPart}.${payloadPart}`),
        {
          key: found.key,
          // JWS carries ECDSA signatures as raw r||s, not DER
          dsaEncoding: 'ieee-p1363',
          ...(alg.pss ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : {}),
        },
        signature,
      );
    } catch {
      valid = false;
    }
    if (!valid) return deny(401, 'bad signature');

    const claims = jsonObject(payloadPart);
    if (!claims) return deny(401, 'the token payload is not a JSON object');
    return this.checkClaims(claims);
  }

  private checkClaims(claims: Record<string, unknown>): OperatorTokenCheck {
    const { issuer, audience, roleClaim, role } = this.opts;
    if (claims.iss !== issuer) return deny(401, 'the token comes from another issuer');
    const audiences: unknown[] = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (audience !== undefined && !audiences.includes(audience)) return deny(401, 'the token is meant for another audience');
    const now = Math.floor(this.now() / 1000);
    if (typeof claims.exp !== 'number') return deny(401, 'the token has no expiry (exp)');
    if (now >= claims.exp + this.clockSkewSec) return deny(401, 'the token has expired');
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || now + this.clockSkewSec < claims.nbf)) {
      return deny(401, 'the token is not valid yet (nbf)');
    }
    if (!rolesIn(claimAt(claims, roleClaim)).includes(role)) return deny(403, `the token lacks the operator role in its "${roleClaim}" claim`);
    return { ok: true, claims };
  }

  /** The issuer's key with this id; 'unavailable' when the key set could not be fetched to look. */
  private async keyFor(kid: string): Promise<IssuerKey | undefined | 'unavailable'> {
    // a fetch under way (the first, say) is waited for, not overtaken with the old copy
    if (this.loading) await this.loading;
    const gapPassed = () => this.now() - this.triedAt >= this.refetchGapMs;
    if (this.now() - this.fetchedAt >= this.opts.jwksTtlSec * 1000 && gapPassed()) await this.refresh();
    if (!this.keys.has(kid) && gapPassed()) await this.refresh();
    const key = this.keys.get(kid);
    if (key) return key;
    return this.lastFetchFailed ? 'unavailable' : undefined;
  }

  /** One fetch at a time: requests that arrive while it runs wait for it. */
  private refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    this.triedAt = this.now();
    try {
      this.jwksUrl ??= await this.discover();
      this.keys = parseJwks(await this.getJson(this.jwksUrl));
      this.fetchedAt = this.now();
      this.lastFetchFailed = false;
    } catch (err) {
      // the last good copy stays in use: an issuer that is down must not sign every operator out
      this.lastFetchFailed = true;
      this.opts.log?.warn({ issuer: this.opts.issuer, err: err instanceof Error ? err.message : String(err) }, "operator token: the issuer's keys could not be fetched");
    }
  }

  private async discover(): Promise<string> {
    const { issuer } = this.opts;
    const doc = (await this.getJson(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`)) as { issuer?: unknown; jwks_uri?: unknown } | null;
    // OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was fetched for
    if (doc?.issuer !== issuer) throw new Error('the discovery document names another issuer');
    if (typeof doc.jwks_uri !== 'string') throw new Error('the discovery document has no jwks_uri');
    const uri = new URL(doc.jwks_uri);
    if (new URL(issuer).protocol === 'https:' && uri.protocol !== 'https:') throw new Error('the discovery document points at a plain-http jwks_uri');
    return uri.href;
  }

  private async getJson(url: string): Promise<unknown> {
    const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.fetchTimeoutMs) });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_DOCUMENT_CHARS) throw new Error(`${url} sent more than ${MAX_DOCUMENT_CHARS} characters`);
    return JSON.parse(text) as unknown;
  }
}
