// Applying a first-time bind: one transaction that re-checks everything the code
// request checked (time has passed since), so two accounts racing for one address
// end with exactly one owner: the unique blind index decides.
import type { ActivityDeps } from '../activity-deps';
import { failure } from '../../lib/errors';
import { contactIndex, findAccount, setContact, type ContactKind } from '../../db/accounts';
import type { CommittedChange } from '../../db/contact-change';
import { auditRecorded, recordAudit, type EventMeta } from '../../db/events';
import { inTransaction, isUniqueViolation } from '../../db/pool';
import { maskEmail, maskPhone } from '../../lib/contacts';
import { commitContactChange } from '../shared/activities/contact-change';

export interface ApplyBindInput {
  flowId: string;
  accountId: string;
  kind: ContactKind;
  target: string;
  meta: EventMeta;
}

export interface ApplyBindResult {
  accountId: string;
  target: string; // masked
  contactVersion: number;
}

export interface CommitBindInput {
  runKey: string;
  flowId: string;
  accountId: string;
  kind: ContactKind;
  target: string;
  meta: EventMeta;
  /** the session that asked for the change: kept when the others are ended */
  keepSessionId: string | null;
}

const TAKEN = { phone: 'PHONE_TAKEN', email: 'EMAIL_TAKEN' } as const;
const ALREADY = { phone: 'PHONE_ALREADY_BOUND', email: 'EMAIL_ALREADY_BOUND' } as const;

export function createBindActivities(deps: ActivityDeps) {
  /** Legacy: flows started before commitBind (in flight across an upgrade) still call it. */
  async function applyBind(input: ApplyBindInput): Promise<ApplyBindResult> {
    const idx = contactIndex(deps.fieldCrypto, input.kind, input.target);
    const masked = input.kind === 'phone' ? maskPhone(input.target) : maskEmail(input.target);
    const eventType = `${input.kind}.bound`;
    try {
      return await inTransaction(deps.pool, async (c) => {
        const account = await findAccount(c, input.accountId, true);
        if (!account) throw failure('ACCOUNT_NOT_FOUND');
        const current = input.kind === 'phone' ? account.phone_idx : account.email_idx;
        if (current) {
          // A retry of this very step finds its own write: answer as the first run did.
          const mine = await auditRecorded(c, `${input.flowId}/${eventType}`);
          if (current.equals(idx) && mine) return { accountId: account.id, target: masked, contactVersion: account.contact_version };
          throw failure(input.kind === 'phone' ? 'PHONE_ALREADY_BOUND' : 'EMAIL_ALREADY_BOUND');
        }
        const contactVersion = await setContact(c, deps.fieldCrypto, account.id, input.kind, input.target);
        await recordAudit(c, {
          dedupeKey: `${input.flowId}/${eventType}`,
          accountId: account.id,
          flowId: input.flowId,
          type: eventType,
          data: { contactVersion },
          meta: input.meta,
        });
        return { accountId: account.id, target: masked, contactVersion };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw failure(input.kind === 'phone' ? 'PHONE_TAKEN' : 'EMAIL_TAKEN');
      throw err;
    }
  }

  /**
   * The bind, the end of the other sessions, the audit row and the phone.bound /
   * email.bound event in one transaction: all of them or none. The unique blind index
   * decides a race for one address (exactly one account wins).
   */
  function commitBind(input: CommitBindInput): Promise<CommittedChange> {
    const masked = input.kind === 'phone' ? maskPhone(input.target) : maskEmail(input.target);
    const change = {
      runKey: input.runKey,
      flowId: input.flowId,
      kind: input.kind,
      target: input.target,
      eventType: `${input.kind}.bound`,
      keepSessionId: input.keepSessionId,
      meta: input.meta,
      payload: { accountId: input.accountId, [input.kind]: masked, flowId: input.flowId },
    };
    return commitContactChange(deps, input.accountId, change, TAKEN[input.kind], async (_c, account) => {
      if (input.kind === 'phone' ? account.phone_idx : account.email_idx) throw failure(ALREADY[input.kind]);
    });
  }

  return { applyBind, commitBind };
}

/** What the workflows that call these type their proxy by (a type-only import: nothing of this file enters the bundle). */
export type BindActivities = ReturnType<typeof createBindActivities>;
