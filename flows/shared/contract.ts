// Messages and shapes several flows share, defined once and imported by the workflows,
// the API, the activities and the tests alike: who asked (RequestMeta), which contact
// (ContactKind), a code's limits and its sending (bind's code and rebind's proof answer
// the same requestCode update), the error a flow reports with its details (FlowError),
// and what every flow kind answers alike: its `state` query (each flow types it, one wire
// name so GET /v1/flows/:flowId reads any kind) and the cancelFlow update.
import type { FaceProviderName } from '../../lib/face-providers';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RetryPolicy, UpdateDefinition } from '@temporalio/common';
import type { ErrorInfo } from '../../lib/errors';

/** phone or email; what differs between them is in lib/contact-kinds.ts */
export type { ContactKind } from '../../lib/contact-kinds';

export interface RequestMeta {
  ip?: string;
  userAgent?: string;
  fingerprint?: string;
  /** the agreement the user accepted with this request (real-name: id real), kept with the face row */
  agreement?: AcceptedAgreement;
}

export interface AcceptedAgreement {
  id: string;
  version: string;
  acceptedAt: string;
}

/** The limits a flow runs under, resolved from config and the scene table at start. */
export interface CodeLimits {
  codeTtlSec: number;
  resendGapSec: number;
  perDay: number;
  maxWrong: number;
  flowTtlSec: number;
}

/** An error a flow reports: its catalogue code, text and details (lib/errors.ts flowError, errorOf). */
export type FlowError = ErrorInfo;

export interface CodeSent {
  flowId: string;
  sentTo: string; // masked
  codeExpiresAt: string;
  resendAvailableAt: string;
}

/** A notice to one of an account's contacts, as the notice activities report it. */
export interface NoticeOutcome {
  channel: 'sms' | 'mail';
  to: string; // masked
  /** capped: over the day's notices of this kind for the account (NOTICE_*_DAILY_LIMIT), not sent */
  status: 'sent' | 'failed' | 'capped';
  providerCode: string;
}

/** The providerCode of a notice over the day's cap (nothing was asked of a provider). */
export const NOTICE_CAPPED = 'DAILY_LIMIT';

/** The retry policy of the legacy notice step (sendRebindNotices): its last attempt reports. */
export const NOTICE_RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 } as const satisfies RetryPolicy;
/** A provider's transient fault is retried this many attempts, then the notice is reported failed. */
export const NOTICE_ATTEMPTS = NOTICE_RETRY.maximumAttempts;

export const requestCodeUpdate = defineUpdate<CodeSent, []>('requestCode');
/**
 * Cancels a flow of any kind. An update, not a signal, so the caller learns the truth: it
 * waits for a step in progress to end, then cancels, or answers FLOW_CLOSED when that step
 * ended the flow. (The 'cancel' signals stay for flows recorded before it.)
 */
export const cancelFlowUpdate = defineUpdate<void, []>('cancelFlow');
/** Bind and rebind flows recorded before cancelFlow were cancelled by this signal; kept for them. */
export const legacyCancelSignal = defineSignal<[]>('cancel');
/** The wire name of every flow's state query; each contract types its own with it. */
export const STATE_QUERY = 'state';
/** A flow's state, untyped: for callers that serve every kind (GET /v1/flows/:flowId). */
export const anyFlowStateQuery = defineQuery<unknown>(STATE_QUERY);

// ---------------------------------------------------------------------------------------
// Grant flows (./grant-flow.ts): a person proves control of an account (a code to a bound
// contact, or a face check against its real-name identity) and the platform gets a single-use
// grant to redeem for what it guards. Account recovery (../recovery/) and password reset
// (../password-reset/) are grant flows; each names its own updates and purpose. The security
// check (../security-check/) is one whose grant, the security pass, is spent by a real-name run
// instead of redeemed: its flow ends once the pass is out.

export type GrantMethod = 'sms' | 'mail' | 'face';
/** What a grant is for: the activities read their events, notices and keys by it. */
export type GrantPurpose = 'recovery' | 'password_reset' | 'security';

export interface GrantFlowInput {
  accountId: string;
  method: GrantMethod;
  deviceId: string;
  /** keyed hash of (account, method, device) made by the API: a repeat start is recognized by it */
  requestDigest: string;
  /** sms / mail: the code's limits; flowTtlSec bounds the proof for every method */
  limits: CodeLimits;
  /** face: the face token's lifetime */
  faceTtlSec: number;
  /** how long a proven grant may be redeemed */
  grantTtlSec: number;
  meta: RequestMeta;
  /** the session the redemption keeps (password reset: the device that reset stays logged in) */
  keepSessionId?: string | null;
  /** the grant is for this device only (the security pass: the environment verdict is the device's) */
  boundDeviceId?: string | null;
}

export type GrantStage =
  | 'starting'
  | 'awaiting_code'
  | 'verifying'
  | 'awaiting_face'
  | 'granting'
  | 'awaiting_redeem'
  | 'redeeming'
  | 'recovered'
  | 'reset'
  | 'passed'
  | 'rejected'
  | 'failed'
  | 'expired'
  | 'locked'
  | 'cancelled';
export type GrantOutcome = 'recovered' | 'reset' | 'passed' | 'rejected' | 'fail' | 'expired' | 'locked' | 'cancelled';

export interface GrantStarted {
  flowId: string;
  method: GrantMethod;
  /** sms / mail: the code sent */
  code: CodeSent | null;
  /** face: the check the app runs */
  face: { faceCheckId: string; certifyId: string; faceRecordId: string; expiresAt: string; provider: FaceProviderName } | null;
  cache: boolean;
}

/** The proof succeeded: the API turns grantRef into the grant (lib/recovery-grant.ts grantOf). */
export interface GrantVerified {
  flowId: string;
  grantRef: string;
  grantExpiresAt: string;
}

export interface GrantRedeemed {
  flowId: string;
  accountId: string;
  sessionsEnded: string[];
  notices: NoticeOutcome[];
}

export interface GrantState {
  flowId: string;
  accountId: string;
  method: GrantMethod;
  stage: GrantStage;
  codesSent: number;
  codeExpiresAt: string | null;
  wrongAttempts: number;
  attemptsLeft: number;
  faceCheckId: string | null;
  certifyId: string | null;
  expiresAt: string;
  grantExpiresAt: string | null;
  outcome: GrantOutcome | null;
  error: FlowError | null;
}

export interface GrantResult {
  flowId: string;
  accountId: string;
  method: GrantMethod;
  outcome: GrantOutcome;
  /** the kind's success text / the error's text */
  message: string;
  sessionsEnded: string[];
  error: FlowError | null;
}

/** What makes a grant flow one kind or another (workflow side). */
export interface GrantKind {
  purpose: GrantPurpose;
  /** the code scene of its sms / mail proof (lib/scenes.ts) */
  codeScene: 'recover_account' | 'update_password' | 'security_check';
  /** its face check's scene; null: no face method */
  faceScene: 'recovery' | null;
  flowIdOf(accountId: string): string;
  /** the outcome and stage of a redeemed grant (spent elsewhere: of a granted run), and its text */
  done: 'recovered' | 'reset' | 'passed';
  /**
   * The grant is spent by another flow (the security pass, by a real-name run: its row says
   * when), not redeemed here: the run ends as soon as it is handed out.
   */
  spentElsewhere?: boolean;
  doneMessage: string;
  updates: {
    begin: UpdateDefinition<GrantStarted, [{ method: GrantMethod; deviceId: string; requestDigest: string }]>;
    submit: UpdateDefinition<GrantVerified, [{ code: string }]>;
    collect: UpdateDefinition<GrantVerified, []>;
    redeem: UpdateDefinition<GrantRedeemed, [{ grantHash: string }]>;
  };
}
