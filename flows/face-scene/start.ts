// Starting a face scene through the Temporal client: update-with-start, as real-name starts,
// so the caller gets the certifyId and the app's client token in the same call, and a double
// click (same device, same scene) gets the same answer from the one flow.
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Config } from '../../lib/config';
import type { FieldCrypto } from '../../lib/field-crypto';
import { tokenForStartedCheck } from '../../lib/face-token';
import { ACCOUNT_ID, FLOW_KIND, FLOW_STAGE } from '../../lib/search-attributes';
import type { RequestMeta } from '../shared/contract';
import { faceScene } from './workflow';
import { beginFaceSceneUpdate, SCENES, sceneFlowIdOf, type FaceSceneInput, type FaceSceneStarted, type SceneName } from './contract';

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
    const flowId = sceneFlowIdOf(p.scene, p.accountId);
    // what makes a repeat "the same request": the device and the scene (never personal data)
    const requestDigest = this.crypto.blindIndex('face_scene', `${p.scene}\0${p.accountId}\0${p.deviceId}`).toString('hex');
    const input: FaceSceneInput = {
      accountId: p.accountId,
      scene: p.scene,
      deviceId: p.deviceId,
      requestDigest,
      ttlSec: this.cfg.realName.faceTokenTtlSec,
      sessionId: p.sessionId,
      coolingDays: this.cfg.flows.cancellationCoolingDays,
      meta: p.meta,
    };
    const startWorkflowOperation = new WithStartWorkflowOperation(faceScene, {
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
    const started = await this.client.workflow.executeUpdateWithStart(beginFaceSceneUpdate, { args: [{ deviceId: p.deviceId, requestDigest }], startWorkflowOperation });
    return { ...started, clientToken: tokenForStartedCheck(this.cfg.realName.clientTokenKey, started, p.deviceId) };
  }
}
