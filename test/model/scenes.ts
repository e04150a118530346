// The face scenes' commands of the model-based test (flows/face-scene/): the platform sets the
// account state (security flags, the freeze, withdrawing a cancellation request), the user
// starts a scene (a double click too) and the app completes its face check. The model says
// what each answer must be, in the order the API checks (docs/flows/face-scenes.md#routes),
// and what the scene changes; ./invariants.ts compares the state, events, audit rows,
// sessions and quota with Postgres after every step.
import fc from 'fast-check';
import { BuyQuota, Cancel, Compose, completeFace, expectAnswer, expectFaceRefused, expectNoFlow, flowIdOf, sendInChallenge, Step } from './commands';
import { faceDevice, issuedCheck, passingDevice, predictStart, verdictCounted } from './face-providers';
import type { System } from './system';
import {
  consume,
  event,
  freeLeft,
  held,
  LIMITS,
  ModelError,
  refund,
  SCENE_EVENT,
  SCENE_FLOW,
  type AccountModel,
  type CodeChallengeModel,
  type FaceDevice,
  type SceneFlow,
  type SceneName,
  type World,
} from './world';


/** What the account's state refuses a start of the scene with, by either method; null: none. */
function stateRefusal(a: AccountModel, scene: SceneName): [number, string] | null {
  if (a.frozen && scene !== 'unfreeze') return [423, 'ACCOUNT_FROZEN'];
  if (scene === 'unfreeze' && !a.frozen) return [409, 'ACCOUNT_NOT_FROZEN'];
  if (scene === 'reset_security' && !a.flagged) return [409, 'SECURITY_FLAGS_NOT_SET'];
  if (scene === 'cancellation' && a.cancellationPending) return [409, 'CANCELLATION_PENDING'];
  return null;
}

/** What a face start is refused with before any flow is reached, in the route's order; null: none. */
function refusal(a: AccountModel, scene: SceneName): [number, string] | null {
  const state = stateRefusal(a, scene);
  if (state) return state;
  if (!a.verifiedId || a.identityRedacted) return [409, 'REAL_NAME_REQUIRED'];
  // the unit the scene's own live check holds still counts for a repeat start (a double click)
  const own = (a.flows[SCENE_FLOW[scene]] as SceneFlow | undefined)?.face ? 1 : 0;
  if (freeLeft(a) + a.purchased - held(a) + own < 1) return [402, 'FACE_QUOTA_REQUIRED'];
  return null;
}

export class SceneStart extends Step {
  constructor(readonly acct: number, readonly scene: SceneName, readonly device: FaceDevice) {
    super();
  }
  toString() {
    return `SceneStart(a${this.acct}, ${this.scene}, ${this.device})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const name = SCENE_FLOW[this.scene];
    const what = this.toString();
    const predicted = predictStart(w, this.scene, this.device);
    const r = await sys.call('POST', `/v1/accounts/${a.id}/face-scenes/${this.scene}`, { deviceId: sys.deviceId(a.id, this.device) });
    const refused = refusal(a, this.scene);
    if (refused) return expectAnswer(r, refused[0], refused[1], what);
    const live = a.flows[name] as SceneFlow | undefined;
    if (live) {
      if (!live.face || live.face.device !== this.device || live.repeats >= 10) return expectAnswer(r, 409, 'FLOW_IN_PROGRESS', what);
      expectAnswer(r, 200, null, what);
      live.repeats += 1;
      if (r.body.flow.certifyId !== live.face!.certifyId || r.body.flow.cache !== true || r.body.flow.provider !== live.face!.provider) throw new ModelError(`${what}: not the live certifyId ${JSON.stringify(r.body.flow)}`);
      return;
    }
    a.started.add(name);
    if (expectFaceRefused(r, predicted, what)) return;
    expectAnswer(r, 201, null, what);
    const deadline = Date.now() + LIMITS.faceTtlSec * 1000;
    a.flows[name] = { type: 'scene', scene: this.scene, deadline, repeats: 0, code: null, wrong: 0, face: issuedCheck(w, a, predicted, this.device, r.body.flow, deadline, what) };
  }
}

/** The same start twice at once: one flow, one check, the same certifyId in both answers. */
class DoubleSceneStart extends Step {
  constructor(readonly acct: number, readonly scene: SceneName) {
    super();
  }
  toString() {
    return `DoubleSceneStart(a${this.acct}, ${this.scene})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const name = SCENE_FLOW[this.scene];
    const device = passingDevice(w, this.scene);
    if (refusal(a, this.scene) || a.flows[name] || !device) return; // only the case where a start would succeed is interesting here
    a.started.add(name);
    const predicted = predictStart(w, this.scene, device);
    const send = () => sys.call('POST', `/v1/accounts/${a.id}/face-scenes/${this.scene}`, { deviceId: sys.deviceId(a.id, device) });
    const answers = await Promise.all([send(), send()]);
    const [x, y] = answers.map((r) => r.body.flow);
    if (answers.map((r) => r.status).sort().join() !== '200,201' || x?.certifyId !== y?.certifyId || x?.faceCheckId !== y?.faceCheckId || x?.provider !== y?.provider) {
      throw new ModelError(`${this}: ${JSON.stringify(answers.map((r) => [r.status, r.body]))}`);
    }
    const deadline = Date.now() + LIMITS.faceTtlSec * 1000;
    a.flows[name] = { type: 'scene', scene: this.scene, deadline, repeats: 1, code: null, wrong: 0, face: issuedCheck(w, a, predicted, device, x, deadline, this.toString()) };
  }
}

export class SceneComplete extends Step {
  constructor(readonly acct: number, readonly scene: SceneName) {
    super();
  }
  toString() {
    return `SceneComplete(a${this.acct}, ${this.scene})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const name = SCENE_FLOW[this.scene];
    const f = a.flows[name] as SceneFlow | undefined;
    if (!f?.face) return;
    const what = this.toString();
    const r = await completeFace(sys, a, f.face);
    delete a.flows[name];
    expectAnswer(r, 200, null, what);
    const got = r.body.result.outcome;
    const source = consume(a);
    verdictCounted(w, a, f.face);
    const want = (o: string) => {
      if (got !== o) throw new ModelError(`${what}: outcome ${got}, expected ${o} (${JSON.stringify(r.body.result)})`);
    };
    if (f.face.verdict === 'fail') return want('fail');
    // no result from the provider, or the account was frozen while the check ran: the unit goes back
    if (f.face.verdict === 'pending' || (this.scene !== 'unfreeze' && a.frozen)) {
      refund(a, source);
      return want('rejected');
    }
    want('success');
    if (r.body.result.message !== '刷脸成功:数据对比成功!') throw new ModelError(`${what}: message ${r.body.result.message}`);
    applied(a, this.scene);
  }
}

/** What a scene's success changes, by whichever method. */
function applied(a: AccountModel, scene: SceneName): void {
  event(a, SCENE_EVENT[scene]);
  if (scene === 'reset_security') {
    a.flagged = false;
    a.sessionsLive = 0; // no session named as kept
  }
  if (scene === 'unfreeze') a.frozen = false;
  if (scene === 'cancellation') a.cancellationPending = true;
}

type CodeSceneName = 'unfreeze' | 'cancellation';
const CODE_SCENE: Record<CodeSceneName, { scene: string; message: string }> = {
  unfreeze: { scene: 'unfreeze_account', message: '账户解冻成功' },
  cancellation: { scene: 'cancel_account', message: '账户注销申请已提交' },
};

/** The code method's start: a code to the bound phone, no face, no unit. */
class SceneCodeStart extends Step {
  constructor(readonly acct: number, readonly scene: CodeSceneName) {
    super();
  }
  toString() {
    return `SceneCodeStart(a${this.acct}, ${this.scene})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const name = SCENE_FLOW[this.scene];
    const what = this.toString();
    const send = () => sys.call('POST', `/v1/accounts/${a.id}/face-scenes/${this.scene}`, { deviceId: sys.deviceId(a.id, 'ok'), method: 'sms' });
    const state = stateRefusal(a, this.scene);
    if (state) return expectAnswer(await send(), state[0], state[1], what);
    if (!a.phone) return expectAnswer(await send(), 409, 'SCENE_PHONE_REQUIRED', what);
    const live = a.flows[name] as SceneFlow | undefined;
    if (live) {
      const r = await send();
      if (!live.code || live.repeats >= 10) return expectAnswer(r, 409, 'FLOW_IN_PROGRESS', what);
      expectAnswer(r, 200, null, what);
      live.repeats += 1;
      if (r.body.flow.cache !== true) throw new ModelError(`${what}: not a repeat ${JSON.stringify(r.body)}`);
      return;
    }
    a.started.add(name);
    const c: CodeChallengeModel = { to: a.phone, scene: CODE_SCENE[this.scene].scene, channel: 'sms', code: null, sent: 0, attempts: 0 };
    const r = await sendInChallenge(w, sys, c, send, what);
    if (r.status !== 201) return;
    a.flows[name] = { type: 'scene', scene: this.scene, deadline: Date.now() + LIMITS.flowTtlSec * 1000, repeats: 0, face: null, code: c, wrong: 0 };
  }
}

class SceneCodeSubmit extends Step {
  constructor(readonly acct: number, readonly scene: CodeSceneName, readonly right: boolean) {
    super();
  }
  toString() {
    return `SceneCodeSubmit(a${this.acct}, ${this.scene}, ${this.right ? 'right' : 'wrong'})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const name = SCENE_FLOW[this.scene];
    const f = a.flows[name] as SceneFlow | undefined;
    const what = this.toString();
    const live = f?.code?.code ?? '123456';
    const r = await sys.call('POST', `/v1/flows/${flowIdOf(name, a)}/code`, { code: this.right ? live : live === '000000' ? '111111' : '000000' });
    if (!f) return expectNoFlow(r, a, name, what);
    if (!f.code) return expectAnswer(r, 409, 'PROOF_METHOD_MISMATCH', what);
    if (!this.right) {
      f.wrong += 1;
      if (f.wrong >= LIMITS.maxWrong) {
        delete a.flows[name];
        return expectAnswer(r, 429, 'CODE_ATTEMPTS_EXCEEDED', what);
      }
      return expectAnswer(r, 422, 'CODE_WRONG', what);
    }
    delete a.flows[name];
    // the account was frozen while the code run waited: the cancellation is refused
    if (this.scene !== 'unfreeze' && a.frozen) return expectAnswer(r, 423, 'ACCOUNT_FROZEN', what);
    expectAnswer(r, 200, null, what);
    if (r.body.result.outcome !== 'success' || r.body.result.message !== CODE_SCENE[this.scene].message) throw new ModelError(`${what}: ${JSON.stringify(r.body.result)}`);
    applied(a, this.scene);
  }
}

export type Platform = 'flag' | 'clear-flags' | 'freeze' | 'unfreeze' | 'withdraw';

/** The platform's own changes to the account state. */
export class PlatformSets extends Step {
  constructor(readonly acct: number, readonly what: Platform) {
    super();
  }
  toString() {
    return `PlatformSets(a${this.acct}, ${this.what})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const base = `/v1/accounts/${a.id}`;
    const what = this.toString();
    switch (this.what) {
      case 'flag':
      case 'clear-flags': {
        const flags = this.what === 'flag' ? ['remote_login'] : [];
        expectAnswer(await sys.call('PUT', `${base}/security-flags`, { flags, reason: 'model' }), 200, null, what);
        a.flagged = flags.length > 0;
        return;
      }
      case 'freeze':
        expectAnswer(await sys.call('POST', `${base}/freeze`, { reason: 'model' }), 200, null, what);
        a.frozen = true;
        return;
      case 'unfreeze':
        if (!a.frozen) return expectAnswer(await sys.call('DELETE', `${base}/freeze`), 409, 'ACCOUNT_NOT_FROZEN', what);
        expectAnswer(await sys.call('DELETE', `${base}/freeze`), 200, null, what);
        a.frozen = false;
        return;
      case 'withdraw':
        if (!a.cancellationPending) return expectAnswer(await sys.call('DELETE', `${base}/cancellation`), 409, 'CANCELLATION_NOT_REQUESTED', what);
        expectAnswer(await sys.call('DELETE', `${base}/cancellation`), 200, null, what);
        a.cancellationPending = false;
        return;
    }
  }
}

// a0 is the verified account (test/model/run.ts); the others meet REAL_NAME_REQUIRED unless a
// sequence verified them
const sceneAcct = fc.constantFrom(0, 0, 0, 1, 2);
const scene = fc.constantFrom<SceneName>('reset_security', 'unfreeze', 'cancellation');
const device = faceDevice;
/** what the platform does before a scene, so the scene has something to act on */
export const PREPARE: Record<SceneName, Platform | null> = { reset_security: 'flag', unfreeze: 'freeze', cancellation: null };

/** The platform's step, a unit bought, the start and the app's completion: a whole scene. */
const sceneFlow = fc.tuple(sceneAcct, scene, device).map(([a, s, d]) => {
  const prepare = PREPARE[s];
  return new Compose('Scene', [...(prepare ? [new PlatformSets(a, prepare)] : []), new BuyQuota(a, 'api'), new SceneStart(a, s, d), new SceneComplete(a, s)]);
});

const codeScene = fc.constantFrom<CodeSceneName>('unfreeze', 'cancellation');

export const SCENE_COMMANDS: fc.Arbitrary<fc.AsyncCommand<World, System>>[] = [
  fc.tuple(sceneAcct, codeScene).map(([a, s]) => new SceneCodeStart(a, s)),
  fc.tuple(sceneAcct, codeScene, fc.boolean()).map(([a, s, right]) => new SceneCodeSubmit(a, s, right)),
  // the code method whole: the platform's step, the start (clicked twice), a wrong code, the right one
  fc.tuple(sceneAcct, codeScene).map(
    ([a, s]) =>
      new Compose('SceneByCode', [
        ...(PREPARE[s] ? [new PlatformSets(a, PREPARE[s])] : []),
        new SceneCodeStart(a, s),
        new SceneCodeStart(a, s),
        new SceneCodeSubmit(a, s, false),
        new SceneCodeSubmit(a, s, true),
      ]),
  ),
  fc.tuple(sceneAcct, scene, device).map(([a, s, d]) => new SceneStart(a, s, d)),
  fc.tuple(sceneAcct, scene).map(([a, s]) => new SceneComplete(a, s)),
  fc.tuple(sceneAcct, scene).map(([a, s]) => new DoubleSceneStart(a, s)),
  fc.tuple(sceneAcct, scene).map(([a, s]) => new Cancel(a, SCENE_FLOW[s])),
  fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom<Platform>('flag', 'flag', 'clear-flags', 'freeze', 'unfreeze', 'unfreeze', 'withdraw')).map(([a, p]) => new PlatformSets(a, p)),
  sceneFlow,
  sceneFlow,
  // a scene while the account is frozen, then the unfreeze by face, then the scene again
  fc.tuple(sceneAcct, fc.constantFrom<SceneName>('reset_security', 'cancellation')).map(
    ([a, s]) =>
      new Compose('FrozenThenUnfrozen', [
        new PlatformSets(a, 'freeze'),
        new SceneStart(a, s, 'ok'),
        new BuyQuota(a, 'api'),
        new SceneStart(a, 'unfreeze', 'ok'),
        new SceneComplete(a, 'unfreeze'),
        ...(PREPARE[s] ? [new PlatformSets(a, PREPARE[s])] : []),
        new BuyQuota(a, 'api'),
        new SceneStart(a, s, 'ok'),
        new SceneComplete(a, s),
      ]),
  ),
];
