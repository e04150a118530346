// What the WeChat token cache and the face client share: one POST of JSON to
// api.weixin.qq.com and the reading of its { errcode, errmsg } answers. Nothing here throws;
// every outcome is a value (providers/shared/result.ts).
import { isRecord, isTimeout, parseJson, snippet, transportMessage } from '../shared/http-answer';
import { TRANSPORT_ERROR, type ProviderFailure } from '../shared/result';

/**
 * A failure of a WeChat call. Besides `retryable`:
 *  - `unavailable`: WeChat cannot serve us now or with this configuration (system busy, a 5xx,
 *    no answer, the app not eligible or its credentials refused): another provider may;
 *  - `rateLimited`: a quota (45009 daily, 45011 per minute);
 *  - `refused`: WeChat will not give this flow that verify_id's result (another flow's
 *    verify_id, out_seq_no, openid or certificate, or an unknown verify_id);
 *  - `tokenRejected`: the access_token was refused even after it was replaced once.
 */
export type WechatFailure = ProviderFailure & { unavailable?: true; rateLimited?: true; refused?: true; tokenRejected?: true };

export type WechatAnswer = { ok: true; data: Record<string, unknown> } | WechatFailure;

/** errcode -1: 系统繁忙 */
export const SYSTEM_BUSY = -1;
/** The token was refused: 40001 invalid or not the latest, 42001 expired, 40014 malformed. */
export const TOKEN_REFUSED = new Set([40001, 42001, 40014]);
const RATE_LIMITED = new Set([45009, 45011]);
/** 48001 api unauthorized: the mini-program's category does not include face verification. */
export const API_UNAUTHORIZED = 48001;
const MAX_BODY_CHARS = 64 * 1024;

/**
 * POST `body` as JSON; the answer's JSON object whatever its errcode, or why there is none.
 * `scrub` cleans anything that goes into a message (the URL's token, personal data).
 */
export async function postJson(url: string, body: unknown, timeoutMs: number, scrub: (s: string) => string): Promise<WechatAnswer> {
  let status: number;
  let text: string;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.status;
    text = (await res.text()).slice(0, MAX_BODY_CHARS);
  } catch (err) {
    return { ok: false, code: isTimeout(err) ? 'Timeout' : TRANSPORT_ERROR, message: scrub(transportMessage(err, timeoutMs)), retryable: true, unavailable: true };
  }
  const data = parseJson(text);
  if (status >= 500 || status === 429) return { ok: false, code: `HttpError.${status}`, message: scrub(`HTTP ${status} ${snippet(text)}`.trim()), retryable: true, unavailable: true };
  if (status < 200 || status >= 300) return { ok: false, code: `HttpError.${status}`, message: scrub(`HTTP ${status} ${snippet(text)}`.trim()), retryable: false };
  if (!isRecord(data)) return { ok: false, code: 'InvalidResponse', message: scrub(`not a JSON object: ${snippet(text)}`), retryable: true };
  return { ok: true, data };
}

/** The answer's errcode (0 when absent, as stable_token's successes have none), or null when it is not a number. */
export function errcodeOf(data: Record<string, unknown>): number | null {
  const v = data.errcode;
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return null;
}

/** errmsg without its trailing " rid: …", and the rid (WeChat's id of the call) as `ref`. */
export function splitRid(errmsg: unknown): { message: string; ref?: string } {
  const s = typeof errmsg === 'string' ? errmsg : '';
  const m = /[\s,]*(?:hint:\s*\[[^\]]*\]\s*)?(?:\[[^\]]*\]\s*)?rid:\s*([\w-]+)\s*$/.exec(s);
  return m ? { message: s.slice(0, m.index).trim(), ref: m[1] } : { message: s.trim() };
}

/** The failure a non-zero errcode is, before the caller adds what the operation knows (refused, …). */
export function errcodeFailure(errcode: number, errmsg: unknown, scrub: (s: string) => string): WechatFailure {
  const { message, ref } = splitRid(errmsg);
  const base = { ok: false as const, code: String(errcode), message: scrub(message || `errcode ${errcode}`), ...(ref ? { ref } : {}) };
  if (errcode === SYSTEM_BUSY) return { ...base, retryable: true, unavailable: true };
  if (RATE_LIMITED.has(errcode)) return { ...base, retryable: true, rateLimited: true };
  if (TOKEN_REFUSED.has(errcode)) return { ...base, retryable: true, tokenRejected: true };
  if (errcode === API_UNAUTHORIZED) return { ...base, retryable: false, unavailable: true };
  return { ...base, retryable: false };
}

/** Replaces every occurrence of each secret by a fixed mark. */
export function redact(text: string, secrets: (string | undefined)[], mark = '[redacted]'): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join(mark);
  return out;
}
