// Issuing and checking verification codes. The code's lifetime is the workflow's
// timer, not a clock compared here; these activities own the rate lock, the hash and
// single use.
import { randomUUID } from 'node:crypto';
import type { ActivityDeps } from '../../activity-deps';
import { sendAndLog } from '../../../providers/outbox';
import { SendRateLimiter } from '../../../lib/rate-limit';
import { accountIdByContact, contactIndex, decryptContact, findAccount } from '../../../db/accounts';
import { codeOfRequest, findFlowCode, markCodeFailed, markCodeSent, upsertPendingCode, useCode } from '../../../db/codes';
import { messageSent } from '../../../db/messages';
import { inTransaction } from '../../../db/pool';
import { codeFor, codeMatches, hashCode } from '../../../lib/codes';
import { failure, type ErrorCode } from '../../../lib/errors';
import type { Channel, Scene } from '../../../lib/scenes';
import { MAIL_CODE_TEMPLATES } from '../../../lib/templates';
import { CONTACT, contactOfChannel, type ContactKind } from '../../../lib/contact-kinds';

/** Checks made before a code goes out, so nobody receives a code that cannot succeed. */
export type CodePrecheck =
  | { has: ContactKind } // the account has this contact bound (rebind: a phone in every case)
  | { lacks: ContactKind } // first-time bind: none bound yet
  | { unclaimed: ErrorCode }; // the target belongs to no account; else this error (SAME_CONTACT if it is this one's)

export interface SendCodeInput {
  flowId: string;
  /** the flow run's key (flows/shared/run-key.ts); absent in flows recorded before it */
  runKey?: string;
  requestKey: string;
  accountId: string;
  scene: Scene;
  channel: Channel;
  /** an address the user typed (a new contact)… */
  target?: string;
  /** …or the account's own bound contact, decrypted here so it never enters history */
  targetOfAccount?: ContactKind;
  prechecks: CodePrecheck[];
  perDay: number;
  resendGapSec: number;
}

/** One submission of a code: its key makes a retry of the same submission answer the same. */
export interface CheckCodeInput {
  flowId: string;
  codeId: string;
  code: string;
  submissionKey: string;
}

export interface SendCodeResult {
  codeId: string;
  sentTo: string; // masked
}

export function createCodeActivities(deps: ActivityDeps) {
  const limiter = new SendRateLimiter(deps.redis);
  const pepper = deps.cfg.crypto.codePepper;

  /** Runs the prechecks and resolves the address the code goes to. */
  async function resolveTarget(input: SendCodeInput, channelKind: ContactKind): Promise<string> {
    const account = await findAccount(deps.pool, input.accountId);
    if (!account) throw failure('ACCOUNT_NOT_FOUND');
    for (const check of input.prechecks) {
      if ('has' in check && decryptContact(deps.fieldCrypto, account, check.has) === null) throw failure(CONTACT[check.has].errors.notBound);
      if ('lacks' in check && decryptContact(deps.fieldCrypto, account, check.lacks) !== null) throw failure(CONTACT[check.lacks].errors.alreadyBound);
    }
    const target = input.target ?? (input.targetOfAccount ? decryptContact(deps.fieldCrypto, account, input.targetOfAccount) : null);
    if (target === null) throw failure(CONTACT[input.targetOfAccount ?? channelKind].errors.notBound);
    for (const check of input.prechecks) {
      if (!('unclaimed' in check)) continue;
      const owner = await accountIdByContact(deps.pool, channelKind, contactIndex(deps.fieldCrypto, channelKind, target));
      if (owner === account.id) throw failure('SAME_CONTACT');
      if (owner !== null) throw failure(check.unclaimed);
    }
    return target;
  }

  async function sendCode(input: SendCodeInput): Promise<SendCodeResult> {
    const channelKind = contactOfChannel(input.channel);

    // A retry after the message went out must not send a second code.
    const prior = await codeOfRequest(deps.pool, input.requestKey);
    const target = await resolveTarget(input, channelKind);
    const targetIdx = contactIndex(deps.fieldCrypto, channelKind, target);
    const sentTo = CONTACT[channelKind].mask(target);
    if (prior?.status === 'sent') return { codeId: prior.id, sentTo };
    // The attempt that sent it may have died before marking it: the message log knows.
    if (prior?.status === 'pending') {
      if (await messageSent(deps.pool, input.requestKey, input.channel)) {
        await markSent(input, prior.id);
        return { codeId: prior.id, sentTo };
      }
    }

    const slot = await limiter.acquire({
      scene: input.scene,
      targetIdx,
      requestKey: input.requestKey,
      perDay: input.perDay,
      gapSec: input.resendGapSec,
    });
    if (!slot.ok) {
      if (slot.reason === 'daily_limit') throw failure('CODE_DAILY_LIMIT', { perDay: input.perDay });
      throw failure('CODE_TOO_SOON', { retryAfterSec: Math.ceil(slot.retryAfterMs / 1000) });
    }

    // the same code for every attempt of this request: a retry after the gateway took the
    // message (but before we heard) can only repeat it
    const code = codeFor(pepper, input.requestKey);
    const codeId = prior?.id ?? randomUUID();
    await upsertPendingCode(deps.pool, {
      id: codeId,
      requestKey: input.requestKey,
      accountId: input.accountId,
      flowId: input.flowId,
      scene: input.scene,
      channel: input.channel,
      targetIdx,
      codeHash: hashCode(pepper, codeId, code),
    });

    const mailTemplate = MAIL_CODE_TEMPLATES[input.scene];
    const smsTemplate = input.channel === 'sms' ? (deps.cfg.sms.templates as Record<string, string | undefined>)[input.scene] : undefined;
    if (input.channel === 'mail' ? !mailTemplate : !smsTemplate) {
      throw failure('INVALID_INPUT', { reason: `scene ${input.scene} has no ${input.channel} template` });
    }
    const outcome = await sendAndLog(deps, {
      requestKey: input.requestKey,
      accountId: input.accountId,
      flowId: input.flowId,
      kind: 'code',
      scene: input.scene,
      channel: input.channel,
      target,
      targetIdx,
      sms: smsTemplate ? { templateId: smsTemplate, params: [code] } : undefined,
      mail: mailTemplate ? { subject: mailTemplate.subject, text: mailTemplate.text(code) } : undefined,
    });

    if (!outcome.ok) {
      // The user must not lose a slot to our gateway's failure.
      await limiter.release({ scene: input.scene, targetIdx, requestKey: input.requestKey });
      await markCodeFailed(deps.pool, codeId);
      deps.log.warn(
        { flowId: input.flowId, scene: input.scene, channel: input.channel, providerCode: outcome.providerCode, retryable: outcome.retryable },
        'code message not sent',
      );
      const code = input.channel === 'sms' ? 'SMS_SEND_FAILED' : 'MAIL_SEND_FAILED';
      const details = { providerCode: outcome.providerCode };
      throw failure(code, details, { retryable: outcome.retryable });
    }

    await markSent(input, codeId);
    deps.log.info({ flowId: input.flowId, scene: input.scene, channel: input.channel, to: sentTo }, 'code sent');
    return { codeId, sentTo };
  }

  /** The newest code of a flow run is the only live one (other runs' rows are theirs). */
  async function markSent(input: SendCodeInput, codeId: string): Promise<void> {
    await inTransaction(deps.pool, (c) => markCodeSent(c, input.flowId, codeId, input.runKey ?? null));
  }

  /**
   * Single use: a matching code is consumed by one submission (submissionKey). A retry
   * of that same submission answers ok again; any other submission finds it spent.
   */
  async function checkCode(input: CheckCodeInput): Promise<{ ok: boolean }> {
    const row = await findFlowCode(deps.pool, input.codeId, input.flowId);
    if (!row || !codeMatches(pepper, input.codeId, input.code, row.code_hash)) return { ok: false };
    if (row.status === 'used') return { ok: row.used_by === input.submissionKey };
    if (row.status !== 'sent') return { ok: false };
    return { ok: await useCode(deps.pool, input.codeId, input.submissionKey) };
  }

  return { sendCode, checkCode };
}

/** What the workflows that call these type their proxy by (a type-only import: nothing of this file enters the bundle). */
export type CodeActivities = ReturnType<typeof createCodeActivities>;
