// Webhook subscribers, deliveries and attempts (migration 1732300000003_webhooks.sql).
// Secrets are sealed by the caller (FieldCrypto, AAD per row); nothing here sees one in clear.
import type { Pool, PoolClient } from 'pg';

export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface SubscriberRow {
  id: string;
  url: string;
  event_types: string[];
  description: string;
  enabled: boolean;
  secret_enc: string;
  previous_secret_enc: string | null;
  previous_secret_expires_at: Date | null;
  secret_rotated_at: Date | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export interface SubscriberView {
  id: string;
  url: string;
  eventTypes: string[];
  description: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  secretRotatedAt: string | null;
}

export function viewSubscriber(r: SubscriberRow): SubscriberView {
  return {
    id: r.id,
    url: r.url,
    eventTypes: r.event_types,
    description: r.description,
    enabled: r.enabled,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    secretRotatedAt: r.secret_rotated_at?.toISOString() ?? null,
  };
}

/** AAD of a subscriber's sealed secret: binds it to its column and its row. */
export const secretAad = (column: 'secret' | 'previous_secret', id: string) => `webhook_subscribers.${column}:${id}`;

/** Inserts with a secret sealed for the row's id (known before the insert). */
export async function insertSubscriber(
  db: Pool,
  s: { id: string; url: string; eventTypes: string[]; description: string; enabled: boolean; secretEnc: string },
): Promise<SubscriberRow> {
  const { rows } = await db.query<SubscriberRow>(
    `INSERT INTO webhook_subscribers (id, url, event_types, description, enabled, secret_enc)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [s.id, s.url, s.eventTypes, s.description, s.enabled, s.secretEnc],
  );
  return rows[0]!;
}

export async function findSubscriber(db: Pool | PoolClient, id: string, opts: { forUpdate?: boolean } = {}): Promise<SubscriberRow | null> {
  const { rows } = await db.query<SubscriberRow>(
    `SELECT * FROM webhook_subscribers WHERE id = $1 AND deleted_at IS NULL${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

export async function listSubscribers(db: Pool): Promise<SubscriberRow[]> {
  const { rows } = await db.query<SubscriberRow>('SELECT * FROM webhook_subscribers WHERE deleted_at IS NULL ORDER BY created_at, id');
  return rows;
}

export async function updateSubscriber(
  db: Pool,
  id: string,
  p: { url?: string; eventTypes?: string[]; description?: string; enabled?: boolean },
): Promise<SubscriberRow | null> {
  const { rows } = await db.query<SubscriberRow>(
    `UPDATE webhook_subscribers SET
       url = COALESCE($2, url), event_types = COALESCE($3, event_types),
       description = COALESCE($4, description), enabled = COALESCE($5, enabled), updated_at = now()
     WHERE id = $1 AND deleted_at IS NULL RETURNING *`,
    [id, p.url ?? null, p.eventTypes ?? null, p.description ?? null, p.enabled ?? null],
  );
  return rows[0] ?? null;
}

/** Soft delete: the row stays for its deliveries' history; it never receives again. */
export async function deleteSubscriber(db: Pool, id: string): Promise<SubscriberRow | null> {
  const { rows } = await db.query<SubscriberRow>(
    'UPDATE webhook_subscribers SET deleted_at = now(), enabled = false, updated_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING *',
    [id],
  );
  return rows[0] ?? null;
}

export async function replaceSecret(
  c: PoolClient,
  id: string,
  s: { secretEnc: string; previousSecretEnc: string | null; previousExpiresAt: Date | null },
): Promise<SubscriberRow> {
  const { rows } = await c.query<SubscriberRow>(
    `UPDATE webhook_subscribers SET secret_enc = $2, previous_secret_enc = $3, previous_secret_expires_at = $4,
       secret_rotated_at = now(), updated_at = now() WHERE id = $1 RETURNING *`,
    [id, s.secretEnc, s.previousSecretEnc, s.previousExpiresAt],
  );
  return rows[0]!;
}

// ── deliveries ─────────────────────────────────────────────────────────────

/** Matching rule: enabled, not deleted, subscribed before the event was recorded, type listed or '*'. */
const MATCHES = `s.enabled AND s.deleted_at IS NULL AND s.created_at <= e.created_at AND ('*' = ANY (s.event_types) OR e.type = ANY (s.event_types))`;

/**
 * Fans the account's events not yet dispatched out into deliveries, oldest first, and
 * marks them dispatched (an event no endpoint wants counts as delivered). Idempotent.
 * Returns how many events it took.
 */
export async function fanOutAccountEvents(db: Pool, accountId: string, batch = 500): Promise<number> {
  const { rowCount } = await db.query(
    `WITH e AS (
       SELECT id, type, account_id, created_at FROM callback_events
       WHERE account_id = $1 AND dispatched_at IS NULL
       ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
     ), wanted AS (
       SELECT e.id AS event_id, s.id AS subscriber_id, e.account_id, e.type
       FROM e JOIN webhook_subscribers s ON ${MATCHES}
     ), ins AS (
       INSERT INTO webhook_deliveries (event_id, subscriber_id, account_id, event_type)
       SELECT event_id, subscriber_id, account_id, type FROM wanted
       ON CONFLICT (event_id, subscriber_id) DO NOTHING
     )
     UPDATE callback_events c
        SET dispatched_at = now(),
            delivered_at = CASE WHEN EXISTS (SELECT 1 FROM wanted w WHERE w.event_id = c.id) THEN c.delivered_at ELSE now() END
       FROM e WHERE c.id = e.id`,
    [accountId, batch],
  );
  return rowCount ?? 0;
}

/** The account's pending deliveries in delivery order: event (created_at, id), then delivery id. */
export async function pendingDeliveries(db: Pool, accountId: string, limit = 2000): Promise<{ deliveryId: string; run: number; subscriberId: string }[]> {
  const { rows } = await db.query<{ id: string; run: number; subscriber_id: string }>(
    `SELECT d.id, d.run, d.subscriber_id FROM webhook_deliveries d JOIN callback_events e ON e.id = d.event_id
     WHERE d.account_id = $1 AND d.state = 'pending'
     ORDER BY e.created_at, e.id, d.id LIMIT $2`,
    [accountId, limit],
  );
  return rows.map((r) => ({ deliveryId: String(r.id), run: r.run, subscriberId: r.subscriber_id }));
}

/** Events nobody subscribes to: dispatched (and trivially delivered) without a workflow. */
export async function markUnwantedEvents(db: Pool, batch = 5000): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE callback_events c SET dispatched_at = now(), delivered_at = COALESCE(c.delivered_at, now())
     WHERE c.id IN (
       SELECT e.id FROM callback_events e
       WHERE e.dispatched_at IS NULL AND NOT EXISTS (SELECT 1 FROM webhook_subscribers s WHERE ${MATCHES})
       ORDER BY e.created_at LIMIT $1 FOR UPDATE SKIP LOCKED)`,
    [batch],
  );
  return rowCount ?? 0;
}

/**
 * Accounts whose dispatcher should look: those with events not fanned out yet, and those
 * with deliveries pending but untouched for staleSec (their dispatcher may be gone).
 */
export async function accountsNeedingDispatch(db: Pool, staleSec: number, limit = 1000): Promise<{ undispatched: string[]; stale: string[] }> {
  const a = await db.query<{ account_id: string }>('SELECT DISTINCT account_id FROM callback_events WHERE dispatched_at IS NULL LIMIT $1', [limit]);
  const b = await db.query<{ account_id: string }>(
    `SELECT DISTINCT account_id FROM webhook_deliveries WHERE state = 'pending' AND updated_at < now() - make_interval(secs => $1) LIMIT $2`,
    [staleSec, limit],
  );
  return { undispatched: a.rows.map((r) => r.account_id), stale: b.rows.map((r) => r.account_id) };
}

export interface DeliveryRow {
  id: string;
  event_id: string;
  subscriber_id: string;
  account_id: string;
  event_type: string;
  state: DeliveryState;
  run: number;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  accountId: string;
  subscriberId: string;
  state: DeliveryState;
  run: number;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export const eventPublicId = (eventId: string | number) => `evt_${eventId}`;
export const deliveryPublicId = (deliveryId: string | number) => `whd_${deliveryId}`;

export function viewDelivery(r: DeliveryRow): DeliveryView {
  return {
    id: String(r.id),
    eventId: eventPublicId(r.event_id),
    eventType: r.event_type,
    accountId: r.account_id,
    subscriberId: r.subscriber_id,
    state: r.state,
    run: r.run,
    attempts: r.attempts,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    deliveredAt: r.delivered_at?.toISOString() ?? null,
  };
}

export async function findDelivery(db: Pool, id: string): Promise<DeliveryRow | null> {
  const { rows } = await db.query<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE id = $1', [id]);
  return rows[0] ?? null;
}

export async function listDeliveries(
  db: Pool,
  f: { state?: DeliveryState; subscriberId?: string; accountId?: string; eventType?: string; before?: string; limit: number },
): Promise<DeliveryRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    args.push(v);
    where.push(sql.replace('?', `$${args.length}`));
  };
  if (f.state) add('state = ?', f.state);
  if (f.subscriberId) add('subscriber_id = ?', f.subscriberId);
  if (f.accountId) add('account_id = ?', f.accountId);
  if (f.eventType) add('event_type = ?', f.eventType);
  if (f.before) add('id < ?', f.before);
  args.push(f.limit);
  const { rows } = await db.query<DeliveryRow>(
    `SELECT * FROM webhook_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`,
    args,
  );
  return rows;
}

export interface AttemptRow {
  run: number;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  at: Date;
}

export async function listAttempts(db: Pool, deliveryId: string): Promise<AttemptRow[]> {
  const { rows } = await db.query<AttemptRow>(
    'SELECT run, attempt, status_code, error, duration_ms, at FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt',
    [deliveryId],
  );
  return rows;
}

export const viewAttempt = (a: AttemptRow) => ({
  run: a.run,
  attempt: a.attempt,
  statusCode: a.status_code,
  error: a.error,
  durationMs: a.duration_ms,
  at: a.at.toISOString(),
});

/** A fresh attempt sequence for a finished delivery; null when it is still pending. */
export async function restartDelivery(db: Pool, id: string): Promise<DeliveryRow | null> {
  const { rows } = await db.query<DeliveryRow>(
    `UPDATE webhook_deliveries SET state = 'pending', run = run + 1, run_started_at = now(), delivered_at = NULL, updated_at = now()
     WHERE id = $1 AND state <> 'pending' RETURNING *`,
    [id],
  );
  return rows[0] ?? null;
}

// ---------------------------------------------------------------------------------------
// One delivery attempt (the dispatcher's activities)

/** SQL: whether some live endpoint wants events of the type in parameter `$n`. */
export const someSubscriberWantsSql = (n: number) =>
  `EXISTS (SELECT 1 FROM webhook_subscribers s WHERE s.enabled AND s.deleted_at IS NULL
     AND ('*' = ANY (s.event_types) OR $${n} = ANY (s.event_types)))`;

/** Whether some live endpoint wants events of this type (whatever their age). */
export async function someSubscriberWants(db: Pool, type: string): Promise<boolean> {
  const { rows } = await db.query<{ wanted: boolean }>(`SELECT ${someSubscriberWantsSql(1)} AS wanted`, [type]);
  return !!rows[0]?.wanted;
}

/** What one attempt of a delivery needs: its state, its endpoint (secrets sealed) and its event. */
export interface AttemptTarget {
  state: string;
  run: number;
  account_id: string;
  subscriber_id: string;
  url: string;
  enabled: boolean;
  deleted_at: Date | null;
  secret_enc: string;
  previous_secret_enc: string | null;
  previous_secret_expires_at: Date | null;
  event_id: string;
  type: string;
  created_at: Date;
  payload: Record<string, unknown>;
}

export async function attemptTarget(db: Pool, deliveryId: string): Promise<AttemptTarget | undefined> {
  const { rows } = await db.query<AttemptTarget>(
    `SELECT d.state, d.run, d.account_id, d.subscriber_id, s.url, s.enabled, s.deleted_at, s.secret_enc,
            s.previous_secret_enc, s.previous_secret_expires_at, e.id AS event_id, e.type, e.created_at, e.payload
       FROM webhook_deliveries d
       JOIN webhook_subscribers s ON s.id = d.subscriber_id
       JOIN callback_events e ON e.id = d.event_id
      WHERE d.id = $1`,
    [deliveryId],
  );
  return rows[0];
}

/** The run's delivery, still pending, fails at once: its endpoint is disabled or deleted. */
export async function failForDisabledSubscriber(db: Pool, deliveryId: string, run: number): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET state = 'failed', last_error = 'subscriber disabled', updated_at = now()
      WHERE id = $1 AND run = $2 AND state = 'pending'`,
    [deliveryId, run],
  );
}

/** Counts an attempt of the run's pending delivery: its number, or undefined when it is no longer pending in that run. */
export async function countAttempt(db: Pool, deliveryId: string, run: number): Promise<number | undefined> {
  const { rows } = await db.query<{ attempts: number }>(
    `UPDATE webhook_deliveries SET attempts = attempts + 1, updated_at = now()
      WHERE id = $1 AND run = $2 AND state = 'pending' RETURNING attempts`,
    [deliveryId, run],
  );
  return rows[0]?.attempts;
}

/** An attempt's answer, once per attempt number (a repeated activity attempt writes nothing). */
export async function recordAttempt(
  db: Pool,
  a: { deliveryId: string; run: number; attempt: number; status: number | null; error: string | null; durationMs: number },
): Promise<void> {
  await db.query(
    `INSERT INTO webhook_attempts (delivery_id, run, attempt, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (delivery_id, attempt) DO NOTHING`,
    [a.deliveryId, a.run, a.attempt, a.status, a.error, a.durationMs],
  );
}

/** The run's delivery is delivered; its event too once no delivery of it is left undelivered. */
export async function markDelivered(db: Pool, d: { deliveryId: string; run: number; status: number | null; eventId: string }): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET state = 'delivered', delivered_at = now(), last_status_code = $3, last_error = NULL, updated_at = now()
      WHERE id = $1 AND run = $2 AND state = 'pending'`,
    [d.deliveryId, d.run, d.status],
  );
  await db.query(
    `UPDATE callback_events SET delivered_at = now() WHERE id = $1 AND delivered_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE event_id = $1 AND state <> 'delivered')`,
    [d.eventId],
  );
}

/**
 * A failed attempt's answer kept on the delivery; whether the run's retry window is over. The
 * window counts from run_started_at in Postgres, so a dispatcher that continued-as-new (and
 * restarted the activity) cannot stretch it.
 */
export async function recordAttemptFailure(
  db: Pool,
  f: { deliveryId: string; run: number; status: number | null; error: string; retryWindowSec: number },
): Promise<boolean> {
  const { rows } = await db.query<{ over: boolean }>(
    `UPDATE webhook_deliveries SET last_status_code = $3, last_error = $4, updated_at = now() WHERE id = $1 AND run = $2
     RETURNING now() - run_started_at >= make_interval(secs => $5) AS over`,
    [f.deliveryId, f.run, f.status, f.error, f.retryWindowSec],
  );
  return !!rows[0]?.over;
}

/** The retry window is over: the run's delivery is failed, its last error kept. */
export async function failAfterRetryWindow(db: Pool, deliveryId: string, run: number, reason: string): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET state = 'failed', updated_at = now(),
            last_error = left('retry window over: ' || COALESCE(last_error, $3), 500)
      WHERE id = $1 AND run = $2 AND state = 'pending'`,
    [deliveryId, run, reason],
  );
}
