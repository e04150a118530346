// Password reset as its API starts it: a grant flow kind (http/grant-flows.ts).
import type { Client } from '@temporalio/client';
import type { Config } from '../../lib/config';
import type { FieldCrypto } from '../../lib/field-crypto';
import { GrantFlows } from '../../http/grant-flows';
import { passwordReset } from './workflow';
import { beginPasswordResetUpdate, collectPasswordResetGrantUpdate, confirmPasswordResetUpdate, passwordResetFlowIdOf, submitPasswordResetCodeUpdate } from './contract';

export function passwordResetFlows(client: Client, cfg: Config, crypto: FieldCrypto): GrantFlows {
  return new GrantFlows(client, cfg, crypto, {
    workflow: passwordReset,
    flowKind: 'password-reset',
    flowIdOf: passwordResetFlowIdOf,
    codeScene: 'update_password',
    updates: { begin: beginPasswordResetUpdate, submit: submitPasswordResetCodeUpdate, collect: collectPasswordResetGrantUpdate, redeem: confirmPasswordResetUpdate },
    ttl: (cfg) => ({ flowTtlSec: cfg.recovery.passwordResetFlowTtlSec, grantTtlSec: cfg.recovery.grantTtlSec }),
  });
}
