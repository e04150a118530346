// Password reset (docs/flows/password-reset.md): a code to the bound phone or email proves the
// owner, the platform gets a single-use reset grant, applies the new password and confirms;
// then every session but the one that reset ends (seed 4/24: the device that reset stays
// logged in) and the contacts are told (the seed's update_password mail). A grant flow
// (flows/shared/grant-flow.ts) without the face method.
import { grantFlow } from '../shared/grant-flow';
import type { GrantKind } from '../shared/contract';
import {
  beginPasswordResetUpdate,
  collectPasswordResetGrantUpdate,
  confirmPasswordResetUpdate,
  PASSWORD_RESET_MESSAGE,
  passwordResetFlowIdOf,
  submitPasswordResetCodeUpdate,
  type PasswordResetInput,
  type PasswordResetResult,
} from './contract';

const PASSWORD_RESET: GrantKind = {
  purpose: 'password_reset',
  codeScene: 'update_password',
  faceScene: null,
  flowIdOf: passwordResetFlowIdOf,
  done: 'reset',
  doneMessage: PASSWORD_RESET_MESSAGE,
  updates: { begin: beginPasswordResetUpdate, submit: submitPasswordResetCodeUpdate, collect: collectPasswordResetGrantUpdate, redeem: confirmPasswordResetUpdate },
};

export async function passwordReset(input: PasswordResetInput): Promise<PasswordResetResult> {
  return grantFlow(input, PASSWORD_RESET);
}
