// Messages and shapes of the real-name saga, defined once and imported by the workflow,
// the API and the tests alike. Its face step is the face check (../face-check/contract.ts).
//
// Real-name saga (./workflow.ts):
//   workflow type  realName, id `real-name:<accountId>`
//   update         beginRealName   update-with-start; answers once the certifyId is issued
//                                  (a repeat from the same device with the same request answers
//                                  the same certifyId, cached: true)
//   query          state (RealNameState)
//   update         cancelFlow     cancels a flow waiting for the face (the face check gives its
//                                  hold back); answers FLOW_CLOSED when the flow ended otherwise
import type { FaceProviderName } from '../../lib/face-providers';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { STATE_QUERY, type FlowError, type RequestMeta } from '../shared/contract';

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
  /**
   * environmentSafe false and a security pass the API accepted: its hex SHA-256 (never the pass),
   * spent by the run's first step after the pre-checks (../security-check/activities.ts)
   */
  securityPassHash?: string;
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
  | 'rejected'
  | 'cancelled';
export type RealNameOutcome = 'verified' | 'fail' | 'expired' | 'rejected' | 'cancelled';

export interface RealNameStarted {
  flowId: string;
  faceCheckId: string;
  certifyId: string;
  faceRecordId: string;
  expiresAt: string;
  /** whose SDK the app runs with certifyId (WeChat: the verify_id for wx.requestFacialVerify) */
  provider: FaceProviderName;
  /** true when a repeat request got the live certifyId again (no second provider call) */
  cache: boolean;
  /** the run that hosts the face check (HOSTED_FACE): for the face token, not for the app */
  hostRunId?: string;
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

/** The seed's answer once the ID two-factor check matched (4/24 #11), beside the certifyId it goes on to (flow.message). */
export const ID_CHECKED_MESSAGE = '身份证核验成功';

export const beginRealNameUpdate = defineUpdate<RealNameStarted, [{ deviceId: string; requestDigest: string }]>('beginRealName');
export const realNameStateQuery = defineQuery<RealNameState>(STATE_QUERY);

/** The real-name flow of an account: one live flow per account, no personal data in the id. */
export const realNameFlowIdOf = (accountId: string) => `real-name:${accountId}`;
