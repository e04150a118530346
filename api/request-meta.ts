import type { Request } from 'express';
import type { RequestMeta } from '../workflows/definitions';

/** Where the end user's request came from: the caller relays it, else the caller itself. */
export function metaOf(req: Request, client?: RequestMeta): RequestMeta {
  return {
    ip: client?.ip ?? req.ip,
    userAgent: client?.userAgent ?? req.get('user-agent'),
    fingerprint: client?.fingerprint ?? req.get('x-device-fingerprint'),
  };
}
