// Webhook delivery (docs/flows/webhooks.md): one dispatcher per account, `webhooks:<accountId>`.
//
//   signal eventsRecorded ─► fan out the account's new events into deliveries (one per
//   subscribed endpoint) ─► one lane per endpoint delivers its deliveries in event order,
//   one HTTP attempt per activity attempt, retried with backoff for the retry window
//   ─► delivered | failed.  Idle for idleSec → the run ends; maxPerRun deliveries (or
//   Temporal's suggestion) → continueAsNew, picking up what is still pending from Postgres.
//
// Order is per account AND endpoint: a failing endpoint holds back only its own lane.
// The schedule-driven sweeper (webhookSweep) signals dispatchers for events nobody
// announced (recorded by a transaction that does not signal, or while Temporal was away).
import {
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { WebhookActivities } from './activities';
import { dispatcherStateQuery, eventsRecordedSignal, type DispatcherInput, type PendingDelivery } from './contract';

const { fanOutWebhookEvents, markWebhookDeliveryFailed } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30 seconds',
  // Postgres steps: retried until they succeed (no maximumAttempts), backing off to a minute
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const { sweepWebhookEvents } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

interface Lane {
  subscriberId: string;
  queue: PendingDelivery[];
  busy: boolean;
}

export async function webhookDispatcher(input: DispatcherInput): Promise<void> {
  const { deliverWebhook } = proxyActivities<WebhookActivities>({
    // one HTTP request per attempt; the activity's own timeout is the HTTP timeout
    startToCloseTimeout: input.httpTimeoutMs + 5_000,
    scheduleToCloseTimeout: input.retry.windowSec * 1000,
    retry: { initialInterval: input.retry.initialMs, backoffCoefficient: 2, maximumInterval: input.retry.maxIntervalMs },
  });

  const lanes = new Map<string, Lane>();
  const known = new Set<string>(); // `${deliveryId}#${run}` queued or in flight
  let dirty = true; // a new run always looks for work first
  let completed = 0;
  let draining = false;
  const laneScope = new CancellationScope();
  const busyLanes = () => [...lanes.values()].filter((l) => l.busy).length;

  setHandler(eventsRecordedSignal, () => {
    dirty = true;
  });
  setHandler(dispatcherStateQuery, () => ({
    accountId: input.accountId,
    lanes: [...lanes.values()].map((l) => ({ subscriberId: l.subscriberId, current: l.busy ? (l.queue[0]?.deliveryId ?? null) : null, queued: l.queue.length })),
    completedThisRun: completed,
    draining,
  }));

  function enqueue(p: PendingDelivery): void {
    const key = `${p.deliveryId}#${p.run}`;
    if (known.has(key)) return;
    known.add(key);
    let lane = lanes.get(p.subscriberId);
    if (!lane) {
      lane = { subscriberId: p.subscriberId, queue: [], busy: false };
      lanes.set(p.subscriberId, lane);
    }
    lane.queue.push(p);
    if (!lane.busy && !draining) startLane(lane);
  }

  function startLane(lane: Lane): void {
    // runLane handles its own failures; a rejection here can only be the scope's cancellation
    laneScope.run(() => runLane(lane)).catch(() => undefined);
  }

  async function runLane(lane: Lane): Promise<void> {
    lane.busy = true;
    try {
      while (lane.queue.length > 0 && !draining) {
        const p = lane.queue[0]!;
        try {
          await deliverWebhook({ deliveryId: p.deliveryId, run: p.run });
        } catch (err) {
          // cancelled by a draining run: the row stays pending, the next run takes it
          if (isCancellation(err)) return;
          // the retry window is over: the delivery is failed (an operator may redeliver it)
          await CancellationScope.nonCancellable(() =>
            markWebhookDeliveryFailed({ deliveryId: p.deliveryId, run: p.run, reason: err instanceof Error ? err.message : String(err) }),
          );
        }
        lane.queue.shift();
        known.delete(`${p.deliveryId}#${p.run}`);
        completed += 1;
        if (completed >= input.maxPerRun || workflowInfo().continueAsNewSuggested) draining = true;
      }
    } finally {
      lane.busy = false;
    }
  }

  for (;;) {
    if (draining) {
      // Let attempts in flight finish (an HTTP attempt lasts at most httpTimeoutMs); a lane
      // still busy after that is waiting out a backoff: cancel it, its delivery stays pending
      // and the next run takes it up (its retry window is anchored in Postgres).
      if (!(await condition(() => busyLanes() === 0, input.httpTimeoutMs + 2_000))) {
        laneScope.cancel();
        await condition(() => busyLanes() === 0);
      }
      await continueAsNew<typeof webhookDispatcher>(input);
    }
    if (dirty) {
      dirty = false;
      for (const p of await fanOutWebhookEvents({ accountId: input.accountId })) enqueue(p);
      // lanes that went idle with work left (a signal raced their last step)
      for (const lane of lanes.values()) if (!lane.busy && lane.queue.length > 0 && !draining) startLane(lane);
      continue;
    }
    if (busyLanes() === 0) {
      // nothing in flight: wait for news, or end the run when there is none
      if (!(await condition(() => dirty, input.idleSec * 1000))) return;
      continue;
    }
    await condition(() => dirty || draining || busyLanes() === 0);
  }
}

/**
 * Started by the `webhooks-sweeper` Temporal Schedule: marks events nobody subscribed to,
 * and signals the dispatcher of every account with events not yet fanned out or
 * deliveries left pending without an attempt for too long.
 */
export async function webhookSweep(): Promise<{ marked: number; signalled: number }> {
  return sweepWebhookEvents();
}
