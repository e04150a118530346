// Messages and shapes of the bind flows, defined once and imported by the workflow,
// the API and the tests alike. What bind shares with rebind (the code request, the
// cancel update, request meta, code limits) is in ../shared/contract.ts.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { FlowError } from '../shared/contract';
import type { Channel, Scene } from '../../lib/scenes';
import { STATE_QUERY, type CodeLimits, type ContactKind, type RequestMeta } from '../shared/contract';

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
  error: FlowError | null;
}

export interface BindResult {
  flowId: string;
  outcome: BindOutcome;
  accountId: string;
  target: string; // masked
  /** sessions of the account this change ended */
  sessionsEnded: string[];
  error: FlowError | null;
}

/**
 * The seed's answer to a bind that succeeded, which the API puts beside the result
 * (result.message): 绑定手机号成功 (4/18 #8), 邮件绑定成功 (4/21 #13). A bind that did not
 * succeed answers its error's text there, as real-name's result does.
 */
export const BOUND_MESSAGE: Record<ContactKind, string> = { phone: '绑定手机号成功', email: '邮件绑定成功' };

export const submitCodeUpdate = defineUpdate<BindResult, [{ code: string }]>('submitCode');
export const stateQuery = defineQuery<BindState>(STATE_QUERY);
