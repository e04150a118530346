// What the ID-check and face-function clients share when they read an HTTP answer:
// parse it safely, describe a transport failure, and scrub the identity we sent from
// anything a provider echoes back before it reaches an error message or a log.
import { maskIdNumber, maskName } from '../../lib/idcard';

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short, tag-free excerpt of a body for an error message. */
export function snippet(text: string): string {
  const flat = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

export function isTimeout(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** fetch's error with its cause (ECONNREFUSED, …), or the timeout in words. */
export function transportMessage(err: unknown, timeoutMs: number): string {
  if (isTimeout(err)) return `no answer within ${timeoutMs} ms`;
  const e = err as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  const causeMsg = typeof e?.cause?.message === 'string' ? e.cause.message : undefined;
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  return [msg, code, causeMsg && causeMsg !== code ? causeMsg : undefined].filter(Boolean).join(': ');
}

/** Replace the name and ID number we sent, in clear or URL-encoded, by their masked forms. */
export function scrubIdentity(text: string, name: string, idNumber: string): string {
  let out = text;
  const pairs: [string, string][] = [];
  if (idNumber.trim()) {
    pairs.push([idNumber.trim(), maskIdNumber(idNumber)], [idNumber.trim().toLowerCase(), maskIdNumber(idNumber)]);
  }
  if (name.trim()) pairs.push([encodeURIComponent(name.trim()), maskName(name)], [name.trim(), maskName(name)]);
  for (const [clear, masked] of pairs) out = out.split(clear).join(masked);
  // any other ID-shaped run (a provider may echo a normalized form)
  return out.replace(/(?<![\dA-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![\dA-Za-z])/g, (_m, a: string, b: string) => `${a}**********${b}`);
}
