// Starting and driving account recovery through the Temporal client: update-with-start, so the
// caller gets the code's answer or the certifyId (and the app's client token) in one call, and a
// double click (same method, same device) gets the same answer from the one flow. The grant is
// derived here from what the run answers (lib/recovery-grant.ts), never read from history.
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Config } from '../../lib/config';
import type { FieldCrypto } from '../../lib/field-crypto';
import { tokenForStartedCheck } from '../../lib/face-token';
import { grantOf } from '../../lib/recovery-grant';
import { codeLimits } from '../../http/code-limits';
import { updateFlow } from '../../http/flow-updates';
import { ACCOUNT_ID, FLOW_KIND, FLOW_STAGE } from '../../lib/search-attributes';
import { requestCodeUpdate, type CodeSent, type RequestMeta } from '../shared/contract';
import { accountRecovery } from './workflow';
import {
  beginRecoveryUpdate,
  collectRecoveryGrantUpdate,
  recoveryFlowIdOf,
  redeemRecoveryGrantUpdate,
  submitRecoveryCodeUpdate,
  type RecoveryInput,
  type RecoveryMethod,
  type RecoveryRedeemed,
  type RecoveryStarted,
  type RecoveryVerified,
} from './contract';

export interface StartRecovery {
  accountId: string;
  method: RecoveryMethod;
  deviceId: string;
  meta: RequestMeta;
}

/** What the caller gets for a proven recovery: the grant itself, once derived. */
export interface RecoveryGrant {
  flowId: string;
  grant: string;
  grantExpiresAt: string;
}

export class RecoveryFlows {
  constructor(
    private readonly client: Client,
    private readonly cfg: Config,
    private readonly crypto: FieldCrypto,
  ) {}

  async start(p: StartRecovery): Promise<RecoveryStarted & { clientToken: string | null }> {
    const flowId = recoveryFlowIdOf(p.accountId);
    // what makes a repeat "the same request": the account, the method and the device
    const requestDigest = this.crypto.blindIndex('recovery', `${p.accountId}\0${p.method}\0${p.deviceId}`).toString('hex');
    const input: RecoveryInput = {
      accountId: p.accountId,
      method: p.method,
      deviceId: p.deviceId,
      requestDigest,
      limits: codeLimits(this.cfg, 'recover_account', this.cfg.recovery.flowTtlSec),
      faceTtlSec: this.cfg.realName.faceTokenTtlSec,
      grantTtlSec: this.cfg.recovery.grantTtlSec,
      meta: p.meta,
    };
    const startWorkflowOperation = new WithStartWorkflowOperation(accountRecovery, {
      workflowId: flowId,
      taskQueue: this.cfg.temporal.taskQueue,
      args: [input],
      // a live flow answers a repeat itself or refuses (FLOW_IN_PROGRESS)
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: FLOW_KIND, value: 'recovery' },
        { key: ACCOUNT_ID, value: p.accountId },
        { key: FLOW_STAGE, value: 'starting' },
      ],
    });
    const started = await this.client.workflow.executeUpdateWithStart(beginRecoveryUpdate, { args: [{ method: p.method, deviceId: p.deviceId, requestDigest }], startWorkflowOperation });
    const clientToken = started.face ? tokenForStartedCheck(this.cfg.realName.clientTokenKey, { flowId, ...started.face }, p.deviceId) : null;
    return { ...started, clientToken };
  }

  resend(flowId: string): Promise<CodeSent> {
    return updateFlow(this.client.workflow.getHandle(flowId), requestCodeUpdate);
  }

  async submitCode(flowId: string, code: string): Promise<RecoveryGrant> {
    return this.granted(await updateFlow(this.client.workflow.getHandle(flowId), submitRecoveryCodeUpdate, { code }));
  }

  async collect(flowId: string): Promise<RecoveryGrant> {
    return this.granted(await updateFlow(this.client.workflow.getHandle(flowId), collectRecoveryGrantUpdate));
  }

  redeem(flowId: string, grantHashHex: string): Promise<RecoveryRedeemed> {
    return updateFlow(this.client.workflow.getHandle(flowId), redeemRecoveryGrantUpdate, { grantHash: grantHashHex });
  }

  private granted(v: RecoveryVerified): RecoveryGrant {
    return { flowId: v.flowId, grant: grantOf(this.cfg.recovery.key, v.grantRef), grantExpiresAt: v.grantExpiresAt };
  }
}
