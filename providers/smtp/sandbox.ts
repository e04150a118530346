// A real SMTP server that accepts everything and keeps it in memory, so the mailer is
// exercised over the wire exactly as against a production relay.
//
// Magic recipients (by local part, case-insensitive):
//   reject-…@any    → 550 at RCPT TO (permanent: the mailer must not retry)
//   tempfail-…@any  → 451 at RCPT TO (transient: the mailer may retry)
//   slow-…@any      → accepted, but RCPT TO is answered after 2 s (a slow mail server,
//                     so a test can stop a worker while a send is in flight)
//
// AUTH is optional and any credentials are accepted, so a config with MAIL_USER set works
// unchanged against the sink. STARTTLS is not offered: the sink listens on loopback only.
import { randomUUID } from 'node:crypto';
import { listen } from '../../lib/listen';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface MailRecord {
  id: string;
  /** The Message-ID header, to match a MailResult.messageId. */
  messageId?: string;
  /** The From header as written, falling back to the envelope sender. */
  from: string;
  /** Accepted envelope recipients. */
  to: string[];
  subject: string;
  text: string;
  html?: string;
  receivedAt: string;
}

export interface SmtpSink {
  port: number;
  host: string;
  messages(): MailRecord[];
  forRecipient(email: string): MailRecord[];
  clear(): void;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

export async function startSmtpSink(opts: { host?: string; port?: number }): Promise<SmtpSink> {
  const host = opts.host ?? '127.0.0.1';
  let records: MailRecord[] = [];

  const server = new SMTPServer({
    name: 'smtp-sink.vsaga.local',
    banner: 'verification-saga SMTP sink',
    logger: false,
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    // Client connections are short-lived; do not let close() wait the default 30 s.
    closeTimeout: 500,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onRcptTo(address, _session, callback) {
      const local = (address.address.split('@')[0] ?? '').toLowerCase();
      // The reply must not echo the address: client errors end up in logs.
      if (local.startsWith('reject-')) return callback(smtpError(550, '5.1.1 Mailbox unavailable (sandbox reject- recipient)'));
      if (local.startsWith('tempfail-')) return callback(smtpError(451, '4.3.0 Temporary failure (sandbox tempfail- recipient)'));
      if (local.startsWith('slow-')) return void setTimeout(() => callback(), 2000).unref();
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          if (stream.sizeExceeded) return callback(smtpError(552, '5.3.4 Message exceeds fixed maximum message size'));
          const id = randomUUID();
          const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          records.push({
            id,
            ...(parsed.messageId && { messageId: parsed.messageId }),
            from: parsed.from?.text || envelopeFrom,
            to: session.envelope.rcptTo.map((a) => a.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            ...(typeof parsed.html === 'string' && { html: parsed.html }),
            receivedAt: new Date().toISOString(),
          });
          callback(null, `2.0.0 Ok: queued as ${id}`);
        },
        (err: Error) => callback(smtpError(554, `5.6.0 Message could not be parsed: ${err.message}`)),
      );
    },
  });

  const port = await listen(server.server, opts.port ?? 0, host);
  // A broken client connection is not the sink's failure; without a listener it would crash.
  server.on('error', () => undefined);

  return {
    host,
    port,
    messages: () => records.map(copyRecord),
    forRecipient: (email) => {
      const want = email.trim().toLowerCase();
      return records.filter((r) => r.to.some((t) => t.toLowerCase() === want)).map(copyRecord);
    },
    clear: () => {
      records = [];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function copyRecord(r: MailRecord): MailRecord {
  return { ...r, to: [...r.to] };
}
