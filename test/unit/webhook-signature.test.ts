// lib/webhook-signature.ts (Stripe-style t=…,v1=… signatures) and lib/webhook-url.ts.
import { createHmac } from 'node:crypto';
import { checkWebhookSignature, signatureHeader, signWebhook, verifyWebhookSignature } from '../../lib/webhook-signature';
import { webhookUrlProblem } from '../../lib/webhook-url';

const secret = 'whsec_test_secret_0123456789';
const body = JSON.stringify({ id: 'evt_1', type: 'phone.bound', createdAt: '2024-11-22T00:00:00.000Z', accountId: 'u1', data: { phone: '138****8000' } });
const now = 1_732_300_000;

describe('signWebhook / signatureHeader', () => {
  it('is HMAC-SHA256(secret, "<t>.<body>") in hex', () => {
    const expected = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');
    expect(signWebhook(secret, now, body)).toBe(expected);
    expect(signatureHeader([secret], body, now)).toBe(`t=${now},v1=${expected}`);
  });

  it('signs bytes and strings alike', () => {
    expect(signWebhook(secret, now, Buffer.from(body))).toBe(signWebhook(secret, now, body));
  });

  it('carries one v1 per secret (rotation grace)', () => {
    const h = signatureHeader([secret, 'whsec_old'], body, now);
    expect(h.split(',')).toHaveLength(3);
    expect(verifyWebhookSignature(secret, h, body, 300, now)).toBe(true);
    expect(verifyWebhookSignature('whsec_old', h, body, 300, now)).toBe(true);
    expect(verifyWebhookSignature('whsec_other', h, body, 300, now)).toBe(false);
  });
});

describe('verifyWebhookSignature', () => {
  const header = signatureHeader([secret], body, now);

  it('accepts the right secret, body and a fresh timestamp', () => {
    expect(verifyWebhookSignature(secret, header, body, 300, now)).toBe(true);
    expect(verifyWebhookSignature(secret, header, Buffer.from(body), 300, now + 299)).toBe(true);
    expect(checkWebhookSignature(secret, header, body, 300, now)).toEqual({ ok: true, timestamp: now });
  });

  it('defaults to the current time and a 300 s tolerance', () => {
    expect(verifyWebhookSignature(secret, signatureHeader([secret], body), body)).toBe(true);
    expect(verifyWebhookSignature(secret, signatureHeader([secret], body, Math.floor(Date.now() / 1000) - 301), body)).toBe(false);
  });

  it('refuses a changed body, another secret, or a stale / future timestamp', () => {
    expect(checkWebhookSignature(secret, header, body.replace('u1', 'u2'), 300, now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(checkWebhookSignature('whsec_other', header, body, 300, now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(checkWebhookSignature(secret, header, body, 300, now + 301)).toEqual({ ok: false, reason: 'timestamp' });
    expect(checkWebhookSignature(secret, header, body, 300, now - 301)).toEqual({ ok: false, reason: 'timestamp' });
  });

  it('refuses a timestamp swapped into a valid header', () => {
    const v1 = header.split(',')[1];
    expect(verifyWebhookSignature(secret, `t=${now + 1},${v1}`, body, 300, now)).toBe(false);
  });

  it.each([undefined, null, '', 'garbage', `t=${now}`, 'v1=abc', `t=abc,v1=${'0'.repeat(64)}`, `t=${now},v1=${'z'.repeat(64)}`, `t=${now},v0=${'0'.repeat(64)}`, 'x'.repeat(5000)])(
    'refuses the malformed header %j',
    (h) => {
      expect(checkWebhookSignature(secret, h, body, 300, now)).toEqual({ ok: false, reason: 'malformed' });
    },
  );

  it('tolerates spaces and unknown parts (forward compatible)', () => {
    const v1 = header.split(',')[1];
    expect(verifyWebhookSignature(secret, ` t=${now} , v2=future, ${v1} `, body, 300, now)).toBe(true);
  });
});

describe('webhookUrlProblem', () => {
  it.each([
    ['https://hooks.example.com/in', true, null],
    ['http://127.0.0.1:4000/hook', true, null],
    ['http://localhost/hook', true, null],
    ['ftp://example.com/x', true, 'scheme must be http or https'],
    ['javascript:alert(1)', true, 'scheme must be http or https'],
    ['not a url', true, 'not a URL'],
    ['https://user:pass@example.com/x', true, 'credentials are not allowed in the URL'],
    ['https://token@example.com/x', true, 'credentials are not allowed in the URL'],
    ['https://example.com/x#frag', true, 'fragments are not allowed'],
    ['https://hooks.example.com/in?token=abc', false, null],
    ['http://hooks.example.com/in', false, 'https is required'],
    ['https://127.0.0.1/x', false, 'private or loopback hosts are not allowed'],
    ['https://10.1.2.3/x', false, 'private or loopback hosts are not allowed'],
    ['https://172.20.0.1/x', false, 'private or loopback hosts are not allowed'],
    ['https://192.168.1.1/x', false, 'private or loopback hosts are not allowed'],
    ['https://169.254.169.254/latest', false, 'private or loopback hosts are not allowed'],
    ['https://[::1]/x', false, 'private or loopback hosts are not allowed'],
    ['https://[::ffff:127.0.0.1]/x', false, 'private or loopback hosts are not allowed'],
    ['https://[fd00::1]/x', false, 'private or loopback hosts are not allowed'],
    ['https://localhost/x', false, 'private or loopback hosts are not allowed'],
    ['https://printer.local/x', false, 'private or loopback hosts are not allowed'],
    ['https://intranet/x', false, 'private or loopback hosts are not allowed'],
    ['https://172.32.0.1/x', false, null],
  ] as const)('%s (private allowed: %s) → %s', (url, allowPrivate, problem) => {
    expect(webhookUrlProblem(url, allowPrivate)).toBe(problem);
  });
});
