// Account recovery's own steps (./workflow.ts): the grant a proven recovery hands out, and its
// redemption (every session ended, every bound contact told). The codes and the face check are
// the shared ones. Each write is keyed by the run: a retried step finds what it wrote.
import type { ActivityDeps } from '../activity-deps';
import { findAccount } from '../../db/accounts';
import { recordAudit, recordCallbackEvent } from '../../db/events';
import { queueNoticesToContacts } from '../../db/notices';
import { inTransaction } from '../../db/pool';
import { grantOfRun, insertGrant, markRedeemed } from '../../db/recovery';
import { failure } from '../../lib/errors';
import { grantHash, grantOf } from '../../lib/recovery-grant';
import { RECOVERY_NOTICE_MAIL } from '../../lib/templates';
import type { NoticeOutcome, RequestMeta } from '../shared/contract';
import { notifyWebhookDispatcher } from '../shared/activities/notify-dispatcher';
import { sendQueuedNotices } from '../shared/activities/notices';
import { RECOVERED_EVENT, RECOVERY_VERIFIED_EVENT, type RecoveryMethod } from './contract';

const noticeKey = (runKey: string) => `${runKey}/recovery-notice`;

export interface IssueGrantInput {
  runKey: string;
  flowId: string;
  accountId: string;
  method: RecoveryMethod;
  /** the workflow's own expiry (its timer), so the row and the timer agree */
  expiresAt: string;
  faceRecordId: string | null;
  meta: RequestMeta;
}

export function createRecoveryActivities(deps: ActivityDeps) {
  /**
   * The run's grant row (its hash only), its audit row and the account.recovery_verified event,
   * in one transaction. Answers the hash the redeem update is checked against.
   */
  async function issueRecoveryGrant(input: IssueGrantInput): Promise<{ grantHash: string }> {
    const hash = grantHash(grantOf(deps.cfg.recovery.key, input.runKey));
    await inTransaction(deps.pool, async (c) => {
      await insertGrant(c, { grantHash: hash, runKey: input.runKey, flowId: input.flowId, accountId: input.accountId, method: input.method, expiresAt: input.expiresAt });
      const key = `${input.runKey}/${RECOVERY_VERIFIED_EVENT}`;
      const data = { method: input.method, grantExpiresAt: input.expiresAt, faceRecordId: input.faceRecordId };
      await recordAudit(c, { dedupeKey: key, accountId: input.accountId, flowId: input.flowId, type: RECOVERY_VERIFIED_EVENT, data, meta: input.meta });
      await recordCallbackEvent(c, { eventKey: key, type: RECOVERY_VERIFIED_EVENT, accountId: input.accountId, flowId: input.flowId, payload: { accountId: input.accountId, flowId: input.flowId, ...data } });
    });
    await notifyWebhookDispatcher(deps, input.accountId, RECOVERY_VERIFIED_EVENT);
    return { grantHash: hash.toString('hex') };
  }

  /**
   * The redemption, once per run: every live session of the account ends, the grant is marked
   * used, the audit row and the account.recovered event, and a notice queued to each contact the
   * account has bound, all in one transaction; a retry answers the same sessions.
   */
  async function redeemRecovery(input: { runKey: string; flowId: string; accountId: string; meta: RequestMeta }): Promise<{ sessionsEnded: string[] }> {
    const r = await inTransaction(deps.pool, async (c) => {
      const grant = await grantOfRun(c, input.runKey, true);
      if (!grant) throw failure('RECOVERY_GRANT_INVALID');
      if (grant.redeemed_at) return { sessionsEnded: grant.sessions_ended ?? [] };
      const account = await findAccount(c, input.accountId);
      if (!account) throw failure('ACCOUNT_NOT_FOUND');
      // this run's own endings (the grant row, locked, tells a retry what they were)
      const ended = await c.query<{ id: string }>(
        `UPDATE sessions SET ended_at = now(), ended_reason = 'account_recovered', ended_by_flow = $2
         WHERE account_id = $1 AND ended_at IS NULL RETURNING id`,
        [input.accountId, input.flowId],
      );
      const sessionsEnded = ended.rows.map((x) => x.id).sort();
      await markRedeemed(c, input.runKey, sessionsEnded);
      const key = `${input.runKey}/${RECOVERED_EVENT}`;
      await recordAudit(c, { dedupeKey: key, accountId: input.accountId, flowId: input.flowId, type: RECOVERED_EVENT, data: { method: grant.method, sessionsEnded }, meta: input.meta });
      await recordCallbackEvent(c, {
        eventKey: key,
        type: RECOVERED_EVENT,
        accountId: input.accountId,
        flowId: input.flowId,
        payload: { accountId: input.accountId, flowId: input.flowId, method: grant.method, sessionsEnded },
      });
      await queueNoticesToContacts(c, deps.fieldCrypto, account, {
        requestKey: noticeKey(input.runKey),
        flowId: input.flowId,
        scene: 'recovery_notice',
        template: (kind) => (kind === 'phone' ? deps.cfg.sms.templates.recovery_notice : RECOVERY_NOTICE_MAIL.subject),
      });
      return { sessionsEnded };
    });
    deps.log.info({ flowId: input.flowId, sessionsEnded: r.sessionsEnded.length }, 'recovery redeemed');
    await notifyWebhookDispatcher(deps, input.accountId, RECOVERED_EVENT);
    return r;
  }

  /** The notices redeemRecovery queued (rebind's rules: flows/shared/activities/notices.ts). */
  function sendRecoveryNotices(input: { runKey: string; accountId: string }): Promise<NoticeOutcome[]> {
    return sendQueuedNotices(deps, { requestKey: noticeKey(input.runKey), accountId: input.accountId, text: { smsParams: [], mailText: RECOVERY_NOTICE_MAIL.text() } });
  }

  return { issueRecoveryGrant, redeemRecovery, sendRecoveryNotices };
}

/** What the workflow types its proxy by (a type-only import: nothing of this file enters the bundle). */
export type RecoveryActivities = ReturnType<typeof createRecoveryActivities>;
