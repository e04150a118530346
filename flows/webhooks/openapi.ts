// OpenAPI entries of the webhook routes (flows/webhooks/routes.ts), built from the same zod
// schemas the routes validate with.
import { z } from 'zod';
import type { RouteDoc } from '../../http/route-doc';
import { DELIVERY_STATES } from '../../db/webhooks';
import { createWebhookBody, deliveryQuery, updateWebhookBody } from './routes';

const at = '2026-11-22T08:00:00.000Z';
const iso = z.string().describe('ISO 8601 time');
const subscriber = z
  .object({ id: z.uuid(), url: z.string(), eventTypes: z.array(z.string()), description: z.string(), enabled: z.boolean(), createdAt: iso, updatedAt: iso, secretRotatedAt: iso.nullable() })
  .strict();
const delivery = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    accountId: z.string(),
    subscriberId: z.uuid(),
    state: z.enum(DELIVERY_STATES),
    run: z.number().int(),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: iso,
    updatedAt: iso,
    deliveredAt: iso.nullable(),
  })
  .strict();
const attempt = z.object({ run: z.number().int(), attempt: z.number().int(), statusCode: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number().int(), at: iso }).strict();
const secret = z.string().regex(/^whsec_/).describe('shown only here; sign-check requests with it');

const subscriberBody = z.object({ subscriber }).strict();
const subscriberWithSecret = z.object({ subscriber, secret }).strict();
const subscriberEx = { id: '5b6f2c1e-8a3d-4e7f-9c1a-2b3c4d5e6f70', url: 'https://crm.example.com/hooks', eventTypes: ['phone.bound', 'real_name.verified'], description: 'crm', enabled: true, createdAt: at, updatedAt: at, secretRotatedAt: null };
const secretEx = 'whsec_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const deliveryEx = { id: '42', eventId: 'evt_1001', eventType: 'phone.bound', accountId: 'u1001', subscriberId: subscriberEx.id, state: 'delivered' as const, run: 1, attempts: 3, lastStatusCode: 200, lastError: null, createdAt: at, updatedAt: at, deliveredAt: at };
const id = { id: z.uuid() };
const deliveryId = { id: z.string().regex(/^\d{1,18}$/) };
const tag = 'webhooks';

export const WEBHOOK_ROUTES: RouteDoc[] = [
  {
    method: 'post', path: '/v1/webhooks', summary: 'Subscribe an endpoint to callback events; the signing secret is answered once', tag, auth: 'apiKey', scope: 'webhooks:write',
    body: createWebhookBody, requestExample: { url: 'https://crm.example.com/hooks', eventTypes: ['phone.bound', 'real_name.verified'], description: 'crm' },
    responses: { 201: { description: 'created', schema: subscriberWithSecret, example: { subscriber: subscriberEx, secret: secretEx } } },
    errors: ['INVALID_INPUT', 'WEBHOOK_URL_INVALID', 'WEBHOOK_EVENT_TYPE_UNKNOWN'],
  },
  { method: 'get', path: '/v1/webhooks', summary: 'Subscribers (never their secrets)', tag, auth: 'apiKey', scope: 'webhooks:read', responses: { 200: { description: 'subscribers', schema: z.object({ subscribers: z.array(subscriber) }).strict(), example: { subscribers: [subscriberEx] } } } },
  { method: 'get', path: '/v1/webhooks/:id', summary: 'One subscriber', tag, auth: 'apiKey', scope: 'webhooks:read', params: id, responses: { 200: { description: 'subscriber', schema: subscriberBody, example: { subscriber: subscriberEx } } }, errors: ['WEBHOOK_NOT_FOUND'] },
  {
    method: 'patch', path: '/v1/webhooks/:id', summary: 'Change url, event types, description or enabled', tag, auth: 'apiKey', scope: 'webhooks:write', params: id,
    body: updateWebhookBody, requestExample: { enabled: false },
    responses: { 200: { description: 'updated', schema: subscriberBody, example: { subscriber: { ...subscriberEx, enabled: false } } } },
    errors: ['WEBHOOK_NOT_FOUND', 'INVALID_INPUT', 'WEBHOOK_URL_INVALID', 'WEBHOOK_EVENT_TYPE_UNKNOWN'],
  },
  {
    method: 'delete', path: '/v1/webhooks/:id', summary: 'Delete a subscriber (soft: its deliveries stay listed)', tag, auth: 'apiKey', scope: 'webhooks:write', params: id,
    responses: { 200: { description: 'deleted', schema: z.object({ subscriber: subscriber.extend({ deletedAt: iso.nullable() }) }).strict() } }, errors: ['WEBHOOK_NOT_FOUND'],
  },
  {
    method: 'post', path: '/v1/webhooks/:id/rotate-secret', summary: 'A new signing secret, answered once; the previous one signs beside it for WEBHOOK_SECRET_GRACE_SEC', tag, auth: 'apiKey', scope: 'webhooks:write', params: id,
    responses: { 200: { description: 'rotated', schema: z.object({ subscriber, secret, previousSecretValidUntil: iso.nullable() }).strict(), example: { subscriber: { ...subscriberEx, secretRotatedAt: at }, secret: secretEx, previousSecretValidUntil: '2026-11-23T08:00:00.000Z' } } },
    errors: ['WEBHOOK_NOT_FOUND'],
  },
  {
    method: 'get', path: '/v1/webhook-deliveries', summary: 'Deliveries, newest first, filtered by state, subscriber, account, event type', tag, auth: 'apiKey', scope: 'webhooks:read',
    query: deliveryQuery.shape,
    responses: { 200: { description: 'deliveries', schema: z.object({ deliveries: z.array(delivery), nextBefore: z.string().nullable() }).strict(), example: { deliveries: [deliveryEx], nextBefore: null } } },
    errors: ['INVALID_INPUT'],
  },
  {
    method: 'get', path: '/v1/webhook-deliveries/:id', summary: 'One delivery and each of its attempts', tag, auth: 'apiKey', scope: 'webhooks:read', params: deliveryId,
    responses: { 200: { description: 'delivery', schema: z.object({ delivery, attempts: z.array(attempt) }).strict(), example: { delivery: deliveryEx, attempts: [{ run: 1, attempt: 1, statusCode: 500, error: 'HTTP 500', durationMs: 12, at }] } } },
    errors: ['WEBHOOK_DELIVERY_NOT_FOUND'],
  },
  {
    method: 'post', path: '/v1/webhook-deliveries/:id/redeliver', summary: 'A fresh attempt sequence for a delivered or failed delivery', tag, auth: 'apiKey', scope: 'webhooks:write', params: deliveryId,
    responses: { 202: { description: 'queued', schema: z.object({ delivery }).strict(), example: { delivery: { ...deliveryEx, state: 'pending', run: 2, deliveredAt: null } } } },
    errors: ['WEBHOOK_DELIVERY_NOT_FOUND', 'WEBHOOK_DELIVERY_PENDING', 'WEBHOOK_SUBSCRIBER_DISABLED'],
  },
];
