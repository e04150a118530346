// The face providers a worker speaks to, built once per set of activity deps over the real
// clients, and the order a scene asks them in: the operator's choice, else the configured one.
import type { ActivityDeps } from '../activity-deps';
import type { Config } from '../../lib/config';
import type { FaceProviderName } from '../../lib/face-providers';
import { sceneProviders } from '../../db/face-providers';
import type { FaceClientOf, FaceProvider, FaceProviders } from '../../providers/shared/face-provider';
import { dcloudFaceProvider } from '../../providers/dcloud-face/face-provider';
import { aliyunFaceProvider } from '../../providers/aliyun-face/face-provider';
import { createAliyunFaceClient } from '../../providers/aliyun-face/client';
import { wechatFaceProvider } from '../../providers/wechat-face/face-provider';
import { createWechatFaceClient } from '../../providers/wechat-face/client';
import { createAccessTokens } from '../../providers/wechat-face/access-token';

const built = new WeakMap<ActivityDeps, FaceProviders>();

export function faceProvidersOf(deps: ActivityDeps): FaceProviders {
  if (deps.faceProviders) return deps.faceProviders;
  const known = built.get(deps);
  if (known) return known;
  const { cfg } = deps;
  const w = cfg.wechat;
  const providers: FaceProviders = {
    dcloud: dcloudFaceProvider(deps.face),
    wechat: wechatFaceProvider(
      createWechatFaceClient(
        { baseUrl: w.baseUrl, timeoutMs: w.timeoutMs },
        createAccessTokens({ baseUrl: w.baseUrl, appid: w.appid, secret: w.secret, keyPrefix: w.tokenKeyPrefix, timeoutMs: w.timeoutMs }, deps.redis, { log: deps.log }),
      ),
    ),
  };
  // production configures Alibaba only with its own keys
  if (cfg.aliyunFace) providers.aliyun = aliyunFaceProvider(createAliyunFaceClient(cfg.aliyunFace), cfg.aliyunFace);
  built.set(deps, providers);
  return providers;
}

/** The configured order of a scene (FACE_PROVIDERS_BY_SCENE, else FACE_PROVIDERS). */
export const configuredProviders = (cfg: Config, scene: string): FaceProviderName[] => cfg.faceProviders.byScene[scene] ?? cfg.faceProviders.default;

/** The scene's providers that can serve this device, in order, and the scene's whole order. */
export async function servingProviders(deps: ActivityDeps, scene: string, client: FaceClientOf): Promise<{ serving: FaceProvider[]; chain: FaceProviderName[] }> {
  const all = faceProvidersOf(deps);
  const chain = await providerChain(deps, scene);
  return { serving: chain.map((n) => all[n]).filter((p): p is FaceProvider => p !== undefined && p.serves(client)), chain };
}

/** The order a check of this scene asks the providers in. */
export async function providerChain(deps: Pick<ActivityDeps, 'pool' | 'cfg'>, scene: string): Promise<FaceProviderName[]> {
  return (await sceneProviders(deps.pool, deps.cfg.temporal.taskQueue, scene)) ?? configuredProviders(deps.cfg, scene);
}
