// Password reset's commands of the model-based test (flows/password-reset/): a logged-in user
// starts a reset by SMS (a session of its own), or by mail with the account's email (or another
// one: refused), submits right and wrong codes, and the platform confirms with the grant (then
// replays it). The model says each answer and what a confirmation changes (every session but
// the one that reset ended, the events, a notice to each bound contact).
import fc from 'fast-check';
import { Cancel, Compose, expectAnswer, expectNoFlow, flowIdOf, sendInChallenge, Step } from './commands';
import type { System } from './system';
import { event, LIMITS, noticesOwed, noticeStatuses, ModelError, type CodeChallengeModel, type ResetFlow, type World } from './world';

type ResetMethod = 'sms' | 'mail' | 'mail-other';
const other = (code: string) => (code === '000000' ? '111111' : '000000');

class ResetStart extends Step {
  constructor(readonly acct: number, readonly method: ResetMethod) {
    super();
  }
  toString() {
    return `ResetStart(a${this.acct}, ${this.method})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const what = this.toString();
    const bySms = this.method === 'sms';
    // the SMS method asks from a session of the account's (a login of its own here)
    const sessionId = bySms ? await sys.registerSession(a.id) : undefined;
    if (sessionId) a.sessionsLive += 1;
    const email = this.method === 'mail' ? a.email : this.method === 'mail-other' ? `other-${a.id}@example.com` : undefined;
    const send = () => sys.call('POST', `/v1/accounts/${a.id}/password-reset`, { method: bySms ? 'sms' : 'mail', ...(sessionId ? { sessionId } : {}), ...(email ? { email } : {}) });
    // the frozen-account guard answers before the route's own checks
    if (a.frozen) return expectAnswer(await send(), 423, 'ACCOUNT_FROZEN', what);
    if (!bySms && email === null) return expectAnswer(await send(), 400, 'PASSWORD_RESET_PARAMS_INCOMPLETE', what);
    if (bySms && !a.phone) return expectAnswer(await send(), 409, 'SCENE_PHONE_REQUIRED', what);
    if (this.method === 'mail-other') return expectAnswer(await send(), 409, 'PASSWORD_RESET_EMAIL_MISMATCH', what);
    const live = a.flows['password-reset'] as ResetFlow | undefined;
    if (live) {
      const r = await send();
      // the same method from the same device (any session of the account) is a repeat of the
      // start, answered as it was; another method, or a run already proven, is another request
      if (live.method !== (bySms ? 'sms' : 'mail') || live.grant !== null || live.repeats >= 10) return expectAnswer(r, 409, 'FLOW_IN_PROGRESS', what);
      expectAnswer(r, 200, null, what);
      live.repeats += 1;
      if (r.body.flow.cache !== true || r.body.flow.code?.sentTo !== live.sentTo) throw new ModelError(`${what}: not the same answer ${JSON.stringify(r.body)}`);
      return;
    }
    a.started.add('password-reset');
    const c: CodeChallengeModel = { to: bySms ? a.phone! : a.email!, scene: 'update_password', channel: bySms ? 'sms' : 'mail', code: null, sent: 0, attempts: 0 };
    const r = await sendInChallenge(w, sys, c, send, what);
    if (r.status !== 201) return;
    a.flows['password-reset'] = { type: 'reset', method: bySms ? 'sms' : 'mail', repeats: 0, sentTo: r.body.flow.code.sentTo, deadline: Date.now() + LIMITS.flowTtlSec * 1000, wrong: 0, challenge: c, grant: null, keep: sessionId ?? null };
  }
}

class ResetSubmit extends Step {
  constructor(readonly acct: number, readonly right: boolean) {
    super();
  }
  toString() {
    return `ResetSubmit(a${this.acct}, ${this.right ? 'right' : 'wrong'})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const f = a.flows['password-reset'] as ResetFlow | undefined;
    const what = this.toString();
    const live = f?.challenge.code ?? '123456';
    const r = await sys.call('POST', `/v1/flows/${flowIdOf('password-reset', a)}/code`, { code: this.right ? live : other(live) });
    if (!f) return expectNoFlow(r, a, 'password-reset', what);
    if (f.grant) return expectAnswer(r, 409, 'FLOW_IN_PROGRESS', what);
    if (!this.right) {
      f.wrong += 1;
      if (f.wrong >= LIMITS.maxWrong) {
        delete a.flows['password-reset'];
        return expectAnswer(r, 429, 'CODE_ATTEMPTS_EXCEEDED', what);
      }
      return expectAnswer(r, 422, 'CODE_WRONG', what);
    }
    expectAnswer(r, 200, null, what);
    f.grant = r.body.grant.grant;
    f.deadline = Date.now() + LIMITS.recoveryGrantTtlSec * 1000;
    event(a, 'password.reset_authorized');
  }
}

/** The platform confirms with the live grant (then the same again: refused), or a grant never issued. */
class ResetConfirm extends Step {
  constructor(readonly acct: number) {
    super();
  }
  toString() {
    return `ResetConfirm(a${this.acct})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const f = a.flows['password-reset'] as ResetFlow | undefined;
    const what = this.toString();
    const confirm = (grant: string) => sys.call('POST', `/v1/password-reset-grants/${grant}/confirm`, {});
    if (!f?.grant) return expectAnswer(await confirm(`rg1.${'Q'.repeat(43)}`), 404, 'RECOVERY_GRANT_INVALID', what);
    // the session that reset stays, if a contact change meanwhile did not end it
    const kept = f.keep ? (await sys.q<{ n: number }>('SELECT count(*)::int AS n FROM sessions WHERE id = $1 AND ended_at IS NULL', [f.keep]))[0]!.n : 0;
    const r = await confirm(f.grant);
    expectAnswer(r, 200, null, what);
    if (r.body.result.message !== '账户密码重置成功') throw new ModelError(`${what}: message ${r.body.result.message}`);
    delete a.flows['password-reset'];
    a.sessionsLive = kept;
    event(a, 'password.reset');
    const owed = noticesOwed(w, a, 'password_notice');
    if (JSON.stringify(noticeStatuses(r.body.result.notices)) !== JSON.stringify(owed)) throw new ModelError(`${what}: notices ${JSON.stringify(r.body.result.notices)}, expected ${owed}`);
    expectAnswer(await confirm(f.grant), 409, 'RECOVERY_GRANT_USED', `${what} replayed`);
  }
}

const acct = fc.integer({ min: 0, max: 4 });
const method = fc.constantFrom<ResetMethod>('sms', 'sms', 'mail', 'mail-other');

export const RESET_COMMANDS: fc.Arbitrary<fc.AsyncCommand<World, System>>[] = [
  fc.tuple(acct, method).map(([a, m]) => new ResetStart(a, m)),
  fc.tuple(acct, fc.boolean()).map(([a, right]) => new ResetSubmit(a, right)),
  acct.map((a) => new ResetConfirm(a)),
  acct.map((a) => new Cancel(a, 'password-reset')),
  // a whole reset: started (clicked twice), a wrong code, the right one, confirmed
  fc.tuple(acct, fc.constantFrom<ResetMethod>('sms', 'mail')).map(
    ([a, m]) => new Compose('PasswordReset', [new ResetStart(a, m), new ResetStart(a, m), new ResetSubmit(a, false), new ResetSubmit(a, true), new ResetConfirm(a)]),
  ),
];
