// The face providers a worker speaks to, built once per set of activity deps over the real
// clients, and the order a scene asks them in: the operator's choice, else the configured one.
import type { ActivityDeps } from '../activity-deps';
import type { Config } from '../../lib/config';
import type { FaceProviderName } from '../../lib/face-providers';
import { deviceAndSceneProviders } from '../../db/real-name';
import type { FaceClientOf, FaceProvider, FaceProviders } from '../../providers/shared/face-provider';
import { dcloudFaceProvider } from '../../providers/dcloud-face/face-provider';
import { aliyunFaceProvider } from '../../providers/aliyun-face/face-provider';
import { createAliyunFaceClient } from '../../providers/aliyun-face/client';
import { wechatFaceProvider } from '../../providers/wechat-face/face-provider';
import { createWechatFaceClient } from '../../providers/wechat-face/client';
import { createAccessTokens } from '../../providers/wechat-face/access-token';

const built = new WeakMap<ActivityDeps, FaceProviders>();

export function faceProvidersOf(deps: ActivityDeps): FaceProviders {
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

/**
 * The starting device's face client, the scene's order (the operator's choice, else the
 * configured one), and the providers of it that can serve the device, in that order.
 */
export async function providersForDevice(
  deps: ActivityDeps,
  p: { accountId: string; deviceId: string; scene: string },
): Promise<{ client: FaceClientOf | null; chain: FaceProviderName[]; serving: FaceProvider[] }> {
  const { client, providers } = await deviceAndSceneProviders(deps.pool, deps.fieldCrypto, { ...p, taskQueue: deps.cfg.temporal.taskQueue });
  const chain = providers ?? configuredProviders(deps.cfg, p.scene);
  const all = faceProvidersOf(deps);
  const serving = client ? chain.map((n) => all[n]).filter((x): x is FaceProvider => x !== undefined && x.serves(client)) : [];
  return { client, chain, serving };
}
