// Messages and shapes of the security check (issue 12; seed 4/30 #14 step 5: 通过xc_is_security核验
// 用户环境是否安全可靠,不安全则需要核验短信), defined once and imported by the workflow, the API and the
// tests alike. When the platform flags a client environment unsafe, real-name verification does
// not end there: a code to the bound phone (the seed's scene 安全环境验证码) proves the owner is at
// that device, and the run hands out a single-use, short-lived security pass bound to the account
// and the device; the real-name start that carries it goes on as if the environment were safe.
//
// Security check (./workflow.ts, a grant flow: ../shared/grant-flow.ts):
//   workflow type  securityCheck, id `security-check:<accountId>`
//   update         beginSecurityCheck  update-with-start; answers once the code is out (a repeat
//                                      of the same start answers the same, cache: true)
//   update         requestCode         another code (shared)
//   update         submitSecurityCheckCode  the code → the security pass; the run ends `passed`
//   update         collectSecurityPass      (no face method: refused)
//   update         redeemSecurityPass       never sent: the pass is spent by a real-name run
//                                           (./activities.ts), the grant flow's kinds all have one
//   query          state (GrantState)
//   update         cancelFlow
// The pass itself never enters a history: the run answers its run key, the API derives the pass
// from it (lib/recovery-grant.ts grantOf); the database keeps its SHA-256, the real-name run's
// history the hash only.
import { defineUpdate } from '@temporalio/workflow';
import type { GrantFlowInput, GrantRedeemed, GrantResult, GrantStarted, GrantVerified, GrantMethod } from '../shared/contract';

export type SecurityCheckInput = GrantFlowInput;
export type SecurityCheckResult = GrantResult;

/** The run's answer once the pass is out (not in the seed's texts). */
export const SECURITY_CHECK_MESSAGE = '安全验证成功,请继续实名认证';
export const SECURITY_VERIFIED_EVENT = 'account.security_verified';

export const beginSecurityCheckUpdate = defineUpdate<GrantStarted, [{ method: GrantMethod; deviceId: string; requestDigest: string }]>('beginSecurityCheck');
export const submitSecurityCheckCodeUpdate = defineUpdate<GrantVerified, [{ code: string }]>('submitSecurityCheckCode');
export const collectSecurityPassUpdate = defineUpdate<GrantVerified, []>('collectSecurityPass');
export const redeemSecurityPassUpdate = defineUpdate<GrantRedeemed, [{ grantHash: string }]>('redeemSecurityPass');

export const securityCheckFlowIdOf = (accountId: string) => `security-check:${accountId}`;
