// The grant flows' own steps (flows/shared/grant-flow.ts: account recovery, password reset): the
// grant a proven run hands out, and its redemption (sessions ended, every bound contact told).
// The codes and the face check are the shared ones. Each write is keyed by the run: a retried
// step finds what it wrote. The activity names are recovery's, which recorded them first; a
// step's `purpose` (absent in recovery's first runs: recovery) picks its events and notices.
import type { ActivityDeps } from '../../activity-deps';
import { findAccount } from '../../../db/accounts';
import { recordAudit, recordCallbackEvent } from '../../../db/events';
import { queueNoticesToContacts } from '../../../db/notices';
import { inTransaction } from '../../../db/pool';
import { grantOfRun, insertGrant, markRedeemed } from '../../../db/recovery';
import type { Config } from '../../../lib/config';
import { failure } from '../../../lib/errors';
import { grantHash, grantOf } from '../../../lib/recovery-grant';
import { PASSWORD_NOTICE_MAIL, RECOVERY_NOTICE_MAIL } from '../../../lib/templates';
import type { NoticeOutcome, RequestMeta } from '../contract';
import type { GrantMethod, GrantPurpose } from '../contract';
import { notifyWebhookDispatcher } from './notify-dispatcher';
import { sendQueuedNotices } from './notices';

/** Per purpose: the event of a proven run (its grant issued). */
const VERIFIED_EVENT = {
  recovery: 'account.recovery_verified',
  password_reset: 'password.reset_authorized',
  security: 'account.security_verified',
} as const satisfies Record<GrantPurpose, string>;

/** Per redeemable purpose: its events, the notice it owes (message_log scene, SMS template, mail). */
const PURPOSES = {
  recovery: {
    redeemed: 'account.recovered',
    endedReason: 'account_recovered',
    noticeScene: 'recovery_notice',
    smsTemplate: (cfg: Config) => cfg.sms.templates.recovery_notice,
    mail: RECOVERY_NOTICE_MAIL,
  },
  password_reset: {
    redeemed: 'password.reset',
    endedReason: 'password_reset',
    noticeScene: 'password_notice',
    smsTemplate: (cfg: Config) => cfg.sms.templates.password_notice,
    mail: PASSWORD_NOTICE_MAIL,
  },
} as const satisfies Record<Exclude<GrantPurpose, 'security'>, unknown>;

/** The security pass is spent by a real-name run (flows/security-check/activities.ts), never redeemed here. */
function redeemable(purpose: GrantPurpose = 'recovery'): (typeof PURPOSES)[keyof typeof PURPOSES] {
  if (purpose === 'security') throw failure('RECOVERY_GRANT_INVALID');
  return PURPOSES[purpose];
}

const noticeKey = (runKey: string) => `${runKey}/recovery-notice`;

export interface IssueGrantInput {
  runKey: string;
  flowId: string;
  accountId: string;
  method: GrantMethod;
  /** the workflow's own expiry (its timer), so the row and the timer agree */
  expiresAt: string;
  faceRecordId: string | null;
  meta: RequestMeta;
  purpose?: GrantPurpose;
  /** the only device the grant is good for (the security pass) */
  deviceId?: string;
}

export function createGrantActivities(deps: ActivityDeps) {
  /**
   * The run's grant row (its hash only), its audit row and its purpose's event (recovery:
   * account.recovery_verified; password reset: password.reset_authorized; security check:
   * account.security_verified), in one transaction.
   * Answers the hash the redeem update is checked against.
   */
  async function issueRecoveryGrant(input: IssueGrantInput): Promise<{ grantHash: string }> {
    const purpose = input.purpose ?? 'recovery';
    const type = VERIFIED_EVENT[purpose];
    const hash = grantHash(grantOf(deps.cfg.recovery.key, input.runKey));
    const wanted = await inTransaction(deps.pool, async (c) => {
      await insertGrant(c, { grantHash: hash, runKey: input.runKey, flowId: input.flowId, accountId: input.accountId, method: input.method, purpose, expiresAt: input.expiresAt, deviceId: input.deviceId ?? null });
      const key = `${input.runKey}/${type}`;
      const data = { method: input.method, grantExpiresAt: input.expiresAt, faceRecordId: input.faceRecordId };
      await recordAudit(c, { dedupeKey: key, accountId: input.accountId, flowId: input.flowId, type, data, meta: input.meta });
      return recordCallbackEvent(c, { eventKey: key, type, accountId: input.accountId, flowId: input.flowId, payload: { accountId: input.accountId, flowId: input.flowId, ...data } });
    });
    await notifyWebhookDispatcher(deps, input.accountId, type, wanted);
    return { grantHash: hash.toString('hex') };
  }

  /**
   * The redemption, once per run: the account's live sessions end (all but `keepSessionId`),
   * the grant is marked used, the audit row and the purpose's event (account.recovered /
   * password.reset), and a notice queued to each contact the account has bound, all in one
   * transaction; a retry answers the same sessions.
   */
  async function redeemRecovery(input: { runKey: string; flowId: string; accountId: string; meta: RequestMeta; purpose?: GrantPurpose; keepSessionId?: string }): Promise<{ sessionsEnded: string[] }> {
    const p = redeemable(input.purpose);
    const { wanted, ...r } = await inTransaction(deps.pool, async (c): Promise<{ sessionsEnded: string[]; wanted?: boolean }> => {
      const grant = await grantOfRun(c, input.runKey, true);
      if (!grant) throw failure('RECOVERY_GRANT_INVALID');
      if (grant.redeemed_at) return { sessionsEnded: grant.sessions_ended ?? [] };
      const account = await findAccount(c, input.accountId);
      if (!account) throw failure('ACCOUNT_NOT_FOUND');
      // this run's own endings (the grant row, locked, tells a retry what they were)
      const ended = await c.query<{ id: string }>(
        `UPDATE sessions SET ended_at = now(), ended_reason = $4, ended_by_flow = $2
         WHERE account_id = $1 AND ended_at IS NULL AND ($3::text IS NULL OR id <> $3) RETURNING id`,
        [input.accountId, input.flowId, input.keepSessionId ?? null, p.endedReason],
      );
      const sessionsEnded = ended.rows.map((x) => x.id).sort();
      await markRedeemed(c, input.runKey, sessionsEnded);
      const key = `${input.runKey}/${p.redeemed}`;
      const data = { method: grant.method, sessionsEnded };
      await recordAudit(c, { dedupeKey: key, accountId: input.accountId, flowId: input.flowId, type: p.redeemed, data, meta: input.meta });
      const wanted = await recordCallbackEvent(c, { eventKey: key, type: p.redeemed, accountId: input.accountId, flowId: input.flowId, payload: { accountId: input.accountId, flowId: input.flowId, ...data } });
      await queueNoticesToContacts(c, deps.fieldCrypto, account, {
        requestKey: noticeKey(input.runKey),
        flowId: input.flowId,
        dailyLimit: deps.cfg.flows.noticeDailyLimit,
        scene: p.noticeScene,
        template: (kind) => (kind === 'phone' ? p.smsTemplate(deps.cfg) : p.mail.subject),
      });
      return { sessionsEnded, wanted };
    });
    deps.log.info({ flowId: input.flowId, sessionsEnded: r.sessionsEnded.length }, 'grant redeemed');
    await notifyWebhookDispatcher(deps, input.accountId, p.redeemed, wanted);
    return r;
  }

  /** The notices redeemRecovery queued (rebind's rules: ./notices.ts). */
  function sendRecoveryNotices(input: { runKey: string; accountId: string; purpose?: GrantPurpose }): Promise<NoticeOutcome[]> {
    const p = redeemable(input.purpose);
    return sendQueuedNotices(deps, { requestKey: noticeKey(input.runKey), accountId: input.accountId, text: { smsParams: [], mailText: p.mail.text() } });
  }

  /** What this run's redemption committed, if it did: asked before a proven run ends without one. */
  async function redeemedRecovery(input: { runKey: string }): Promise<{ sessionsEnded: string[] } | null> {
    const grant = await grantOfRun(deps.pool, input.runKey);
    return grant?.redeemed_at ? { sessionsEnded: grant.sessions_ended ?? [] } : null;
  }

  return { issueRecoveryGrant, redeemRecovery, redeemedRecovery, sendRecoveryNotices };
}

/** What the workflows type their proxy by (a type-only import: nothing of this file enters the bundle). */
export type GrantActivities = ReturnType<typeof createGrantActivities>;
