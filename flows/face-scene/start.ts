// Starting and driving a face scene through the Temporal client: update-with-start, as
// real-name starts, so the caller gets the certifyId and the app's client token (or, by the code
// method, the code's answer) in the same call, and a double click (same device, same scene, same
// method) gets the same answer from the one flow.
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Config } from '../../lib/config';
import type { FieldCrypto } from '../../lib/field-crypto';
import { tokenForStartedCheck } from '../../lib/face-token';
import { ACCOUNT_ID, FLOW_KIND, FLOW_STAGE } from '../../lib/search-attributes';
import { requestCodeUpdate, type CodeSent, type RequestMeta } from '../shared/contract';
import { faceScene } from './workflow';
import {
  beginCodeSceneUpdate,
  beginFaceSceneUpdate,
  SCENES,
  sceneFlowIdOf,
  submitSceneCodeUpdate,
  type CodeSceneStarted,
  type FaceSceneInput,
  type FaceSceneResult,
  type FaceSceneStarted,
  type SceneMethod,
  type SceneName,
} from './contract';
import { codeLimits } from '../../http/code-limits';
import { closingUpdate, updateFlow } from '../../http/flow-updates';

export interface StartFaceScene {
  scene: SceneName;
  accountId: string;
  deviceId: string;
  sessionId: string | null;
  meta: RequestMeta;
}

export class FaceSceneFlows {
  constructor(
    private readonly client: Client,
    private readonly cfg: Config,
    private readonly crypto: FieldCrypto,
  ) {}

  async start(p: StartFaceScene): Promise<FaceSceneStarted & { clientToken: string }> {
    const { input, operation } = this.operation(p, 'face');
    const started = await this.client.workflow.executeUpdateWithStart(beginFaceSceneUpdate, { args: [{ deviceId: p.deviceId, requestDigest: input.requestDigest }], startWorkflowOperation: operation });
    return { ...started, clientToken: tokenForStartedCheck(this.cfg.realName.clientTokenKey, started, p.deviceId) };
  }

  /** The code method (unfreeze, cancellation): the flow starts and sends the code in one call. */
  async startByCode(p: StartFaceScene): Promise<CodeSceneStarted> {
    const { input, operation } = this.operation(p, 'sms');
    return this.client.workflow.executeUpdateWithStart(beginCodeSceneUpdate, { args: [{ deviceId: p.deviceId, requestDigest: input.requestDigest }], startWorkflowOperation: operation });
  }

  resend(flowId: string): Promise<CodeSent> {
    return updateFlow(this.client.workflow.getHandle(flowId), requestCodeUpdate);
  }

  /** The code of a code run: its result (success with the effect), or the error. */
  submitCode(flowId: string, code: string): Promise<FaceSceneResult> {
    return closingUpdate(this.client.workflow.getHandle(flowId), submitSceneCodeUpdate, 'success', { code });
  }

  private operation(p: StartFaceScene, method: SceneMethod) {
    const flowId = sceneFlowIdOf(p.scene, p.accountId);
    // what makes a repeat "the same request": the device and the scene (never personal data)
    const requestDigest = this.crypto.blindIndex('face_scene', `${p.scene}\0${p.accountId}\0${p.deviceId}${method === 'sms' ? '\0sms' : ''}`).toString('hex');
    const codeScene = SCENES[p.scene].codeScene;
    const input: FaceSceneInput = {
      accountId: p.accountId,
      scene: p.scene,
      deviceId: p.deviceId,
      requestDigest,
      ttlSec: this.cfg.realName.faceTokenTtlSec,
      sessionId: p.sessionId,
      coolingDays: this.cfg.flows.cancellationCoolingDays,
      meta: p.meta,
      ...(method === 'sms' && codeScene ? { method, codeLimits: codeLimits(this.cfg, codeScene, this.cfg.flows.sceneCodeFlowTtlSec) } : {}),
    };
    const operation = new WithStartWorkflowOperation(faceScene, {
      workflowId: flowId,
      taskQueue: this.cfg.temporal.taskQueue,
      args: [input],
      // a live flow answers a repeat itself (same certifyId) or refuses (FLOW_IN_PROGRESS)
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: FLOW_KIND, value: SCENES[p.scene].kind },
        { key: ACCOUNT_ID, value: p.accountId },
        { key: FLOW_STAGE, value: 'issuing' },
      ],
    });
    return { input, operation };
  }
}
