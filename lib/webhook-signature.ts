// Webhook signatures, Stripe-style: the header `Webhook-Signature: t=<unix seconds>,v1=<hex>`
// where v1 = HMAC-SHA256(secret, "<t>.<raw body>"). During a secret rotation's grace
// period the header carries one v1 per live secret. Pure (node:crypto only), so a
// receiver can copy this file as it is.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Webhook-Signature';

export function signWebhook(secret: string, timestampSec: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestampSec}.`).update(rawBody).digest('hex');
}

/** The header value for a body signed now with each of the secrets (newest first). */
export function signatureHeader(secrets: string[], rawBody: string, timestampSec = Math.floor(Date.now() / 1000)): string {
  return [`t=${timestampSec}`, ...secrets.map((s) => `v1=${signWebhook(s, timestampSec, rawBody)}`)].join(',');
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'timestamp' | 'mismatch' };

/**
 * Verifies a `Webhook-Signature` header against the raw request body (the exact bytes
 * received, before any JSON parsing). Rejects a timestamp more than toleranceSec away
 * from now (replays), compares in constant time, and accepts any of several v1 values.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined | null,
  rawBody: string | Buffer,
  toleranceSec = 300,
  nowSec?: number,
): boolean {
  return checkWebhookSignature(secret, header, rawBody, toleranceSec, nowSec).ok;
}

/** verifyWebhookSignature with the reason of a refusal (for a receiver's logs). */
export function checkWebhookSignature(
  secret: string,
  header: string | undefined | null,
  rawBody: string | Buffer,
  toleranceSec = 300,
  nowSec = Math.floor(Date.now() / 1000),
): SignatureCheck {
  if (!header || header.length > 4096) return { ok: false, reason: 'malformed' };
  let t: number | null = null;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k === 't' && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && /^[0-9a-f]{64}$/i.test(v)) candidates.push(v.toLowerCase());
  }
  if (t === null || candidates.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowSec - t) > toleranceSec) return { ok: false, reason: 'timestamp' };
  const expected = Buffer.from(signWebhook(secret, t, rawBody), 'hex');
  const ok = candidates.some((c) => timingSafeEqual(Buffer.from(c, 'hex'), expected));
  return ok ? { ok: true, timestamp: t } : { ok: false, reason: 'mismatch' };
}
