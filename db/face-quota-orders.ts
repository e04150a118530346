// Face quota orders: a user buys face checks, the platform confirms the payment, the units are
// credited once (db/migrations/1732300000007_face_quota_orders.sql). Expiry is read, not swept:
// a pending order past expires_at is expired for every reader and refuses a payment, so no
// timer has to run for an order nobody pays.
import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { ErrorCode } from '../lib/errors';
import { inTransaction, isUniqueViolation } from './pool';

type Db = Pool | PoolClient;

export interface OrderRow {
  id: string;
  account_id: string;
  units: number;
  unit_price_fen: number;
  amount_fen: number;
  state: 'pending' | 'paid' | 'cancelled';
  payment_ref: string | null;
  paid_via: 'api' | 'callback' | null;
  units_used: number;
  created_at: Date;
  expires_at: Date;
  paid_at: Date | null;
  cancelled_at: Date | null;
  expired: boolean;
}

export type OrderState = 'pending' | 'paid' | 'cancelled' | 'expired';

export interface OrderView {
  orderId: string;
  accountId: string;
  units: number;
  unitPriceCny: number;
  amountCny: number;
  state: OrderState;
  paymentRef: string | null;
  unitsUsed: number;
  createdAt: string;
  expiresAt: string;
  paidAt: string | null;
  cancelledAt: string | null;
}

const COLUMNS = "*, (state = 'pending' AND expires_at <= now()) AS expired";

export function viewOrder(o: OrderRow): OrderView {
  return {
    orderId: o.id,
    accountId: o.account_id,
    units: o.units,
    unitPriceCny: o.unit_price_fen / 100,
    amountCny: o.amount_fen / 100,
    state: o.expired ? 'expired' : o.state,
    paymentRef: o.payment_ref,
    unitsUsed: o.units_used,
    createdAt: o.created_at.toISOString(),
    expiresAt: o.expires_at.toISOString(),
    paidAt: o.paid_at?.toISOString() ?? null,
    cancelledAt: o.cancelled_at?.toISOString() ?? null,
  };
}

export async function findOrder(db: Db, id: string, forUpdate = false): Promise<OrderRow | null> {
  const { rows } = await db.query<OrderRow>(`SELECT ${COLUMNS} FROM face_quota_orders WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ?? null;
}

export interface NewOrder {
  accountId: string;
  units: number;
  unitPriceFen: number;
  ttlSec: number;
  /** the caller's Idempotency-Key; null: every request is a new order */
  idempotencyKey: string | null;
}

/** A pending order, or the one this Idempotency-Key made before (created: false). */
export async function createOrder(db: Db, o: NewOrder): Promise<{ order: OrderRow; created: boolean }> {
  const requestKey = o.idempotencyKey === null ? null : `${o.accountId}:${o.idempotencyKey}`;
  const id = `fqo_${randomBytes(12).toString('hex')}`;
  const { rows } = await db.query<OrderRow>(
    `INSERT INTO face_quota_orders (id, account_id, request_key, units, unit_price_fen, amount_fen, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
     ON CONFLICT (request_key) DO NOTHING
     RETURNING ${COLUMNS}`,
    [id, o.accountId, requestKey, o.units, o.unitPriceFen, o.units * o.unitPriceFen, o.ttlSec],
  );
  if (rows[0]) return { order: rows[0], created: true };
  const prior = await db.query<OrderRow>(`SELECT ${COLUMNS} FROM face_quota_orders WHERE request_key = $1`, [requestKey]);
  return { order: prior.rows[0]!, created: false };
}

export type PayResult = { ok: true; order: OrderRow; creditedNow: boolean } | { ok: false; code: ErrorCode; order: OrderRow | null };

/**
 * Marks the order paid by this payment and credits its units, once: the same payment again
 * (a retried call, a callback delivered twice, both at once) answers the paid order without a
 * second credit; another payment for a paid order, or a payment one order already used, is refused.
 */
export async function payOrder(pool: Pool, orderId: string, paymentRef: string, via: 'api' | 'callback'): Promise<PayResult> {
  try {
    return await inTransaction(pool, async (c) => {
      const order = await findOrder(c, orderId, true);
      if (!order) return { ok: false, code: 'FACE_ORDER_NOT_FOUND', order: null };
      if (order.state === 'paid') return order.payment_ref === paymentRef ? { ok: true, order, creditedNow: false } : { ok: false, code: 'FACE_ORDER_ALREADY_PAID', order };
      if (order.state === 'cancelled') return { ok: false, code: 'FACE_ORDER_CANCELLED', order };
      if (order.expired) return { ok: false, code: 'FACE_ORDER_EXPIRED', order };
      const { rows } = await c.query<OrderRow>(
        `UPDATE face_quota_orders SET state = 'paid', payment_ref = $2, paid_via = $3, paid_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
        [orderId, paymentRef, via],
      );
      await c.query('UPDATE accounts SET face_number = face_number + $2, updated_at = now() WHERE id = $1', [order.account_id, order.units]);
      return { ok: true, order: rows[0]!, creditedNow: true };
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, code: 'FACE_PAYMENT_REF_USED', order: await findOrder(pool, orderId) };
    throw err;
  }
}

/** Cancels a pending (or expired) order; a cancelled one stays so; a paid one is refused. */
export async function cancelOrder(pool: Pool, orderId: string): Promise<PayResult> {
  return inTransaction(pool, async (c) => {
    const order = await findOrder(c, orderId, true);
    if (!order) return { ok: false, code: 'FACE_ORDER_NOT_FOUND', order: null };
    if (order.state === 'paid') return { ok: false, code: 'FACE_ORDER_ALREADY_PAID', order };
    if (order.state === 'cancelled') return { ok: true, order, creditedNow: false };
    const { rows } = await c.query<OrderRow>(`UPDATE face_quota_orders SET state = 'cancelled', cancelled_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [orderId]);
    return { ok: true, order: rows[0]!, creditedNow: false };
  });
}

export async function accountOrders(db: Db, accountId: string, limit = 50): Promise<OrderRow[]> {
  const { rows } = await db.query<OrderRow>(`SELECT ${COLUMNS} FROM face_quota_orders WHERE account_id = $1 ORDER BY created_at DESC, id LIMIT $2`, [accountId, limit]);
  return rows;
}

/** The purchased unit a face check consumes: the oldest paid order with one left, taken (null: none). */
export async function takeOrderUnit(c: PoolClient, accountId: string): Promise<string | null> {
  const { rows } = await c.query<{ id: string }>(
    `UPDATE face_quota_orders SET units_used = units_used + 1
     WHERE id = (SELECT id FROM face_quota_orders WHERE account_id = $1 AND state = 'paid' AND units_used < units ORDER BY paid_at, id LIMIT 1 FOR UPDATE)
     RETURNING id`,
    [accountId],
  );
  return rows[0]?.id ?? null;
}

export async function returnOrderUnit(c: PoolClient, orderId: string): Promise<void> {
  await c.query('UPDATE face_quota_orders SET units_used = units_used - 1 WHERE id = $1 AND units_used > 0', [orderId]);
}

export interface LedgerEntry {
  faceCheck: string;
  source: 'free' | 'purchased' | 'none';
  state: string;
  orderId: string | null;
  paymentRef: string | null;
  at: string;
}

/** The account's face checks' units: held, consumed (from which order), released, refunded. */
export async function quotaLedger(db: Db, accountId: string, limit = 50): Promise<LedgerEntry[]> {
  const { rows } = await db.query<{ key: string; source: LedgerEntry['source']; state: string; order_id: string | null; payment_ref: string | null; created_at: Date }>(
    `SELECT l.key, l.source, l.state, l.order_id, o.payment_ref, l.created_at
     FROM face_quota_ledger l LEFT JOIN face_quota_orders o ON o.id = l.order_id
     WHERE l.account_id = $1 ORDER BY l.created_at DESC, l.key LIMIT $2`,
    [accountId, limit],
  );
  return rows.map((r) => ({ faceCheck: r.key, source: r.source, state: r.state, orderId: r.order_id, paymentRef: r.payment_ref, at: r.created_at.toISOString() }));
}

/** Units sold (paid orders), consumed from purchases and refunded, for the report. */
export async function quotaTotals(db: Db): Promise<{ unitsSold: number; purchasedConsumed: number; freeConsumed: number; refunded: number }> {
  const { rows } = await db.query<{ sold: string; purchased: string; free: string; refunded: string }>(
    `SELECT (SELECT coalesce(sum(units), 0) FROM face_quota_orders WHERE state = 'paid') AS sold,
            count(*) FILTER (WHERE state = 'consumed' AND source = 'purchased') AS purchased,
            count(*) FILTER (WHERE state = 'consumed' AND source = 'free') AS free,
            count(*) FILTER (WHERE state = 'refunded') AS refunded
     FROM face_quota_ledger`,
  );
  const r = rows[0]!;
  return { unitsSold: Number(r.sold), purchasedConsumed: Number(r.purchased), freeConsumed: Number(r.free), refunded: Number(r.refunded) };
}
