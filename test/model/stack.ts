// The model-based test's stack: the suite's stack (test/support/stack.ts) on a database of its
// own, with the Alibaba Cloud and WeChat face sandboxes beside the DCloud one. Its own database
// because the operator's choice of face providers (face_provider_settings) is per scene for the
// whole deployment: a sequence that sends real-name to WeChat must not send every other suite's
// real-name checks there, and GET /v1/counters then counts the model's checks only.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { dropDatabase } from '../../db/pool';
import { startAliyunFaceSandbox, type AliyunFaceSandbox } from '../../providers/aliyun-face/sandbox';
import { startWechatSandbox, type WechatSandbox } from '../../providers/wechat-face/sandbox';
import { startStack, type Stack } from '../support/stack';
import { CONFIGURED_ENV } from './face-providers';

const ROOT = path.join(__dirname, '..', '..');
const ALIYUN = { keyId: 'LTAImodelcloudauth000001', secret: 'model-cloudauth-secret-0000000001', sceneId: 1000000777 };
const WECHAT = { appid: 'wx0123456789abcdef', secret: 'model-wechat-app-secret-00000001' };

export interface ModelStack {
  stack: Stack;
  aliyun: AliyunFaceSandbox;
  wechat: WechatSandbox;
  close(): Promise<void>;
}

export async function startModelStack(env: Record<string, string>): Promise<ModelStack> {
  const shared = process.env.DATABASE_URL;
  if (!shared) throw new Error('DATABASE_URL is not set: the model test runs under the stack project (test/support/global-setup.ts)');
  const url = new URL(shared);
  url.pathname = `/${url.pathname.slice(1)}_model`;
  const databaseUrl = url.toString();
  await dropDatabase(databaseUrl);
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'db', 'migrate.ts')], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: 'pipe' });

  const aliyun = await startAliyunFaceSandbox({ port: 0, credentials: { [ALIYUN.keyId]: ALIYUN.secret }, sceneIds: [ALIYUN.sceneId] });
  const wechat = await startWechatSandbox({ port: 0, appid: WECHAT.appid, secret: WECHAT.secret });
  const stack = await startStack({
    DATABASE_URL: databaseUrl,
    ALIYUN_FACE_ENDPOINT: aliyun.endpoint,
    ALIYUN_FACE_PROTOCOL: 'HTTP',
    ALIYUN_FACE_ACCESS_KEY_ID: ALIYUN.keyId,
    ALIYUN_FACE_ACCESS_KEY_SECRET: ALIYUN.secret,
    ALIYUN_FACE_SCENE_ID: String(ALIYUN.sceneId),
    ALIYUN_FACE_TIMEOUT_MS: '3000',
    WECHAT_API_BASE_URL: wechat.url,
    WECHAT_APPID: WECHAT.appid,
    WECHAT_APP_SECRET: WECHAT.secret,
    // the token cache is in the run's shared Redis: this sandbox's tokens under keys of their own
    WECHAT_TOKEN_KEY_PREFIX: `wechat:model-${randomUUID().slice(0, 8)}:`,
    WECHAT_TIMEOUT_MS: '3000',
    ...CONFIGURED_ENV,
    ...env,
  });
  return {
    stack,
    aliyun,
    wechat,
    async close() {
      await stack.close();
      await Promise.all([aliyun.close(), wechat.close()]);
      await dropDatabase(databaseUrl);
    },
  };
}
