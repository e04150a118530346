// Webhook delivery activities: fan an account's events out into deliveries, make one
// signed HTTP attempt per activity attempt (Temporal retries with backoff), give up
// after the retry window, and the sweeper's pass. The signing secret is decrypted here,
// per attempt; it never travels through workflow inputs or results.
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../activity-deps';
import { failure } from '../../lib/errors';
import {
  accountsNeedingDispatch,
  attemptTarget,
  countAttempt,
  deliveryPublicId,
  eventPublicId,
  failAfterRetryWindow,
  failForDisabledSubscriber,
  fanOutAccountEvents,
  markDelivered,
  markUnwantedEvents,
  pendingDeliveries,
  recordAttempt,
  recordAttemptFailure,
  secretAad,
} from '../../db/webhooks';
import { dispatcherRunning, signalDispatcher } from '../../lib/webhook-dispatch';
import { nonPublicReason } from '../../lib/ip-address';
import { SIGNATURE_HEADER, signatureHeader } from '../../lib/webhook-signature';
import { postPinned, type Resolve } from '../../lib/webhook-http';
import type { DeliveryOutcome, PendingDelivery } from './contract';

export const WEBHOOK_USER_AGENT = 'verification-saga-webhooks/1';

function describeError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { name?: string; code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return `timeout after ${timeoutMs} ms`;
  if (e?.name === 'AbortError') return 'attempt cancelled';
  if (e?.name === 'AddressRefusedError') return String(e.message).slice(0, 300);
  return (e?.code ?? e?.cause?.code ?? e?.message ?? String(err)).slice(0, 300);
}

export interface WebhookNet {
  /** the resolver deliveries use; the system's (getaddrinfo) unless a test stands in for DNS */
  resolve?: Resolve;
}

export function createWebhookActivities(deps: ActivityDeps, net: WebhookNet = {}) {
  const { pool, cfg, log } = deps;
  // where private URLs are not allowed (production), every attempt checks the addresses the
  // endpoint's name resolves to now and connects only to them (lib/webhook-http.ts)
  const addressCheck = cfg.webhooks.allowPrivateUrls ? null : nonPublicReason;

  /** The dispatcher's look: new events fanned out, then every pending delivery in order. */
  async function fanOutWebhookEvents(input: { accountId: string }): Promise<PendingDelivery[]> {
    while ((await fanOutAccountEvents(pool, input.accountId)) > 0) {
      /* batches of 500 until none is left */
    }
    return pendingDeliveries(pool, input.accountId);
  }

  /**
   * One HTTP attempt of one delivery. 2xx → delivered; anything else (status, timeout,
   * refused connection, an address the policy refuses) is logged and thrown as retryable,
   * so Temporal retries it with the dispatcher's backoff. A refused address is retried too:
   * DNS answers change (a wrong record gets fixed), nothing reaches the address meanwhile,
   * and the retry window still ends it. A delivery no longer pending in this run is skipped.
   */
  async function deliverWebhook(input: { deliveryId: string; run: number }): Promise<DeliveryOutcome> {
    const t = await attemptTarget(pool, input.deliveryId);
    if (!t || t.state !== 'pending' || t.run !== input.run) return 'skipped';
    if (!t.enabled || t.deleted_at) {
      await failForDisabledSubscriber(pool, input.deliveryId, input.run);
      return 'failed';
    }

    const secrets = [deps.fieldCrypto.decrypt(t.secret_enc, secretAad('secret', t.subscriber_id))];
    if (t.previous_secret_enc && t.previous_secret_expires_at && t.previous_secret_expires_at.getTime() > Date.now()) {
      secrets.push(deps.fieldCrypto.decrypt(t.previous_secret_enc, secretAad('previous_secret', t.subscriber_id)));
    }
    const body = JSON.stringify({ id: eventPublicId(t.event_id), type: t.type, createdAt: t.created_at.toISOString(), accountId: t.account_id, data: t.payload });

    const attempt = await countAttempt(pool, input.deliveryId, input.run);
    if (attempt === undefined) return 'skipped';

    const timeoutMs = cfg.webhooks.httpTimeoutMs;
    let cancelled: AbortSignal | undefined;
    try {
      cancelled = Context.current().cancellationSignal;
    } catch {
      /* called outside an activity (a direct unit call) */
    }
    const signal = cancelled ? AbortSignal.any([AbortSignal.timeout(timeoutMs), cancelled]) : AbortSignal.timeout(timeoutMs);
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      status = await postPinned(t.url, {
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': WEBHOOK_USER_AGENT,
          'Webhook-Id': deliveryPublicId(input.deliveryId),
          [SIGNATURE_HEADER]: signatureHeader(secrets, body),
        },
        body,
        signal,
        check: addressCheck,
        resolve: net.resolve,
      });
      if (status < 200 || status > 299) error = `HTTP ${status}`;
    } catch (err) {
      error = describeError(err, timeoutMs);
    }
    const durationMs = Math.round(performance.now() - started);

    await recordAttempt(pool, { deliveryId: input.deliveryId, run: input.run, attempt, status, error, durationMs });
    // the URL may carry a token in its query string, so it is not logged
    log.info({ deliveryId: input.deliveryId, subscriberId: t.subscriber_id, attempt, status, durationMs, error }, 'webhook attempt');

    if (error === null) {
      await markDelivered(pool, { deliveryId: input.deliveryId, run: input.run, status, eventId: t.event_id });
      return 'delivered';
    }
    const over = await recordAttemptFailure(pool, { deliveryId: input.deliveryId, run: input.run, status, error, retryWindowSec: cfg.webhooks.retryWindowSec });
    throw failure(over ? 'WEBHOOK_RETRY_WINDOW_OVER' : 'WEBHOOK_ATTEMPT_FAILED', { attempt, error }, { retryable: !over });
  }

  /** The retry window is over: the delivery is failed, its last error kept. */
  async function markWebhookDeliveryFailed(input: { deliveryId: string; run: number; reason: string }): Promise<void> {
    await failAfterRetryWindow(pool, input.deliveryId, input.run, input.reason);
    log.warn({ deliveryId: input.deliveryId, run: input.run }, 'webhook delivery failed');
  }

  /**
   * The sweeper's pass: events no endpoint wants are marked without a workflow; accounts
   * with events not yet fanned out are signalled; accounts with deliveries pending and
   * untouched for longer than a retry interval are signalled when no dispatcher runs.
   */
  async function sweepWebhookEvents(): Promise<{ marked: number; signalled: number }> {
    if (!deps.temporal) throw new Error('the sweeper needs a Temporal client in its activity deps');
    let marked = 0;
    for (let n = await markUnwantedEvents(pool); n > 0; n = await markUnwantedEvents(pool)) marked += n;
    const staleSec = Math.ceil((cfg.webhooks.retryMaxIntervalMs + cfg.webhooks.httpTimeoutMs) / 1000) + 60;
    const { undispatched, stale } = await accountsNeedingDispatch(pool, staleSec);
    let signalled = 0;
    for (const accountId of undispatched) {
      await signalDispatcher(deps.temporal, cfg, accountId);
      signalled += 1;
    }
    for (const accountId of stale) {
      if (undispatched.includes(accountId) || (await dispatcherRunning(deps.temporal, accountId))) continue;
      await signalDispatcher(deps.temporal, cfg, accountId);
      signalled += 1;
    }
    if (marked || signalled) log.info({ marked, signalled }, 'webhook sweep');
    return { marked, signalled };
  }

  return { fanOutWebhookEvents, deliverWebhook, markWebhookDeliveryFailed, sweepWebhookEvents };
}

/** What the workflows that call these type their proxy by (a type-only import: nothing of this file enters the bundle). */
export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
