// One route's entry in the OpenAPI document: the shape api/openapi.ts and every route
// list (api/openapi-*.ts, flows/*/openapi.ts) share. Its own module, so those lists do not
// import the document's builder, which the app composes them for.
import type { z } from 'zod';
import type { ErrorCode } from '../lib/errors';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteDoc {
  method: Method;
  /** Express pattern, e.g. /v1/accounts/:id */
  path: string;
  summary: string;
  tag: string;
  /** 'none' for public routes; otherwise the API key scope */
  auth: 'none' | 'apiKey' | 'clientToken';
  scope?: string;
  params?: Record<string, z.ZodType>;
  query?: Record<string, z.ZodType>;
  body?: z.ZodType;
  requestExample?: unknown;
  /** status → schema + example; errors list the catalogue codes this route answers with */
  responses: Record<number, { description: string; schema?: z.ZodType; example?: unknown }>;
  errors?: ErrorCode[];
}
