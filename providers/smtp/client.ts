// Mail over SMTP with nodemailer. Like every provider client it never throws and answers a
// ProviderResult (providers/shared/result.ts): the caller decides whether a failure is worth
// a retry, guided by `retryable`.
//
// SMTP has nothing to ask whether an earlier attempt was delivered, so a retry after a lost
// answer sends the mail again (at least once). A `messageKey` makes every send of one message
// carry the same Message-ID, so a repeat is recognisable as the same message (clients that
// deduplicate by Message-ID show it once).
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Config } from '../../lib/config';
import { TRANSPORT_ERROR, type ProviderResult } from '../shared/result';
import { providerCall } from '../shared/trace';

export type MailResult = ProviderResult<{ messageId: string; response: string }>;

export interface Mailer {
  /** messageKey: stable across retries of one message, no personal data (it is hashed anyway). */
  send(msg: { to: string; subject: string; text: string; html?: string; messageKey?: string }): Promise<MailResult>;
  close(): void;
}

/** `<32 hex digits of sha256(key)@the From address's domain>`: the same for every send of one key. */
export function messageIdFor(key: string, from: string): string {
  const domain = /@([^\s<>@]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
  return `<${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32)}@${domain}>`;
}

/** nodemailer's codes for "never got a usable SMTP session" (incl. refused, reset, timeouts). */
const TRANSPORT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET']);

export function createMailer(cfg: Config['mail']): Mailer {
  const timeoutMs = cfg.timeoutSec * 1000;
  // Without `secure`, nodemailer upgrades with STARTTLS whenever the server offers it and
  // carries on in plain text when it does not, which is the opportunistic behaviour we want.
  const transport = nodemailer.createTransport({
    host: cfg.host,
    port: cfg.port,
    secure: cfg.secure,
    auth: cfg.user ? { user: cfg.user, pass: cfg.pass ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });

  const mailer: Mailer = {
    async send(msg) {
      try {
        const info = await transport.sendMail({
          from: cfg.from,
          to: msg.to,
          subject: msg.subject,
          text: msg.text,
          ...(msg.html !== undefined && { html: msg.html }),
          ...(msg.messageKey !== undefined && { messageId: messageIdFor(msg.messageKey, cfg.from) }),
        });
        return { ok: true, messageId: info.messageId, response: info.response };
      } catch (err) {
        return fromError(err);
      }
    },
    close() {
      transport.close();
    },
  };
  return { ...mailer, send: (msg) => providerCall('mail', 'send', () => mailer.send(msg)) };
}

interface NodemailerError {
  code?: unknown;
  responseCode?: unknown;
  message?: unknown;
}

function fromError(err: unknown): MailResult {
  const e = (typeof err === 'object' && err !== null ? err : {}) as NodemailerError;
  const message = maskEmails(typeof e.message === 'string' ? e.message : String(err));
  if (typeof e.responseCode === 'number') {
    // RFC 5321: 4xx is transient, 5xx permanent.
    const transient = e.responseCode >= 400 && e.responseCode < 500;
    return { ok: false, code: `SmtpError.${e.responseCode}`, message, retryable: transient };
  }
  const code = typeof e.code === 'string' ? e.code : '';
  if (TRANSPORT_CODES.has(code)) return { ok: false, code: TRANSPORT_ERROR, message, retryable: true };
  // EENVELOPE without a reply (bad address), EMESSAGE, EAUTH, ETLS: retrying will not help.
  return { ok: false, code: code || 'MailError', message, retryable: false };
}

/** Servers often echo the recipient in their replies; results may end up in logs. */
function maskEmails(text: string): string {
  return text.replace(/([^\s<>"'@:]{1,2})[^\s<>"'@:]*@([^\s<>"',;]+)/g, '$1***@$2');
}
