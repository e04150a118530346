// Sending one message (code or notice) through its channel and logging the outcome.
// The log row is keyed by (request key, channel) so a retried activity updates its
// row instead of adding one.
//
// A worker can die after the provider accepted a message and before its row says so; the
// retry then cannot tell "sent" from "never sent" by our own records. So each attempt marks
// its start in the row (send_started_at) before it calls the provider, and:
//  - SMS: the send carries the request key as SessionContext (ids only, no personal data).
//    A retry that finds an earlier start asks Tencent's delivery reports for that key first:
//    found → logged sent, not sent again; the query failed → a retryable failure, never a
//    blind send; not found → sent. Reports lag the send (the carrier's receipt can take
//    seconds to minutes, or never come), so a message accepted but not yet reported is sent
//    again: fewer repeats, not none.
//  - Mail: SMTP has no such query, so a mail can still repeat (at least once, never lost).
//    Every send of one request key carries the same Message-ID, so a repeat is recognisably
//    the same message to mail clients.
import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { logMessageOutcome, markAttemptStarted, type MessageLogEntry } from '../db/messages';
import type { FieldCrypto } from '../lib/field-crypto';
import type { Logger } from '../lib/logger';
import { timed, type ProviderMetrics } from '../lib/metrics';
import type { SmsSender } from './tencent-sms/client';
import type { Mailer } from './smtp/client';

/** What the log row holds (its template comes from the content below), and the content. */
export interface OutgoingMessage extends Omit<MessageLogEntry, 'template'> {
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

/** What the courier works with (the activities' deps have all of it). */
export interface OutboxDeps {
  pool: Pool;
  fieldCrypto: FieldCrypto;
  sms: SmsSender;
  mailer: Mailer;
  log: Logger;
  metrics?: ProviderMetrics;
}

/** Reports are looked for from this long before the earlier attempt started: clocks differ. */
const REPORT_LOOKBACK_SEC = 60;

export async function sendAndLog(deps: OutboxDeps, m: OutgoingMessage): Promise<SendOutcome> {
  const template = m.channel === 'sms' ? m.sms?.templateId : m.mail?.subject;
  if (template === undefined) throw new Error(m.channel === 'sms' ? 'sms message without template' : 'mail message without subject');
  const entry: MessageLogEntry = {
    requestKey: m.requestKey,
    accountId: m.accountId,
    flowId: m.flowId,
    kind: m.kind,
    scene: m.scene,
    channel: m.channel,
    target: m.target,
    targetIdx: m.targetIdx,
    template,
  };

  const earlier = await markAttemptStarted(deps.pool, deps.fieldCrypto, entry);
  if (earlier?.status === 'sent') {
    // Callers skip sent messages themselves; this holds even for one that does not.
    return { ok: true, retryable: false, providerCode: earlier.provider_code ?? 'Ok', providerMessage: earlier.provider_message ?? '', providerRef: earlier.provider_ref };
  }

  let outcome: SendOutcome;
  if (m.channel === 'sms') {
    const sms = m.sms!;
    const already = earlier?.send_started_at ? await earlierDelivery(deps, m, earlier.send_started_at) : null;
    if (already) {
      outcome = already;
    } else {
      const r = await timed(deps.metrics, 'sms', () =>
        deps.sms.send({ phone: m.target, templateId: sms.templateId, params: sms.params, sessionContext: m.requestKey }),
      );
      outcome = r.ok
        ? { ok: true, retryable: false, providerCode: 'Ok', providerMessage: 'send success', providerRef: r.serialNo }
        : { ok: false, retryable: r.retryable, providerCode: r.code, providerMessage: r.message, providerRef: r.ref ?? null };
    }
  } else {
    const mail = m.mail!;
    const r = await timed(deps.metrics, 'mail', () =>
      deps.mailer.send({ to: m.target, subject: mail.subject, text: mail.text, messageKey: m.requestKey }),
    );
    outcome = r.ok
      ? { ok: true, retryable: false, providerCode: 'Ok', providerMessage: r.response, providerRef: r.messageId }
      : { ok: false, retryable: r.retryable, providerCode: r.code, providerMessage: r.message, providerRef: r.ref ?? null };
  }
  await persistently(() => logMessageOutcome(deps.pool, deps.fieldCrypto, entry, outcome));
  return outcome;
}

/** How long the answer of a message that went out is kept trying to reach the log. */
const LOG_WRITE_PATIENCE_MS = 15_000;

/**
 * Once the provider has the message, failing the step would send it again (a mail for sure):
 * a database that is restarting or failing over is waited for rather than given up on.
 */
async function persistently<T>(write: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + LOG_WRITE_PATIENCE_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!unreachable(err) || Date.now() > giveUpAt) throw err;
      heartbeat();
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
    }
  }
}

/**
 * An earlier attempt started and did not log its answer: its message may be out. The outcome
 * to log if it is, or a retryable failure if we cannot tell; null when no report has it.
 */
async function earlierDelivery(deps: OutboxDeps, m: OutgoingMessage, startedAt: Date): Promise<SendOutcome | null> {
  const since = Math.floor(startedAt.getTime() / 1000) - REPORT_LOOKBACK_SEC;
  const r = await timed(deps.metrics, 'sms_reports', () => deps.sms.sentWith(m.target, m.requestKey, since), (x) =>
    x.ok ? { outcome: x.found ? 'found' : 'not_found', error: false } : { outcome: x.code, error: true },
  );
  heartbeat(); // the send may follow: a second provider call in one step
  if (!r.ok) {
    deps.log.warn({ flowId: m.flowId, scene: m.scene, providerCode: r.code }, 'delivery report query failed; not sending blind');
    return { ok: false, retryable: true, providerCode: r.code, providerMessage: `delivery report query failed: ${r.message}`, providerRef: r.ref ?? null };
  }
  if (!r.found) return null;
  deps.log.info({ flowId: m.flowId, scene: m.scene, reportStatus: r.reportStatus }, 'an earlier attempt delivered this SMS; not sending it again');
  return { ok: true, retryable: false, providerCode: 'Ok', providerMessage: `sent by an earlier attempt (report ${r.reportStatus || 'without status'})`, providerRef: r.serialNo };
}

/** The database was not there (connection refused or lost, shutting down, starting up). */
function unreachable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code !== 'string' || code.startsWith('E') || code.startsWith('08') || code.startsWith('57P');
}

function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    /* outside an activity (tests): nothing to tell */
  }
}
