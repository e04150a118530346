// Account recovery (找回账户, docs/flows/recovery.md): a user without a login proves control of
// the account the lookup found (a code to its bound phone or email, or a face check against its
// real-name identity), and the platform gets a single-use grant to let them back in; redeeming
// it ends every session and tells every bound contact. A grant flow (flows/shared/grant-flow.ts).
import { grantFlow } from '../shared/grant-flow';
import type { GrantKind } from '../shared/contract';
import {
  beginRecoveryUpdate,
  collectRecoveryGrantUpdate,
  RECOVERED_MESSAGE,
  recoveryFlowIdOf,
  redeemRecoveryGrantUpdate,
  submitRecoveryCodeUpdate,
  type RecoveryInput,
  type RecoveryResult,
} from './contract';

const RECOVERY: GrantKind = {
  purpose: 'recovery',
  codeScene: 'recover_account',
  faceScene: 'recovery',
  flowIdOf: recoveryFlowIdOf,
  done: 'recovered',
  doneMessage: RECOVERED_MESSAGE,
  updates: { begin: beginRecoveryUpdate, submit: submitRecoveryCodeUpdate, collect: collectRecoveryGrantUpdate, redeem: redeemRecoveryGrantUpdate },
};

export async function accountRecovery(input: RecoveryInput): Promise<RecoveryResult> {
  return grantFlow(input, RECOVERY);
}
