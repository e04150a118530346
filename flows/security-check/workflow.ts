// The security check (docs/flows/security-check.md): a code to the bound phone proves the owner
// is at the device the platform flagged unsafe; the run hands out a single-use security pass
// and ends; a real-name run spends it (./activities.ts). A grant flow (flows/shared/grant-flow.ts)
// with the SMS method only, whose grant is spent elsewhere.
import { grantFlow } from '../shared/grant-flow';
import type { GrantKind } from '../shared/contract';
import {
  beginSecurityCheckUpdate,
  collectSecurityPassUpdate,
  redeemSecurityPassUpdate,
  SECURITY_CHECK_MESSAGE,
  securityCheckFlowIdOf,
  submitSecurityCheckCodeUpdate,
  type SecurityCheckInput,
  type SecurityCheckResult,
} from './contract';

const SECURITY_CHECK: GrantKind = {
  purpose: 'security',
  codeScene: 'security_check',
  faceScene: null,
  flowIdOf: securityCheckFlowIdOf,
  done: 'passed',
  doneMessage: SECURITY_CHECK_MESSAGE,
  spentElsewhere: true,
  updates: { begin: beginSecurityCheckUpdate, submit: submitSecurityCheckCodeUpdate, collect: collectSecurityPassUpdate, redeem: redeemSecurityPassUpdate },
};

export async function securityCheck(input: SecurityCheckInput): Promise<SecurityCheckResult> {
  return grantFlow(input, SECURITY_CHECK);
}
