// Starting and driving a grant flow (flows/shared/grant-flow.ts: account recovery, password
// reset, the security check) through the Temporal client: update-with-start, so the caller gets the code's answer
// or the certifyId (and the app's client token) in one call, and a double click (same method,
// same device) gets the same answer from the one flow. The grant is derived here from what the
// run answers (lib/recovery-grant.ts), never read from history.
import { WithStartWorkflowOperation, type Client, type Workflow } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { Config } from '../lib/config';
import type { FieldCrypto } from '../lib/field-crypto';
import { tokenForStartedCheck } from '../lib/face-token';
import { grantOf } from '../lib/recovery-grant';
import { codeLimits } from './code-limits';
import { updateFlow } from './flow-updates';
import { ACCOUNT_ID, FLOW_KIND, FLOW_STAGE } from '../lib/search-attributes';
import type { Scene } from '../lib/scenes';
import { requestCodeUpdate, type CodeSent, type RequestMeta } from '../flows/shared/contract';
import type { GrantFlowInput, GrantKind, GrantMethod, GrantRedeemed, GrantResult, GrantStarted, GrantVerified } from '../flows/shared/contract';

export interface StartGrantFlow {
  accountId: string;
  method: GrantMethod;
  deviceId: string;
  meta: RequestMeta;
  /** the session the redemption keeps */
  keepSessionId?: string | null;
  /** the only device the grant is good for (the security pass) */
  boundDeviceId?: string | null;
}

/** What the caller gets for a proven run: the grant itself, once derived. */
export interface IssuedGrant {
  flowId: string;
  grant: string;
  grantExpiresAt: string;
}

/** A grant flow kind as its API starts it. */
export interface GrantFlowKind {
  workflow: Workflow & ((input: GrantFlowInput) => Promise<GrantResult>);
  /** its registry kind (the VsFlowKind search attribute) */
  flowKind: string;
  flowIdOf: (accountId: string) => string;
  codeScene: Scene;
  updates: GrantKind['updates'];
  /** its lifetimes: the proof's and the grant's */
  ttl: (cfg: Config) => { flowTtlSec: number; grantTtlSec: number };
}

export class GrantFlows {
  constructor(
    private readonly client: Client,
    private readonly cfg: Config,
    private readonly crypto: FieldCrypto,
    private readonly kind: GrantFlowKind,
  ) {}

  async start(p: StartGrantFlow): Promise<GrantStarted & { clientToken: string | null }> {
    const flowId = this.kind.flowIdOf(p.accountId);
    // what makes a repeat "the same request": the account, the method and the device
    const requestDigest = this.crypto.blindIndex(this.kind.flowKind, `${p.accountId}\0${p.method}\0${p.deviceId}`).toString('hex');
    const { flowTtlSec, grantTtlSec } = this.kind.ttl(this.cfg);
    const input: GrantFlowInput = {
      accountId: p.accountId,
      method: p.method,
      deviceId: p.deviceId,
      requestDigest,
      limits: codeLimits(this.cfg, this.kind.codeScene, flowTtlSec),
      faceTtlSec: this.cfg.realName.faceTokenTtlSec,
      grantTtlSec,
      meta: p.meta,
      ...(p.keepSessionId ? { keepSessionId: p.keepSessionId } : {}),
      ...(p.boundDeviceId ? { boundDeviceId: p.boundDeviceId } : {}),
    };
    const startWorkflowOperation = new WithStartWorkflowOperation(this.kind.workflow, {
      workflowId: flowId,
      taskQueue: this.cfg.temporal.taskQueue,
      args: [input],
      // a live flow answers a repeat itself or refuses (FLOW_IN_PROGRESS)
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: FLOW_KIND, value: this.kind.flowKind },
        { key: ACCOUNT_ID, value: p.accountId },
        { key: FLOW_STAGE, value: 'starting' },
      ],
    });
    const started = await this.client.workflow.executeUpdateWithStart(this.kind.updates.begin, { args: [{ method: p.method, deviceId: p.deviceId, requestDigest }], startWorkflowOperation });
    const clientToken = started.face ? tokenForStartedCheck(this.cfg.realName.clientTokenKey, { flowId, ...started.face }, p.deviceId) : null;
    return { ...started, clientToken };
  }

  resend(flowId: string): Promise<CodeSent> {
    return updateFlow(this.client.workflow.getHandle(flowId), requestCodeUpdate);
  }

  async submitCode(flowId: string, code: string): Promise<IssuedGrant> {
    return this.granted(await updateFlow(this.client.workflow.getHandle(flowId), this.kind.updates.submit as UpdateDefinition<GrantVerified, [{ code: string }]>, { code }));
  }

  async collect(flowId: string): Promise<IssuedGrant> {
    return this.granted(await updateFlow(this.client.workflow.getHandle(flowId), this.kind.updates.collect));
  }

  redeem(flowId: string, grantHashHex: string): Promise<GrantRedeemed> {
    return updateFlow(this.client.workflow.getHandle(flowId), this.kind.updates.redeem, { grantHash: grantHashHex });
  }

  private granted(v: GrantVerified): IssuedGrant {
    return { flowId: v.flowId, grant: grantOf(this.cfg.recovery.key, v.grantRef), grantExpiresAt: v.grantExpiresAt };
  }
}
