// Everything a real-name run does before the face, in one local step (CHECK_THEN_ISSUE): the
// pre-checks, the security pass when the run has one, the ID two-factor check and the certifyId.
// Three or four local steps before, each an activation of the workflow and a marker in the
// history, on the path the caller waits on for its certifyId (docs/testing.md, 2026-12-03).
//
// Pure composition of the steps' own activities, so the worker's step and the workflow tests'
// stubs run the same sequence. Run again whole on a retry: each part is keyed by the run (the
// ID check answers from its recorded outcome, the certifyId from its row, the pass from its
// spending), so a retry pays nothing twice.
import { ApplicationFailure } from '@temporalio/common';
import { errorOf, flowError, isErrorCode } from '../../lib/errors';
import type { FlowError } from '../shared/contract';
import type { RealNameInput } from './contract';
import type { IssueCertifyIdInput, IssuedCheck } from '../face-check/activities';
import type { SpendSecurityPassInput } from '../security-check/activities';

/** The saga's request fields, with the limits it runs under. */
export interface RealNamePrecheckInput extends Pick<RealNameInput, 'accountId' | 'realName' | 'idNumber' | 'deviceId' | 'environmentSafe'> {
  flowId: string;
  subjectLimit: number;
  freePerAccount: number;
}

export interface IdCheckInput {
  flowId: string;
  /** flow id + run id: one ID check per flow run, however often the activity runs */
  callKey: string;
  accountId: string;
  realName: string;
  idNumber: string;
  clientIp: string | null;
  perDay: number;
  gapSec: number;
}

/**
 * The provider calls' budget, as the ID check's and the certifyId's own steps had: a provider's
 * fault or an outage on this attempt of the step ends the run with its error. The two calls
 * share it (the ID check's answer is kept, so an attempt after it spends none on it).
 */
export const PROVIDER_ATTEMPTS = 3;

export interface CheckThenIssueInput {
  precheck: RealNamePrecheckInput;
  /** absent: no pass to spend (a safe environment, or a run without one) */
  securityPass?: SpendSecurityPassInput;
  idCheck: IdCheckInput;
  issue: IssueCertifyIdInput;
}

export type CheckedThenIssued = { issued: IssuedCheck } | { error: FlowError };

/** The activities the step is made of (./activities.ts, the face check's and the security check's). */
interface Parts {
  precheckRealName(input: RealNamePrecheckInput): Promise<unknown>;
  spendSecurityPass(input: SpendSecurityPassInput): Promise<unknown>;
  checkIdentity(input: IdCheckInput): Promise<unknown>;
  issueCertifyId(input: IssueCertifyIdInput): Promise<IssuedCheck>;
}

/**
 * One attempt. A refusal (one of our codes, not retryable) is returned: the run ends with it.
 * The database steps (pre-checks, pass) throw anything else, to be retried without end as
 * their own durable steps were. The provider calls throw a fault to be retried until the
 * PROVIDER_ATTEMPTS-th attempt, then return it (an outage as SERVICE_UNAVAILABLE).
 */
export async function checkThenIssue(parts: Parts, input: CheckThenIssueInput, attempt: number): Promise<CheckedThenIssued> {
  try {
    await parts.precheckRealName(input.precheck);
    if (input.securityPass) await parts.spendSecurityPass(input.securityPass);
  } catch (err) {
    return { error: errorOf(err) }; // errorOf rethrows what is not one of our codes: an outage
  }
  try {
    await parts.checkIdentity(input.idCheck);
    return { issued: await parts.issueCertifyId(input.issue) };
  } catch (err) {
    const refused = err instanceof ApplicationFailure && err.nonRetryable;
    if (!refused && attempt < PROVIDER_ATTEMPTS) throw err;
    return { error: ourError(err) };
  }
}

/** One of our codes as the flow keeps it; anything else as the outage the caller is told of. */
function ourError(err: unknown): FlowError {
  return err instanceof ApplicationFailure && isErrorCode(err.type) ? errorOf(err) : flowError('SERVICE_UNAVAILABLE');
}
