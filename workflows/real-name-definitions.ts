// Messages and shapes of the real-name saga and of the reusable face check, defined once
// and imported by the workflows, the API and the tests alike.
//
// Face check (workflows/face-check.ts), a child workflow any flow may start with its own scene:
//   workflow type  faceCheck
//   workflow id    `${ownerFlowId}/face` (the owner's id carries no personal data, so neither does this)
//   input          FaceCheckInput
//   result         FaceCheckResult { outcome: 'success'|'fail'|'expired'|'rejected', certifyId, faceRecordId, error, … }
//   signal IN      faceCompletion  (FaceCompletion)   the app's SDK completion, relayed by the API
//   signal OUT     faceCheckReady  (FaceCheckReady)   sent to the PARENT once the certifyId is issued
//   query          faceCheckState  (FaceCheckState)   incl. the verdict on every completion received
//
// Real-name saga (workflows/real-name.ts):
//   workflow type  realName, id `real-name:<accountId>`
//   update         beginRealName   update-with-start; answers once the certifyId is issued
//                                  (a repeat from the same device with the same request answers
//                                  the same certifyId, cached: true)
//   query          realNameState
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RequestMeta } from '../flows/shared/contract';

/** Where a face check is used; one quota pool for all of them (the seed shares it). */
export type FaceScene = 'personal' | 'rebind_phone' | 'rebind_email' | 'recovery';

/** Whom the face must match: given by the caller, or the account's own real-name record. */
export type FaceIdentity = { realName: string; idNumber: string } | { ofAccount: true };

export interface FaceCheckInput {
  accountId: string;
  scene: FaceScene;
  identity: FaceIdentity;
  /** the app device that starts the check; its metaInfo is looked up by the activity */
  deviceId: string;
  /** keyed hash of (name, ID, scene) made by the API; never the values themselves */
  requestDigest: string;
  needPicture: boolean;
  /** the face token's lifetime: a durable timer */
  ttlSec: number;
  meta: RequestMeta;
}

export interface FaceCheckReady {
  faceCheckId: string;
  certifyId: string;
  faceRecordId: string;
  expiresAt: string;
}

/** What the app's startFacialRecognitionVerify callback gave, plus who relays it. */
export interface FaceCompletion {
  /** unique per POST, so the caller can find the verdict on its own completion */
  completionId: string;
  /** the device that posts the completion */
  deviceId: string;
  /** the device the client token was issued to */
  tokenDeviceId: string;
  certifyId?: string;
  errCode: number | string;
  errMsg?: string;
  cause?: { code?: number | string; message?: string };
}

export interface CompletionVerdict {
  completionId: string;
  accepted: boolean;
  error: FlowError | null;
}

export interface FlowError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type FaceCheckStage = 'issuing' | 'awaiting_completion' | 'billing' | 'fetching_result' | 'storing_picture' | 'closed';
export type FaceCheckOutcome = 'success' | 'fail' | 'expired' | 'rejected';
export type PictureState = 'off' | 'none' | 'stored' | 'failed';

export interface FaceCheckState {
  faceCheckId: string;
  scene: FaceScene;
  stage: FaceCheckStage;
  certifyId: string | null;
  faceRecordId: string | null;
  expiresAt: string | null;
  completions: CompletionVerdict[];
  outcome: FaceCheckOutcome | null;
  error: FlowError | null;
}

export interface FaceCheckResult {
  faceCheckId: string;
  outcome: FaceCheckOutcome;
  certifyId: string | null;
  faceRecordId: string | null;
  /** the quota unit this check consumed (null: not billed); the owner may refund it */
  quota: { source: 'free' | 'purchased' | 'none' } | null;
  picture: PictureState;
  error: FlowError | null;
}

export interface RealNameSettings {
  ttlSec: number;
  subjectLimit: number;
  freePerAccount: number;
  needPicture: boolean;
  idCheckPerDay: number;
  idCheckGapSec: number;
}

export interface RealNameInput {
  accountId: string;
  /** normalized; sealed by the payload codec in history, never in ids, attributes or logs */
  realName: string;
  idNumber: string;
  deviceId: string;
  environmentSafe: boolean;
  requestDigest: string;
  settings: RealNameSettings;
  meta: RequestMeta;
}

export type RealNameStage =
  | 'prechecking'
  | 'id_check'
  | 'issuing_certify_id'
  | 'awaiting_face'
  | 'face_result'
  | 'recording'
  | 'compensating'
  | 'verified'
  | 'failed'
  | 'expired'
  | 'rejected';
export type RealNameOutcome = 'verified' | 'fail' | 'expired' | 'rejected';

export interface RealNameStarted {
  flowId: string;
  faceCheckId: string;
  certifyId: string;
  faceRecordId: string;
  expiresAt: string;
  /** true when a repeat request got the live certifyId again (no second provider call) */
  cache: boolean;
}

export interface RealNameState {
  flowId: string;
  accountId: string;
  stage: RealNameStage;
  faceCheckId: string | null;
  certifyId: string | null;
  faceRecordId: string | null;
  expiresAt: string | null;
  outcome: RealNameOutcome | null;
  message: string | null;
  error: FlowError | null;
}

export interface RealNameResult {
  flowId: string;
  accountId: string;
  outcome: RealNameOutcome;
  /** the seed's answer: 刷脸成功:账户实名认证成功 / 刷脸失败:人证信息比对不一致 / the error's text */
  message: string;
  certifyId: string | null;
  faceRecordId: string | null;
  realNameRecordId: string | null;
  error: FlowError | null;
}

export const VERIFIED_MESSAGE = '刷脸成功:账户实名认证成功';

export const faceCompletionSignal = defineSignal<[FaceCompletion]>('faceCompletion');
export const faceCheckReadySignal = defineSignal<[FaceCheckReady]>('faceCheckReady');
export const faceCheckStateQuery = defineQuery<FaceCheckState>('faceCheckState');

export const beginRealNameUpdate = defineUpdate<RealNameStarted, [{ deviceId: string; requestDigest: string }]>('beginRealName');
export const realNameStateQuery = defineQuery<RealNameState>('realNameState');

/** The real-name flow of an account: one live flow per account, no personal data in the id. */
export const realNameFlowIdOf = (accountId: string) => `real-name:${accountId}`;
/** The face check's workflow id for an owner flow. */
export const faceCheckIdOf = (ownerFlowId: string) => `${ownerFlowId}/face`;
