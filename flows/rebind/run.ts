// One rebind run's state and the guard every step runs under, shared by the workflow
// (./workflow.ts) and its two ways of proving the old contact (./proof-by-code.ts,
// ./proof-by-face.ts). Workflow code: deterministic, no I/O.
import type { ApplicationFailure } from '@temporalio/workflow';
import type { RebindActivities } from './activities';
import { DURABLE_STEP, shortSteps } from '../shared/activity-options';
import { failure, failureOf, type ErrorCode } from '../../lib/errors';
import { FlowStatus } from '../shared/flow-status';
import { flowRun } from '../shared/run-key';
import type { RebindInput, RebindOutcome, RebindStage } from './contract';

const { issueUnbindToken } = shortSteps<RebindActivities>(DURABLE_STEP);

/** Rejections that mean the flow can never succeed. */
const FATAL: ReadonlySet<string> = new Set<ErrorCode>(['ACCOUNT_NOT_FOUND', 'PHONE_NOT_BOUND', 'EMAIL_NOT_BOUND', 'CONTACT_CHANGED']);

/** Same length and same characters, without an early exit on the first difference. */
function sameToken(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

export class RebindRun {
  readonly flowId: string;
  readonly runKey: string;
  readonly perRun: boolean;
  readonly childId: (ownerFlowId: string, name: string) => string;
  readonly expiresAt: number;
  readonly status = new FlowStatus<RebindStage, RebindOutcome>('sending_proof', ['awaiting_proof_code', 'awaiting_face', 'awaiting_new_contact', 'awaiting_new_code']);
  /** the unbind token, once the old contact is proven */
  token: string | null = null;
  tokenExpiresAt = 0;
  /** counted per flow, across the proof code and the new contact's code */
  wrongAttempts = 0;

  constructor(readonly input: RebindInput) {
    const { flowId, runKey, perRun, childId, startedAt } = flowRun();
    this.flowId = flowId;
    this.runKey = runKey;
    this.perRun = perRun;
    this.childId = childId;
    this.expiresAt = startedAt + input.flowTtlSec * 1000;
  }

  get open(): boolean {
    return this.status.open;
  }

  get busy(): boolean {
    return this.status.busy;
  }

  get maxWrong(): number {
    return this.input.proofLimits.maxWrong;
  }

  setStage(s: RebindStage): void {
    this.status.setStage(s);
  }

  finish(o: RebindOutcome, s: RebindStage, err?: ApplicationFailure): void {
    this.status.finish(o, s, err);
  }

  tokenLive(): boolean {
    return this.token !== null && Date.now() < this.tokenExpiresAt;
  }

  assertToken(given: unknown): void {
    if (typeof given !== 'string' || this.token === null || !this.tokenLive() || !sameToken(given, this.token)) throw failure('UNBIND_TOKEN_INVALID');
  }

  /** The old contact is proven: a token for the next step. false when the flow closed meanwhile. */
  async grantToken(): Promise<boolean> {
    const issued = await issueUnbindToken();
    if (this.perRun && !this.open) return false; // cancelled or expired meanwhile: no token for a closed flow
    this.token = issued;
    this.tokenExpiresAt = Date.now() + this.input.tokenTtlSec * 1000;
    this.setStage('awaiting_new_contact');
    return true;
  }

  /** One wrong code more; the flow locks at the limit. */
  wrongCode(): ApplicationFailure {
    this.wrongAttempts += 1;
    const attemptsLeft = this.maxWrong - this.wrongAttempts;
    if (attemptsLeft > 0) return failure('CODE_WRONG', { attemptsLeft });
    const f = failure('CODE_ATTEMPTS_EXCEEDED');
    this.finish('locked', 'locked', f);
    return f;
  }

  /** Runs a handler body with the flow marked busy; fatal rejections end the flow. */
  async step<T>(during: RebindStage, after: RebindStage | null, body: () => Promise<T>): Promise<T> {
    this.status.busy = true;
    this.setStage(during);
    try {
      return await body();
    } catch (err) {
      const f = failureOf(err);
      if (this.open && FATAL.has(f.type ?? '')) this.finish('rejected', 'rejected', f);
      throw f;
    } finally {
      this.status.busy = false;
      if (this.open && after && this.status.stage === during) this.setStage(after);
    }
  }
}
