// Messages and shapes of password reset (scene update_password, issue 12), defined once and
// imported by the workflow, the API and the tests alike. This product never holds passwords: a
// code to the bound phone (a logged-in user) or to the bound email (also from the recovery page)
// proves the owner, the platform gets a single-use reset grant, applies the new password itself
// and confirms with the grant; then every other session ends and the contacts are told.
//
// Password reset (./workflow.ts, a grant flow: ../shared/grant-flow.ts):
//   workflow type  passwordReset, id `password-reset:<accountId>`
//   update         beginPasswordReset   update-with-start; answers once the code is out (a repeat
//                                       of the same start answers the same, cache: true)
//   update         requestCode          another code (shared)
//   update         submitPasswordResetCode  the code → the grant
//   update         collectPasswordResetGrant  (no face method: refused)
//   update         confirmPasswordReset the platform applied the new password: sessions, notices
//   query          state (GrantState)
//   update         cancelFlow
import { defineUpdate } from '@temporalio/workflow';
import type { GrantFlowInput, GrantMethod, GrantRedeemed, GrantResult, GrantStarted, GrantVerified } from '../shared/contract';

export type PasswordResetMethod = Exclude<GrantMethod, 'face'>;
export const PASSWORD_RESET_METHODS: readonly PasswordResetMethod[] = ['sms', 'mail'];

export type PasswordResetInput = GrantFlowInput;
export type PasswordResetResult = GrantResult;

/** The seed's answer once the reset is done (4/18 #14: 账户密码重置成功). */
export const PASSWORD_RESET_MESSAGE = '账户密码重置成功';
export const PASSWORD_RESET_AUTHORIZED_EVENT = 'password.reset_authorized';
export const PASSWORD_RESET_EVENT = 'password.reset';

export const beginPasswordResetUpdate = defineUpdate<GrantStarted, [{ method: GrantMethod; deviceId: string; requestDigest: string }]>('beginPasswordReset');
export const submitPasswordResetCodeUpdate = defineUpdate<GrantVerified, [{ code: string }]>('submitPasswordResetCode');
export const collectPasswordResetGrantUpdate = defineUpdate<GrantVerified, []>('collectPasswordResetGrant');
export const confirmPasswordResetUpdate = defineUpdate<GrantRedeemed, [{ grantHash: string }]>('confirmPasswordReset');

export const passwordResetFlowIdOf = (accountId: string) => `password-reset:${accountId}`;
