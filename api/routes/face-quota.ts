// Buying face quota: the platform creates an order for its user, confirms the payment its own
// payment system took (an API call, or the payment system's signed callback), and reads what
// is left. Every face scene takes its units from the same pool (db/real-name.ts holdQuota).
import { faceAttempts } from '../../db/face-attempts';
import express, { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../../http/deps';
import { requireScope } from '../../http/auth';
import { accountId } from '../../http/schemas';
import { parse } from '../../http/validation';
import { findAccount } from '../../db/accounts';
import { faceQuota } from '../../db/real-name';
import { accountOrders, cancelOrder, createOrder, findOrder, payOrder, quotaLedger, quotaTotals, viewOrder, type PayResult } from '../../db/face-quota-orders';
import { AppError } from '../../lib/errors';
import { checkWebhookSignature } from '../../lib/webhook-signature';

export const PAYMENT_SIGNATURE_HEADER = 'Payment-Signature';
export const PAYMENT_CALLBACK_PATH = '/v1/face-quota/payment-callback';

export const orderId = z.string().regex(/^fqo_[0-9a-f]{24}$/, 'an order id (fqo_…)');
const paymentRef = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'letters, digits, _ . : - (1–128)');
const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'printable ASCII, 1–128');
export const createOrderBody = (maxUnits: number) => z.object({ units: z.number().int().min(1).max(maxUnits) }).strict();
export const paidBody = z.object({ paymentRef }).strict();
export const paymentCallbackBody = z.object({ orderId, paymentRef }).strict();

function answer(r: PayResult): { order: ReturnType<typeof viewOrder>; credited: boolean } {
  if (!r.ok) throw new AppError(r.code, r.order ? { orderId: r.order.id } : undefined);
  return { order: viewOrder(r.order), credited: r.creditedNow };
}

/** Mounted after the API-key check (api/app.ts). */
export function faceQuotaRoutes(d: ApiDeps): Router {
  const r = Router();
  const cfg = d.cfg.realName;
  const unitPriceFen = Math.round(cfg.facePriceCny * 100);

  r.post('/v1/accounts/:id/face-quota/orders', requireScope('accounts:write'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const { units } = parse(createOrderBody(cfg.orderMaxUnits), req.body);
    const key = req.get('idempotency-key');
    const idem = key === undefined ? null : parse(idempotencyKey, key);
    if (!(await findAccount(d.pool, id))) throw new AppError('ACCOUNT_NOT_FOUND');
    const { order, created } = await createOrder(d.pool, { accountId: id, units, unitPriceFen, ttlSec: cfg.orderTtlSec, idempotencyKey: idem });
    if (!created && order.units !== units) throw new AppError('FACE_ORDER_KEY_REUSED', { orderId: order.id });
    res.status(created ? 201 : 200).json({ order: viewOrder(order) });
  });

  r.get('/v1/accounts/:id/face-quota', requireScope('accounts:read'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const account = await findAccount(d.pool, id);
    if (!account) throw new AppError('ACCOUNT_NOT_FOUND');
    const [q, orders, ledger] = await Promise.all([faceQuota(d.pool, account, cfg.faceFreePerAccount), accountOrders(d.pool, id), quotaLedger(d.pool, id)]);
    res.json({
      quota: { freePerAccount: cfg.faceFreePerAccount, freeLeft: q.freeLeft, purchasedLeft: q.purchased, held: q.held, available: q.available, unitPriceCny: cfg.facePriceCny },
      orders: orders.map(viewOrder),
      ledger,
    });
  });

  // the trace of every face attempt, newest first (docs/rules.md#face-quota)
  r.get('/v1/accounts/:id/face-attempts', requireScope('accounts:read'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    if (!(await findAccount(d.pool, id))) throw new AppError('ACCOUNT_NOT_FOUND');
    res.json({ attempts: await faceAttempts(d.pool, id) });
  });

  r.get('/v1/face-quota/totals', requireScope('flows:read'), async (_req, res) => {
    res.json({ totals: await quotaTotals(d.pool) });
  });

  r.get('/v1/face-quota/orders/:orderId', requireScope('accounts:read'), async (req, res) => {
    const order = await findOrder(d.pool, parse(orderId, req.params.orderId));
    if (!order) throw new AppError('FACE_ORDER_NOT_FOUND');
    res.json({ order: viewOrder(order) });
  });

  r.post('/v1/face-quota/orders/:orderId/paid', requireScope('accounts:write'), async (req, res) => {
    const id = parse(orderId, req.params.orderId);
    const body = parse(paidBody, req.body);
    res.json(answer(await payOrder(d.pool, id, body.paymentRef, 'api')));
  });

  r.post('/v1/face-quota/orders/:orderId/cancel', requireScope('accounts:write'), async (req, res) => {
    res.json(answer(await cancelOrder(d.pool, parse(orderId, req.params.orderId))));
  });

  return r;
}

/**
 * The payment system's signed callback. Mounted before the app's JSON parser (api/app.ts): the
 * signature covers the exact bytes sent, so this route reads them itself.
 */
export function paymentCallbackRoutes(d: ApiDeps): Router {
  const r = Router();
  const secrets = d.cfg.realName.paymentCallbackSecrets;
  r.post(PAYMENT_CALLBACK_PATH, express.raw({ type: () => true, limit: '16kb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const header = req.get(PAYMENT_SIGNATURE_HEADER);
    if (!secrets.some((s) => checkWebhookSignature(s, header, raw).ok)) throw new AppError('PAYMENT_SIGNATURE_INVALID');
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new AppError('INVALID_INPUT', { reason: 'the body is not JSON' });
    }
    const body = parse(paymentCallbackBody, json);
    res.json(answer(await payOrder(d.pool, body.orderId, body.paymentRef, 'callback')));
  });
  return r;
}
