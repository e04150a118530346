// Waking an account's webhook dispatcher after a flow recorded an event (bind, rebind,
// real-name). Here, not with the dispatcher's own activities, because the flows that record
// events are not the webhooks flow: they only need to knock. The API's redaction knocks too.
import type { ActivityDeps } from '../../activity-deps';
import { someSubscriberWants } from '../../../db/webhooks';
import { ensureWebhookSweeper, signalDispatcher } from '../../../lib/webhook-dispatch';

/**
 * After an event is recorded: wake the account's dispatcher if some endpoint wants the
 * event type. Best effort — the sweeper finds whatever this misses — so it never fails
 * the flow that recorded the event. `wanted`: as recordCallbackEvent read it; asked here when
 * not known (a retried step that found its event written).
 */
export async function notifyWebhookDispatcher(
  deps: Pick<ActivityDeps, 'pool' | 'cfg' | 'log' | 'temporal'>,
  accountId: string,
  type: string,
  wanted?: boolean,
): Promise<void> {
  if (!deps.temporal || wanted === false) return;
  try {
    if (wanted === undefined && !(await someSubscriberWants(deps.pool, type))) return;
    await signalDispatcher(deps.temporal, deps.cfg, accountId);
    await ensureWebhookSweeper(deps.temporal, deps.cfg);
  } catch (err) {
    deps.log.warn({ accountId, type, err: err instanceof Error ? err.message : String(err) }, 'webhook dispatcher not signalled; the sweeper will pick the event up');
  }
}
