// One code sent to one address, as a flow step: sending (with the resend gap checked
// in workflow time), its lifetime, and checking a submission. Bind uses one; rebind
// uses two (proof of the old contact, then the new contact). Wrong tries are counted by
// the flow, across its challenges and resends.
import { setHandler } from '@temporalio/workflow';
import { shortSteps } from './activity-options';
import { requestCodeUpdate } from './contract';
import type { CheckCodeInput, CodeActivities, CodePrecheck } from './activities/codes';
import { failure } from '../../lib/errors';
import type { ApplicationFailure } from '@temporalio/common';
import type { Channel, Scene } from '../../lib/scenes';
import type { CodeLimits, CodeSent, ContactKind } from './contract';

const { sendCode, checkCode } = shortSteps<CodeActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3 },
});

export const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The answer to a flow's nth wrong code: CODE_WRONG with the attempts left, or, at the flow's
 * limit, CODE_ATTEMPTS_EXCEEDED, and the flow locks.
 */
export function wrongCodeAnswer(wrong: number, maxWrong: number): { locks: boolean; failure: ApplicationFailure } {
  const attemptsLeft = maxWrong - wrong;
  return attemptsLeft > 0 ? { locks: false, failure: failure('CODE_WRONG', { attemptsLeft }) } : { locks: true, failure: failure('CODE_ATTEMPTS_EXCEEDED') };
}

export interface ChallengeSpec {
  name: string; // part of request keys: 'code', 'proof', 'new'
  scene: Scene;
  channel: Channel;
  target?: string;
  targetOfAccount?: ContactKind;
  prechecks: CodePrecheck[];
}

/**
 * The shared requestCode update of a flow with one challenge (the grant flows, a face scene by
 * code): another code while no step runs; `assertMayResend` first says whether this flow takes
 * one at all now.
 */
export function handleResends(challenge: CodeChallenge, status: { busy: boolean }, assertMayResend: () => void): void {
  setHandler(
    requestCodeUpdate,
    async (): Promise<CodeSent> => {
      status.busy = true;
      try {
        return await challenge.send();
      } finally {
        status.busy = false;
      }
    },
    {
      validator: () => {
        assertMayResend();
        challenge.assertMaySend();
      },
    },
  );
}

export class CodeChallenge {
  codeId: string | null = null;
  codeExpiresAt = 0;
  lastSentAt = 0;
  codesSent = 0;
  sentTo: string | null = null;
  private submissions = 0;
  private sendAttempts = 0;

  constructor(
    private readonly flowId: string,
    /** the run's key prefix (./run-key.ts): request and submission keys are this run's own */
    private readonly runKey: string,
    private readonly accountId: string,
    private readonly limits: CodeLimits,
    readonly spec: ChallengeSpec,
  ) {}

  get live(): boolean {
    return this.codeId !== null && Date.now() < this.codeExpiresAt;
  }

  /**
   * For validators: refuse what the send would refuse anyway, without touching history: a
   * resend inside the gap, and more codes than one address may get in a day (a flow lives
   * less than a day). Failed sends are bounded too, so no request grows the history for ever.
   */
  assertMaySend(): void {
    const wait = this.lastSentAt + this.limits.resendGapSec * 1000 - Date.now();
    if (this.lastSentAt && wait > 0) throw failure('CODE_TOO_SOON', { retryAfterSec: Math.ceil(wait / 1000) });
    if (this.codesSent >= this.limits.perDay || this.sendAttempts >= 2 * this.limits.perDay) throw failure('CODE_DAILY_LIMIT', { perDay: this.limits.perDay });
  }

  /** For validators: the submission can be checked at all. */
  assertMaySubmit(code: unknown, wrongAttempts: number): void {
    if (typeof code !== 'string' || !/^\d{6}$/.test(code)) throw failure('CODE_INVALID_FORMAT');
    if (this.codeId === null) throw failure('CODE_NOT_SENT');
    if (!this.live) throw failure('CODE_EXPIRED');
    if (wrongAttempts >= this.limits.maxWrong) throw failure('CODE_ATTEMPTS_EXCEEDED');
  }

  async send(): Promise<CodeSent> {
    this.sendAttempts += 1;
    const sent = await sendCode({
      flowId: this.flowId,
      runKey: this.runKey,
      requestKey: `${this.runKey}/${this.spec.name}/${this.codesSent + 1}`,
      accountId: this.accountId,
      scene: this.spec.scene,
      channel: this.spec.channel,
      target: this.spec.target,
      targetOfAccount: this.spec.targetOfAccount,
      prechecks: this.spec.prechecks,
      perDay: this.limits.perDay,
      resendGapSec: this.limits.resendGapSec,
    });
    this.codeId = sent.codeId;
    this.sentTo = sent.sentTo;
    this.codesSent += 1;
    this.lastSentAt = Date.now();
    this.codeExpiresAt = this.lastSentAt + this.limits.codeTtlSec * 1000;
    return {
      flowId: this.flowId,
      sentTo: sent.sentTo,
      codeExpiresAt: iso(this.codeExpiresAt),
      resendAvailableAt: iso(this.lastSentAt + this.limits.resendGapSec * 1000),
    };
  }

  /** True when the code is right; the code is then spent. */
  async check(code: string): Promise<boolean> {
    const { ok } = await checkCode(this.submission(code));
    return ok;
  }

  /** The next submission of the live code, under its own key (a step that checks it itself). */
  submission(code: string): CheckCodeInput {
    this.submissions += 1;
    return { flowId: this.flowId, codeId: this.codeId!, code, submissionKey: `${this.runKey}/${this.spec.name}/submit/${this.submissions}` };
  }

  /** Milliseconds until the live code dies (for the flow's timer), Infinity when none. */
  msToExpiry(): number {
    return this.live ? this.codeExpiresAt - Date.now() : Infinity;
  }
}
