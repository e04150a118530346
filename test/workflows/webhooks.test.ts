// webhookDispatcher (flows/webhooks/workflow.ts) with stubbed activities: a delivery that
// keeps failing until its retry window is over is marked failed, and holds back only its own
// endpoint's lane; a run that reached maxPerRun continues as new and picks up what is left;
// eventsRecorded wakes an idle run; an idle run ends.
import { randomUUID } from 'node:crypto';
import { webhookDispatcher } from '../../flows/webhooks/workflow';
import { dispatcherWorkflowId, eventsRecordedSignal, type DispatcherInput, type PendingDelivery } from '../../flows/webhooks/contract';
import { eventually, workflowSuite, type Stubs } from './env';

const t = workflowSuite();

function input(o: Partial<DispatcherInput> = {}): DispatcherInput {
  return {
    accountId: `acct-${randomUUID()}`,
    httpTimeoutMs: 1000,
    retry: { initialMs: 200, maxIntervalMs: 400, windowSec: 2 },
    idleSec: 1,
    maxPerRun: 100,
    ...o,
  };
}

const d = (deliveryId: string, subscriberId: string, run = 1): PendingDelivery => ({ deliveryId, run, subscriberId });

describe('webhook dispatcher', () => {
  it('a delivery failing for its whole retry window is marked failed; only its own lane waits', async () => {
    let fanned = false;
    const stubs: Stubs = {
      fanOutWebhookEvents: async () => {
        if (fanned) return [];
        fanned = true;
        return [d('a-1', 'sub-a'), d('b-1', 'sub-b'), d('b-2', 'sub-b'), d('a-2', 'sub-a')];
      },
      deliverWebhook: async ({ deliveryId }) => {
        if (deliveryId === 'a-1') throw new Error('HTTP 500 from the endpoint');
        return 'delivered';
      },
      markWebhookDeliveryFailed: async () => undefined,
    };
    await t.run(stubs, async (r) => {
      const i = input();
      const h = await r.start(webhookDispatcher, [i], dispatcherWorkflowId(i.accountId));
      await h.result(); // idle after the work: the run ends
      const c = r.calls;
      expect(c.of('fanOutWebhookEvents')).toEqual([{ accountId: i.accountId }]);
      expect(c.of('markWebhookDeliveryFailed')).toEqual([{ deliveryId: 'a-1', run: 1, reason: expect.any(String) }]);
      // retried with backoff inside the window, then given up
      const aAttempts = c.attempts('deliverWebhook').filter((_, k) => c.of('deliverWebhook')[k]!.deliveryId === 'a-1');
      expect(aAttempts.length).toBeGreaterThanOrEqual(2);
      expect(aAttempts).toEqual(aAttempts.map((_, k) => k + 1));
      // every other delivery once, in order per endpoint; b's lane did not wait for a's
      const order = c.all.filter((x) => x.name !== 'fanOutWebhookEvents').map((x) => (x.name === 'deliverWebhook' ? (x.input as PendingDelivery).deliveryId : `failed:${(x.input as PendingDelivery).deliveryId}`));
      const once = order.filter((x) => x !== 'a-1');
      expect(once.filter((x) => x.startsWith('b-'))).toEqual(['b-1', 'b-2']);
      expect(once.indexOf('b-2')).toBeLessThan(once.indexOf('failed:a-1'));
      expect(once.indexOf('a-2')).toBeGreaterThan(once.indexOf('failed:a-1'));
      expect(c.count('markWebhookDeliveryFailed')).toBe(1);
    });
  });

  it('maxPerRun reached: the run continues as new and the next run takes up what is pending', async () => {
    const pending = [d('x-1', 'sub-x'), d('x-2', 'sub-x')];
    const stubs: Stubs = {
      // Postgres would answer with what is still pending
      fanOutWebhookEvents: async () => [...pending],
      deliverWebhook: async ({ deliveryId }) => {
        pending.splice(
          pending.findIndex((p) => p.deliveryId === deliveryId),
          1,
        );
        return 'delivered';
      },
    };
    await t.run(stubs, async (r) => {
      const i = input({ maxPerRun: 1 });
      const h = await r.start(webhookDispatcher, [i], dispatcherWorkflowId(i.accountId));
      await h.result(); // follows the runs to the last one
      expect(r.calls.of('deliverWebhook').map((x) => x.deliveryId)).toEqual(['x-1', 'x-2']);
      // one fan-out per run: x-1's run, x-2's run, and the last one that found nothing
      expect(r.calls.count('fanOutWebhookEvents')).toBe(3);
      const last = await h.describe();
      expect(last.runId).not.toBe(h.firstExecutionRunId);
    });
  });

  it('eventsRecorded wakes an idle run, which fans out again', async () => {
    let calls = 0;
    const stubs: Stubs = {
      fanOutWebhookEvents: async () => (++calls === 2 ? [d('e-1', 'sub-e')] : []),
      deliverWebhook: async () => 'delivered',
    };
    await t.run(stubs, async (r) => {
      const i = input({ idleSec: 3 });
      const h = await r.start(webhookDispatcher, [i], dispatcherWorkflowId(i.accountId));
      await eventually(() => r.calls.count('fanOutWebhookEvents') === 1, 'the first fan-out');
      await h.signal(eventsRecordedSignal);
      await h.result();
      expect(r.calls.names()).toEqual(['fanOutWebhookEvents', 'fanOutWebhookEvents', 'deliverWebhook']);
      expect(r.calls.of('deliverWebhook')).toEqual([{ deliveryId: 'e-1', run: 1 }]);
    });
  });
});
