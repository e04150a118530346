// Webhook subscribers (integrators' endpoints) and their deliveries, for operators.
// The signing secret is answered once, at creation and at rotation; it is stored sealed.
import { EVENT_TYPES } from '../registry';
import { randomBytes, randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Pool } from 'pg';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../../lib/config';
import type { FieldCrypto } from '../../lib/field-crypto';
import type { Logger } from '../../lib/logger';
import { AppError } from '../../lib/errors';
import { inTransaction } from '../../db/pool';
import {
  DELIVERY_STATES,
  deleteSubscriber,
  findDelivery,
  findSubscriber,
  insertSubscriber,
  listAttempts,
  listDeliveries,
  listSubscribers,
  replaceSecret,
  restartDelivery,
  secretAad,
  updateSubscriber,
  viewAttempt,
  viewDelivery,
  viewSubscriber,
} from '../../db/webhooks';
import { ensureWebhookSweeper, signalDispatcher } from '../../lib/webhook-dispatch';
import { webhookUrlProblem } from '../../lib/webhook-url';
import { requireScope } from '../../http/auth';
import { accountId, text } from '../../http/schemas';
import { parse } from '../../http/validation';

/** The callback event types flows record (each kind lists its own in the registry); a subscriber lists some of them or '*'. */
export const WEBHOOK_EVENT_TYPES: readonly string[] = EVENT_TYPES;

const eventTypes = z.array(text({ max: 64 })).min(1).max(WEBHOOK_EVENT_TYPES.length + 1);
export const createWebhookBody = z
  .object({ url: text({ max: 2048 }), eventTypes, description: text({ max: 500 }).optional(), enabled: z.boolean().optional() })
  .strict();
export const updateWebhookBody = z
  .object({ url: text({ max: 2048 }).optional(), eventTypes: eventTypes.optional(), description: text({ max: 500 }).optional(), enabled: z.boolean().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one of url, eventTypes, description, enabled');
export const deliveryQuery = z
  .object({
    state: z.enum(DELIVERY_STATES).optional(),
    subscriberId: z.uuid().optional(),
    accountId: accountId.optional(),
    eventType: text({ max: 64 }).optional(),
    before: z.string().regex(/^\d{1,18}$/).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
const uuidLike = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const deliveryIdLike = /^\d{1,18}$/;

export interface WebhookRouteDeps {
  cfg: Config;
  pool: Pool;
  client: Client;
  fieldCrypto: FieldCrypto;
  log: Logger;
}

const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

export function webhookRoutes(d: WebhookRouteDeps): Router {
  const r = Router();
  const { pool, cfg, fieldCrypto } = d;

  function checkUrl(url: string): string {
    const problem = webhookUrlProblem(url, cfg.webhooks.allowPrivateUrls);
    if (problem) throw new AppError('WEBHOOK_URL_INVALID', { field: 'url', problem });
    return new URL(url).toString();
  }

  function checkTypes(types: string[]): string[] {
    const unknown = types.filter((t) => t !== '*' && !WEBHOOK_EVENT_TYPES.includes(t));
    if (unknown.length) throw new AppError('WEBHOOK_EVENT_TYPE_UNKNOWN', { unknown, known: [...WEBHOOK_EVENT_TYPES, '*'] });
    return types.includes('*') ? ['*'] : [...new Set(types)];
  }

  async function subscriber(id: string) {
    const row = uuidLike.test(id) ? await findSubscriber(pool, id) : null;
    if (!row) throw new AppError('WEBHOOK_NOT_FOUND');
    return row;
  }

  /** The sweeper's Schedule exists once anyone subscribes; a failure here is retried by the next call. */
  async function ensureSweeper() {
    await ensureWebhookSweeper(d.client, cfg).catch((err: unknown) =>
      d.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'webhook sweeper schedule not created yet'),
    );
  }

  r.post('/v1/webhooks', requireScope('webhooks:write'), async (req, res) => {
    const body = parse(createWebhookBody, req.body);
    const url = checkUrl(body.url);
    const types = checkTypes(body.eventTypes);
    const id = randomUUID();
    const secret = newSecret();
    const row = await insertSubscriber(pool, {
      id,
      url,
      eventTypes: types,
      description: body.description ?? '',
      enabled: body.enabled ?? true,
      secretEnc: fieldCrypto.encrypt(secret, secretAad('secret', id)),
    });
    await ensureSweeper();
    res.status(201).json({ subscriber: viewSubscriber(row), secret });
  });

  r.get('/v1/webhooks', requireScope('webhooks:read'), async (_req, res) => {
    res.json({ subscribers: (await listSubscribers(pool)).map(viewSubscriber) });
  });

  r.get('/v1/webhooks/:id', requireScope('webhooks:read'), async (req, res) => {
    res.json({ subscriber: viewSubscriber(await subscriber(req.params.id as string)) });
  });

  r.patch('/v1/webhooks/:id', requireScope('webhooks:write'), async (req, res) => {
    const body = parse(updateWebhookBody, req.body);
    await subscriber(req.params.id as string);
    const row = await updateSubscriber(pool, req.params.id as string, {
      url: body.url === undefined ? undefined : checkUrl(body.url),
      eventTypes: body.eventTypes === undefined ? undefined : checkTypes(body.eventTypes),
      description: body.description,
      enabled: body.enabled,
    });
    if (!row) throw new AppError('WEBHOOK_NOT_FOUND');
    if (row.enabled) await ensureSweeper();
    res.json({ subscriber: viewSubscriber(row) });
  });

  r.delete('/v1/webhooks/:id', requireScope('webhooks:write'), async (req, res) => {
    await subscriber(req.params.id as string);
    const row = await deleteSubscriber(pool, req.params.id as string);
    if (!row) throw new AppError('WEBHOOK_NOT_FOUND');
    res.json({ subscriber: { ...viewSubscriber(row), deletedAt: row.deleted_at?.toISOString() ?? null } });
  });

  /** A new secret, answered once; the previous one keeps signing beside it for WEBHOOK_SECRET_GRACE_SEC. */
  r.post('/v1/webhooks/:id/rotate-secret', requireScope('webhooks:write'), async (req, res) => {
    const id = req.params.id as string;
    await subscriber(id);
    const secret = newSecret();
    const graceSec = cfg.webhooks.secretGraceSec;
    const row = await inTransaction(pool, async (c) => {
      const cur = await findSubscriber(c, id, { forUpdate: true });
      if (!cur) throw new AppError('WEBHOOK_NOT_FOUND');
      const previous = graceSec > 0 ? fieldCrypto.decrypt(cur.secret_enc, secretAad('secret', id)) : null;
      return replaceSecret(c, id, {
        secretEnc: fieldCrypto.encrypt(secret, secretAad('secret', id)),
        previousSecretEnc: previous === null ? null : fieldCrypto.encrypt(previous, secretAad('previous_secret', id)),
        previousExpiresAt: previous === null ? null : new Date(Date.now() + graceSec * 1000),
      });
    });
    res.json({ subscriber: viewSubscriber(row), secret, previousSecretValidUntil: row.previous_secret_expires_at?.toISOString() ?? null });
  });

  // ── deliveries (operators) ──────────────────────────────────────────────

  r.get('/v1/webhook-deliveries', requireScope('webhooks:read'), async (req, res) => {
    const q = parse(deliveryQuery, req.query);
    const rows = await listDeliveries(pool, q);
    const next = rows.length === q.limit ? String(rows[rows.length - 1]!.id) : null;
    res.json({ deliveries: rows.map(viewDelivery), nextBefore: next });
  });

  async function delivery(id: string) {
    const row = deliveryIdLike.test(id) ? await findDelivery(pool, id) : null;
    if (!row) throw new AppError('WEBHOOK_DELIVERY_NOT_FOUND');
    return row;
  }

  r.get('/v1/webhook-deliveries/:id', requireScope('webhooks:read'), async (req, res) => {
    const row = await delivery(req.params.id as string);
    res.json({ delivery: viewDelivery(row), attempts: (await listAttempts(pool, row.id)).map(viewAttempt) });
  });

  /** A fresh attempt sequence (run + 1) through the account's dispatcher; attempts keep counting. */
  r.post('/v1/webhook-deliveries/:id/redeliver', requireScope('webhooks:write'), async (req, res) => {
    const row = await delivery(req.params.id as string);
    const sub = await findSubscriber(pool, row.subscriber_id);
    if (!sub || !sub.enabled) throw new AppError('WEBHOOK_SUBSCRIBER_DISABLED');
    const restarted = await restartDelivery(pool, row.id);
    if (!restarted) throw new AppError('WEBHOOK_DELIVERY_PENDING');
    await signalDispatcher(d.client, cfg, restarted.account_id);
    await ensureSweeper();
    res.status(202).json({ delivery: viewDelivery(restarted) });
  });

  return r;
}
