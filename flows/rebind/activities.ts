// The steps of a rebind after its codes: the unbind token, the change itself (applied only
// if the contact is still the one the flow started from, with its notices queued in the same
// transaction), and the queued notices sent to the old contacts.
import { randomBytes } from 'node:crypto';
import type { ActivityDeps } from '../activity-deps';
import { failure } from '../../lib/errors';
import { sendAndLog } from '../../providers/outbox';
import { accountIdByContact, boundIndex, contactIndex, decryptContact, findAccount, setContact } from '../../db/accounts';
import type { CommittedChange } from '../../db/contact-change';
import { auditRecorded, recordAudit } from '../../db/events';
import type { RequestMeta } from '../shared/contract';
import { messageStatus } from '../../db/messages';
import { queueNoticesToContacts } from '../../db/notices';
import { inTransaction, isUniqueViolation } from '../../db/pool';
import { CONTACT, CONTACT_KINDS, type ContactKind } from '../../lib/contact-kinds';
import { REBIND_NOTICE_MAIL } from '../../lib/templates';
import { commitContactChange, contactChange } from '../shared/activities/contact-change';
import { NOTICE_ATTEMPTS, type NoticeOutcome } from './contract';
import { heartbeat, noticeAttempt, sendQueuedNotices } from '../shared/activities/notices';

const noticeKey = (runKey: string) => `${runKey}/rebind-notice`;

export interface CommitRebindInput {
  runKey: string;
  flowId: string;
  accountId: string;
  kind: ContactKind;
  method: string;
  target: string;
  targetMasked: string;
  /** blind index (hex) of the contact the flow started from: changed only if still that one */
  expectedContactIdx: string;
  meta: RequestMeta;
  keepSessionId: string | null;
}

export function createRebindActivities(deps: ActivityDeps) {
  /** What a queued notice is sent with: the SMS template's id, the mail's subject. */
  const noticeTemplate: Record<ContactKind, (rebound: ContactKind) => string> = {
    phone: () => deps.cfg.sms.templates.rebind_notice,
    email: (rebound) => REBIND_NOTICE_MAIL.subject[rebound],
  };

  /** 256 random bits; the workflow keeps it (sealed by the payload codec) and its timer. */
  async function issueUnbindToken(): Promise<string> {
    return randomBytes(32).toString('base64url');
  }

  /**
   * Tells the account's current (old) phone and email that a rebind is about to take
   * effect (template 2133448 / the seed's mail), before the change is visible. One log
   * row per channel; a retry skips what already went out. A refused notice is logged
   * and does not stop the change; a transient fault is retried by Temporal.
   */
  /** Legacy: flows started before commitRebind notified before the change with this. */
  async function sendRebindNotices(input: { flowId: string; accountId: string; kind: ContactKind; newTargetMasked: string }): Promise<NoticeOutcome[]> {
    const account = await findAccount(deps.pool, input.accountId);
    if (!account) throw failure('ACCOUNT_NOT_FOUND');
    const requestKey = `${input.flowId}/rebind-notice`;
    const results: NoticeOutcome[] = [];
    let transientFault: string | null = null;
    for (const kind of CONTACT_KINDS) {
      heartbeat(); // a worker that dies mid-notice is noticed within the heartbeat timeout
      const to = decryptContact(deps.fieldCrypto, account, kind);
      if (!to) continue;
      const { channel } = CONTACT[kind];
      const prior = await messageStatus(deps.pool, requestKey, channel);
      if (prior?.status === 'sent') {
        results.push({ channel, to: CONTACT[kind].mask(to), status: 'sent', providerCode: prior.provider_code });
        continue;
      }
      const outcome = await sendAndLog(deps, {
        requestKey,
        accountId: account.id,
        flowId: input.flowId,
        kind: 'notice',
        scene: 'rebind_notice',
        channel,
        target: to,
        targetIdx: contactIndex(deps.fieldCrypto, kind, to),
        sms: channel === 'sms' ? { templateId: deps.cfg.sms.templates.rebind_notice, params: [CONTACT[input.kind].rebindOperation, input.newTargetMasked] } : undefined,
        mail: channel === 'mail' ? { subject: REBIND_NOTICE_MAIL.subject[input.kind], text: REBIND_NOTICE_MAIL.text(CONTACT[input.kind].rebindOperation, input.newTargetMasked) } : undefined,
      });
      if (!outcome.ok && outcome.retryable) transientFault = outcome.providerCode;
      results.push({ channel, to: CONTACT[kind].mask(to), status: outcome.ok ? 'sent' : 'failed', providerCode: outcome.providerCode });
    }
    // Retried while attempts remain; the last attempt reports what went out and what
    // did not, so the change is never held hostage by a notice.
    if (transientFault && noticeAttempt() < NOTICE_ATTEMPTS) throw failure('SERVICE_UNAVAILABLE', { providerCode: transientFault }, { retryable: true });
    return results;
  }

  /**
   * Read-only look before the notices go out, so nobody is told of a change that is
   * bound to be refused; applyRebind checks the same again under a row lock.
   */
  /** Legacy, as sendRebindNotices. */
  async function assertRebindable(input: { accountId: string; kind: ContactKind; target: string; expectedContactIdx: string }): Promise<void> {
    const account = await findAccount(deps.pool, input.accountId);
    if (!account) throw failure('ACCOUNT_NOT_FOUND');
    const current = boundIndex(account, input.kind);
    if (!current || current.toString('hex') !== input.expectedContactIdx) throw failure('CONTACT_CHANGED');
    const owner = await accountIdByContact(deps.pool, input.kind, contactIndex(deps.fieldCrypto, input.kind, input.target));
    if (owner !== null) throw failure(owner === account.id ? 'SAME_CONTACT' : CONTACT[input.kind].errors.rebindTaken);
  }

  /** Legacy, as sendRebindNotices. */
  async function applyRebind(input: {
    flowId: string;
    accountId: string;
    kind: ContactKind;
    target: string;
    expectedContactIdx: string;
    meta: RequestMeta;
  }): Promise<{ contactVersion: number }> {
    const idx = contactIndex(deps.fieldCrypto, input.kind, input.target);
    const eventType = `${input.kind}.rebound`;
    const dedupeKey = `${input.flowId}/${eventType}`;
    try {
      return await inTransaction(deps.pool, async (c) => {
        const account = await findAccount(c, input.accountId, true);
        if (!account) throw failure('ACCOUNT_NOT_FOUND');
        const current = boundIndex(account, input.kind);
        if (!current || current.toString('hex') !== input.expectedContactIdx) {
          // A retry of this very step finds its own write: answer as the first run did.
          const mine = await auditRecorded(c, dedupeKey);
          if (current?.equals(idx) && mine) return { contactVersion: account.contact_version };
          throw failure('CONTACT_CHANGED');
        }
        const contactVersion = await setContact(c, deps.fieldCrypto, account.id, input.kind, input.target);
        await recordAudit(c, { dedupeKey, accountId: account.id, flowId: input.flowId, type: eventType, data: { contactVersion }, meta: input.meta });
        return { contactVersion };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw failure(CONTACT[input.kind].errors.rebindTaken);
      throw err;
    }
  }

  /**
   * The rebind in one transaction: the contact changed only if it is still the one the flow
   * started from, the other sessions ended, the audit row, the phone.rebound / email.rebound
   * event, and a notice queued to each contact the account had before (the rebind notice,
   * template 2133448 / the seed's mail). So a notice is owed for every change that happened,
   * and for none that did not; sendQueuedRebindNotices delivers them.
   */
  function commitRebind(input: CommitRebindInput): Promise<CommittedChange> {
    const change = contactChange(input, 'rebound', input.targetMasked, { method: input.method });
    return commitContactChange(deps, input.accountId, change, CONTACT[input.kind].errors.rebindTaken, async (c, account) => {
      const current = boundIndex(account, input.kind);
      if (!current || current.toString('hex') !== input.expectedContactIdx) throw failure('CONTACT_CHANGED');
      const owner = await accountIdByContact(c, input.kind, contactIndex(deps.fieldCrypto, input.kind, input.target));
      if (owner !== null) throw failure(owner === account.id ? 'SAME_CONTACT' : CONTACT[input.kind].errors.rebindTaken);
      await queueNoticesToContacts(c, deps.fieldCrypto, account, {
        requestKey: noticeKey(input.runKey),
        flowId: input.flowId,
        dailyLimit: deps.cfg.flows.noticeDailyLimit,
        scene: 'rebind_notice',
        template: (kind) => noticeTemplate[kind](input.kind),
      });
    });
  }

  /**
   * Sends the notices commitRebind queued for this run; a retry skips what already went out.
   * A refused notice is logged and does not undo anything; a transient fault is retried by
   * Temporal, and the last attempt reports what went out and what did not.
   */
  function sendQueuedRebindNotices(input: { runKey: string; accountId: string; kind: ContactKind; newTargetMasked: string }): Promise<NoticeOutcome[]> {
    const operation = CONTACT[input.kind].rebindOperation;
    return sendQueuedNotices(deps, {
      requestKey: noticeKey(input.runKey),
      accountId: input.accountId,
      text: { smsParams: [operation, input.newTargetMasked], mailText: REBIND_NOTICE_MAIL.text(operation, input.newTargetMasked) },
    });
  }

  return { issueUnbindToken, sendRebindNotices, assertRebindable, applyRebind, commitRebind, sendQueuedRebindNotices };
}

/** What the workflows that call these type their proxy by (a type-only import: nothing of this file enters the bundle). */
export type RebindActivities = ReturnType<typeof createRebindActivities>;
