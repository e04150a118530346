// nodemailer (providers/smtp/client.ts) against the real SMTP sink (providers/smtp/sandbox.ts).
import { createHash } from 'node:crypto';
import { createMailer, messageIdFor, type MailResult, type Mailer } from '../../providers/smtp/client';
import { startSmtpSink, type SmtpSink } from '../../providers/smtp/sandbox';
import { waitFor } from '../support/wait';
import { closedPort, mailConfig } from './helpers';

let sink: SmtpSink;
let mailer: Mailer;

beforeAll(async () => {
  sink = await startSmtpSink({ port: 0 });
  mailer = createMailer(mailConfig(sink.port));
});
afterAll(async () => {
  mailer.close();
  await sink.close();
});
beforeEach(() => sink.clear());

function failure(r: MailResult) {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
  return r;
}

describe('mailer → SMTP sink', () => {
  it('delivers subject, Chinese text and html intact (UTF-8)', async () => {
    const subject = '【宫论】邮箱验证码 / Email verification code';
    const text = '您的验证码为:731904,10 分钟内有效。如非本人操作,请忽略本邮件。';
    const html = '<p>您的验证码为:<b>731904</b></p>';
    const r = await mailer.send({ to: 'Ex.User@Test.com', subject, text, html });

    expect(r).toEqual({ ok: true, messageId: expect.stringMatching(/^<.+@.+>$/), response: expect.stringMatching(/^250 /) });
    const [msg] = await waitFor(() => {
      const got = sink.forRecipient('ex.user@test.com');
      return got.length ? got : undefined;
    });
    expect(msg).toMatchObject({ subject, to: ['Ex.User@test.com'] /* nodemailer lowercases the domain */, from: expect.stringContaining('no-reply@gonglun.local') });
    expect(msg?.text.trim()).toBe(text);
    expect(msg?.html).toContain('<b>731904</b>');
    expect(msg?.messageId).toBe(r.ok ? r.messageId : undefined);
    expect(sink.forRecipient('someone-else@test.com')).toHaveLength(0);
  });

  it('reject- recipient → 550, not retryable, nothing stored', async () => {
    const r = failure(await mailer.send({ to: 'reject-alice@test.com', subject: 's', text: 't' }));
    expect(r).toMatchObject({ code: 'SmtpError.550', retryable: false });
    // Replies can echo addresses; the result must not carry one in clear.
    expect(r.message).not.toContain('reject-alice@test.com');
    expect(sink.messages()).toHaveLength(0);
  });

  it('tempfail- recipient → 451, retryable', async () => {
    const r = failure(await mailer.send({ to: 'TempFail-bob@test.com', subject: 's', text: 't' }));
    expect(r).toMatchObject({ code: 'SmtpError.451', retryable: true });
    expect(sink.messages()).toHaveLength(0);
  });

  it('connection refused → TransportError, retryable', async () => {
    const dead = createMailer(mailConfig(await closedPort()));
    try {
      const r = failure(await dead.send({ to: 'a@test.com', subject: 's', text: 't' }));
      expect(r).toMatchObject({ code: 'TransportError', retryable: true });
      expect(r.message).toMatch(/ECONNREFUSED/);
    } finally {
      dead.close();
    }
  });

  it('works with credentials configured (AUTH is accepted by the sink)', async () => {
    const withAuth = createMailer(mailConfig(sink.port, { user: 'relay-user', pass: 'relay-pass' }));
    try {
      expect((await withAuth.send({ to: 'c@test.com', subject: 'auth', text: 'ok' })).ok).toBe(true);
      expect(sink.forRecipient('c@test.com')).toHaveLength(1);
    } finally {
      withAuth.close();
    }
  });
});

describe('Message-ID from a messageKey (a retried mail is recognisably the same message)', () => {
  const KEY = 'rebind-phone:u7/5f3a9c1b2d4e/rebind-notice';

  it('is <32 hex digits of sha256(key)@the From domain>, the same for every call', () => {
    const hex = createHash('sha256').update(KEY).digest('hex').slice(0, 32);
    expect(messageIdFor(KEY, '宫论 <no-reply@gonglun.local>')).toBe(`<${hex}@gonglun.local>`);
    expect(messageIdFor(KEY, 'no-reply@mail.example.com')).toBe(`<${hex}@mail.example.com>`);
    expect(messageIdFor(`${KEY}x`, 'no-reply@gonglun.local')).not.toBe(messageIdFor(KEY, 'no-reply@gonglun.local'));
  });

  it('two sends with one messageKey arrive with one Message-ID; without a key each gets its own', async () => {
    const to = `same-${Date.now()}@test.com`;
    const a = await mailer.send({ to, subject: 's', text: 't', messageKey: KEY });
    const b = await mailer.send({ to, subject: 's', text: 't', messageKey: KEY });
    expect(a).toMatchObject({ ok: true, messageId: messageIdFor(KEY, mailConfig(sink.port).from) });
    expect(b.ok && b.messageId).toBe(a.ok && a.messageId);
    const got = await waitFor(() => (sink.forRecipient(to).length === 2 ? sink.forRecipient(to) : undefined));
    expect(got.map((m) => m.messageId)).toEqual([a.ok && a.messageId, a.ok && a.messageId]);

    const c = await mailer.send({ to, subject: 's', text: 't' });
    expect(c.ok && c.messageId).not.toBe(a.ok && a.messageId);
  });
});
