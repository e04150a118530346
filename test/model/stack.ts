// The model-based test's stack: the suite's stack (test/support/stack.ts, with its three face
// providers' sandboxes) on a database of its own, so that GET /v1/counters counts the model's
// checks only and its invariants over every face row are exact. (The operator's choice of face
// providers is per task queue, and so per stack, already.)
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { dropDatabase } from '../../db/pool';
import type { AliyunFaceSandbox } from '../../providers/aliyun-face/sandbox';
import type { WechatSandbox } from '../../providers/wechat-face/sandbox';
import { startStack, type Stack } from '../support/stack';
import { CONFIGURED_ENV } from './face-providers';

const ROOT = path.join(__dirname, '..', '..');

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

  const stack = await startStack({
    DATABASE_URL: databaseUrl,
    ALIYUN_FACE_TIMEOUT_MS: '3000',
    WECHAT_TIMEOUT_MS: '3000',
    ...CONFIGURED_ENV,
    ...env,
  });
  return {
    stack,
    aliyun: stack.aliyun,
    wechat: stack.wechat,
    async close() {
      await stack.close();
      await dropDatabase(databaseUrl);
    },
  };
}
