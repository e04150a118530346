// A billed face check settled in one step (SETTLE_IN_ONE): the held unit consumed, the
// provider's verdict, and the row closed when no picture is to be fetched. Three local steps
// before, each a round trip between the workflow thread and the activity and a marker in the
// history, on the path the app waits on for its outcome (docs/testing.md, 2026-12-03).
//
// Pure composition of the check's own activities (./activities.ts), so the worker's step and the
// workflow tests' stubs run the same sequence. The workflow imports closingData and types.
import { ApplicationFailure } from '@temporalio/common';
import { errorOf } from '../../lib/errors';
import type { FlowError } from '../shared/contract';
import type { QuotaSource } from '../../db/real-name';
import type { FaceProviderName } from '../../lib/face-providers';
import type { PictureState } from './contract';

/** A certifyId may be queried at most 5 times: the verdict is asked at most this often (as the separate step was). */
export const RESULT_ATTEMPTS = 4;

/** The provider's verdict on a check, as the workflow and the closed row keep it. */
export interface AuthResultSummary {
  authState: 'SUCCESS' | 'FAIL';
  score?: number;
  quality?: number;
  pictureUrl?: string;
  /** what the provider said beside the verdict (Alibaba's SubCode, WeChat's verify_ret): no personal data */
  provider?: FaceProviderName;
  data?: Record<string, unknown>;
}

export interface SettleInput {
  faceCheckId: string;
  ownerFlowId: string | null;
  accountId: string;
  certifyId: string;
  faceRecordId: string;
  /** the row is closed here; not when a picture is to be fetched first (the workflow closes it then) */
  close: boolean;
}

export type Settled =
  | { quota: { source: QuotaSource }; auth: AuthResultSummary }
  /** the provider gave no verdict: the workflow refunds and closes the row as an error */
  | { quota: { source: QuotaSource }; error: FlowError };

/** The check's own activities the step is made of (./activities.ts). */
interface Parts {
  consumeFaceQuota(input: { faceCheckId: string; accountId: string }): Promise<{ source: QuotaSource }>;
  fetchAuthResult(input: { faceCheckId: string; ownerFlowId: string | null; accountId: string; certifyId: string }): Promise<AuthResultSummary>;
  closeFaceRecord(input: { faceRecordId: string; status: 'success' | 'fail'; data: Record<string, unknown> }): Promise<void>;
}

/** What the closed row keeps of the verdict (no personal data). */
export function closingData(auth: AuthResultSummary, picture: PictureState): Record<string, unknown> {
  return { authState: auth.authState, score: auth.score ?? null, quality: auth.quality ?? null, picture, ...(auth.data && { verdict: auth.data }) };
}

/**
 * One attempt of the settling step. Run again whole when it throws: consuming is once per
 * check, the verdict is the provider's to repeat. An outage of ours (not one of our codes) is
 * retried without end, as the consuming step was: the user has paid. A provider's refusal, or
 * its fault on the last of RESULT_ATTEMPTS, is returned, not thrown.
 */
export async function settleFaceCheck(parts: Parts, input: SettleInput, attempt: number): Promise<Settled> {
  const quota = await parts.consumeFaceQuota({ faceCheckId: input.faceCheckId, accountId: input.accountId });
  let auth: AuthResultSummary;
  try {
    auth = await parts.fetchAuthResult({ faceCheckId: input.faceCheckId, ownerFlowId: input.ownerFlowId, accountId: input.accountId, certifyId: input.certifyId });
  } catch (err) {
    if (err instanceof ApplicationFailure && !err.nonRetryable && attempt < RESULT_ATTEMPTS) throw err;
    return { quota, error: errorOf(err) }; // errorOf rethrows what is not one of our codes: an outage
  }
  if (input.close) {
    await parts.closeFaceRecord({ faceRecordId: input.faceRecordId, status: auth.authState === 'SUCCESS' ? 'success' : 'fail', data: closingData(auth, 'off') });
  }
  return { quota, auth };
}
