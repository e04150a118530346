// Sending the notices a committed change queued (db/notices.ts): rebind's to the old contacts,
// recovery's to every bound contact. One over the day's cap was queued 'capped' and is reported,
// never sent. A retry skips what already went out; a refused notice is
// reported and undoes nothing; a provider's transient fault is retried by Temporal up to
// NOTICE_ATTEMPTS, and the last attempt reports what went out and what did not.
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../../activity-deps';
import { failure } from '../../../lib/errors';
import { sendAndLog } from '../../../providers/outbox';
import { noticeOutbox } from '../../../db/notices';
import { CONTACT, contactOfChannel } from '../../../lib/contact-kinds';
import type { Channel } from '../../../lib/scenes';
import { NOTICE_ATTEMPTS, NOTICE_CAPPED, type NoticeOutcome } from '../contract';

export function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    /* outside an activity (tests): nothing to tell */
  }
}

/** This attempt of the notice step, counted from 1. */
export function noticeAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return NOTICE_ATTEMPTS; // called outside an activity (tests): behave as the last attempt
  }
}

/** What one queued notice says, by channel: the SMS's parameters, the mail's text. */
export interface NoticeText {
  smsParams: string[];
  mailText: string;
}

export async function sendQueuedNotices(deps: ActivityDeps, q: { requestKey: string; accountId: string; text: NoticeText }): Promise<NoticeOutcome[]> {
  const results: NoticeOutcome[] = [];
  let transientFault: string | null = null;
  for (const n of await noticeOutbox(deps.pool, deps.fieldCrypto, q.requestKey)) {
    heartbeat();
    const to = CONTACT[contactOfChannel(n.channel)].mask(n.target);
    if (n.status === 'sent') {
      results.push({ channel: n.channel, to, status: 'sent', providerCode: n.providerCode ?? 'Ok' });
      continue;
    }
    if (n.status === 'capped') {
      results.push({ channel: n.channel, to, status: 'capped', providerCode: NOTICE_CAPPED });
      continue;
    }
    const channel: Channel = n.channel;
    const outcome = await sendAndLog(deps, {
      requestKey: n.requestKey,
      accountId: q.accountId,
      flowId: n.flowId,
      kind: 'notice',
      scene: n.scene,
      channel,
      target: n.target,
      targetIdx: n.targetIdx,
      sms: channel === 'sms' ? { templateId: n.template, params: q.text.smsParams } : undefined,
      mail: channel === 'mail' ? { subject: n.template, text: q.text.mailText } : undefined,
    });
    if (!outcome.ok && outcome.retryable) transientFault = outcome.providerCode;
    results.push({ channel, to, status: outcome.ok ? 'sent' : 'failed', providerCode: outcome.providerCode });
  }
  if (transientFault && noticeAttempt() < NOTICE_ATTEMPTS) throw failure('SERVICE_UNAVAILABLE', { providerCode: transientFault }, { retryable: true });
  return results;
}
