// The OpenAPI document covers every route the app mounts (and nothing else), every
// example fits its schema, and real answers fit the documented response schemas.
import type { Express } from 'express';
import { z } from 'zod';
import { ROUTE_DOCS } from '../../api/app';
import { accountBody, countersBody, healthBody, sessionBody, sessionsBody } from '../../api/openapi';
import * as res from '../../http/response-schemas';
import { bindResultBody } from '../../flows/bind/openapi';
import { identityBody } from '../../flows/real-name/openapi';
import { waitFor } from '../support/wait';
import { call, startStack, uniqueAccountId, uniquePhone, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** method + path of every route mounted on the app, nested routers included. */
function mountedRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (layers: Layer[]) => {
    for (const l of layers) {
      if (l.route) for (const m of Object.keys(l.route.methods)) out.push(`${m.toUpperCase()} ${l.route.path}`);
      else if (l.handle?.stack) walk(l.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out.filter((r) => !r.includes('/docs')).sort();
}

test('every mounted route is documented, and every documented route is mounted', () => {
  const documented = ROUTE_DOCS.map((d) => `${d.method.toUpperCase()} ${d.path}`).sort();
  expect(new Set(documented).size).toBe(documented.length);
  expect(mountedRoutes(stack.app)).toEqual(documented);
});

test('every documented example validates against its schema', () => {
  let checked = 0;
  for (const d of ROUTE_DOCS) {
    if (d.requestExample !== undefined) {
      expect({ route: `${d.method} ${d.path}`, ok: d.body!.safeParse(d.requestExample).success }).toEqual({ route: `${d.method} ${d.path}`, ok: true });
      checked++;
    }
    for (const [status, r] of Object.entries(d.responses)) {
      if (r.example === undefined) continue;
      const parsed = (r.schema as z.ZodType).safeParse(r.example);
      expect({ route: `${d.method} ${d.path} ${status}`, issues: parsed.success ? [] : parsed.error.issues }).toEqual({ route: `${d.method} ${d.path} ${status}`, issues: [] });
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(20);
});

test('/openapi.json is OpenAPI 3.1 with request schemas, error codes and security', async () => {
  const doc = await call(stack, 'GET', '/openapi.json', undefined, { key: null });
  expect(doc.status).toBe(200);
  expect(doc.body.openapi).toBe('3.1.0');
  const bind = doc.body.paths['/v1/accounts/{id}/phone/bind'].post;
  expect(bind.requestBody.content['application/json'].schema.properties.phone.type).toBe('string');
  expect(bind.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
  expect(bind.responses['409'].description).toContain('PHONE_TAKEN');
  expect(bind.responses['400'].content['application/json'].example.error.message).toBe('绑定失败:请输入正确的手机号\n注:目前仅支持国内手机号码段');
  expect(bind.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
  expect(bind.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
  expect(doc.body.paths['/v1/face/completion'].post.security).toEqual([{ clientToken: [] }]);
  const operationIds = Object.values(doc.body.paths).flatMap((p: any) => Object.values(p).map((o: any) => o.operationId));
  expect(new Set(operationIds).size).toBe(operationIds.length);
});

test('/docs renders with locally served Swagger UI assets', async () => {
  const page = await fetch(`${stack.baseUrl}/docs`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('/docs/assets/swagger-ui-bundle.js');
  const js = await fetch(`${stack.baseUrl}/docs/assets/swagger-ui-bundle.js`);
  expect(js.status).toBe(200);
  expect((await js.text()).length).toBeGreaterThan(100_000);
});

test('real answers fit the documented response schemas', async () => {
  const expectShape = (schema: z.ZodType, body: unknown) => {
    const r = schema.safeParse(body);
    expect(r.success ? [] : r.error.issues).toEqual([]);
  };
  const id = uniqueAccountId('oa');
  const phone = uniquePhone();
  expectShape(accountBody, (await call(stack, 'POST', '/v1/accounts', { id })).body);
  expectShape(sessionBody, (await call(stack, 'POST', `/v1/accounts/${id}/sessions`, { sessionId: `${id}-s` })).body);
  expectShape(res.codeSentBody, (await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone })).body);
  expectShape(res.flowStateBody, (await call(stack, 'GET', `/v1/flows/bind-phone:${id}`)).body);
  expectShape(res.errorBody, (await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code: 'x' })).body);
  const code = await waitFor(() => stack.sms.forPhone(phone)[0]?.params[0]);
  expectShape(bindResultBody, (await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code })).body);
  expectShape(accountBody, (await call(stack, 'GET', `/v1/accounts/${id}`)).body);
  expectShape(sessionsBody, (await call(stack, 'GET', `/v1/accounts/${id}/sessions`)).body);
  expectShape(countersBody, (await call(stack, 'GET', '/v1/counters')).body);
  expectShape(identityBody, (await call(stack, 'GET', `/v1/accounts/${id}/real-name`)).body);
  expectShape(healthBody, (await call(stack, 'GET', '/health', undefined, { key: null })).body);
});
