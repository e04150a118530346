import { isIP } from 'node:net';
import type { Request } from 'express';
import { z } from 'zod';
import { AppError } from '../lib/errors';
import type { RequestMeta } from '../flows/shared/contract';
import { text } from './schemas';
import { parse } from './validation';

// The caller's own headers are stored with audit records just like a relayed `client`, so
// they pass the same rules; only the one that will be stored is checked.
const headerRules = {
  'user-agent': text({ max: 512 }),
  'x-device-fingerprint': text({ max: 128 }),
} as const;
type HeaderName = keyof typeof headerRules;

// built once: a zod schema costs more to make than to run, and these run on most requests
const headerSchema = (name: HeaderName) => z.object({ headers: z.object({ [name]: headerRules[name] }) });
const headerSchemas = { 'user-agent': headerSchema('user-agent'), 'x-device-fingerprint': headerSchema('x-device-fingerprint') };

function header(req: Request, name: HeaderName): string | undefined {
  const value = req.get(name);
  if (value === undefined) return undefined;
  return parse(headerSchemas[name], { headers: { [name]: value } }).headers[name];
}

/** Behind a trusted proxy req.ip is whatever X-Forwarded-For says: an address, or refused. */
function clientIp(req: Request): string | undefined {
  const ip = req.ip;
  if (ip === undefined || isIP(ip)) return ip;
  throw new AppError('INVALID_INPUT', { fields: [{ field: 'headers.x-forwarded-for', problem: 'not an IP address' }] });
}

/** Where the end user's request came from: the caller relays it, else the caller itself. */
export function metaOf(req: Request, client?: RequestMeta): RequestMeta {
  return {
    ip: client?.ip ?? clientIp(req),
    userAgent: client?.userAgent ?? header(req, 'user-agent'),
    fingerprint: client?.fingerprint ?? header(req, 'x-device-fingerprint'),
  };
}
