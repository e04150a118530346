// Messages and shapes several flows share, defined once and imported by the workflows,
// the API, the activities and the tests alike: who asked (RequestMeta), which contact
// (ContactKind), a code's limits and its sending (bind's code and rebind's proof answer
// the same requestCode update), the error a flow reports with its details (FlowError),
// and cancelFlow, the cancel update meant for every kind (bind and rebind answer it today).
import { defineUpdate } from '@temporalio/workflow';

export type ContactKind = 'phone' | 'email';

export interface RequestMeta {
  ip?: string;
  userAgent?: string;
  fingerprint?: string;
}

/** The limits a flow runs under, resolved from config and the scene table at start. */
export interface CodeLimits {
  codeTtlSec: number;
  resendGapSec: number;
  perDay: number;
  maxWrong: number;
  flowTtlSec: number;
}

/** An error a flow reports (real-name, face check): its catalogue code, text and details. */
export interface FlowError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface CodeSent {
  flowId: string;
  sentTo: string; // masked
  codeExpiresAt: string;
  resendAvailableAt: string;
}

export const requestCodeUpdate = defineUpdate<CodeSent, []>('requestCode');
/**
 * Cancels a flow of any kind. An update, not a signal, so the caller learns the truth: it
 * waits for a step in progress to end, then cancels, or answers FLOW_CLOSED when that step
 * ended the flow. (The 'cancel' signals stay for flows recorded before it.)
 */
export const cancelFlowUpdate = defineUpdate<void, []>('cancelFlow');
