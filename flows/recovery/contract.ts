// Messages and shapes of account recovery (找回账户, issue 11), defined once and imported by
// the workflow, the API and the tests alike.
//
// Account recovery (./workflow.ts):
//   workflow type  accountRecovery, id `recovery:<accountId>`
//   update         beginRecovery       update-with-start; answers once the proof is under way:
//                                      the code sent (sms, mail) or the certifyId issued (face);
//                                      a repeat of the same start answers the same (cache: true)
//   update         requestCode         another code (the resend gap and daily cap hold)
//   update         submitRecoveryCode  the code → the grant (once per run)
//   update         collectRecoveryGrant face: waits for the check's verdict → the grant
//   update         redeemRecoveryGrant the platform redeems the grant: every session ends, every
//                                      bound contact is told
//   query          state (RecoveryState)
//   update         cancelFlow
// The grant itself never enters history: the run answers its run key, the API derives the grant
// from it (lib/recovery-grant.ts).
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { STATE_QUERY, type CodeLimits, type CodeSent, type FlowError, type RequestMeta } from '../shared/contract';

export type RecoveryMethod = 'sms' | 'mail' | 'face';
export const RECOVERY_METHODS: readonly RecoveryMethod[] = ['sms', 'mail', 'face'];

export interface RecoveryInput {
  accountId: string;
  method: RecoveryMethod;
  deviceId: string;
  /** keyed hash of (account, method, device) made by the API: a repeat start is recognized by it */
  requestDigest: string;
  /** sms / mail: the code's limits; flowTtlSec bounds the proof for every method */
  limits: CodeLimits;
  /** face: the face token's lifetime */
  faceTtlSec: number;
  /** how long a proven recovery's grant may be redeemed */
  grantTtlSec: number;
  meta: RequestMeta;
}

export type RecoveryStage =
  | 'starting'
  | 'awaiting_code'
  | 'verifying'
  | 'awaiting_face'
  | 'granting'
  | 'awaiting_redeem'
  | 'redeeming'
  | 'recovered'
  | 'rejected'
  | 'failed'
  | 'expired'
  | 'locked'
  | 'cancelled';
export type RecoveryOutcome = 'recovered' | 'rejected' | 'fail' | 'expired' | 'locked' | 'cancelled';

export interface RecoveryStarted {
  flowId: string;
  method: RecoveryMethod;
  /** sms / mail: the code sent */
  code: CodeSent | null;
  /** face: the check the app runs */
  face: { faceCheckId: string; certifyId: string; faceRecordId: string; expiresAt: string } | null;
  cache: boolean;
}

/** The proof succeeded: the API turns grantRef into the grant (lib/recovery-grant.ts grantOf). */
export interface RecoveryVerified {
  flowId: string;
  grantRef: string;
  grantExpiresAt: string;
}

export interface RecoveryRedeemed {
  flowId: string;
  accountId: string;
  sessionsEnded: string[];
  notices: { channel: 'sms' | 'mail'; to: string; status: 'sent' | 'failed'; providerCode: string }[];
}

export interface RecoveryState {
  flowId: string;
  accountId: string;
  method: RecoveryMethod;
  stage: RecoveryStage;
  codesSent: number;
  codeExpiresAt: string | null;
  wrongAttempts: number;
  attemptsLeft: number;
  faceCheckId: string | null;
  certifyId: string | null;
  expiresAt: string;
  grantExpiresAt: string | null;
  outcome: RecoveryOutcome | null;
  error: FlowError | null;
}

export interface RecoveryResult {
  flowId: string;
  accountId: string;
  method: RecoveryMethod;
  outcome: RecoveryOutcome;
  /** the seed's answer: 账户找回成功 / the error's text */
  message: string;
  sessionsEnded: string[];
  error: FlowError | null;
}

export const RECOVERED_MESSAGE = '账户找回成功';
export const RECOVERY_VERIFIED_EVENT = 'account.recovery_verified';
export const RECOVERED_EVENT = 'account.recovered';

export const beginRecoveryUpdate = defineUpdate<RecoveryStarted, [{ method: RecoveryMethod; deviceId: string; requestDigest: string }]>('beginRecovery');
export const submitRecoveryCodeUpdate = defineUpdate<RecoveryVerified, [{ code: string }]>('submitRecoveryCode');
export const collectRecoveryGrantUpdate = defineUpdate<RecoveryVerified, []>('collectRecoveryGrant');
export const redeemRecoveryGrantUpdate = defineUpdate<RecoveryRedeemed, [{ grantHash: string }]>('redeemRecoveryGrant');
export const recoveryStateQuery = defineQuery<RecoveryState>(STATE_QUERY);

export const recoveryFlowIdOf = (accountId: string) => `recovery:${accountId}`;
