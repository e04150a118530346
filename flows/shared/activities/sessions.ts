// After a contact changes: end the account's other sessions, then announce the change.
import type { ActivityDeps } from '../../activity-deps';
import { endOtherSessions } from '../../../db/sessions';
import { recordCallbackEvent } from '../../../db/events';
import { notifyWebhookDispatcher } from './notify-dispatcher';

export function createSessionActivities(deps: ActivityDeps) {
  /** Legacy: flows started before the change and its session endings became one transaction. */
  async function endSessionsAfterChange(input: { flowId: string; accountId: string; keepSessionId: string | null; reason: string }): Promise<string[]> {
    const ended = await endOtherSessions(deps.pool, input.accountId, input.keepSessionId, input.flowId, input.reason);
    deps.log.info({ flowId: input.flowId, ended: ended.length, kept: input.keepSessionId !== null }, 'sessions ended after contact change');
    return ended;
  }

  /**
   * The outcome other parts of the platform subscribe to; once per flow run and type
   * (runKey: flows/shared/run-key.ts; flows recorded before it key by flow id).
   */
  async function recordCallback(input: { flowId: string; runKey?: string; accountId: string; type: string; payload: Record<string, unknown> }): Promise<void> {
    const wanted = await recordCallbackEvent(deps.pool, {
      eventKey: `${input.runKey ?? input.flowId}/${input.type}`,
      type: input.type,
      accountId: input.accountId,
      flowId: input.flowId,
      payload: input.payload,
    });
    // wake the account's webhook dispatcher (best effort; the sweeper covers a miss)
    await notifyWebhookDispatcher(deps, input.accountId, input.type, wanted);
  }

  return { endSessionsAfterChange, recordCallback };
}

/** What the workflows that call these type their proxy by (a type-only import: nothing of this file enters the bundle). */
export type SessionActivities = ReturnType<typeof createSessionActivities>;
