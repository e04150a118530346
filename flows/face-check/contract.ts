// Messages and shapes of the face check, a child workflow any flow may start with its own
// scene, defined once and imported by the workflow, its owners (real-name, rebind by
// face), the API and the tests alike.
//
// Face check (./workflow.ts):
//   workflow type  faceCheck
//   workflow id    `${ownerFlowId}/${run nonce}/face`, the owner run's childId (../shared/run-key.ts);
//                  `${ownerFlowId}/face` in flows recorded before per-run keys (faceCheckIdOf). The
//                  owner's id carries no personal data, so neither does this.
//   input          FaceCheckInput
//   result         FaceCheckResult { outcome: 'success'|'fail'|'expired'|'rejected', certifyId, faceRecordId, error, … }
//   update IN      completeFace    (FaceCompletion → CompletionVerdict)  the app's SDK completion, relayed
//                                  by the API, answered with its verdict in the same round trip
//   signal IN      faceCompletion  (FaceCompletion)   the same completion as a signal (the API sent it so
//                                  before completeFace; kept for histories and clients of then)
//   signal OUT     faceCheckReady  (FaceCheckReady)   sent to the PARENT once the certifyId is issued
//                                  (not when the parent issued it: input.issued)
//   query          state           (FaceCheckState)   incl. the verdict on every completion received
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { STATE_QUERY, type FlowError, type RequestMeta } from '../shared/contract';
import type { FaceProviderName } from '../../lib/face-providers';

/** Where a face check is used; one quota pool for all of them (the seed shares it). */
export type FaceScene = 'personal' | 'rebind_phone' | 'rebind_email' | 'recovery' | 'reset_security' | 'unfreeze' | 'cancellation';

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
  /**
   * The certifyId its owner issued already (real-name, from fewer-tasks on): the check starts
   * waiting for the completion, and tells its parent nothing. Absent: it issues one itself and
   * signals faceCheckReady.
   */
  issued?: FaceCheckIssued;
}

export type FaceCheckIssued = Omit<FaceCheckReady, 'faceCheckId'>;

export interface FaceCheckReady {
  faceCheckId: string;
  /** the provider's credential for the app's SDK (WeChat: the verify_id for wx.requestFacialVerify) */
  certifyId: string;
  faceRecordId: string;
  expiresAt: string;
  /** whose SDK the app runs; absent in checks issued before providers: dcloud */
  provider?: FaceProviderName;
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

export type FaceCheckStage = 'issuing' | 'awaiting_completion' | 'billing' | 'fetching_result' | 'storing_picture' | 'closed';
export type FaceCheckOutcome = 'success' | 'fail' | 'expired' | 'rejected';
export type PictureState = 'off' | 'none' | 'stored' | 'failed';

export interface FaceCheckState {
  faceCheckId: string;
  scene: FaceScene;
  stage: FaceCheckStage;
  certifyId: string | null;
  faceRecordId: string | null;
  provider: FaceProviderName | null;
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
  /** a real-name run's record, when the check's settling step made it (its owner's, SETTLE_THEN_RECORD) */
  recorded?: { realNameRecordId: string } | { error: FlowError };
}

export const faceCompletionSignal = defineSignal<[FaceCompletion]>('faceCompletion');
/** The completion as an update: records the verdict as the signal does, and answers with it. */
export const completeFaceUpdate = defineUpdate<CompletionVerdict, [FaceCompletion]>('completeFace');
export const faceCheckReadySignal = defineSignal<[FaceCheckReady]>('faceCheckReady');
export const faceCheckStateQuery = defineQuery<FaceCheckState>(STATE_QUERY);
/** The state of a check its owner's run hosts: that run's own 'state' query is the owner's. */
export const hostedFaceCheckStateQuery = defineQuery<FaceCheckState>('faceCheckState');
/** The query a check answers its state by: in its own workflow, or inside its owner's run. */
export const faceCheckStateQueryOf = (hosted: boolean) => (hosted ? hostedFaceCheckStateQuery : faceCheckStateQuery);

/** The face check's workflow id for an owner flow recorded before per-run keys. */
export const faceCheckIdOf = (ownerFlowId: string) => `${ownerFlowId}/face`;
