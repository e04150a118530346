// Messages and shapes of the phone / email rebind flows, defined once for the
// workflow, the API and the tests. The proof step answers requestCode, as bind's code
// does (../shared/contract.ts).
import type { FlowError } from '../shared/contract';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { STATE_QUERY, type CodeLimits, type CodeSent, type ContactKind, type RequestMeta } from '../shared/contract';

/** How the user proves control: a code to the bound phone or email, or a face check
 *  against the account's real-name identity (verified accounts only). */
export type ProofMethod = 'sms' | 'email' | 'face';

/** The face method's check, run as the reusable faceCheck child workflow. */
export interface FaceProofInput {
  deviceId: string;
  /** keyed hash of (account, scene), for certifyId reuse; no personal data */
  requestDigest: string;
  ttlSec: number;
}

export interface FaceProofStarted {
  flowId: string;
  faceCheckId: string;
  certifyId: string;
  faceRecordId: string;
  expiresAt: string;
}

export interface RebindInput {
  accountId: string;
  kind: ContactKind;
  method: ProofMethod;
  /** blind index (hex) of the contact the flow started from: applied only if unchanged */
  expectedContactIdx: string;
  proofLimits: CodeLimits;
  newLimits: CodeLimits;
  tokenTtlSec: number;
  flowTtlSec: number;
  meta: RequestMeta;
  sessionId?: string;
  /** with method 'face' */
  face?: FaceProofInput;
  /** how many different new contacts one proof may send codes to (absent: 3) */
  newContactLimit?: number;
}

export type RebindStage =
  | 'sending_proof'
  | 'awaiting_proof_code'
  | 'awaiting_face'
  | 'verifying_proof'
  | 'awaiting_new_contact'
  | 'awaiting_new_code'
  | 'verifying_new_code'
  | 'applying'
  | 'completed'
  | 'rejected'
  | 'expired'
  | 'locked'
  | 'cancelled';

export type RebindOutcome = 'rebound' | 'rejected' | 'expired' | 'locked' | 'cancelled';

// a rebind notice to one of the old contacts, and its step's retry policy (shared with recovery)
export { NOTICE_ATTEMPTS, NOTICE_RETRY, type NoticeOutcome } from '../shared/contract';
import type { NoticeOutcome } from '../shared/contract';

export interface RebindState {
  flowId: string;
  kind: ContactKind;
  method: ProofMethod;
  accountId: string;
  stage: RebindStage;
  proof: { sentTo: string | null; codesSent: number; codeExpiresAt: string | null };
  /** with method 'face': the check's id, certifyId and outcome once known */
  face: { faceCheckId: string; certifyId: string | null; outcome: string | null } | null;
  tokenExpiresAt: string | null;
  newContact: { target: string | null; codesSent: number; codeExpiresAt: string | null };
  wrongAttempts: number;
  attemptsLeft: number;
  expiresAt: string;
  outcome: RebindOutcome | null;
  error: FlowError | null;
}

export interface ProofAccepted {
  flowId: string;
  /** present it with the new contact; valid until tokenExpiresAt */
  unbindToken: string;
  tokenExpiresAt: string;
}

export interface RebindResult {
  flowId: string;
  outcome: RebindOutcome;
  accountId: string;
  kind: ContactKind;
  target: string | null; // masked new contact
  notices: NoticeOutcome[];
  sessionsEnded: string[];
  error: FlowError | null;
}

/** method 'face': starts the face check; answers once its certifyId is issued */
export const beginFaceProofUpdate = defineUpdate<FaceProofStarted, []>('beginFaceProof');
/** method 'face': the unbind token, once the face check succeeded */
/**
 * The seed's prompt once the proof is accepted, which the API puts beside the unbind token
 * (proof.message): 效验成功,可以绑定新手机号 (4/19 #11), 效验成功,可以绑定新的邮箱账户 (4/22 #9).
 */
export const PROOF_ACCEPTED_MESSAGE: Record<ContactKind, string> = { phone: '效验成功,可以绑定新手机号', email: '效验成功,可以绑定新的邮箱账户' };

/**
 * The seed's answer once the new contact is in place (result.message): 手机号换绑成功 (the rebind
 * button's text once done, 4/21 #3); 邮箱换绑成功 is not in the seed, worded alike. A rebind that
 * did not succeed answers its error's text there, as bind's result does.
 */
export const REBOUND_MESSAGE: Record<ContactKind, string> = { phone: '手机号换绑成功', email: '邮箱换绑成功' };

export const collectProofUpdate = defineUpdate<ProofAccepted, []>('collectProof');
export const submitProofUpdate = defineUpdate<ProofAccepted, [{ code: string }]>('submitProof');
/** target: normalized phone or email, validated at the API */
export const requestNewCodeUpdate = defineUpdate<CodeSent, [{ target: string; targetMasked: string; token: string }]>('requestNewCode');
export const submitNewCodeUpdate = defineUpdate<RebindResult, [{ code: string; token: string }]>('submitNewCode');
export const rebindStateQuery = defineQuery<RebindState>(STATE_QUERY);

/** One live rebind flow per account and kind; no personal data in the id. */
export const rebindFlowIdOf = (kind: ContactKind, accountId: string) => `rebind-${kind}:${accountId}`;
