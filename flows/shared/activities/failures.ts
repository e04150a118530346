// How activities fail, for every flow's activities alike: the workflows tell the two apart by
// nonRetryable and keep the error code (flows/shared/code-challenge.ts asFailure). Why the
// shared activities are a folder of their own: flows/activities.ts.
import { ApplicationFailure } from '@temporalio/activity';
import { ERRORS, type ErrorCode } from '../../../lib/errors';

/** A business rejection: not retried, its type is our error code. */
export function rejection(code: ErrorCode, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message: ERRORS[code].en, nonRetryable: true, details: details ? [details] : [] });
}

/** A transient fault: Temporal retries the activity with backoff. */
export function transient(code: ErrorCode, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message: ERRORS[code].en, nonRetryable: false, details: details ? [details] : [] });
}
