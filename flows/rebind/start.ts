// Starting and driving the phone / email rebind flows through the Temporal client.
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Config } from '../../lib/config';
import { CONTACT } from '../../lib/contact-kinds';
import { codeLimits } from '../../http/code-limits';
import { ACCOUNT_ID, FLOW_KIND, FLOW_STAGE } from '../../lib/search-attributes';
import { emailRebind, phoneRebind } from './workflow';
import { requestCodeUpdate, type CodeSent, type ContactKind, type RequestMeta } from '../shared/contract';
import {
  beginFaceProofUpdate,
  collectProofUpdate,
  rebindStateQuery,
  requestNewCodeUpdate,
  submitNewCodeUpdate,
  submitProofUpdate,
  type FaceProofInput,
  type FaceProofStarted,
  type ProofAccepted,
  type ProofMethod,
  type RebindInput,
  type RebindResult,
  type RebindState,
} from './contract';
import { AppError } from '../../lib/errors';
import type { FieldCrypto } from '../../lib/field-crypto';
import { tokenForStartedCheck } from '../../lib/face-token';
import { toAppError } from '../../http/errors';
import { flowIdOf } from '../registry';
import { closingUpdate, updateFlow } from '../../http/flow-updates';
import { queryFlow } from '../../http/flow-queries';

interface StartRebind {
  kind: ContactKind;
  accountId: string;
  method: ProofMethod;
  expectedContactIdx: string;
  meta: RequestMeta;
  sessionId?: string;
}

/** The workflow function of each kind (its name is the workflow type histories record). */
const WORKFLOW = { phone: phoneRebind, email: emailRebind } as const satisfies Record<ContactKind, unknown>;

export class RebindFlows {
  constructor(
    private readonly client: Client,
    private readonly cfg: Config,
    private readonly crypto: FieldCrypto,
  ) {}

  /** Starts the flow and sends the proof code in one call (update-with-start). */
  async start(p: StartRebind): Promise<CodeSent> {
    return this.client.workflow.executeUpdateWithStart(requestCodeUpdate, { args: [], startWorkflowOperation: this.operation(p) });
  }

  /**
   * method 'face': starts the flow and its face check; answers with the certifyId for
   * the app and a client token the app posts the SDK completion with.
   */
  async startFace(p: StartRebind & { deviceId: string }): Promise<FaceProofStarted & { clientToken: string }> {
    const face = { deviceId: p.deviceId, requestDigest: this.crypto.blindIndex('rebind_face', `${p.kind}\0${p.accountId}`).toString('hex'), ttlSec: this.cfg.realName.faceTokenTtlSec };
    const started = await this.client.workflow.executeUpdateWithStart(beginFaceProofUpdate, { args: [], startWorkflowOperation: this.operation(p, face) });
    return { ...started, clientToken: tokenForStartedCheck(this.cfg.realName.clientTokenKey, started, p.deviceId) };
  }

  collectProof(flowId: string): Promise<ProofAccepted> {
    return updateFlow(this.client.workflow.getHandle(flowId), collectProofUpdate);
  }

  private operation(p: StartRebind, face?: FaceProofInput) {
    const flowTtlSec = this.cfg.flows.rebindFlowTtlSec;
    const { rebindFlow: flowKind, unbindScene, bindScene } = CONTACT[p.kind];
    const input: RebindInput = {
      accountId: p.accountId,
      kind: p.kind,
      method: p.method,
      expectedContactIdx: p.expectedContactIdx,
      proofLimits: codeLimits(this.cfg, unbindScene, flowTtlSec),
      newLimits: codeLimits(this.cfg, bindScene, flowTtlSec),
      tokenTtlSec: this.cfg.flows.unbindTokenTtlSec,
      flowTtlSec,
      meta: p.meta,
      sessionId: p.sessionId,
      face,
      newContactLimit: this.cfg.limits.newContactsPerRebind,
    };
    return new WithStartWorkflowOperation(WORKFLOW[p.kind], {
      workflowId: flowIdOf(flowKind, p.accountId),
      taskQueue: this.cfg.temporal.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [
        { key: FLOW_KIND, value: flowKind },
        { key: ACCOUNT_ID, value: p.accountId },
        { key: FLOW_STAGE, value: 'sending_proof' },
      ],
    });
  }

  resendProof(flowId: string): Promise<CodeSent> {
    return updateFlow(this.client.workflow.getHandle(flowId), requestCodeUpdate);
  }

  submitProof(flowId: string, code: string): Promise<ProofAccepted> {
    return updateFlow(this.client.workflow.getHandle(flowId), submitProofUpdate, { code });
  }

  requestNewCode(flowId: string, target: string, targetMasked: string, token: string): Promise<CodeSent> {
    return this.withToken(flowId, () => updateFlow(this.client.workflow.getHandle(flowId), requestNewCodeUpdate, { target, targetMasked, token }));
  }

  submitNewCode(flowId: string, code: string, token: string): Promise<RebindResult> {
    return this.withToken(flowId, () => closingUpdate(this.client.workflow.getHandle(flowId), submitNewCodeUpdate, 'rebound', { code, token }));
  }

  /** A flow that ended because its unbind token ran out answers as the seed does: 解绑令牌无效. */
  private async withToken<T>(flowId: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      if (toAppError(err)?.code === 'FLOW_CLOSED') {
        const state = await this.state(flowId).catch(() => null);
        if (state?.error?.code === 'UNBIND_TOKEN_INVALID') throw new AppError('UNBIND_TOKEN_INVALID');
      }
      throw err;
    }
  }

  state(flowId: string): Promise<RebindState> {
    return queryFlow(this.client, this.client.workflow.getHandle(flowId), rebindStateQuery);
  }
}
