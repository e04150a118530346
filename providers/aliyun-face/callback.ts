// Alibaba's completion callback, taken as a hint only. When InitFaceVerify names a CallbackUrl,
// Alibaba GETs it once the scan is finished, adding certifyId, passed, subcode and the
// CallbackToken we gave. Nothing else signs it, so:
//  - the token is ours: an HMAC of the attempt's OuterOrderNo under a key only we hold, carried
//    back with `ref` (the OuterOrderNo) in our own URL; a callback for another attempt, or with
//    a token someone made up, is refused before anything is asked;
//  - an accepted callback is never believed: confirmCallback asks DescribeFaceVerify, and its
//    answer is the verdict whatever `passed` the callback claimed (claimAgreed says whether they
//    matched, for the record).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AliyunFaceClient, VerdictResult } from './client';

/** The query Alibaba's callback arrives with (plus our own `ref`). */
export type CallbackQuery = Record<string, unknown>;

export type CallbackCheck =
  | { ok: true; certifyId: string; outerOrderNo: string; claimedPassed: boolean | null }
  /** malformed: fields missing; bad_token: not our token for this ref; other_attempt: a genuine
   *  callback, but not about the attempt the caller expects */
  | { ok: false; reason: 'malformed' | 'bad_token' | 'other_attempt' };

export type CallbackConfirmation =
  | { ok: false; reason: 'malformed' | 'bad_token' | 'other_attempt' }
  | { ok: true; certifyId: string; verdict: VerdictResult; claimAgreed: boolean | null };

const LABEL = 'verification-saga aliyun-face callback\n';

/** The CallbackToken for one attempt: stable across retries of the step that issues it. */
export function callbackToken(key: string, outerOrderNo: string): string {
  return createHmac('sha256', Buffer.from(key, 'base64')).update(LABEL + outerOrderNo, 'utf8').digest('base64url');
}

/** What InitFaceVerify gets as CallbackUrl / CallbackToken for one attempt. */
export function callbackTarget(baseUrl: string, key: string, outerOrderNo: string): { url: string; token: string } {
  const url = `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}ref=${encodeURIComponent(outerOrderNo)}`;
  return { url, token: callbackToken(key, outerOrderNo) };
}

/** Is this callback ours, and about the attempt we expect? (says nothing about the verdict) */
export function checkCallback(query: CallbackQuery, key: string, expected: { outerOrderNo: string; certifyId: string }): CallbackCheck {
  const ref = str(query.ref);
  const certifyId = str(query.certifyId);
  const token = str(query.callbackToken);
  if (!ref || !certifyId || !token) return { ok: false, reason: 'malformed' };
  const want = Buffer.from(callbackToken(key, ref), 'utf8');
  const got = Buffer.from(token, 'utf8');
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, reason: 'bad_token' };
  if (ref !== expected.outerOrderNo || certifyId !== expected.certifyId) return { ok: false, reason: 'other_attempt' };
  const passed = str(query.passed);
  return { ok: true, certifyId, outerOrderNo: ref, claimedPassed: passed === 'T' ? true : passed === 'F' ? false : null };
}

/** Check the callback, then ask DescribeFaceVerify: only its answer decides. */
export async function confirmCallback(
  client: AliyunFaceClient,
  query: CallbackQuery,
  key: string,
  expected: { outerOrderNo: string; certifyId: string },
): Promise<CallbackConfirmation> {
  const check = checkCallback(query, key, expected);
  if (!check.ok) return check;
  const verdict = await client.verdict({ certifyId: check.certifyId });
  const claimAgreed = verdict.ok && check.claimedPassed !== null ? verdict.passed === check.claimedPassed : null;
  return { ok: true, certifyId: check.certifyId, verdict, claimAgreed };
}

function str(v: unknown): string | undefined {
  if (Array.isArray(v)) return str(v[0]);
  return typeof v === 'string' && v !== '' ? v : undefined;
}
