// Sending one message (code or notice) through its channel and logging the outcome.
// The log row is keyed by (request key, channel) so a retried activity updates its
// row instead of adding one.
import type { ActivityDeps } from './deps';
import type { Channel } from '../lib/scenes';
import { timed } from '../lib/metrics';

export interface OutgoingMessage {
  requestKey: string;
  accountId: string | null;
  flowId: string | null;
  kind: 'code' | 'notice';
  scene: string;
  channel: Channel;
  target: string;
  targetIdx: Buffer;
  /** SMS: template id and params; mail: subject and text */
  sms?: { templateId: string; params: string[] };
  mail?: { subject: string; text: string };
}

export interface SendOutcome {
  ok: boolean;
  retryable: boolean;
  providerCode: string;
  providerMessage: string;
  providerRef: string | null;
}

export async function sendAndLog(deps: ActivityDeps, m: OutgoingMessage): Promise<SendOutcome> {
  let outcome: SendOutcome;
  let template: string;
  if (m.channel === 'sms') {
    if (!m.sms) throw new Error('sms message without template');
    template = m.sms.templateId;
    const sms = m.sms;
    const r = await timed(deps.metrics, 'sms', () => deps.sms.send({ phone: m.target, templateId: sms.templateId, params: sms.params }));
    outcome = r.ok
      ? { ok: true, retryable: false, providerCode: 'Ok', providerMessage: 'send success', providerRef: r.serialNo }
      : { ok: false, retryable: r.retryable, providerCode: r.code, providerMessage: r.message, providerRef: r.requestId ?? null };
  } else {
    if (!m.mail) throw new Error('mail message without subject');
    template = m.mail.subject;
    const mail = m.mail;
    const r = await timed(deps.metrics, 'mail', () => deps.mailer.send({ to: m.target, subject: mail.subject, text: mail.text }));
    outcome = r.ok
      ? { ok: true, retryable: false, providerCode: 'Ok', providerMessage: r.response, providerRef: r.messageId }
      : { ok: false, retryable: r.retryable, providerCode: r.code, providerMessage: r.message, providerRef: null };
  }
  await deps.pool.query(
    `INSERT INTO message_log (request_key, account_id, flow_id, kind, scene, channel, target_enc, target_idx, template, status, provider_code, provider_message, provider_ref)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (request_key, channel) DO UPDATE SET status = EXCLUDED.status, provider_code = EXCLUDED.provider_code,
       provider_message = EXCLUDED.provider_message, provider_ref = EXCLUDED.provider_ref, created_at = now()`,
    [
      m.requestKey, m.accountId, m.flowId, m.kind, m.scene, m.channel,
      deps.fieldCrypto.encrypt(m.target, 'message_log.target'), m.targetIdx, template,
      outcome.ok ? 'sent' : 'failed', outcome.providerCode, outcome.providerMessage.slice(0, 500), outcome.providerRef,
    ],
  );
  return outcome;
}
