// OpenAPI entries of buying face quota (api/routes/face-quota.ts).
import { z } from 'zod';
import type { RouteDoc } from '../http/route-doc';
import { iso } from '../http/response-schemas';
import { FACE_PROVIDERS } from '../lib/face-providers';
import { accountId } from '../http/schemas';
import { createOrderBody, orderId, paidBody, paymentCallbackBody, PAYMENT_SIGNATURE_HEADER } from './routes/face-quota';

const order = z
  .object({
    orderId: z.string(),
    accountId: z.string(),
    units: z.number().int().min(1),
    unitPriceCny: z.number().min(0),
    amountCny: z.number().min(0),
    state: z.enum(['pending', 'paid', 'cancelled', 'expired']).describe('expired: pending past expiresAt; it refuses a payment'),
    paymentRef: z.string().nullable(),
    unitsUsed: z.number().int().min(0).describe('units face checks consumed from this order'),
    createdAt: iso,
    expiresAt: iso,
    paidAt: iso.nullable(),
    cancelledAt: iso.nullable(),
  })
  .strict();
export const orderBody = z.object({ order }).strict();
export const paidAnswerBody = z.object({ order, credited: z.boolean().describe('true only on the call that credited the units') }).strict();
export const faceQuotaBody = z
  .object({
    quota: z
      .object({
        freePerAccount: z.number().int(),
        freeLeft: z.number().int(),
        purchasedLeft: z.number().int(),
        held: z.number().int().describe('units held by face checks in progress'),
        available: z.number().int().describe('what a new face check may count on'),
        unitPriceCny: z.number(),
      })
      .strict(),
    orders: z.array(order),
    ledger: z.array(
      z
        .object({
          faceCheck: z.string(),
          source: z.enum(['free', 'purchased', 'none']),
          state: z.string(),
          orderId: z.string().nullable(),
          paymentRef: z.string().nullable(),
          at: iso,
        })
        .strict(),
    ),
  })
  .strict();

export const totalsBody = z
  .object({ totals: z.object({ unitsSold: z.number().int(), purchasedConsumed: z.number().int(), freeConsumed: z.number().int(), refunded: z.number().int() }).strict() })
  .strict();

const at = '2026-11-22T08:00:00.000Z';
const pending = { orderId: 'fqo_3f1c9a7e5b2d4c6a8e0f1a2b', accountId: 'u1001', units: 3, unitPriceCny: 1, amountCny: 3, state: 'pending', paymentRef: null, unitsUsed: 0, createdAt: at, expiresAt: '2026-11-22T08:30:00.000Z', paidAt: null, cancelledAt: null };
const paid = { ...pending, state: 'paid', paymentRef: 'pay-20261122-0001', paidAt: '2026-11-22T08:01:00.000Z' };
const tag = 'face-quota';
const orderParams = { orderId };

export const faceAttemptsBody = z
  .object({
    attempts: z.array(
      z
        .object({
          id: z.string(),
          scene: z.string(),
          provider: z.enum(FACE_PROVIDERS).describe('who issued its certifyId'),
          failover: z.array(z.object({ provider: z.string(), code: z.string() }).strict()).nullable().describe('providers asked first that were unavailable, with their code; null when the first one asked issued it'),
          faceCheckId: z.string(),
          ownerFlowId: z.string().nullable(),
          certifyId: z.string(),
          status: z.enum(['wait', 'success', 'fail', 'expired', 'error']),
          deviceId: z.string(),
          startedAt: iso,
          completedAt: iso.nullable(),
          redactedAt: iso.nullable().describe('when its name, ID number, picture and metaInfo were redacted (POST …/face-attempts/:attemptId/redact, or retention)'),
          unit: z.object({ source: z.string(), state: z.string(), orderId: z.string().nullable(), paymentRef: z.string().nullable() }).strict().nullable(),
        })
        .strict(),
    ),
  })
  .strict();

export const FACE_QUOTA_ROUTES: RouteDoc[] = [
  {
    method: 'get', path: '/v1/accounts/:id/face-attempts', summary: "Trace: every face check of the account, newest first (at most 200): scene, provider, certifyId, status, device, the unit of quota it held or used (free / purchased, its order and payment reference, refunded); nothing personal", tag, auth: 'apiKey', scope: 'accounts:read',
    params: { id: accountId },
    responses: {
      200: {
        description: 'the attempts',
        schema: faceAttemptsBody,
        example: { attempts: [{ id: '42', scene: 'personal', provider: 'dcloud', failover: null, faceCheckId: 'real-name:u1001/0a1b2c3d4e5f/face', ownerFlowId: 'real-name:u1001', certifyId: 'sha1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6', status: 'success', deviceId: 'phone-1', startedAt: '2026-11-22T08:00:00.000Z', completedAt: '2026-11-22T08:01:00.000Z', redactedAt: null, unit: { source: 'free', state: 'consumed', orderId: null, paymentRef: null } }] },
      },
    },
    errors: ['ACCOUNT_NOT_FOUND'],
  },
  {
    method: 'post', path: '/v1/accounts/:id/face-quota/orders', summary: 'Quote and create a pending order of face checks (units × FACE_PRICE_CNY); an Idempotency-Key header makes a repeat answer the same order', tag, auth: 'apiKey', scope: 'accounts:write',
    params: { id: accountId }, body: createOrderBody(100), requestExample: { units: 3 },
    responses: { 201: { description: 'created', schema: orderBody, example: { order: pending } }, 200: { description: 'this Idempotency-Key made it before', schema: orderBody } },
    errors: ['ACCOUNT_NOT_FOUND', 'INVALID_INPUT', 'FACE_ORDER_KEY_REUSED'],
  },
  {
    method: 'get', path: '/v1/accounts/:id/face-quota', summary: 'Face quota: free left, purchased left, held; the orders and the ledger of units (newest 50 each)', tag, auth: 'apiKey', scope: 'accounts:read',
    params: { id: accountId },
    responses: {
      200: {
        description: 'quota',
        schema: faceQuotaBody,
        example: {
          quota: { freePerAccount: 1, freeLeft: 0, purchasedLeft: 2, held: 0, available: 2, unitPriceCny: 1 },
          orders: [{ ...paid, unitsUsed: 1 }],
          ledger: [{ faceCheck: 'face-check:real-name:u1001:1', source: 'purchased', state: 'consumed', orderId: paid.orderId, paymentRef: paid.paymentRef, at }],
        },
      },
    },
    errors: ['ACCOUNT_NOT_FOUND'],
  },
  {
    method: 'get', path: '/v1/face-quota/totals', summary: 'Units sold (paid orders), consumed (purchased and free) and refunded, over all accounts', tag, auth: 'apiKey', scope: 'flows:read',
    responses: { 200: { description: 'totals', schema: totalsBody, example: { totals: { unitsSold: 120, purchasedConsumed: 87, freeConsumed: 540, refunded: 3 } } } },
  },
  {
    method: 'get', path: '/v1/face-quota/orders/:orderId', summary: 'One order', tag, auth: 'apiKey', scope: 'accounts:read',
    params: orderParams, responses: { 200: { description: 'the order', schema: orderBody, example: { order: pending } } }, errors: ['FACE_ORDER_NOT_FOUND', 'INVALID_INPUT'],
  },
  {
    method: 'post', path: '/v1/face-quota/orders/:orderId/paid', summary: "The platform's payment system took the payment: credits the units once (the same paymentRef again answers the paid order, credited: false)", tag, auth: 'apiKey', scope: 'accounts:write',
    params: orderParams, body: paidBody, requestExample: { paymentRef: 'pay-20261122-0001' },
    responses: { 200: { description: 'paid', schema: paidAnswerBody, example: { order: paid, credited: true } } },
    errors: ['FACE_ORDER_NOT_FOUND', 'FACE_ORDER_ALREADY_PAID', 'FACE_ORDER_CANCELLED', 'FACE_ORDER_EXPIRED', 'FACE_PAYMENT_REF_USED', 'INVALID_INPUT'],
  },
  {
    method: 'post', path: '/v1/face-quota/orders/:orderId/cancel', summary: 'Cancel an unpaid order (idempotent)', tag, auth: 'apiKey', scope: 'accounts:write',
    params: orderParams,
    responses: { 200: { description: 'cancelled', schema: paidAnswerBody, example: { order: { ...pending, state: 'cancelled', cancelledAt: at }, credited: false } } },
    errors: ['FACE_ORDER_NOT_FOUND', 'FACE_ORDER_ALREADY_PAID', 'INVALID_INPUT'],
  },
  {
    method: 'post', path: '/v1/face-quota/payment-callback',
    summary: `The payment system's callback, signed like our webhooks: header ${PAYMENT_SIGNATURE_HEADER}: t=<unix s>,v1=HMAC-SHA256(PAYMENT_CALLBACK_SECRETS, "<t>.<raw body>") (±300 s); idempotent per order and payment reference`,
    tag, auth: 'none', body: paymentCallbackBody, requestExample: { orderId: pending.orderId, paymentRef: 'pay-20261122-0001' },
    responses: { 200: { description: 'paid', schema: paidAnswerBody, example: { order: paid, credited: true } } },
    errors: ['PAYMENT_SIGNATURE_INVALID', 'FACE_ORDER_NOT_FOUND', 'FACE_ORDER_ALREADY_PAID', 'FACE_ORDER_CANCELLED', 'FACE_ORDER_EXPIRED', 'FACE_PAYMENT_REF_USED', 'INVALID_INPUT'],
  },
];
