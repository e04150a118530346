// The security check's commands of the model-based test (flows/security-check/): a logged-in
// user whose environment the platform flagged unsafe starts the check (a code to the bound
// phone), submits right and wrong codes, and real-name is started with the pass it answered
// (RealNameStart with a pass, ./commands.ts). The model says each answer, which pass is spent by
// which run, the event of a pass issued and every code the phone received.
import fc from 'fast-check';
import { Cancel, Compose, expectAnswer, expectNoFlow, flowIdOf, RealNameComplete, RealNameStart, sendInChallenge, Step } from './commands';
import type { System } from './system';
import { event, LIMITS, type CodeChallengeModel, type FaceDevice, type SecurityFlow, type World } from './world';

const other = (code: string) => (code === '000000' ? '111111' : '000000');

/** device: the one the check names, where real-name then runs its face check (its pass is for it only). */
class SecurityStart extends Step {
  constructor(readonly acct: number, readonly device: FaceDevice) {
    super();
  }
  toString() {
    return `SecurityStart(a${this.acct}, ${this.device})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const what = this.toString();
    // a logged-in user: a session of its own
    const sessionId = await sys.registerSession(a.id);
    a.sessionsLive += 1;
    const send = () => sys.call('POST', `/v1/accounts/${a.id}/security-check`, { sessionId, deviceId: sys.deviceId(a.id, this.device) });
    if (a.frozen) return expectAnswer(await send(), 423, 'ACCOUNT_FROZEN', what);
    if (!a.phone) return expectAnswer(await send(), 409, 'SECURITY_CHECK_PHONE_REQUIRED', what);
    const live = a.flows['security-check'] as SecurityFlow | undefined;
    if (live) {
      // the same start again (same account, method, device): the same answer, no second code
      const r = await send();
      if (live.device !== this.device || live.repeats >= 10) return expectAnswer(r, 409, 'FLOW_IN_PROGRESS', what);
      expectAnswer(r, 200, null, what);
      if (r.body.flow.cache !== true) throw new Error(`${what}: not cached`);
      live.repeats += 1;
      return;
    }
    a.started.add('security-check');
    const c: CodeChallengeModel = { to: a.phone, scene: 'security_check', channel: 'sms', code: null, sent: 0, attempts: 0 };
    const r = await sendInChallenge(w, sys, c, send, what);
    if (r.status !== 201) return;
    a.flows['security-check'] = { type: 'security', deadline: Date.now() + LIMITS.flowTtlSec * 1000, wrong: 0, challenge: c, repeats: 0, device: this.device };
  }
}

class SecuritySubmit extends Step {
  constructor(readonly acct: number, readonly right: boolean) {
    super();
  }
  toString() {
    return `SecuritySubmit(a${this.acct}, ${this.right ? 'right' : 'wrong'})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const f = a.flows['security-check'] as SecurityFlow | undefined;
    const what = this.toString();
    const live = f?.challenge.code ?? '123456';
    const r = await sys.call('POST', `/v1/flows/${flowIdOf('security-check', a)}/code`, { code: this.right ? live : other(live) });
    if (!f) return expectNoFlow(r, a, 'security-check', what);
    if (!this.right) {
      f.wrong += 1;
      if (f.wrong >= LIMITS.maxWrong) {
        delete a.flows['security-check'];
        return expectAnswer(r, 429, 'CODE_ATTEMPTS_EXCEEDED', what);
      }
      return expectAnswer(r, 422, 'CODE_WRONG', what);
    }
    expectAnswer(r, 200, null, what);
    // the run ends with its pass, which only a real-name run spends
    delete a.flows['security-check'];
    a.securityPass = { pass: r.body.grant.grant, device: f.device, spent: false };
    event(a, 'account.security_verified');
  }
}

const acct = fc.integer({ min: 0, max: 4 });
const verifier = fc.integer({ min: 1, max: 2 });
// no device whose verdict never comes here: the pass path is what this file is about
const device = fc.constantFrom<FaceDevice>('ok', 'ok', 'ok', 'fail', 'upstream', 'a204', 'a500', 'mp-ok', 'mp-fail');

export const SECURITY_COMMANDS: fc.Arbitrary<fc.AsyncCommand<World, System>>[] = [
  fc.tuple(acct, device).map(([a, d]) => new SecurityStart(a, d)),
  fc.tuple(acct, fc.boolean()).map(([a, right]) => new SecuritySubmit(a, right)),
  acct.map((a) => new Cancel(a, 'security-check')),
  // real-name from an unsafe environment: the newest pass (spent or not, this device or not), or none
  fc.tuple(acct, fc.constantFrom<0 | 1>(0, 1), device).map(([a, i, d]) => new RealNameStart(a, i, d, true)),
  // the whole path on one device: the check (a wrong code, the right one), real-name with its
  // pass (twice: the repeat gets the run's answer), the face (FAIL on the fail device, no run on
  // upstream); then the pass again (spent: refused, unless the account is verified now)
  fc
    .tuple(verifier, device)
    .map(([a, d]) => new Compose('SecurityThenRealName', [new SecurityStart(a, d), new SecuritySubmit(a, false), new SecuritySubmit(a, true), new RealNameStart(a, 0, d, true), new RealNameStart(a, 0, d, true), new RealNameComplete(a), new RealNameStart(a, 1, d, true)])),
];
