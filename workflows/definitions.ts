// Messages and shapes of the bind flows, defined once and imported by the workflow,
// the API and the tests alike.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Channel, Scene } from '../lib/scenes';

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

export interface BindInput {
  accountId: string;
  kind: ContactKind;
  /** normalized phone (11 digits) or email; sealed by the payload codec in history */
  target: string;
  targetMasked: string;
  scene: Scene;
  channel: Channel;
  limits: CodeLimits;
  meta: RequestMeta;
  /** the session that asked for the change: kept when the others are ended */
  sessionId?: string;
}

export type BindStage = 'sending_code' | 'awaiting_code' | 'verifying' | 'completed' | 'rejected' | 'expired' | 'locked' | 'cancelled';
export type BindOutcome = 'bound' | 'rejected' | 'expired' | 'locked' | 'cancelled';

export interface BindState {
  flowId: string;
  kind: ContactKind;
  accountId: string;
  target: string; // masked
  stage: BindStage;
  codesSent: number;
  codeExpiresAt: string | null;
  resendAvailableAt: string | null;
  wrongAttempts: number;
  attemptsLeft: number;
  expiresAt: string;
  outcome: BindOutcome | null;
  error: { code: string; message: string } | null;
}

export interface CodeSent {
  flowId: string;
  sentTo: string; // masked
  codeExpiresAt: string;
  resendAvailableAt: string;
}

export interface BindResult {
  flowId: string;
  outcome: BindOutcome;
  accountId: string;
  target: string; // masked
  /** sessions of the account this change ended */
  sessionsEnded: string[];
  error: { code: string; message: string } | null;
}

export const requestCodeUpdate = defineUpdate<CodeSent, []>('requestCode');
export const submitCodeUpdate = defineUpdate<BindResult, [{ code: string }]>('submitCode');
export const cancelSignal = defineSignal<[]>('cancel');
/**
 * Cancels a flow of any kind. An update, not a signal, so the caller learns the truth: it
 * waits for a step in progress to end, then cancels, or answers FLOW_CLOSED when that step
 * ended the flow. (The 'cancel' signals stay for flows recorded before it.)
 */
export const cancelFlowUpdate = defineUpdate<void, []>('cancelFlow');
export const stateQuery = defineQuery<BindState>('state');
