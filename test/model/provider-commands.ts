// The face providers' commands of the model-based test: the operator chooses a scene's
// providers (PUT /v1/face-providers/:scene, a chain such as [dcloud, aliyun] or [aliyun,
// dcloud]) or gives it back to the configuration (DELETE), between any other steps; a
// provider's sandbox is down while one start runs (an outage: failover, or its own error when no
// next provider serves the device); and whole flows run on a chain chosen just before. What each
// start and completion answers is predicted in ./face-providers.ts, and ./invariants.ts compares
// the chains, the face rows (provider, failover) and the verdicts counted per provider.
import fc from 'fast-check';
import { BuyQuota, Compose, expectAnswer, RealNameComplete, RealNameStart, RebindNewCode, RebindNewContact, RebindProof, RebindStart, Step } from './commands';
import { chainOf, predictStart } from './face-providers';
import { RecoveryCollect, RecoveryFaceComplete, RecoveryRedeem, RecoveryStart } from './recovery';
import { PlatformSets, PREPARE, SceneComplete, SceneStart } from './scenes';
import type { System } from './system';
import { ModelError, type FaceDevice, type FaceScene, type Kind, type ProviderName, type SceneName, type World } from './world';

export class ChooseProviders extends Step {
  /** chain null: DELETE, back to the configured order */
  constructor(readonly scene: FaceScene, readonly chain: ProviderName[] | null) {
    super();
  }
  toString() {
    return `ChooseProviders(${this.scene}, ${this.chain ? this.chain.join('>') : 'config'})`;
  }
  async act(w: World, sys: System) {
    const what = this.toString();
    const path = `/v1/face-providers/${this.scene}`;
    const r = this.chain ? await sys.call('PUT', path, { providers: this.chain }) : await sys.call('DELETE', path);
    expectAnswer(r, 200, null, what);
    if (this.chain) w.providers[this.scene] = this.chain;
    else delete w.providers[this.scene];
    const view = r.body.scene;
    const want = { scene: this.scene, providers: chainOf(w, this.scene), source: this.chain ? 'operator' : 'config' };
    if (JSON.stringify({ scene: view?.scene, providers: view?.providers, source: view?.source }) !== JSON.stringify(want)) throw new ModelError(`${what}: answered ${JSON.stringify(view)}`);
    if ((view.updatedAt === null) !== (this.chain === null)) throw new ModelError(`${what}: updatedAt ${view.updatedAt}`);
  }
}

/**
 * One provider's sandbox down for every device while one step runs (a start of `scene` on
 * `device`: nothing else calls a provider meanwhile). 'serving': the provider that would issue
 * that start now, so the start fails over or fails.
 */
class Outage extends Step {
  constructor(readonly who: ProviderName | 'serving', readonly scene: FaceScene, readonly device: FaceDevice, readonly inner: Step) {
    super();
  }
  toString() {
    return `Outage(${this.who}, ${this.inner})`;
  }
  async act(w: World, sys: System) {
    const predicted = predictStart(w, this.scene, this.device);
    const down = this.who !== 'serving' ? this.who : predicted.issued ? predicted.provider : null;
    if (!down) return this.inner.act(w, sys);
    w.outage = down;
    sys.setOutage(down);
    try {
      await this.inner.act(w, sys);
    } finally {
      sys.setOutage(null);
      w.outage = null;
    }
  }
}

const scene = fc.constantFrom<FaceScene>('personal', 'personal', 'rebind_phone', 'rebind_email', 'recovery', 'reset_security', 'unfreeze', 'cancellation');
/** null: back to the configured order */
const chain = fc.constantFrom<ProviderName[] | null>(
  null,
  null,
  ['dcloud'],
  ['aliyun'],
  ['wechat'],
  ['dcloud', 'aliyun'],
  ['aliyun', 'dcloud'],
  ['dcloud', 'aliyun'],
  ['aliyun', 'dcloud'],
  ['dcloud', 'wechat'],
  ['wechat', 'aliyun'],
  ['aliyun', 'wechat', 'dcloud'],
);
/** chains where an app device has a next provider: failover is possible */
const twoForApps = fc.constantFrom<ProviderName[]>(['dcloud', 'aliyun'], ['aliyun', 'dcloud'], ['aliyun', 'wechat', 'dcloud']);
/** the chain a whole flow runs on: any, and half the time one that can fail over */
const flowChain = fc.oneof(chain, twoForApps);
/** the device of a whole flow: every row of ./face-providers.ts's table alike */
const device = fc.constantFrom<FaceDevice>('ok', 'fail', 'upstream', 'processing', 'pending', 'a204', 'a500', 'mp-ok', 'mp-fail', 'mp-wait', 'mp-play');
const outage = fc.constantFrom<ProviderName | 'serving'>('serving', 'serving', 'serving', 'dcloud', 'aliyun', 'wechat');
const verifier = fc.constantFrom(1, 2, 1, 2, 3);
const verified = fc.constantFrom(0, 0, 0, 1, 2);
const kind = fc.constantFrom<Kind>('phone', 'email');
const sceneName = fc.constantFrom<SceneName>('reset_security', 'unfreeze', 'cancellation');

/** The platform's step, a unit bought, the start given, the app's completion: a whole face scene. */
const sceneSteps = (a: number, s: SceneName, start: Step) => [...(PREPARE[s] ? [new PlatformSets(a, PREPARE[s])] : []), new BuyQuota(a, 'api'), start, new SceneComplete(a, s)];

const flows: fc.Arbitrary<fc.AsyncCommand<World, System>>[] = [
  // a whole flow on a chain chosen just before, on any device
  fc
    .tuple(verifier, flowChain, device, fc.constantFrom<0 | 1>(0, 1))
    .map(([a, c, d, i]) => new Compose('ProvidersRealName', [new ChooseProviders('personal', c), new RealNameStart(a, i, d), new RealNameComplete(a)])),
  fc.tuple(verified, sceneName, flowChain, device).map(([a, s, c, d]) => new Compose('ProvidersScene', [new ChooseProviders(s, c), ...sceneSteps(a, s, new SceneStart(a, s, d))])),
  fc
    .tuple(verified, kind, flowChain, device, fc.integer({ min: 0, max: 4 }))
    .map(
      ([a, k, c, d, i]) =>
        new Compose('ProvidersRebind', [
          new ChooseProviders(`rebind_${k}`, c),
          new BuyQuota(a, 'api'),
          new RebindStart(a, k, 'face', d),
          new RebindProof(a, k, true),
          new RebindNewContact(a, k, i),
          new RebindNewCode(a, k, true),
        ]),
    ),
  fc
    .tuple(verified, flowChain, device)
    .map(([a, c, d]) => new Compose('ProvidersRecovery', [new ChooseProviders('recovery', c), new BuyQuota(a, 'api'), new RecoveryStart(a, 'face', d), new RecoveryFaceComplete(a), new RecoveryCollect(a), new RecoveryRedeem(a)])),
  // a provider down while the start runs: the next one of the chain that serves the device, or its own error
  fc
    .tuple(verifier, flowChain, outage, device)
    .map(([a, c, p, d]) => new Compose('OutageRealName', [new ChooseProviders('personal', c), new Outage(p, 'personal', d, new RealNameStart(a, 0, d)), new RealNameComplete(a)])),
  fc
    .tuple(verified, sceneName, flowChain, outage, device)
    .map(([a, s, c, p, d]) => new Compose('OutageScene', [new ChooseProviders(s, c), ...sceneSteps(a, s, new Outage(p, s, d, new SceneStart(a, s, d)))])),
];

export const PROVIDER_COMMANDS: fc.Arbitrary<fc.AsyncCommand<World, System>>[] = [
  // the operator between any other steps
  fc.tuple(scene, chain).map(([s, c]) => new ChooseProviders(s, c)),
  fc.tuple(scene, chain).map(([s, c]) => new ChooseProviders(s, c)),
  ...flows,
  ...flows,
];
