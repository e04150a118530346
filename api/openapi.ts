// The OpenAPI 3.1 document, generated from the zod schemas the routes validate with
// (requests) and answer with (responses). Served at /openapi.json and rendered at /docs.
// Each part documents its own routes (flows/*/openapi.ts, api/openapi-*.ts); this file
// documents the API's own (operations, accounts, sessions, counters) and builds the
// document from the list api/app.ts composes, so no part's docs import the builder.
// test/e2e/openapi.test.ts proves every mounted route is here and every example fits its schema.
import path from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import { ERRORS, messageOf } from '../lib/errors';
import * as req from '../http/schemas';
import { errorBody } from '../http/response-schemas';
import type { RouteDoc } from '../http/route-doc';
import { COUNTER_KEYS } from '../db/counters';

const iso = z.iso.datetime();
const masked = z.string();
const at = '2026-11-22T08:00:00.000Z';

export const accountView = z
  .object({
    id: z.string(),
    phone: masked.nullable(),
    email: masked.nullable(),
    realNameStatus: z.enum(['none', 'verified']),
    realNameVerifiedAt: iso.nullable(),
    faceQuota: z.object({ freeUsed: z.number().int(), purchased: z.number().int() }).strict(),
    createdAt: iso,
    updatedAt: iso,
  })
  .passthrough();
export const accountBody = z.object({ account: accountView }).strict();

export const session = z
  .object({ id: z.string(), live: z.boolean(), createdAt: iso, endedAt: iso.nullable(), endedReason: z.string().nullable(), endedByFlow: z.string().nullable() })
  .strict();
export const sessionBody = z.object({ session }).strict();
export const sessionsBody = z.object({ sessions: z.array(session) }).strict();

export const healthBody = z
  .object({ status: z.enum(['ok', 'degraded']), checks: z.record(z.string(), z.enum(['ok', 'down'])) })
  .strict();

const counter = z
  .object({
    key: z.string(),
    timezone: z.literal('Asia/Shanghai'),
    total: z.number().int(),
    today: z.number().int(),
    yesterday: z.number().int(),
    thisWeek: z.number().int(),
    lastWeek: z.number().int(),
    thisMonth: z.number().int(),
    lastMonth: z.number().int(),
    thisYear: z.number().int(),
    lastYear: z.number().int(),
  })
  .strict();
export const counterBody = z.object({ counter }).strict();
export const countersBody = z.object({ counters: z.array(counter) }).strict();

const account = {
  id: 'u1001',
  phone: '138****8000',
  email: null,
  realNameStatus: 'none',
  realNameVerifiedAt: null,
  faceQuota: { freeUsed: 0, purchased: 0 },
  createdAt: at,
  updatedAt: at,
};

/** The API's own routes: operations, accounts, sessions. */
export const PLATFORM_ROUTES: RouteDoc[] = [
  { method: 'get', path: '/health', summary: 'Readiness: Postgres, Redis, Temporal', tag: 'operations', auth: 'none', responses: { 200: { description: 'all up', schema: healthBody, example: { status: 'ok', checks: { postgres: 'ok', redis: 'ok', temporal: 'ok' } } }, 503: { description: 'a dependency is down', schema: healthBody } } },
  { method: 'get', path: '/health/live', summary: 'Liveness', tag: 'operations', auth: 'none', responses: { 200: { description: 'the process answers' } } },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics (HTTP, flows, process); a bearer METRICS_TOKEN when set, and on METRICS_PORT instead of here when set', tag: 'operations', auth: 'none', responses: { 200: { description: 'text exposition format' } }, errors: ['UNAUTHENTICATED'] },
  { method: 'get', path: '/openapi.json', summary: 'This document', tag: 'operations', auth: 'none', responses: { 200: { description: 'OpenAPI 3.1' } } },
  {
    method: 'post', path: '/v1/accounts', summary: "Create the platform user's account (idempotent)", tag: 'accounts', auth: 'apiKey', scope: 'accounts:write',
    body: req.createAccountBody, requestExample: { id: 'u1001' },
    responses: { 201: { description: 'created', schema: accountBody, example: { account: { ...account, phone: null } } }, 200: { description: 'existed already', schema: accountBody } },
    errors: ['INVALID_INPUT'],
  },
  {
    method: 'get', path: '/v1/accounts/:id', summary: 'Read an account, contacts masked (whole with pii:read and ?unmasked=true)', tag: 'accounts', auth: 'apiKey', scope: 'accounts:read',
    params: { id: req.accountId }, query: { unmasked: z.enum(['true', 'false']).optional() },
    responses: { 200: { description: 'the account', schema: accountBody, example: { account } } },
    errors: ['ACCOUNT_NOT_FOUND', 'FORBIDDEN'],
  },
  {
    method: 'post', path: '/v1/accounts/:id/sessions', summary: "Register one of the user's sessions (idempotent)", tag: 'sessions', auth: 'apiKey', scope: 'accounts:write',
    params: { id: req.accountId }, body: req.registerSessionBody, requestExample: { sessionId: 'web-1', client: { ip: '203.0.113.7', userAgent: 'Mozilla/5.0' } },
    responses: { 201: { description: 'registered', schema: sessionBody, example: { session: { id: 'web-1', live: true, createdAt: at, endedAt: null, endedReason: null, endedByFlow: null } } }, 200: { description: 'known already', schema: sessionBody } },
    errors: ['ACCOUNT_NOT_FOUND', 'INVALID_INPUT'],
  },
  {
    method: 'get', path: '/v1/accounts/:id/sessions', summary: "The account's sessions, live and ended", tag: 'sessions', auth: 'apiKey', scope: 'accounts:read',
    params: { id: req.accountId }, responses: { 200: { description: 'sessions', schema: sessionsBody } }, errors: ['ACCOUNT_NOT_FOUND'],
  },
  {
    method: 'delete', path: '/v1/accounts/:id/sessions/:sessionId', summary: 'End a session (sign-out)', tag: 'sessions', auth: 'apiKey', scope: 'accounts:write',
    params: { id: req.accountId, sessionId: req.sessionId }, responses: { 200: { description: 'ended', schema: sessionBody } }, errors: ['SESSION_NOT_FOUND'],
  },
];

const counterExample = { key: 'api:face', timezone: 'Asia/Shanghai', total: 12, today: 2, yesterday: 3, thisWeek: 5, lastWeek: 4, thisMonth: 12, lastMonth: 0, thisYear: 12, lastYear: 0 };

/** The counters of provider calls and messages (every flow's, so the API's own). */
export const COUNTER_ROUTES: RouteDoc[] = [
  { method: 'get', path: '/v1/counters', summary: 'Multi-period counters of provider calls and messages (api:face, api:face_certify, api:idcard_verification, sms:sent|failed, mail:sent|failed)', tag: 'real-name', auth: 'apiKey', scope: 'flows:read', responses: { 200: { description: 'counters', schema: countersBody, example: { counters: [counterExample] } } } },
  {
    method: 'get', path: '/v1/counters/:key', summary: 'One counter: total, today, yesterday, this/last week, this/last month, this/last year (Asia/Shanghai)', tag: 'real-name', auth: 'apiKey', scope: 'flows:read',
    params: { key: z.enum(COUNTER_KEYS) }, responses: { 200: { description: 'counter', schema: counterBody, example: { counter: counterExample } } }, errors: ['NOT_FOUND'],
  },
];

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z]+)/g, '{$1}');
const jsonSchema = (s: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

export function buildOpenApi(docs: RouteDoc[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const d of docs) {
    const parameters = [
      ...Object.entries(d.params ?? {}).map(([name, s]) => ({ name, in: 'path', required: true, schema: jsonSchema(s) })),
      ...Object.entries(d.query ?? {}).map(([name, s]) => ({ name, in: 'query', required: false, schema: jsonSchema(s) })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(d.responses)) {
      responses[status] = {
        description: r.description,
        ...(r.schema ? { content: { 'application/json': { schema: jsonSchema(r.schema), ...(r.example !== undefined ? { example: r.example } : {}) } } } : {}),
      };
    }
    for (const code of d.errors ?? []) {
      const e = ERRORS[code];
      const key = String(e.status);
      const prior = responses[key] as { description: string } | undefined;
      responses[key] = {
        description: prior ? `${prior.description}; ${code}` : code,
        content: { 'application/json': { schema: jsonSchema(errorBody), example: { error: { code, message: messageOf(code, 'zh') } } } },
      };
    }
    if (d.auth === 'apiKey') {
      responses['401'] = { description: 'UNAUTHENTICATED', content: { 'application/json': { schema: jsonSchema(errorBody) } } };
      responses['403'] ??= { description: 'FORBIDDEN (scope)', content: { 'application/json': { schema: jsonSchema(errorBody) } } };
    }
    const op: Record<string, unknown> = {
      summary: d.summary,
      tags: [d.tag],
      operationId: `${d.method}${d.path.replace(/[/:{}-]+(\w)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security: d.auth === 'apiKey' ? [{ bearer: [] }, { apiKey: [] }] : d.auth === 'clientToken' ? [{ clientToken: [] }] : [],
      ...(d.scope ? { 'x-scope': d.scope } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(d.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(d.body), ...(d.requestExample !== undefined ? { example: d.requestExample } : {}) } } } } : {}),
      responses,
    };
    (paths[toOpenApiPath(d.path)] ??= {})[d.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'verification-saga',
      version: '1',
      description: 'Account-security flows (bind, rebind, real-name verification) as durable Temporal workflows. Errors: { error: { code, message, details? } }, message in zh-CN (Accept-Language: en for English).',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API key' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        clientToken: { type: 'apiKey', in: 'header', name: 'X-Face-Token', description: 'short-lived token the app got for one face check' },
      },
    },
    paths,
  };
}

const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>verification-saga API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;

/** /openapi.json and /docs (Swagger UI from the installed package: no CDN). */
export function openApiRoutes(docs: () => RouteDoc[]): Router {
  const r = Router();
  let cached: Record<string, unknown> | null = null;
  r.get('/openapi.json', (_req, res) => void res.json((cached ??= buildOpenApi(docs()))));
  r.get('/docs', (_req, res) => void res.type('html').send(DOCS_HTML));
  r.get('/docs/init.js', (_req, res) => void res.type('js').send("window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });"));
  r.use('/docs/assets', express.static(path.dirname(require.resolve('swagger-ui-dist/package.json')), { index: false }));
  return r;
}
