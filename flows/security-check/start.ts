// The security check as its API starts it: a grant flow kind (http/grant-flows.ts).
import type { Client } from '@temporalio/client';
import type { Config } from '../../lib/config';
import type { FieldCrypto } from '../../lib/field-crypto';
import { GrantFlows } from '../../http/grant-flows';
import { securityCheck } from './workflow';
import { beginSecurityCheckUpdate, collectSecurityPassUpdate, redeemSecurityPassUpdate, securityCheckFlowIdOf, submitSecurityCheckCodeUpdate } from './contract';

export function securityCheckFlows(client: Client, cfg: Config, crypto: FieldCrypto): GrantFlows {
  return new GrantFlows(client, cfg, crypto, {
    workflow: securityCheck,
    flowKind: 'security-check',
    flowIdOf: securityCheckFlowIdOf,
    codeScene: 'security_check',
    updates: { begin: beginSecurityCheckUpdate, submit: submitSecurityCheckCodeUpdate, collect: collectSecurityPassUpdate, redeem: redeemSecurityPassUpdate },
    ttl: (cfg) => ({ flowTtlSec: cfg.recovery.securityCheckFlowTtlSec, grantTtlSec: cfg.recovery.securityPassTtlSec }),
  });
}
