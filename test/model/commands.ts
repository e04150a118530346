// The commands of the model-based test. Every command is valid in every state: the model
// says what the API must answer (a result or a precise error), the command checks the
// answer, updates the model, and the invariants (./invariants.ts) compare the model with
// Postgres and the sandboxes' inboxes after every step.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { DEFAULT_REAL_NAME_AGREEMENT } from '../../lib/config';
import type { Answer } from '../support/stack';
import { uniqueIp } from '../support/real-name';
import { eventually, type System } from './system';
import { verify } from './invariants';
import { faceDevice, issuedCheck, passingDevice, predictStart, verdictCounted, type StartPrediction } from './face-providers';
import {
  codeSent,
  consume,
  contactChanged,
  noticesOwed,
  noticeStatuses,
  dailyCapReached,
  event,
  freeLeft,
  held,
  LIMITS,
  ModelError,
  note,
  ownerOf,
  refund,
  subjectHolder,
  type AccountModel,
  type BindFlow,
  type CodeChallengeModel,
  type FaceCheckModel,
  type FaceDevice,
  type FlowName,
  type Kind,
  type Method,
  type RealNameFlow,
  type RebindFlow,
  type World,
} from './world';

/** The name every real-name start uses; the ID numbers vary. */
const NAME = '张三';
/** Sandbox ID numbers (providers/idcard-market/sandbox.ts): name mismatch; provider in maintenance. */
const MISMATCH_ID = '110101199001012010';
const MAINTENANCE_ID = '110101199001015019';
/** A flow whose deadline falls within this much of a step's start is waited out first. */
const EXPIRY_WINDOW_MS = 14_000;
const EXPIRY_MARGIN_MS = 4_000;
/** how long settle() waits for the expired face checks' holds to be released */
const HOLDS_CHECK_MS = 10_000;

/** The world of the sequence running now (steps run one at a time), for the outcome counts. */
let current: World | null = null;

export function expectAnswer(r: Answer, status: number, code: string | null, what: string): void {
  const got = r.body?.error?.code ?? null;
  if (current) note(current, `${what.replace(/[[(].*$/, '')}→${code ?? status}`);
  if (r.status !== status || (code !== null && got !== code)) {
    throw new ModelError(`${what}: expected ${status}${code ? ` ${code}` : ''}, got ${r.status} ${JSON.stringify(r.body)}`);
  }
}

/**
 * A face start the model predicts refused at issue (./face-providers.ts): no provider of the
 * scene's chain serves the device (409, the chain named), or every one that does was
 * unavailable (502 with the last one's own errCode and errMsg, passed on as the seed does:
 * 如实返回; DCloud's 55001 is the function's 'Api调用失败【55001】:…'). Whether it was refused.
 */
export function expectFaceRefused(r: Answer, p: StartPrediction, what: string): boolean {
  if (p.issued) return false;
  expectAnswer(r, p.status, p.code, what);
  if (current) note(current, `face refused: ${p.code === 'FACE_CLIENT_UNSUPPORTED' ? `unsupported by ${p.providers.replace(/,/g, '>')}` : `${p.provider} ${p.errCode}`}`);
  const details = r.body.error.details ?? {};
  if (p.code === 'FACE_CLIENT_UNSUPPORTED') {
    if (details.providers !== p.providers) throw new ModelError(`${what}: unsupported for ${JSON.stringify(details.providers)}, expected ${p.providers}`);
    return true;
  }
  const message = `Api调用失败【${p.errCode}】:${p.errMsg}`;
  if (details.errCode !== p.errCode || details.errMsg !== p.errMsg || details.provider !== p.provider || r.body.error.message !== message) {
    throw new ModelError(`${what}: expected ${p.provider}'s own ${p.errCode} ${p.errMsg}, got ${JSON.stringify(r.body.error)}`);
  }
  return true;
}

export const flowIdOf = (name: FlowName, a: AccountModel) => `${name}:${a.id}`;
const addressOf = (w: World, kind: Kind, i: number) => (kind === 'phone' ? w.phones[i % w.phones.length]! : w.emails[i % w.emails.length]!);
const taken = (kind: Kind, rebind: boolean) => (kind === 'phone' ? 'PHONE_TAKEN' : rebind ? 'REBIND_EMAIL_TAKEN' : 'EMAIL_TAKEN');
const other = (code: string) => (code === '000000' ? '111111' : '000000');

/** The answer for a flow id with no live run: it never ran, or its run closed. */
export function expectNoFlow(r: Answer, a: AccountModel, name: FlowName, what: string): void {
  // a redaction deletes the histories of the runs that owned its checks, asynchronously
  if (a.historiesDeleted.has(name) && r.status === 404) expectAnswer(r, 404, 'FLOW_NOT_FOUND', what);
  else if (a.started.has(name)) expectAnswer(r, 410, 'FLOW_CLOSED', what);
  else expectAnswer(r, 404, 'FLOW_NOT_FOUND', what);
}

/**
 * Flows left open expire by their timers. A step never races a deadline: a flow due within
 * the window is waited out (with a margin), then the model applies its expiry.
 */
async function settle(w: World, sys: System): Promise<void> {
  const deadlines = w.accounts.flatMap((a) => Object.values(a.flows).map((f) => f!.deadline));
  const due = deadlines.filter((d) => d - Date.now() < EXPIRY_WINDOW_MS);
  if (due.length === 0) return;
  let until = Math.max(...due) + EXPIRY_MARGIN_MS;
  // a flow that ends while the holds are checked below (up to HOLDS_CHECK_MS after until) would
  // race that check: it is waited out too
  for (let later = deadlines.filter((d) => d > until - EXPIRY_MARGIN_MS && d <= until + HOLDS_CHECK_MS); later.length > 0; ) {
    until = Math.max(...later) + EXPIRY_MARGIN_MS;
    later = deadlines.filter((d) => d > until - EXPIRY_MARGIN_MS && d <= until + HOLDS_CHECK_MS);
  }
  if (until > Date.now()) await new Promise((r) => setTimeout(r, until - Date.now()));
  for (const a of w.accounts) {
    for (const [name, f] of Object.entries(a.flows) as [FlowName, NonNullable<AccountModel['flows'][FlowName]>][]) {
      if (f.deadline > until - EXPIRY_MARGIN_MS) continue;
      delete a.flows[name];
      note(w, `expired ${name}`);
      if (f.type === 'real-name') event(a, 'real_name.expired');
    }
  }
  // an expired face check gives its quota hold back as it closes
  await eventually(async () => (await heldRows(sys, w)) === w.accounts.reduce((n, a) => n + held(a), 0), 'expired face checks released their holds', HOLDS_CHECK_MS);
}

export async function heldRows(sys: System, w: World): Promise<number> {
  const rows = await sys.q<{ n: number }>("SELECT count(*)::int AS n FROM face_quota_ledger WHERE account_id = ANY($1) AND state = 'held' AND hold_until > now()", [
    w.accounts.map((a) => a.id),
  ]);
  return rows[0]!.n;
}

export abstract class Step implements fc.AsyncCommand<World, System> {
  check(): boolean {
    return true;
  }
  async run(w: World, sys: System): Promise<void> {
    current = w;
    await settle(w, sys);
    await this.act(w, sys);
    w.steps += 1;
    await verify(w, sys, this.toString());
  }
  abstract act(w: World, sys: System): Promise<void>;
  abstract toString(): string;
}

/** A whole flow in one command: sequences of single steps rarely line up by chance. */
export class Compose extends Step {
  constructor(readonly label: string, readonly steps: Step[]) {
    super();
  }
  toString() {
    return `${this.label}[${this.steps.join(', ')}]`;
  }
  async act(w: World, sys: System) {
    for (const s of this.steps) {
      await settle(w, sys); // a long composition must not race a deadline either
      await s.act(w, sys);
      await verify(w, sys, `${this} at ${s}`);
    }
  }
}

/** A step while the worker restarts under it (workflows replay, activities resume). */
class WithRestart extends Step {
  constructor(readonly inner: Step, readonly afterMs: number) {
    super();
  }
  toString() {
    return `WithRestart(${this.inner}, after ${this.afterMs} ms)`;
  }
  async act(w: World, sys: System) {
    await Promise.all([this.inner.act(w, sys), new Promise((r) => setTimeout(r, this.afterMs)).then(() => sys.stack.restartWorker())]);
  }
}

// ---------------------------------------------------------------------------------------
// Sending a code in a challenge: what the flow's validator and the send activity refuse.

/** Sends (or refuses) a code in challenge c via `send`; the answer and the model follow the rules. */
export async function sendInChallenge(w: World, sys: System, c: CodeChallengeModel, send: () => Promise<Answer>, what: string, precheck?: Answer | null): Promise<Answer> {
  const before = sys.messages(c.channel, c.to);
  const perDay = LIMITS.perDay[c.scene]!;
  if (c.sent >= perDay || c.attempts >= 2 * perDay) {
    const r = await send();
    expectAnswer(r, 429, 'CODE_DAILY_LIMIT', what);
    return r;
  }
  c.attempts += 1;
  const r = await send();
  if (precheck) {
    expectAnswer(r, precheck.status, precheck.body.error.code, what);
    return r;
  }
  if (dailyCapReached(w, c)) {
    expectAnswer(r, 429, 'CODE_DAILY_LIMIT', what);
    return r;
  }
  expectAnswer(r, r.status === 201 ? 201 : 200, null, what);
  codeSent(w, c, await sys.codeIn(c.channel, c.to, before + 1));
  return r;
}

const refusal = (status: number, code: string): Answer => ({ status, body: { error: { code } } });

// ---------------------------------------------------------------------------------------
// First-time bind

class BindStart extends Step {
  constructor(readonly acct: number, readonly kind: Kind, readonly addr: number) {
    super();
  }
  toString() {
    return `BindStart(a${this.acct}, ${this.kind}, #${this.addr})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const to = addressOf(w, this.kind, this.addr);
    const name = `bind-${this.kind}` as const;
    const send = () => sys.call('POST', `/v1/accounts/${a.id}/${this.kind}/bind`, { [this.kind]: to });
    if (a.frozen) return expectAnswer(await send(), 423, 'ACCOUNT_FROZEN', this.toString());
    if (a[this.kind] !== null) return expectAnswer(await send(), 409, this.kind === 'phone' ? 'PHONE_ALREADY_BOUND' : 'EMAIL_ALREADY_BOUND', this.toString());
    if (a.contactChecks >= LIMITS.contactChecksPerAccount) return expectAnswer(await send(), 429, 'CONTACT_CHECK_LIMIT', this.toString());
    a.contactChecks += 1;
    if (a.flows[name]) return expectAnswer(await send(), 409, 'FLOW_IN_PROGRESS', this.toString());
    a.started.add(name);
    const owner = ownerOf(w, this.kind, to);
    const c: CodeChallengeModel = { to, scene: `bind_${this.kind}`, channel: this.kind === 'phone' ? 'sms' : 'mail', code: null, sent: 0, attempts: 0 };
    const deadline = Date.now() + LIMITS.flowTtlSec * 1000;
    const r = await sendInChallenge(w, sys, c, send, this.toString(), owner ? refusal(409, taken(this.kind, false)) : null);
    if (r.status === 201) a.flows[name] = { type: 'bind', kind: this.kind, deadline, wrong: 0, target: to, challenge: c };
  }
}

class BindResend extends Step {
  constructor(readonly acct: number, readonly kind: Kind) {
    super();
  }
  toString() {
    return `BindResend(a${this.acct}, ${this.kind})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const name = `bind-${this.kind}` as const;
    const f = a.flows[name] as BindFlow | undefined;
    const send = () => sys.call('POST', `/v1/flows/${flowIdOf(name, a)}/code/resend`);
    if (!f) return expectNoFlow(await send(), a, name, this.toString());
    const owner = ownerOf(w, this.kind, f.target);
    const r = await sendInChallenge(w, sys, f.challenge, send, this.toString(), owner ? refusal(409, taken(this.kind, false)) : null);
    if (owner && r.status === 409) delete a.flows[name]; // the address is someone else's now: the flow ends
  }
}

class BindSubmit extends Step {
  constructor(readonly acct: number, readonly kind: Kind, readonly right: boolean) {
    super();
  }
  toString() {
    return `BindSubmit(a${this.acct}, ${this.kind}, ${this.right ? 'right' : 'wrong'})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const name = `bind-${this.kind}` as const;
    const f = a.flows[name] as BindFlow | undefined;
    const live = f?.challenge.code ?? '123456';
    const r = await sys.call('POST', `/v1/flows/${flowIdOf(name, a)}/code`, { code: this.right ? live : other(live) });
    if (!f) return expectNoFlow(r, a, name, this.toString());
    if (!this.right) return wrongCode(a, name, f, r, this.toString());
    delete a.flows[name];
    if (ownerOf(w, this.kind, f.target)) return expectAnswer(r, 409, taken(this.kind, false), this.toString());
    expectAnswer(r, 200, null, this.toString());
    if (r.body.result.outcome !== 'bound') throw new ModelError(`${this}: outcome ${r.body.result.outcome}`);
    contactChanged(a, this.kind, f.target, 'bound');
  }
}

/** A wrong code: 422 with the attempts left, the last one locks the flow. */
function wrongCode(a: AccountModel, name: FlowName, f: BindFlow | RebindFlow, r: Answer, what: string): void {
  f.wrong += 1;
  if (f.wrong >= LIMITS.maxWrong) {
    delete a.flows[name];
    return expectAnswer(r, 429, 'CODE_ATTEMPTS_EXCEEDED', what);
  }
  expectAnswer(r, 422, 'CODE_WRONG', what);
  if (r.body.error.details?.attemptsLeft !== LIMITS.maxWrong - f.wrong) throw new ModelError(`${what}: attemptsLeft ${r.body.error.details?.attemptsLeft}`);
}

export class Cancel extends Step {
  constructor(readonly acct: number, readonly name: FlowName) {
    super();
  }
  toString() {
    return `Cancel(a${this.acct}, ${this.name})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const f = a.flows[this.name];
    const r = await sys.call('DELETE', `/v1/flows/${flowIdOf(this.name, a)}`);
    if (!f) return expectNoFlow(r, a, this.name, this.toString());
    expectAnswer(r, 200, null, this.toString());
    if (r.body.flow.outcome !== 'cancelled') throw new ModelError(`${this}: outcome ${r.body.flow.outcome}`);
    // a cancelled real-name check never answers: a late completion finds its token dead
    delete a.flows[this.name];
    // a face check of the flow is cancelled with it and gives its quota hold back
    await eventually(async () => (await heldRows(sys, w)) === w.accounts.reduce((n, x) => n + held(x), 0), 'a cancelled face check released its hold');
  }
}

// ---------------------------------------------------------------------------------------
// Rebind

export class RebindStart extends Step {
  constructor(readonly acct: number, readonly kind: Kind, readonly method: Method, readonly device: FaceDevice) {
    super();
  }
  toString() {
    return `RebindStart(a${this.acct}, ${this.kind}, ${this.method}${this.method === 'face' ? `, ${this.device}` : ''})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const name = `rebind-${this.kind}` as const;
    const deviceId = sys.deviceId(a.id, this.device);
    const send = () => sys.call('POST', `/v1/accounts/${a.id}/${this.kind}/rebind`, { method: this.method, ...(this.method === 'face' ? { deviceId } : {}) });
    const what = this.toString();
    if (a.frozen) return expectAnswer(await send(), 423, 'ACCOUNT_FROZEN', what);
    if (!a.phone) return expectAnswer(await send(), 409, 'PHONE_NOT_BOUND', what);
    if ((this.kind === 'email' || this.method === 'email') && !a.email) return expectAnswer(await send(), 409, 'EMAIL_NOT_BOUND', what);
    if (this.method === 'face') {
      if (!a.verifiedId || a.identityRedacted) return expectAnswer(await send(), 409, 'REAL_NAME_REQUIRED', what);
      if (freeLeft(a) + a.purchased - held(a) < 1) return expectAnswer(await send(), 402, 'FACE_QUOTA_REQUIRED', what);
    }
    if (a.flows[name]) return expectAnswer(await send(), 409, 'FLOW_IN_PROGRESS', what);
    a.started.add(name);
    const deadline = Date.now() + LIMITS.flowTtlSec * 1000;
    const flow: RebindFlow = { type: 'rebind', kind: this.kind, method: this.method, deadline, wrong: 0, proof: null, face: null, token: null, collects: 0, targets: [], fresh: null };
    if (this.method === 'face') {
      const predicted = predictStart(w, `rebind_${this.kind}`, this.device);
      const r = await send();
      if (expectFaceRefused(r, predicted, what)) return;
      expectAnswer(r, 201, null, what);
      flow.face = issuedCheck(w, a, predicted, this.device, r.body.flow, Date.now() + LIMITS.faceTtlSec * 1000, what);
      a.flows[name] = flow;
      return;
    }
    const viaSms = this.method === 'sms';
    const c: CodeChallengeModel = { to: viaSms ? a.phone : a.email!, scene: `unbind_${this.kind}`, channel: viaSms ? 'sms' : 'mail', code: null, sent: 0, attempts: 0 };
    const r = await sendInChallenge(w, sys, c, send, what);
    if (r.status === 201) a.flows[name] = { ...flow, proof: c };
  }
}

class RebindResendProof extends Step {
  constructor(readonly acct: number, readonly kind: Kind) {
    super();
  }
  toString() {
    return `RebindResendProof(a${this.acct}, ${this.kind})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const name = `rebind-${this.kind}` as const;
    const f = a.flows[name] as RebindFlow | undefined;
    const send = () => sys.call('POST', `/v1/flows/${flowIdOf(name, a)}/code/resend`);
    if (!f) return expectNoFlow(await send(), a, name, this.toString());
    if (f.method === 'face') return expectAnswer(await send(), 409, 'PROOF_METHOD_MISMATCH', this.toString());
    if (f.token) return expectAnswer(await send(), 409, 'FLOW_IN_PROGRESS', this.toString());
    await sendInChallenge(w, sys, f.proof!, send, this.toString());
  }
}

export class RebindProof extends Step {
  constructor(readonly acct: number, readonly kind: Kind, readonly right: boolean) {
    super();
  }
  toString() {
    return `RebindProof(a${this.acct}, ${this.kind}, ${this.right ? 'right' : 'wrong'})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const name = `rebind-${this.kind}` as const;
    const flowId = flowIdOf(name, a);
    const f = a.flows[name] as RebindFlow | undefined;
    const what = this.toString();
    if (f?.method === 'face') return this.face(w, sys, a, f, flowId);
    const live = f?.proof?.code ?? '123456';
    const r = await sys.call('POST', `/v1/flows/${flowId}/code`, { code: this.right ? live : other(live) });
    if (!f) return expectNoFlow(r, a, name, what);
    if (f.token) return expectAnswer(r, 409, 'FLOW_IN_PROGRESS', what);
    if (!this.right) return wrongCode(a, name, f, r, what);
    expectAnswer(r, 200, null, what);
    f.token = r.body.proof.unbindToken;
  }

  /** The face method: the app completes the check, the caller collects the token. */
  private async face(w: World, sys: System, a: AccountModel, f: RebindFlow, flowId: string) {
    const what = this.toString();
    const collect = () => sys.call('POST', `/v1/flows/${flowId}/proof`);
    if (f.token) {
      const r = await collect();
      if (f.collects >= 5) return expectAnswer(r, 409, 'FLOW_IN_PROGRESS', what);
      expectAnswer(r, 200, null, what);
      f.collects += 1;
      if (r.body.proof.unbindToken !== f.token) throw new ModelError(`${what}: another token`);
      return;
    }
    const face = f.face!;
    const done = await completeFace(sys, a, face);
    expectAnswer(done, 200, null, `${what} completion`);
    const source = consume(a);
    verdictCounted(w, a, face);
    const name = `rebind-${this.kind}` as const;
    if (face.verdict === 'success') {
      if (done.body.result.outcome !== 'success') throw new ModelError(`${what}: face ${done.body.result.outcome}`);
      await eventually(async () => (await collect()).status === 200, 'the unbind token after the face check');
      const r = await collect();
      f.token = r.body.proof.unbindToken;
      f.collects = 2;
      return;
    }
    // FAIL, or no result from the provider (not finished): the rebind ends; the unit is refunded
    // only when the result could not be had
    const want = face.verdict === 'fail' ? 'fail' : 'rejected';
    if (done.body.result.outcome !== want) throw new ModelError(`${what}: face ${done.body.result.outcome}, expected ${want}`);
    if (face.verdict === 'pending') refund(a, source);
    delete a.flows[name];
    await eventually(async () => (await collect()).status === 410, 'the rebind closed after its face check');
  }
}

/**
 * The app posts the SDK's completion with the check's client token (counted per check). A
 * mini-program user of 'mp-play' has run wx.requestFacialVerify first (passed), once.
 */
export async function completeFace(sys: System, a: AccountModel, face: FaceCheckModel): Promise<Answer> {
  if (face.device === 'mp-play' && !face.played) {
    face.played = true;
    await sys.playWechat(face.certifyId, 10000);
  }
  a.completions[face.faceCheckId] = (a.completions[face.faceCheckId] ?? 0) + 1;
  return sys.call('POST', '/v1/face/completion', sdkOk(face.certifyId, sys.deviceId(a.id, face.device)), { key: null, headers: { 'x-face-token': face.clientToken } });
}

function sdkOk(certifyId: string, deviceId: string) {
  return { deviceId, certifyId, errSubject: 'uni-facialRecognitionVerify', errCode: 0, errMsg: 'startFacialRecognitionVerify:ok', cause: { code: 1000 } };
}

export class RebindNewContact extends Step {
  constructor(readonly acct: number, readonly kind: Kind, readonly addr: number) {
    super();
  }
  toString() {
    return `RebindNewContact(a${this.acct}, ${this.kind}, #${this.addr})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const name = `rebind-${this.kind}` as const;
    const f = a.flows[name] as RebindFlow | undefined;
    const target = addressOf(w, this.kind, this.addr);
    const what = this.toString();
    const send = () => sys.call('POST', `/v1/flows/${flowIdOf(name, a)}/new-contact`, { [this.kind]: target, token: f?.token ?? 'x'.repeat(43) });
    if (a.contactChecks >= LIMITS.contactChecksPerAccount) return expectAnswer(await send(), 429, 'CONTACT_CHECK_LIMIT', what);
    a.contactChecks += 1;
    if (!f) return expectNoFlow(await send(), a, name, what);
    if (!f.token) return expectAnswer(await send(), 409, 'PROOF_NOT_DONE', what);
    if (f.fresh?.target !== target) {
      if (f.targets.length >= LIMITS.newContactsPerRebind) return expectAnswer(await send(), 429, 'NEW_CONTACT_LIMIT', what);
      f.targets.push(target);
      f.fresh = { target, to: target, scene: `bind_${this.kind}`, channel: this.kind === 'phone' ? 'sms' : 'mail', code: null, sent: 0, attempts: 0 };
    }
    const owner = ownerOf(w, this.kind, target);
    const precheck = owner === a ? refusal(409, 'SAME_CONTACT') : owner ? refusal(409, taken(this.kind, true)) : null;
    await sendInChallenge(w, sys, f.fresh, send, what, precheck);
  }
}

export class RebindNewCode extends Step {
  constructor(readonly acct: number, readonly kind: Kind, readonly right: boolean) {
    super();
  }
  toString() {
    return `RebindNewCode(a${this.acct}, ${this.kind}, ${this.right ? 'right' : 'wrong'})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const name = `rebind-${this.kind}` as const;
    const f = a.flows[name] as RebindFlow | undefined;
    const live = f?.fresh?.code ?? '123456';
    const what = this.toString();
    const r = await sys.call('POST', `/v1/flows/${flowIdOf(name, a)}/new-contact/code`, { code: this.right ? live : other(live), token: f?.token ?? 'x'.repeat(43) });
    if (!f) return expectNoFlow(r, a, name, what);
    if (!f.token) return expectAnswer(r, 409, 'PROOF_NOT_DONE', what);
    if (!f.fresh?.code) return expectAnswer(r, 409, 'CODE_NOT_SENT', what);
    if (!this.right) return wrongCode(a, name, f, r, what);
    const target = f.fresh.target;
    if (ownerOf(w, this.kind, target)) {
      // the number was taken meanwhile: nothing changes, nobody is told; the flow asks for another
      f.fresh = null;
      return expectAnswer(r, 409, taken(this.kind, true), what);
    }
    expectAnswer(r, 200, null, what);
    if (r.body.result.outcome !== 'rebound') throw new ModelError(`${what}: outcome ${r.body.result.outcome}`);
    if (r.body.result.message !== (this.kind === 'phone' ? '手机号换绑成功' : '邮箱换绑成功')) throw new ModelError(`${what}: message ${r.body.result.message}`);
    // the contacts the account had before the change are told, up to the day's cap
    const owed = noticesOwed(w, a, 'rebind_notice');
    if (JSON.stringify(noticeStatuses(r.body.result.notices)) !== JSON.stringify(owed)) throw new ModelError(`${what}: notices ${JSON.stringify(r.body.result.notices)}, expected ${owed}`);
    contactChanged(a, this.kind, target, 'rebound');
    delete a.flows[name];
  }
}

// ---------------------------------------------------------------------------------------
// Real-name

type IdChoice = 0 | 1 | 'mismatch' | 'maintenance';

export class RealNameStart extends Step {
  /** withPass: an unsafe environment and the account's newest security pass (none: a forged one) */
  constructor(readonly acct: number, readonly id: IdChoice, readonly device: FaceDevice, readonly withPass = false) {
    super();
  }
  toString() {
    return `RealNameStart(a${this.acct}, id ${this.id}, ${this.device}${this.withPass ? ', pass' : ''})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const idNumber = this.id === 'mismatch' ? MISMATCH_ID : this.id === 'maintenance' ? MAINTENANCE_ID : w.ids[this.id]!;
    const deviceId = sys.deviceId(a.id, this.device);
    const what = this.toString();
    const pass = this.withPass ? a.securityPass : null;
    const send = () =>
      sys.call('POST', `/v1/accounts/${a.id}/real-name`, {
        realName: NAME,
        idNumber,
        deviceId,
        environmentSafe: !this.withPass,
        ...(this.withPass ? { securityPass: pass?.pass ?? `rg1.${'Q'.repeat(43)}` } : {}),
        agreement: DEFAULT_REAL_NAME_AGREEMENT,
        client: { ip: uniqueIp(), userAgent: 'GongLunApp/4.0.8 (Android 14)', fingerprint: deviceId },
      });
    if (a.frozen) return expectAnswer(await send(), 423, 'ACCOUNT_FROZEN', what);
    if (!a.phone) return expectAnswer(await send(), 409, 'REAL_NAME_PHONE_REQUIRED', what);
    if (a.verifiedId) return expectAnswer(await send(), 409, 'REAL_NAME_ALREADY_VERIFIED', what);
    // the pass, where the environment is checked: spent by another run than the live one, refused
    if (this.withPass) {
      if (!pass) return expectAnswer(await send(), 403, 'SECURITY_PASS_INVALID', what);
      if (pass.device !== this.device) return expectAnswer(await send(), 403, 'SECURITY_PASS_DEVICE_MISMATCH', what);
      if (pass.spent && (a.flows['real-name'] as RealNameFlow | undefined)?.pass !== pass.pass) return expectAnswer(await send(), 409, 'SECURITY_PASS_USED', what);
    }
    if (a.realNameStarts >= LIMITS.realNameStartsPerAccount) return expectAnswer(await send(), 429, 'REAL_NAME_START_LIMIT', what);
    a.realNameStarts += 1;
    const holder = subjectHolder(w, idNumber);
    if (holder && holder !== a) return expectAnswer(await send(), 409, 'REAL_NAME_SUBJECT_LIMIT', what);
    if (freeLeft(a) + a.purchased < 1) return expectAnswer(await send(), 402, 'FACE_QUOTA_REQUIRED', what);
    const live = a.flows['real-name'] as RealNameFlow | undefined;
    if (live) {
      const r = await send();
      if (live.device !== this.device || live.idNumber !== idNumber || live.repeats >= 10) return expectAnswer(r, 409, 'FLOW_IN_PROGRESS', what);
      expectAnswer(r, 200, null, what);
      live.repeats += 1;
      if (r.body.flow.certifyId !== live.face.certifyId || r.body.flow.cache !== true || r.body.flow.provider !== live.face.provider) throw new ModelError(`${what}: not the cached certifyId ${JSON.stringify(r.body.flow)}`);
      return;
    }
    a.started.add('real-name');
    const predicted = predictStart(w, 'personal', this.device);
    const r = await send();
    // a device none of the scene's providers serves is refused by the pre-check, before the
    // pass is spent and before the paid ID check: the pass stays good
    if (!predicted.issued && predicted.code === 'FACE_CLIENT_UNSUPPORTED') return void expectFaceRefused(r, predicted, what);
    // past the pre-checks a new run spends the pass, whatever comes after
    if (pass) pass.spent = true;
    if (this.id === 'mismatch') return expectAnswer(r, 422, 'ID_MISMATCH', what);
    if (this.id === 'maintenance') return expectAnswer(r, 503, 'ID_CHECK_UNAVAILABLE', what);
    if (expectFaceRefused(r, predicted, what)) return;
    expectAnswer(r, 201, null, what);
    const deadline = Date.now() + LIMITS.faceTtlSec * 1000;
    const face = issuedCheck(w, a, predicted, this.device, r.body.flow, deadline, what);
    a.flows['real-name'] = { type: 'real-name', deadline, idNumber, device: this.device, digestKey: idNumber, repeats: 0, face, ...(pass ? { pass: pass.pass } : {}) };
    a.lastFace = face;
  }
}

export class RealNameComplete extends Step {
  constructor(readonly acct: number) {
    super();
  }
  toString() {
    return `RealNameComplete(a${this.acct})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const f = a.flows['real-name'] as RealNameFlow | undefined;
    const what = this.toString();
    const face = f?.face ?? a.lastFace;
    if (!face) return;
    const relayed = a.completions[face.faceCheckId] ?? 0;
    const r = await completeFace(sys, a, face);
    if (relayed >= LIMITS.completionsPerCheck) return expectAnswer(r, 429, 'FACE_COMPLETION_LIMIT', what);
    if (!f) {
      // closed by a completion: a repeat (its answer lost) gets that answer again; closed
      // otherwise (expired), or once its client token ran out (it lives as long as the check
      // could): the token is dead. Near the token's end either answer is right.
      const tokenLive = Date.now() < face.deadline - EXPIRY_MARGIN_MS;
      const tokenDead = Date.now() > face.deadline + EXPIRY_MARGIN_MS;
      if (!face.answer || tokenDead || (!tokenLive && r.status === 403)) return expectAnswer(r, 403, 'FACE_TOKEN_INVALID', what);
      expectAnswer(r, 200, null, what);
      if (r.body.result.outcome !== face.answer || r.body.result.certifyId !== face.certifyId) throw new ModelError(`${what}: repeat answered ${JSON.stringify(r.body.result)}, expected ${face.answer}`);
      return;
    }
    delete a.flows['real-name'];
    expectAnswer(r, 200, null, what);
    const outcome = r.body.result.outcome;
    face.answer = outcome;
    const source = consume(a);
    verdictCounted(w, a, f.face);
    if (f.face.verdict === 'fail') return expectOutcome(a, outcome, 'fail', 'real_name.failed', what);
    if (f.face.verdict === 'pending' || subjectHolder(w, f.idNumber)) {
      // no result from the provider, or the ID number verified another account meanwhile
      refund(a, source);
      return expectOutcome(a, outcome, 'rejected', 'real_name.failed', what);
    }
    expectOutcome(a, outcome, 'verified', 'real_name.verified', what);
    a.verifiedId = f.idNumber;
  }
}

function expectOutcome(a: AccountModel, got: string, want: string, eventType: string, what: string): void {
  if (got !== want) throw new ModelError(`${what}: outcome ${got}, expected ${want}`);
  event(a, eventType);
}

// ---------------------------------------------------------------------------------------
// The platform, the worker

/**
 * The user buys one face check as the platform would: an order (a double click with one
 * Idempotency-Key), its payment confirmed by API call or signed callback, repeated and at once;
 * or an order cancelled and then paid too late. Exactly one unit is credited, or none.
 */
export type Purchase = 'api' | 'callback-repeated' | 'cancelled';
export class BuyQuota extends Step {
  constructor(readonly acct: number, readonly how: Purchase) {
    super();
  }
  toString() {
    return `BuyQuota(a${this.acct},${this.how})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const key = { 'idempotency-key': `model-${randomUUID()}` };
    const [first, again] = await Promise.all([1, 2].map(() => sys.call('POST', `/v1/accounts/${a.id}/face-quota/orders`, { units: 1 }, { headers: key })));
    if ([first!.status, again!.status].sort().join() !== '200,201' || first!.body.order.orderId !== again!.body.order.orderId) {
      throw new ModelError(`order double click: ${first!.status} ${again!.status} ${JSON.stringify([first!.body, again!.body])}`);
    }
    const orderId: string = first!.body.order.orderId;
    const paymentRef = `model-pay-${randomUUID()}`;
    const byApi = () => sys.call('POST', `/v1/face-quota/orders/${orderId}/paid`, { paymentRef });
    if (this.how === 'cancelled') {
      expectAnswer(await sys.call('POST', `/v1/face-quota/orders/${orderId}/cancel`), 200, null, 'BuyQuota cancel');
      expectAnswer(await byApi(), 409, 'FACE_ORDER_CANCELLED', 'BuyQuota pay after cancel');
      return;
    }
    const answers = this.how === 'api' ? [await byApi(), await byApi()] : await Promise.all([sys.paymentCallback(orderId, paymentRef), sys.paymentCallback(orderId, paymentRef), byApi()]);
    for (const r of answers) expectAnswer(r, 200, null, `BuyQuota ${this.how}`);
    const credited = answers.filter((r) => r.body.credited === true).length;
    if (credited !== 1) throw new ModelError(`BuyQuota ${this.how}: ${credited} answers credited the unit, expected exactly 1`);
    a.purchased += 1;
  }
}

class RegisterSession extends Step {
  constructor(readonly acct: number) {
    super();
  }
  toString() {
    return `RegisterSession(a${this.acct})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    await sys.registerSession(a.id);
    a.sessionsLive += 1;
  }
}

/** Time passes: the next flow left open expires by its timer (the model applies it in settle). */
class WaitForExpiry extends Step {
  toString() {
    return 'WaitForExpiry';
  }
  async act(w: World, sys: System) {
    const next = Math.min(...w.accounts.flatMap((a) => Object.values(a.flows).map((f) => f!.deadline)));
    if (!Number.isFinite(next)) return;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now() - EXPIRY_WINDOW_MS + 50)));
    await settle(w, sys);
  }
}

class RestartWorker extends Step {
  toString() {
    return 'RestartWorker';
  }
  async act(_w: World, sys: System) {
    await sys.stack.restartWorker();
  }
}

// ---------------------------------------------------------------------------------------
// Duplicates and races

/** The same bind start twice at once (a double click): one flow, one code. */
class DoubleBindStart extends Step {
  constructor(readonly acct: number, readonly kind: Kind, readonly addr: number) {
    super();
  }
  toString() {
    return `DoubleBindStart(a${this.acct}, ${this.kind}, #${this.addr})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const to = addressOf(w, this.kind, this.addr);
    const name = `bind-${this.kind}` as const;
    const c: CodeChallengeModel = { to, scene: `bind_${this.kind}`, channel: this.kind === 'phone' ? 'sms' : 'mail', code: null, sent: 0, attempts: 0 };
    const fine = !a.frozen && a[this.kind] === null && a.contactChecks + 2 <= LIMITS.contactChecksPerAccount && !a.flows[name] && !ownerOf(w, this.kind, to) && !dailyCapReached(w, c);
    if (!fine) return; // only the case where one start would succeed is interesting here
    a.contactChecks += 2;
    a.started.add(name);
    const before = sys.messages(c.channel, to);
    const deadline = Date.now() + LIMITS.flowTtlSec * 1000;
    const send = () => sys.call('POST', `/v1/accounts/${a.id}/${this.kind}/bind`, { [this.kind]: to });
    const answers = await Promise.all([send(), send()]);
    const ok = answers.filter((r) => r.status === 201);
    const refused = answers.filter((r) => r.status !== 201);
    if (ok.length !== 1) throw new ModelError(`${this}: ${ok.length} starts succeeded: ${JSON.stringify(answers.map((r) => [r.status, r.body]))}`);
    expectAnswer(refused[0]!, 409, 'FLOW_IN_PROGRESS', this.toString());
    c.attempts = 1;
    codeSent(w, c, await sys.codeIn(c.channel, to, before + 1));
    a.flows[name] = { type: 'bind', kind: this.kind, deadline, wrong: 0, target: to, challenge: c };
  }
}

/** The right code submitted twice at once: bound once, the other told the flow is busy or closed. */
class DoubleBindSubmit extends Step {
  constructor(readonly acct: number, readonly kind: Kind) {
    super();
  }
  toString() {
    return `DoubleBindSubmit(a${this.acct}, ${this.kind})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const name = `bind-${this.kind}` as const;
    const f = a.flows[name] as BindFlow | undefined;
    if (!f || ownerOf(w, this.kind, f.target)) return;
    const send = () => sys.call('POST', `/v1/flows/${flowIdOf(name, a)}/code`, { code: f.challenge.code });
    const answers = await Promise.all([send(), send()]);
    const ok = answers.filter((r) => r.status === 200);
    if (ok.length !== 1 || ok[0]!.body.result.outcome !== 'bound') throw new ModelError(`${this}: ${JSON.stringify(answers.map((r) => [r.status, r.body]))}`);
    const refused = answers.find((r) => r.status !== 200)!;
    if (!['FLOW_IN_PROGRESS', 'FLOW_CLOSED'].includes(refused.body?.error?.code)) throw new ModelError(`${this}: second answer ${refused.status} ${JSON.stringify(refused.body)}`);
    delete a.flows[name];
    contactChanged(a, this.kind, f.target, 'bound');
  }
}

/** Two accounts bind the same phone at the same time: exactly one gets it. */
class RaceBind extends Step {
  constructor(readonly acct: number, readonly rival: number, readonly addr: number) {
    super();
  }
  toString() {
    return `RaceBind(a${this.acct}, a${this.rival}, #${this.addr})`;
  }
  async act(w: World, sys: System) {
    if (this.acct === this.rival) return;
    const racers = [w.accounts[this.acct]!, w.accounts[this.rival]!];
    const to = addressOf(w, 'phone', this.addr);
    const sent = w.codesSent[`bind_phone:${to}`] ?? 0;
    const fine = racers.every((a) => !a.frozen && !a.phone && !a.flows['bind-phone'] && a.contactChecks < LIMITS.contactChecksPerAccount) && !ownerOf(w, 'phone', to) && sent + 2 <= LIMITS.perDay.bind_phone!;
    if (!fine) return;
    const codes: string[] = [];
    for (const a of racers) {
      a.contactChecks += 1;
      a.started.add('bind-phone');
      const before = sys.messages('sms', to);
      expectAnswer(await sys.call('POST', `/v1/accounts/${a.id}/phone/bind`, { phone: to }), 201, null, `${this} start ${a.id}`);
      const c: CodeChallengeModel = { to, scene: 'bind_phone', channel: 'sms', code: null, sent: 0, attempts: 1 };
      codeSent(w, c, await sys.codeIn('sms', to, before + 1));
      codes.push(c.code!);
    }
    const answers = await Promise.all(racers.map((a, i) => sys.call('POST', `/v1/flows/bind-phone:${a.id}/code`, { code: codes[i] })));
    const winners = answers.map((r, i) => (r.status === 200 ? i : -1)).filter((i) => i >= 0);
    if (winners.length !== 1) throw new ModelError(`${this}: ${winners.length} winners: ${JSON.stringify(answers.map((r) => [r.status, r.body]))}`);
    const loser = answers[1 - winners[0]!]!;
    expectAnswer(loser, 409, 'PHONE_TAKEN', `${this} loser`);
    contactChanged(racers[winners[0]!]!, 'phone', to, 'bound');
  }
}

/** Two accounts verify with the same ID number at the same time: the subject limit (1) holds. */
class RaceRealName extends Step {
  constructor(readonly acct: number, readonly rival: number, readonly id: 0 | 1) {
    super();
  }
  toString() {
    return `RaceRealName(a${this.acct}, a${this.rival}, id ${this.id})`;
  }
  async act(w: World, sys: System) {
    if (this.acct === this.rival) return;
    const racers = [w.accounts[this.acct]!, w.accounts[this.rival]!];
    const idNumber = w.ids[this.id]!;
    // a device whose check passes under real-name's chain now (an app's, else a mini-program's)
    const device = passingDevice(w, 'personal');
    const fine =
      device !== null &&
      !subjectHolder(w, idNumber) &&
      racers.every((a) => !a.frozen && a.phone && !a.verifiedId && !a.flows['real-name'] && a.realNameStarts < LIMITS.realNameStartsPerAccount && freeLeft(a) + a.purchased >= 1);
    if (!fine) return;
    const started = [];
    for (const a of racers) {
      a.realNameStarts += 1;
      a.started.add('real-name');
      const deviceId = sys.deviceId(a.id, device!);
      const predicted = predictStart(w, 'personal', device!);
      const r = await sys.call('POST', `/v1/accounts/${a.id}/real-name`, { realName: NAME, idNumber, deviceId, environmentSafe: true, agreement: DEFAULT_REAL_NAME_AGREEMENT, client: { ip: uniqueIp(), fingerprint: deviceId } });
      expectAnswer(r, 201, null, `${this} start ${a.id}`);
      const face = issuedCheck(w, a, predicted, device!, r.body.flow, Date.now() + LIMITS.faceTtlSec * 1000, `${this} start ${a.id}`);
      started.push({ a, deviceId, flow: r.body.flow, face });
    }
    const answers = await Promise.all(
      started.map((s) => sys.call('POST', '/v1/face/completion', sdkOk(s.flow.certifyId, s.deviceId), { key: null, headers: { 'x-face-token': s.flow.clientToken } })),
    );
    const outcomes = answers.map((r) => r.body?.result?.outcome);
    const winner = outcomes.indexOf('verified');
    if (winner < 0 || outcomes.filter((o) => o === 'verified').length !== 1 || outcomes[1 - winner] !== 'rejected') {
      throw new ModelError(`${this}: outcomes ${JSON.stringify(answers.map((r) => [r.status, r.body]))}`);
    }
    for (const [i, s] of started.entries()) {
      const source = consume(s.a);
      verdictCounted(w, s.a, s.face);
      s.a.completions[s.flow.faceCheckId] = 1;
      if (i === winner) {
        s.a.verifiedId = idNumber;
        event(s.a, 'real_name.verified');
      } else {
        refund(s.a, source);
        event(s.a, 'real_name.failed');
      }
    }
  }
}

// ---------------------------------------------------------------------------------------

const acct = fc.integer({ min: 0, max: 4 });
// who usually does what (test/model/run.ts seeds them): a0 is verified; a1 and a2 have a phone
// and are not; a3 and a4 start without a phone
const binder = fc.constantFrom(3, 4, 3, 4, 2);
const rebinder = fc.constantFrom(0, 1, 2, 0, 1, 2, 3);
const verifier = fc.constantFrom(1, 2, 1, 2, 3, 0);
const kind = fc.constantFrom<Kind>('phone', 'email');
const addr = fc.integer({ min: 0, max: 4 });
const right = fc.constantFrom(true, true, true, false);
const device = faceDevice;

export const COMMANDS: fc.Arbitrary<fc.AsyncCommand<World, System>>[] = [
  fc.tuple(acct, kind, addr).map(([a, k, i]) => new BindStart(a, k, i)),
  fc.tuple(acct, kind).map(([a, k]) => new BindResend(a, k)),
  fc.tuple(acct, kind, right).map(([a, k, r]) => new BindSubmit(a, k, r)),
  fc.tuple(acct, fc.constantFrom<FlowName>('bind-phone', 'bind-email', 'rebind-phone', 'rebind-email', 'real-name')).map(([a, n]) => new Cancel(a, n)),
  fc.tuple(acct, kind, fc.constantFrom<Method>('sms', 'email', 'face'), device).map(([a, k, m, d]) => new RebindStart(a, k, m, d)),
  fc.tuple(acct, kind).map(([a, k]) => new RebindResendProof(a, k)),
  fc.tuple(acct, kind, right).map(([a, k, r]) => new RebindProof(a, k, r)),
  fc.tuple(acct, kind, addr).map(([a, k, i]) => new RebindNewContact(a, k, i)),
  fc.tuple(acct, kind, right).map(([a, k, r]) => new RebindNewCode(a, k, r)),
  fc.tuple(acct, fc.constantFrom<IdChoice>(0, 0, 1, 1, 'mismatch', 'maintenance'), device).map(([a, i, d]) => new RealNameStart(a, i, d)),
  acct.map((a) => new RealNameComplete(a)),
  fc.tuple(acct, fc.constantFrom<Purchase>('api', 'callback-repeated', 'api', 'cancelled')).map(([a, how]) => new BuyQuota(a, how)),
  acct.map((a) => new RegisterSession(a)),
  fc.constant(new RestartWorker()),
  fc.constant(new WaitForExpiry()),
  fc.tuple(acct, kind, addr).map(([a, k, i]) => new DoubleBindStart(a, k, i)),
  fc.tuple(acct, kind).map(([a, k]) => new DoubleBindSubmit(a, k)),
  fc.tuple(binder, binder, addr).map(([a, b, i]) => new RaceBind(a, b, i)),
  fc.tuple(verifier, verifier, fc.constantFrom<0 | 1>(0, 1)).map(([a, b, i]) => new RaceRealName(a, b, i)),
];

const method = fc.constantFrom<Method>('sms', 'email', 'face');
const idChoice = fc.constantFrom<IdChoice>(0, 0, 1, 1, 'mismatch', 'maintenance');
const bindFlow = fc.tuple(binder, fc.constantFrom<Kind>('phone', 'phone', 'email'), addr, fc.boolean()).map(
  ([a, k, i, wrongFirst]) => new Compose('Bind', [new BindStart(a, k, i), ...(wrongFirst ? [new BindSubmit(a, k, false)] : []), new BindSubmit(a, k, true)]),
);
const rebindSteps = (a: number, k: Kind, m: Method, d: FaceDevice, i: number) => [
  new RebindStart(a, k, m, d),
  new RebindProof(a, k, true),
  new RebindNewContact(a, k, i),
  new RebindNewCode(a, k, true),
];
const rebindFlow = fc.tuple(rebinder, kind, method, device, addr).map(([a, k, m, d, i]) => new Compose('Rebind', rebindSteps(a, k, m, d, i)));
const realNameFlow = fc.tuple(verifier, idChoice, device).map(([a, i, d]) => new Compose('RealName', [new RealNameStart(a, i, d), new RealNameComplete(a)]));
/** The same flow run a second time right after the first (whatever the first's outcome). */
const rebindTwice = fc
  .tuple(rebinder, kind, fc.constantFrom<Method>('sms', 'email', 'sms', 'face'), fc.constantFrom<Method>('sms', 'email', 'sms', 'face'), addr, addr)
  .map(([a, k, m1, m2, i1, i2]) => new Compose('RebindTwice', [...rebindSteps(a, k, m1, 'ok', i1), ...rebindSteps(a, k, m2, 'ok', i2)]));
const realNameTwice = fc
  .tuple(verifier, device, idChoice)
  .map(([a, d, i]) => new Compose('RealNameTwice', [new RealNameStart(a, 0, d), new RealNameComplete(a), new BuyQuota(a, 'callback-repeated'), new RealNameStart(a, i, 'ok'), new RealNameComplete(a)]));

/** Wrong codes until the flow locks, then the same flow again. */
const lockedThenAgain = fc
  .tuple(binder, kind, addr)
  .map(([a, k, i]) => new Compose('LockedThenAgain', [new BindStart(a, k, i), ...Array.from({ length: 5 }, () => new BindSubmit(a, k, false)), new BindStart(a, k, i), new BindSubmit(a, k, true)]));
/** Resends until the daily cap of the address (a flow's validator, then the address's cap). */
const resendMany = fc.tuple(binder, kind, addr).map(([a, k, i]) => new Compose('ResendMany', [new BindStart(a, k, i), ...Array.from({ length: 6 }, () => new BindResend(a, k))]));
/** One unbind token tried on more new contacts than a rebind allows. */
const manyNewContacts = fc
  .tuple(rebinder, kind, fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }))
  .map(([a, k, order]) => new Compose('ManyNewContacts', [new RebindStart(a, k, 'sms', 'ok'), new RebindProof(a, k, true), ...order.map((i) => new RebindNewContact(a, k, i))]));
/** A real-name start repeated (cached), then completed; starts until the per-account limit. */
const realNameRepeat = fc
  .tuple(verifier, fc.integer({ min: 1, max: 7 }))
  .map(([a, n]) => new Compose('RealNameRepeat', [...Array.from({ length: n }, () => new RealNameStart(a, 0, 'ok')), new RealNameComplete(a)]));

/** A flow cancelled while it waits (the face, a code), then a late step of it, then a new one. */
const cancelThenAgain = fc.oneof(
  fc.tuple(verifier, device).map(([a, d]) => new Compose('RealNameCancelled', [new RealNameStart(a, 0, d), new Cancel(a, 'real-name'), new RealNameComplete(a), new RealNameStart(a, 0, 'ok'), new RealNameComplete(a)])),
  fc.tuple(binder, kind, addr).map(([a, k, i]) => new Compose('BindCancelled', [new BindStart(a, k, i), new Cancel(a, `bind-${k}`), new BindSubmit(a, k, true), new BindStart(a, k, i)])),
  fc.tuple(rebinder, kind, method, device).map(([a, k, m, d]) => new Compose('RebindCancelled', [new RebindStart(a, k, m, d), new Cancel(a, `rebind-${k}`), new RebindProof(a, k, true)])),
);

COMMANDS.push(
  cancelThenAgain,
  lockedThenAgain,
  resendMany,
  manyNewContacts,
  realNameRepeat,
  bindFlow,
  bindFlow,
  rebindFlow,
  rebindFlow,
  rebindFlow,
  rebindTwice,
  rebindTwice,
  realNameFlow,
  realNameFlow,
  realNameTwice,
  fc.tuple(fc.oneof(bindFlow, rebindFlow, realNameFlow), fc.integer({ min: 0, max: 400 })).map(([inner, ms]) => new WithRestart(inner, ms)),
);
