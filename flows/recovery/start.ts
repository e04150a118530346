// Account recovery as its API starts it: a grant flow kind (http/grant-flows.ts).
import type { Client } from '@temporalio/client';
import type { Config } from '../../lib/config';
import type { FieldCrypto } from '../../lib/field-crypto';
import { GrantFlows } from '../../http/grant-flows';
import { accountRecovery } from './workflow';
import { beginRecoveryUpdate, collectRecoveryGrantUpdate, recoveryFlowIdOf, redeemRecoveryGrantUpdate, submitRecoveryCodeUpdate } from './contract';

export type RecoveryFlows = GrantFlows;

export function recoveryFlows(client: Client, cfg: Config, crypto: FieldCrypto): RecoveryFlows {
  return new GrantFlows(client, cfg, crypto, {
    workflow: accountRecovery,
    flowKind: 'recovery',
    flowIdOf: recoveryFlowIdOf,
    codeScene: 'recover_account',
    updates: { begin: beginRecoveryUpdate, submit: submitRecoveryCodeUpdate, collect: collectRecoveryGrantUpdate, redeem: redeemRecoveryGrantUpdate },
    ttl: (cfg) => ({ flowTtlSec: cfg.recovery.flowTtlSec, grantTtlSec: cfg.recovery.grantTtlSec }),
  });
}
