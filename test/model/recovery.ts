// Account recovery's commands of the model-based test (flows/recovery/): a user without a login
// looks the account up (by its phone, else its email), starts a recovery by a code to a bound
// contact (a double click too), submits right and wrong codes, and the platform redeems the
// grant (then replays it). The model says each answer, in the order the API checks
// (docs/flows/recovery.md#routes), and what a redemption changes (every session ended, the
// events, a notice to each bound contact); ./invariants.ts compares it with Postgres and the
// inboxes after every step. By face: the check against the account's real-name identity draws
// on the quota pool (held at the start, consumed by the completion, given back when it ends
// unbilled), and the grant is collected once the check passed.
import fc from 'fast-check';
import { Cancel, Compose, completeFace, expectAnswer, expectFaceRefused, expectNoFlow, flowIdOf, sendInChallenge, Step } from './commands';
import { completionOutcome, faceDevice, issuedCheck, predictStart, verdictCounted } from './face-providers';
import { eventually, type System } from './system';
import {
  consume,
  event,
  freeLeft,
  held,
  LIMITS,
  ModelError,
  noticesOwed,
  noticeStatuses,
  refund,
  type AccountModel,
  type CodeChallengeModel,
  type FaceDevice,
  type RecoveryFlow,
  type World,
} from './world';

type Method = 'sms' | 'mail' | 'face';
const GRANT = /^rg1\.[A-Za-z0-9_-]{43}$/;
/** repeats of a start, and collects of a grant, a run answers (flows/shared/grant-flow.ts) */
const MAX_REPEATS = 10;
const other = (code: string) => (code === '000000' ? '111111' : '000000');

/** The lookup the user starts from; null when it answered no ticket (the limit, or no match). */
async function lookedUp(w: World, sys: System, a: AccountModel, what: string): Promise<string | null> {
  const by = a.phone ? { phone: a.phone } : a.email ? { email: a.email } : a.verifiedId ? { idNumber: a.verifiedId } : null;
  if (!by) return null;
  const id = Object.values(by)[0]!;
  const r = await sys.call('POST', '/v1/recovery/lookup', by);
  const n = (w.lookups[id] ?? 0) + 1;
  w.lookups[id] = n;
  if (n > LIMITS.lookupsPerIdentifier) {
    expectAnswer(r, 429, 'RECOVERY_LOOKUP_LIMIT', `${what} lookup`);
    return null;
  }
  expectAnswer(r, 200, null, `${what} lookup`);
  const ids = r.body.recovery.matches.map((m: { accountId: string }) => m.accountId);
  if (ids.length !== 1 || ids[0] !== a.id) throw new ModelError(`${what}: lookup matched ${JSON.stringify(ids)}`);
  return r.body.recovery.matches[0].ticket;
}

export class RecoveryStart extends Step {
  constructor(readonly acct: number, readonly method: Method, readonly device: FaceDevice = 'ok') {
    super();
  }
  toString() {
    return `RecoveryStart(a${this.acct}, ${this.method}${this.method === 'face' ? `, ${this.device}` : ''})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const what = this.toString();
    const ticket = await lookedUp(w, sys, a, what);
    if (!ticket) return;
    const deviceId = this.method === 'face' ? sys.deviceId(a.id, this.device) : 'model-web';
    const send = () => sys.call('POST', '/v1/recovery/flows', { ticket, method: this.method, deviceId });
    const live = a.flows.recovery as RecoveryFlow | undefined;
    if (this.method === 'face') {
      if (!a.verifiedId) return expectAnswer(await send(), 409, 'RECOVERY_METHOD_UNAVAILABLE', what);
      // verified, but its identity redacted: nothing to check a face against
      if (a.identityRedacted) return expectAnswer(await send(), 409, 'REAL_NAME_REQUIRED', what);
      // the unit the flow's own live check holds still counts for a repeat start
      if (freeLeft(a) + a.purchased - held(a) + (live?.face ? 1 : 0) < 1) return expectAnswer(await send(), 402, 'FACE_QUOTA_REQUIRED', what);
    } else if (!(this.method === 'sms' ? a.phone : a.email)) {
      return expectAnswer(await send(), 409, 'RECOVERY_METHOD_UNAVAILABLE', what);
    }
    if (live) {
      const r = await send();
      // a repeat of the same start (its device too) answers the same; anything else is another request
      const same = live.method === this.method && (this.method !== 'face' || live.face?.device === this.device);
      if (!same || live.verified || live.grant !== null || live.repeats >= MAX_REPEATS) return expectAnswer(r, 409, 'FLOW_IN_PROGRESS', what);
      expectAnswer(r, 200, null, what);
      live.repeats += 1;
      const again = this.method === 'face' ? r.body.flow.face?.certifyId === live.face!.certifyId && r.body.flow.face?.provider === live.face!.provider : r.body.flow.code?.sentTo === live.sentTo;
      if (r.body.flow.cache !== true || !again) throw new ModelError(`${what}: not the same answer ${JSON.stringify(r.body)}`);
      return;
    }
    a.started.add('recovery');
    const flow: RecoveryFlow = { type: 'recovery', method: this.method, deadline: 0, wrong: 0, challenge: null, face: null, verified: false, grant: null, repeats: 0, collects: 0, sentTo: '' };
    if (this.method === 'face') {
      const predicted = predictStart(w, 'recovery', this.device);
      const r = await send();
      if (expectFaceRefused(r, predicted, what)) return;
      expectAnswer(r, 201, null, what);
      const { face, clientToken } = r.body.flow;
      flow.deadline = Date.now() + LIMITS.faceTtlSec * 1000;
      flow.face = issuedCheck(w, a, predicted, this.device, { ...face, clientToken }, flow.deadline, what);
      a.flows.recovery = flow;
      return;
    }
    const c: CodeChallengeModel = { to: (this.method === 'sms' ? a.phone : a.email)!, scene: 'recover_account', channel: this.method, code: null, sent: 0, attempts: 0 };
    const r = await sendInChallenge(w, sys, c, send, what);
    if (r.status !== 201) return;
    a.flows.recovery = { ...flow, deadline: Date.now() + LIMITS.flowTtlSec * 1000, challenge: c, sentTo: r.body.flow.code.sentTo };
  }
}

/** The app completes the recovery's face check: the unit is spent, the grant issued when it passed. */
export class RecoveryFaceComplete extends Step {
  constructor(readonly acct: number) {
    super();
  }
  toString() {
    return `RecoveryFaceComplete(a${this.acct})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const f = a.flows.recovery as RecoveryFlow | undefined;
    if (!f?.face) return;
    const what = this.toString();
    const face = f.face;
    const r = await completeFace(sys, a, face);
    expectAnswer(r, 200, null, what);
    const source = consume(a);
    verdictCounted(w, a, face);
    f.face = null;
    const got = r.body.result.outcome;
    const want = completionOutcome(face.verdict);
    if (got !== want) throw new ModelError(`${what}: outcome ${got}, expected ${want} (${JSON.stringify(r.body.result)})`);
    if (want !== 'success') {
      // no result from the provider: the unit goes back; a FAIL is billed
      if (face.verdict === 'pending') refund(a, source);
      delete a.flows.recovery;
      return;
    }
    f.verified = true;
    f.deadline = Date.now() + LIMITS.recoveryGrantTtlSec * 1000;
    event(a, 'account.recovery_verified');
    // the completion answers the check's own outcome; the flow issues its grant (and the event) right after
    const events = a.events['account.recovery_verified'];
    await eventually(
      async () => (await sys.q<{ n: number }>("SELECT count(*)::int AS n FROM callback_events WHERE account_id = $1 AND type = 'account.recovery_verified'", [a.id]))[0]!.n === events,
      'the grant issued after the face check',
    );
  }
}

/** The grant of a passed face check, collected (again: the same grant). */
export class RecoveryCollect extends Step {
  constructor(readonly acct: number) {
    super();
  }
  toString() {
    return `RecoveryCollect(a${this.acct})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const f = a.flows.recovery as RecoveryFlow | undefined;
    // a collect waits for the check's verdict: only asked once there is one
    if (f?.method === 'face' && !f.verified) return;
    const what = this.toString();
    const r = await sys.call('POST', `/v1/flows/${flowIdOf('recovery', a)}/grant`);
    if (!f) return expectNoFlow(r, a, 'recovery', what);
    if (f.method !== 'face') return expectAnswer(r, 409, 'PROOF_METHOD_MISMATCH', what);
    if (f.collects >= MAX_REPEATS) return expectAnswer(r, 409, 'FLOW_IN_PROGRESS', what);
    f.collects += 1;
    expectAnswer(r, 200, null, what);
    const grant = r.body.grant.grant;
    if (!GRANT.test(grant) || (f.grant !== null && grant !== f.grant)) throw new ModelError(`${what}: grant ${grant}, had ${f.grant}`);
    f.grant = grant;
  }
}

class RecoverySubmit extends Step {
  constructor(readonly acct: number, readonly right: boolean) {
    super();
  }
  toString() {
    return `RecoverySubmit(a${this.acct}, ${this.right ? 'right' : 'wrong'})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const f = a.flows.recovery as RecoveryFlow | undefined;
    const what = this.toString();
    const live = f?.challenge?.code ?? '123456';
    const r = await sys.call('POST', `/v1/flows/${flowIdOf('recovery', a)}/code`, { code: this.right ? live : other(live) });
    if (!f) return expectNoFlow(r, a, 'recovery', what);
    if (f.method === 'face') return expectAnswer(r, 409, 'PROOF_METHOD_MISMATCH', what);
    if (f.grant) return expectAnswer(r, 409, 'FLOW_IN_PROGRESS', what);
    if (!this.right) {
      f.wrong += 1;
      if (f.wrong >= LIMITS.maxWrong) {
        delete a.flows.recovery;
        return expectAnswer(r, 429, 'CODE_ATTEMPTS_EXCEEDED', what);
      }
      expectAnswer(r, 422, 'CODE_WRONG', what);
      if (r.body.error.details?.attemptsLeft !== LIMITS.maxWrong - f.wrong) throw new ModelError(`${what}: attemptsLeft ${r.body.error.details?.attemptsLeft}`);
      return;
    }
    expectAnswer(r, 200, null, what);
    f.grant = r.body.grant.grant;
    if (!GRANT.test(f.grant!)) throw new ModelError(`${what}: grant ${f.grant}`);
    f.deadline = Date.now() + LIMITS.recoveryGrantTtlSec * 1000;
    event(a, 'account.recovery_verified');
  }
}

/** The platform redeems the live grant (then the same again: refused), or a grant never issued. */
export class RecoveryRedeem extends Step {
  constructor(readonly acct: number) {
    super();
  }
  toString() {
    return `RecoveryRedeem(a${this.acct})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const f = a.flows.recovery as RecoveryFlow | undefined;
    const what = this.toString();
    const redeem = (grant: string) => sys.call('POST', `/v1/recovery-grants/${grant}/redeem`, {});
    if (!f?.grant) return expectAnswer(await redeem(`rg1.${'Q'.repeat(43)}`), 404, 'RECOVERY_GRANT_INVALID', what);
    const r = await redeem(f.grant);
    expectAnswer(r, 200, null, what);
    if (r.body.result.message !== '账户找回成功') throw new ModelError(`${what}: message ${r.body.result.message}`);
    delete a.flows.recovery;
    a.sessionsLive = 0;
    event(a, 'account.recovered');
    const sent = noticeStatuses(r.body.result.notices);
    const want = noticesOwed(w, a, 'recovery_notice');
    if (JSON.stringify(sent) !== JSON.stringify(want)) throw new ModelError(`${what}: notices ${JSON.stringify(sent)}, expected ${JSON.stringify(want)}`);
    expectAnswer(await redeem(f.grant), 409, 'RECOVERY_GRANT_USED', `${what} replayed`);
  }
}

const acct = fc.integer({ min: 0, max: 4 });
const method = fc.constantFrom<'sms' | 'mail'>('sms', 'sms', 'mail');
const device = faceDevice;

export const RECOVERY_COMMANDS: fc.Arbitrary<fc.AsyncCommand<World, System>>[] = [
  fc.tuple(acct, method).map(([a, m]) => new RecoveryStart(a, m)),
  fc.tuple(acct, device).map(([a, d]) => new RecoveryStart(a, 'face', d)),
  fc.tuple(acct, fc.boolean()).map(([a, right]) => new RecoverySubmit(a, right)),
  acct.map((a) => new RecoveryFaceComplete(a)),
  acct.map((a) => new RecoveryCollect(a)),
  acct.map((a) => new RecoveryRedeem(a)),
  acct.map((a) => new Cancel(a, 'recovery')),
  // a whole recovery: looked up, started (clicked twice), proven, redeemed
  fc.tuple(acct, method).map(
    ([a, m]) => new Compose('Recovery', [new RecoveryStart(a, m), new RecoveryStart(a, m), new RecoverySubmit(a, false), new RecoverySubmit(a, true), new RecoveryRedeem(a)]),
  ),
  fc.tuple(acct, device).map(
    ([a, d]) =>
      new Compose('FaceRecovery', [new RecoveryStart(a, 'face', d), new RecoveryStart(a, 'face', d), new RecoveryFaceComplete(a), new RecoveryCollect(a), new RecoveryCollect(a), new RecoveryRedeem(a)]),
  ),
];
