// Applying a first-time bind: one transaction that re-checks everything the code
// request checked (time has passed since), so two accounts racing for one address
// end with exactly one owner: the unique blind index decides.
import type { ActivityDeps } from '../activity-deps';
import { failure } from '../../lib/errors';
import { boundIndex, contactIndex, findAccount, setContact } from '../../db/accounts';
import type { CommittedChange } from '../../db/contact-change';
import { auditRecorded, recordAudit } from '../../db/events';
import type { RequestMeta } from '../shared/contract';
import { inTransaction, isUniqueViolation } from '../../db/pool';
import { CONTACT, type ContactKind } from '../../lib/contact-kinds';
import { commitContactChange, contactChange } from '../shared/activities/contact-change';
import type { CodeActivities } from '../shared/activities/codes';
import { checkThenCommit, type CheckThenCommitInput, type CheckedThenCommitted, type CommitBindInput } from './check-then-commit';

export interface ApplyBindInput {
  flowId: string;
  accountId: string;
  kind: ContactKind;
  target: string;
  meta: RequestMeta;
}

export interface ApplyBindResult {
  accountId: string;
  target: string; // masked
  contactVersion: number;
}

/** `codes`: the code activities, whose check the submission's one step runs (./check-then-commit.ts). */
export function createBindActivities(deps: ActivityDeps, codes: Pick<CodeActivities, 'checkCode'>) {
  /** Legacy: flows started before commitBind (in flight across an upgrade) still call it. */
  async function applyBind(input: ApplyBindInput): Promise<ApplyBindResult> {
    const idx = contactIndex(deps.fieldCrypto, input.kind, input.target);
    const masked = CONTACT[input.kind].mask(input.target);
    const eventType = `${input.kind}.bound`;
    try {
      return await inTransaction(deps.pool, async (c) => {
        const account = await findAccount(c, input.accountId, true);
        if (!account) throw failure('ACCOUNT_NOT_FOUND');
        const current = boundIndex(account, input.kind);
        if (current) {
          // A retry of this very step finds its own write: answer as the first run did.
          const mine = await auditRecorded(c, `${input.flowId}/${eventType}`);
          if (current.equals(idx) && mine) return { accountId: account.id, target: masked, contactVersion: account.contact_version };
          throw failure(CONTACT[input.kind].errors.alreadyBound);
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
      if (isUniqueViolation(err)) throw failure(CONTACT[input.kind].errors.taken);
      throw err;
    }
  }

  /**
   * The bind, the end of the other sessions, the audit row and the phone.bound /
   * email.bound event in one transaction: all of them or none. The unique blind index
   * decides a race for one address (exactly one account wins).
   */
  function commitBind(input: CommitBindInput): Promise<CommittedChange> {
    const change = contactChange(input, 'bound', CONTACT[input.kind].mask(input.target));
    return commitContactChange(deps, input.accountId, change, CONTACT[input.kind].errors.taken, async (_c, account) => {
      if (boundIndex(account, input.kind)) throw failure(CONTACT[input.kind].errors.alreadyBound);
    });
  }

  /** The code's check and, when right, the commit, as one step (./check-then-commit.ts). */
  function checkThenCommitBind(input: CheckThenCommitInput): Promise<CheckedThenCommitted> {
    return checkThenCommit({ checkCode: codes.checkCode, commitBind }, input);
  }

  return { applyBind, commitBind, checkThenCommitBind };
}

/** What the workflows that call these type their proxy by (a type-only import: nothing of this file enters the bundle). */
export type BindActivities = ReturnType<typeof createBindActivities>;
