// Account recovery's commands of the model-based test (flows/recovery/): a user without a login
// looks the account up (by its phone, else its email), starts a recovery by a code to a bound
// contact (a double click too), submits right and wrong codes, and the platform redeems the
// grant (then replays it). The model says each answer, in the order the API checks
// (docs/flows/recovery.md#routes), and what a redemption changes (every session ended, the
// events, a notice to each bound contact); ./invariants.ts compares it with Postgres and the
// inboxes after every step. Face recovery is covered end to end (test/e2e/recovery.test.ts).
import fc from 'fast-check';
import { Cancel, Compose, expectAnswer, expectNoFlow, flowIdOf, sendInChallenge, Step } from './commands';
import type { System } from './system';
import { countMessage, event, LIMITS, ModelError, type AccountModel, type CodeChallengeModel, type RecoveryFlow, type World } from './world';

type CodeMethod = 'sms' | 'mail';
const other = (code: string) => (code === '000000' ? '111111' : '000000');

/** The lookup the user starts from; null when it answered no ticket (the limit, or no match). */
async function lookedUp(w: World, sys: System, a: AccountModel, what: string): Promise<string | null> {
  const by = a.phone ? { phone: a.phone } : a.email ? { email: a.email } : null;
  if (!by) return null;
  const id = (by.phone ?? by.email)!;
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

class RecoveryStart extends Step {
  constructor(readonly acct: number, readonly method: CodeMethod) {
    super();
  }
  toString() {
    return `RecoveryStart(a${this.acct}, ${this.method})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const what = this.toString();
    const ticket = await lookedUp(w, sys, a, what);
    if (!ticket) return;
    const send = () => sys.call('POST', '/v1/recovery/flows', { ticket, method: this.method, deviceId: 'model-web' });
    const to = this.method === 'sms' ? a.phone : a.email;
    if (!to) return expectAnswer(await send(), 409, 'RECOVERY_METHOD_UNAVAILABLE', what);
    const live = a.flows.recovery as RecoveryFlow | undefined;
    if (live) {
      const r = await send();
      // a repeat of the same start answers the same code; anything else is another request
      if (live.method !== this.method || live.grant !== null || live.repeats >= 10) return expectAnswer(r, 409, 'FLOW_IN_PROGRESS', what);
      expectAnswer(r, 200, null, what);
      live.repeats += 1;
      if (r.body.flow.cache !== true || r.body.flow.code?.sentTo !== live.sentTo) throw new ModelError(`${what}: not the same answer ${JSON.stringify(r.body)}`);
      return;
    }
    a.started.add('recovery');
    const c: CodeChallengeModel = { to, scene: 'recover_account', channel: this.method, code: null, sent: 0, attempts: 0 };
    const r = await sendInChallenge(w, sys, c, send, what);
    if (r.status !== 201) return;
    a.flows.recovery = { type: 'recovery', method: this.method, deadline: Date.now() + LIMITS.flowTtlSec * 1000, wrong: 0, challenge: c, grant: null, repeats: 0, sentTo: r.body.flow.code.sentTo };
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
    const live = f?.challenge.code ?? '123456';
    const r = await sys.call('POST', `/v1/flows/${flowIdOf('recovery', a)}/code`, { code: this.right ? live : other(live) });
    if (!f) return expectNoFlow(r, a, 'recovery', what);
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
    if (!/^rg1\.[A-Za-z0-9_-]{43}$/.test(f.grant!)) throw new ModelError(`${what}: grant ${f.grant}`);
    f.deadline = Date.now() + LIMITS.recoveryGrantTtlSec * 1000;
    event(a, 'account.recovery_verified');
  }
}

/** The platform redeems the live grant (then the same again: refused), or a grant never issued. */
class RecoveryRedeem extends Step {
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
    const sent = r.body.result.notices.map((n: { channel: string; status: string }) => `${n.channel}:${n.status}`);
    const want = [...(a.phone ? ['sms:sent'] : []), ...(a.email ? ['mail:sent'] : [])];
    if (JSON.stringify(sent) !== JSON.stringify(want)) throw new ModelError(`${what}: notices ${JSON.stringify(sent)}, expected ${JSON.stringify(want)}`);
    if (a.phone) countMessage(w, 'sms', a.phone);
    if (a.email) countMessage(w, 'mail', a.email);
    expectAnswer(await redeem(f.grant), 409, 'RECOVERY_GRANT_USED', `${what} replayed`);
  }
}

const acct = fc.integer({ min: 0, max: 4 });
const method = fc.constantFrom<CodeMethod>('sms', 'sms', 'mail');

export const RECOVERY_COMMANDS: fc.Arbitrary<fc.AsyncCommand<World, System>>[] = [
  fc.tuple(acct, method).map(([a, m]) => new RecoveryStart(a, m)),
  fc.tuple(acct, fc.boolean()).map(([a, right]) => new RecoverySubmit(a, right)),
  acct.map((a) => new RecoveryRedeem(a)),
  acct.map((a) => new Cancel(a, 'recovery')),
  // a whole recovery: looked up, started (clicked twice), proven, redeemed
  fc.tuple(acct, method).map(
    ([a, m]) => new Compose('Recovery', [new RecoveryStart(a, m), new RecoveryStart(a, m), new RecoverySubmit(a, false), new RecoverySubmit(a, true), new RecoveryRedeem(a)]),
  ),
];
