// Committing a contact change (bind or rebind): one transaction over the locked account row
// in which the flow's own checks run, then the change with its session endings, audit row and
// callback event (db/contact-change.ts). A retry of the step finds what it committed; a race
// for one address lost at the unique blind index is the flow's "taken" rejection. The webhook
// dispatcher is woken after the commit (best effort: the sweeper is the net).
import type { PoolClient } from 'pg';
import type { ActivityDeps } from '../../activity-deps';
import { notifyWebhookDispatcher } from './notify-dispatcher';
import { findAccount, type AccountRow } from '../../../db/accounts';
import { applyContactChange, committedChange, type CommittedChange, type ContactChange } from '../../../db/contact-change';
import { inTransaction, isUniqueViolation } from '../../../db/pool';
import { failure, type ErrorCode } from '../../../lib/errors';

/** What a bind or rebind step asks to commit; the event is `<kind>.<verb>`. */
export interface ChangeRequest extends Omit<ContactChange, 'eventType' | 'payload'> {
  accountId: string;
}

/** The change to commit, its event carrying the account, the masked contact, the flow and `extra`. */
export function contactChange(input: ChangeRequest, verb: 'bound' | 'rebound', masked: string, extra: Record<string, unknown> = {}): ContactChange {
  const { runKey, flowId, kind, target, keepSessionId, meta, accountId } = input;
  return { runKey, flowId, kind, target, eventType: `${kind}.${verb}`, keepSessionId, meta, payload: { accountId, [kind]: masked, ...extra, flowId } };
}

export async function commitContactChange(
  deps: ActivityDeps,
  accountId: string,
  change: ContactChange,
  taken: ErrorCode,
  /** the flow's own checks (and writes) before the change, under the account's row lock */
  guard: (c: PoolClient, account: AccountRow) => Promise<void>,
): Promise<CommittedChange> {
  let committed: CommittedChange & { wanted?: boolean };
  try {
    committed = await inTransaction(deps.pool, async (c) => {
      const account = await findAccount(c, accountId, true);
      if (!account) throw failure('ACCOUNT_NOT_FOUND');
      const prior = await committedChange(c, change.runKey, change.eventType);
      if (prior) return prior;
      await guard(c, account);
      return applyContactChange(c, deps.fieldCrypto, account, change);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw failure(taken);
    throw err;
  }
  // the flow's answer holds what it committed, not the knock's business
  const { wanted, ...answer } = committed;
  await notifyWebhookDispatcher(deps, accountId, change.eventType, wanted);
  return answer;
}

export function createContactChangeActivities(deps: ActivityDeps) {
  /**
   * What this run committed, if it did. A flow asks before it ends without its change (cancel,
   * expiry): the step that committed may have run in a workflow task that was lost (its worker
   * died, or the server refused the task's completion), so the history does not know it.
   */
  async function committedContactChange(input: { runKey: string; eventType: string }): Promise<CommittedChange | null> {
    return committedChange(deps.pool, input.runKey, input.eventType);
  }

  return { committedContactChange };
}

/** What the workflows that call these type their proxy by (a type-only import). */
export type ContactChangeActivities = ReturnType<typeof createContactChangeActivities>;
