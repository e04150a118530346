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
import { STATE_QUERY } from '../shared/contract';
import type { GrantFlowInput, GrantMethod, GrantOutcome, GrantRedeemed, GrantResult, GrantStage, GrantStarted, GrantState, GrantVerified } from '../shared/contract';

export type RecoveryMethod = GrantMethod;
export const RECOVERY_METHODS: readonly RecoveryMethod[] = ['sms', 'mail', 'face'];

// a grant flow's shapes (../shared/grant-contract.ts), under recovery's names
export type RecoveryInput = GrantFlowInput;
export type RecoveryStage = GrantStage;
export type RecoveryOutcome = GrantOutcome;
export type RecoveryStarted = GrantStarted;
export type RecoveryVerified = GrantVerified;
export type RecoveryRedeemed = GrantRedeemed;
export type RecoveryState = GrantState;
export type RecoveryResult = GrantResult;

export const RECOVERED_MESSAGE = '账户找回成功';
export const RECOVERY_VERIFIED_EVENT = 'account.recovery_verified';
export const RECOVERED_EVENT = 'account.recovered';

export const beginRecoveryUpdate = defineUpdate<RecoveryStarted, [{ method: RecoveryMethod; deviceId: string; requestDigest: string }]>('beginRecovery');
export const submitRecoveryCodeUpdate = defineUpdate<RecoveryVerified, [{ code: string }]>('submitRecoveryCode');
export const collectRecoveryGrantUpdate = defineUpdate<RecoveryVerified, []>('collectRecoveryGrant');
export const redeemRecoveryGrantUpdate = defineUpdate<RecoveryRedeemed, [{ grantHash: string }]>('redeemRecoveryGrant');
export const recoveryStateQuery = defineQuery<RecoveryState>(STATE_QUERY);

export const recoveryFlowIdOf = (accountId: string) => `recovery:${accountId}`;
