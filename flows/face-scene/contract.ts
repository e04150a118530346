// Messages and shapes of the face scenes (issue 11 part 2), defined once and imported by the
// workflow, the API and the tests alike. One workflow type serves every scene: the scenes
// differ in the account state they act on (db/account-security.ts), not in their steps.
//
// Face scene (./workflow.ts):
//   workflow type  faceScene, id `<kind>:<accountId>` (reset-security, unfreeze, cancellation)
//   update         beginFaceScene  update-with-start; answers once the certifyId is issued (a
//                                  repeat from the same device answers the same, cache: true)
//   query          state (FaceSceneState)
//   update         cancelFlow      cancels a flow waiting for the face (its check gives its hold
//                                  back); FLOW_CLOSED when the flow ended otherwise
// Its face step is the face check child (../face-check/), scene = the scene's name, identity =
// the account's own real-name record.
//
// Method 'sms' (unfreeze and cancellation, the seed's 冻结账户验证码 / 解除账户冻结 code scenes,
// and the way left when the face switch is off): a code to the bound phone instead of the face.
//   update         beginCodeScene  update-with-start; answers once the code is out (a repeat from
//                                  the same device answers the same, cache: true)
//   update         requestCode     another code (shared)
//   update         submitSceneCode the code → the effect → FaceSceneResult
// Every run registers every update; one its method does not serve refuses in its validator.
import type { FaceProviderName } from '../../lib/face-providers';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { STATE_QUERY, type CodeLimits, type CodeSent, type FlowError, type RequestMeta } from '../shared/contract';
import type { Scene } from '../../lib/scenes';

export type SceneName = 'reset_security' | 'unfreeze' | 'cancellation';

/** Per scene: its flow kind (flows/registry.ts) and the event its success records. */
export const SCENES = {
  reset_security: { kind: 'reset-security', event: 'account.security_reset', codeScene: null, codeMessage: null },
  unfreeze: { kind: 'unfreeze', event: 'account.unfrozen', codeScene: 'unfreeze_account', codeMessage: '账户解冻成功' },
  cancellation: { kind: 'cancellation', event: 'account.cancellation_requested', codeScene: 'cancel_account', codeMessage: '账户注销申请已提交' },
} as const satisfies Record<SceneName, { kind: string; event: string; codeScene: Scene | null; codeMessage: string | null }>;

/** How the owner proves it is them: the face (every scene), or a code to the bound phone. */
export type SceneMethod = 'face' | 'sms';

export type SceneKind = (typeof SCENES)[SceneName]['kind'];
export const SCENE_NAMES = Object.keys(SCENES) as SceneName[];

export interface FaceSceneInput {
  accountId: string;
  scene: SceneName;
  deviceId: string;
  /** keyed hash of (scene, account) made by the API: a repeat start is recognized by it */
  requestDigest: string;
  /** the face token's lifetime (a durable timer in the check) */
  ttlSec: number;
  /** reset_security keeps this session alive, as a rebind keeps the one that asked */
  sessionId: string | null;
  /** cancellation: days until the request takes effect (read from config at start) */
  coolingDays: number;
  meta: RequestMeta;
  /** absent in runs recorded before the code method: the face */
  method?: SceneMethod;
  /** sms: the code scene's limits; flowTtlSec is the flow's lifetime */
  codeLimits?: CodeLimits;
}

export type FaceSceneStage = 'issuing' | 'awaiting_face' | 'awaiting_code' | 'verifying' | 'applying' | 'compensating' | 'completed' | 'failed' | 'expired' | 'rejected' | 'locked' | 'cancelled';
export type FaceSceneOutcome = 'success' | 'fail' | 'expired' | 'rejected' | 'locked' | 'cancelled';

export interface FaceSceneStarted {
  flowId: string;
  scene: SceneName;
  faceCheckId: string;
  certifyId: string;
  faceRecordId: string;
  expiresAt: string;
  /** whose SDK the app runs with certifyId (WeChat: the verify_id for wx.requestFacialVerify) */
  provider: FaceProviderName;
  /** true when a repeat start got the live certifyId again (no second provider call) */
  cache: boolean;
}

/** What the scene changed (db/account-security.ts SceneEffect). */
export interface FaceSceneEffect {
  flagsCleared: string[];
  sessionsEnded: string[];
  frozenAt: string | null;
  coolingOffUntil: string | null;
}

export interface FaceSceneState {
  flowId: string;
  accountId: string;
  scene: SceneName;
  stage: FaceSceneStage;
  method: SceneMethod;
  /** sms: codes sent, wrong codes left */
  codesSent?: number;
  attemptsLeft?: number;
  faceCheckId: string | null;
  certifyId: string | null;
  faceRecordId: string | null;
  expiresAt: string | null;
  outcome: FaceSceneOutcome | null;
  message: string | null;
  error: FlowError | null;
}

export interface FaceSceneResult {
  flowId: string;
  accountId: string;
  scene: SceneName;
  outcome: FaceSceneOutcome;
  /** the seed's non-personal answer 刷脸成功:数据对比成功! / 刷脸失败:人证信息比对不一致 / the error's text */
  message: string;
  certifyId: string | null;
  faceRecordId: string | null;
  effect: FaceSceneEffect | null;
  error: FlowError | null;
}

export const SCENE_SUCCESS_MESSAGE = '刷脸成功:数据对比成功!';

/** The code method's start answer. */
export interface CodeSceneStarted {
  flowId: string;
  scene: SceneName;
  method: 'sms';
  code: CodeSent;
  cache: boolean;
}

export const beginFaceSceneUpdate = defineUpdate<FaceSceneStarted, [{ deviceId: string; requestDigest: string }]>('beginFaceScene');
export const faceSceneStateQuery = defineQuery<FaceSceneState>(STATE_QUERY);
export const beginCodeSceneUpdate = defineUpdate<CodeSceneStarted, [{ deviceId: string; requestDigest: string }]>('beginCodeScene');
export const submitSceneCodeUpdate = defineUpdate<FaceSceneResult, [{ code: string }]>('submitSceneCode');

export const sceneFlowIdOf = (scene: SceneName, accountId: string) => `${SCENES[scene].kind}:${accountId}`;
