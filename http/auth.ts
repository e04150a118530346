// API keys with scopes. Keys come from config; comparison is constant-time.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { ApiKey } from '../lib/config';
import { AppError } from '../lib/errors';

export type Scope = 'accounts:read' | 'accounts:write' | 'flows:read' | 'flows:write' | 'pii:read' | 'pii:redact' | 'providers:write' | 'webhooks:read' | 'webhooks:write';

declare module 'express-serve-static-core' {
  interface Request {
    apiKey?: { name: string; scopes: string[] };
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function authenticate(keys: ApiKey[]): RequestHandler {
  const known = keys.map((k) => ({ ...k, digest: digest(k.secret) }));
  return (req, _res, next) => {
    const header = req.get('authorization');
    const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : req.get('x-api-key');
    if (!presented) throw new AppError('UNAUTHENTICATED');
    const d = digest(presented);
    const match = known.find((k) => timingSafeEqual(k.digest, d));
    if (!match) throw new AppError('UNAUTHENTICATED');
    req.apiKey = { name: match.name, scopes: match.scopes };
    next();
  };
}

export function hasScope(scopes: string[] | undefined, scope: Scope): boolean {
  return !!scopes && (scopes.includes('*') || scopes.includes(scope));
}

export function requireScope(scope: Scope): RequestHandler {
  return (req, _res, next) => {
    if (!hasScope(req.apiKey?.scopes, scope)) throw new AppError('FORBIDDEN', { scope });
    next();
  };
}
