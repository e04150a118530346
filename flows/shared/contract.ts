// Messages and shapes several flows share, defined once and imported by the workflows,
// the API, the activities and the tests alike: who asked (RequestMeta), which contact
// (ContactKind), a code's limits and its sending (bind's code and rebind's proof answer
// the same requestCode update), the error a flow reports with its details (FlowError),
// and what every flow kind answers alike: its `state` query (each flow types it, one wire
// name so GET /v1/flows/:flowId reads any kind) and the cancelFlow update.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { ErrorInfo } from '../../lib/errors';

/** phone or email; what differs between them is in lib/contact-kinds.ts */
export type { ContactKind } from '../../lib/contact-kinds';

export interface RequestMeta {
  ip?: string;
  userAgent?: string;
  fingerprint?: string;
  /** the agreement the user accepted with this request (real-name: id real), kept with the face row */
  agreement?: AcceptedAgreement;
}

export interface AcceptedAgreement {
  id: string;
  version: string;
  acceptedAt: string;
}

/** The limits a flow runs under, resolved from config and the scene table at start. */
export interface CodeLimits {
  codeTtlSec: number;
  resendGapSec: number;
  perDay: number;
  maxWrong: number;
  flowTtlSec: number;
}

/** An error a flow reports: its catalogue code, text and details (lib/errors.ts flowError, errorOf). */
export type FlowError = ErrorInfo;

export interface CodeSent {
  flowId: string;
  sentTo: string; // masked
  codeExpiresAt: string;
  resendAvailableAt: string;
}

/** A notice to one of an account's contacts, as the notice activities report it. */
export interface NoticeOutcome {
  channel: 'sms' | 'mail';
  to: string; // masked
  status: 'sent' | 'failed';
  providerCode: string;
}

/** The retry policy of the legacy notice step (sendRebindNotices): its last attempt reports. */
export const NOTICE_RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 } as const satisfies RetryPolicy;
/** A provider's transient fault is retried this many attempts, then the notice is reported failed. */
export const NOTICE_ATTEMPTS = NOTICE_RETRY.maximumAttempts;

export const requestCodeUpdate = defineUpdate<CodeSent, []>('requestCode');
/**
 * Cancels a flow of any kind. An update, not a signal, so the caller learns the truth: it
 * waits for a step in progress to end, then cancels, or answers FLOW_CLOSED when that step
 * ended the flow. (The 'cancel' signals stay for flows recorded before it.)
 */
export const cancelFlowUpdate = defineUpdate<void, []>('cancelFlow');
/** Bind and rebind flows recorded before cancelFlow were cancelled by this signal; kept for them. */
export const legacyCancelSignal = defineSignal<[]>('cancel');
/** The wire name of every flow's state query; each contract types its own with it. */
export const STATE_QUERY = 'state';
/** A flow's state, untyped: for callers that serve every kind (GET /v1/flows/:flowId). */
export const anyFlowStateQuery = defineQuery<unknown>(STATE_QUERY);
