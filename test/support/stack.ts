// One suite's stack: the real worker (its own task queue) over real Postgres, Redis
// and the sandboxes, the real API on a random port, a Temporal client. Everything
// the product runs, nothing mocked.
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { loadConfig, type Config } from '../../lib/config';
import { FieldCrypto } from '../../lib/field-crypto';
import { createLogger } from '../../lib/logger';
import { connectClient } from '../../lib/temporal';
import { startTracing } from '../../lib/tracing';
import { createActivityDeps } from '../../worker/deps';
import { createWorker } from '../../worker/worker';
import { createApp } from '../../api/app';
import { createApiServer } from '../../api/server';
import { startSmsGateway, type SmsGateway } from '../../providers/tencent-sms/sandbox';
import { startSmtpSink, type SmtpSink } from '../../providers/smtp/sandbox';
import { startIdCardGateway, type IdCardGateway } from '../../providers/idcard-market/sandbox';
import { startFaceFunction, type FaceFunction } from '../../providers/dcloud-face/sandbox';
import { startWechatSandbox, type WechatSandbox } from '../../providers/wechat-face/sandbox';
import { startAliyunFaceSandbox, type AliyunFaceSandbox } from '../../providers/aliyun-face/sandbox';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Business rejections are expected in tests; only the SDK's real errors are worth a line.
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  /* already installed in this process */
}

export const API_KEY = 'test-key-all-scopes';
export const READ_ONLY_KEY = 'test-key-read-only';

export interface Stack {
  cfg: Config;
  baseUrl: string;
  /** the Express app the server runs (to enumerate its routes) */
  app: ReturnType<typeof createApp>;
  client: Client;
  deps: ReturnType<typeof createActivityDeps>;
  sms: SmsGateway;
  smtp: SmtpSink;
  /** ID two-factor gateway and DCloud face function sandboxes (real wire protocols) */
  idcard: IdCardGateway;
  face: FaceFunction;
  /** the other face providers' sandboxes: WeChat mini-program face verification, Alibaba Cloud ID Verification */
  wechat: WechatSandbox;
  aliyun: AliyunFaceSandbox;
  worker: Worker;
  /** the environment the suite's config was loaded from (to start a worker process with) */
  env: Record<string, string | undefined>;
  /** restarts the worker (same task queue), e.g. to model a crash between steps */
  restartWorker(): Promise<void>;
  /** stops the in-process worker, so another (e.g. a child process) takes its task queue */
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  /** exports the spans batched so far (traces are on only when the suite's env says so) */
  flushTraces(): Promise<void>;
  close(): Promise<void>;
}

const SUITE_WECHAT = { appid: 'wx0123456789abcdef', secret: 'test-suite-wechat-app-secret-000' };
const SUITE_ALIYUN = { keyId: 'LTAI5tSuiteAliyunFace0001', secret: 'test-suite-aliyun-face-secret-000000', sceneId: 1000012345 };

export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const sms = await startSmsGateway({ port: 0, credentials: { AKIDtestsuite000000000000000000: 'test-suite-sms-secret-key' } });
  const smtp = await startSmtpSink({ port: 0 });
  const idcard = await startIdCardGateway({ port: 0, credentials: { AKIDidcardsuite0000000000000000: 'test-suite-idcard-secret-key' } });
  const face = await startFaceFunction({ port: 0, secret: 'test-suite-face-function-secret-0' });
  const wechat = await startWechatSandbox({ port: 0, appid: SUITE_WECHAT.appid, secret: SUITE_WECHAT.secret });
  const aliyun = await startAliyunFaceSandbox({ port: 0, credentials: { [SUITE_ALIYUN.keyId]: SUITE_ALIYUN.secret }, sceneIds: [SUITE_ALIYUN.sceneId] });
  const suiteEnv: Record<string, string | undefined> = {
    ...process.env,
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    SMS_ENDPOINT: `127.0.0.1:${sms.port}`,
    SMS_SECRET_ID: 'AKIDtestsuite000000000000000000',
    SMS_SECRET_KEY: 'test-suite-sms-secret-key',
    SMS_TIMEOUT_SEC: '3',
    MAIL_PORT: String(smtp.port),
    IDCARD_API_BASE_URL: idcard.url,
    IDCARD_SECRET_ID: 'AKIDidcardsuite0000000000000000',
    IDCARD_SECRET_KEY: 'test-suite-idcard-secret-key',
    IDCARD_TIMEOUT_MS: '2000',
    FACE_FUNCTION_URL: face.url,
    FACE_FUNCTION_SECRET: 'test-suite-face-function-secret-0',
    WECHAT_API_BASE_URL: wechat.url,
    WECHAT_APPID: SUITE_WECHAT.appid,
    WECHAT_APP_SECRET: SUITE_WECHAT.secret,
    // a token cache of the suite's own: suites run side by side against one Redis
    WECHAT_TOKEN_KEY_PREFIX: `wechat:access-token:${randomUUID()}:`,
    ALIYUN_FACE_ENDPOINT: `127.0.0.1:${aliyun.port}`,
    ALIYUN_FACE_PROTOCOL: 'HTTP',
    ALIYUN_FACE_ACCESS_KEY_ID: SUITE_ALIYUN.keyId,
    ALIYUN_FACE_ACCESS_KEY_SECRET: SUITE_ALIYUN.secret,
    ALIYUN_FACE_SCENE_ID: String(SUITE_ALIYUN.sceneId),
    FACE_PICTURE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'vsaga-face-')),
    API_KEYS: `suite:${API_KEY}:*;reader:${READ_ONLY_KEY}:accounts:read+flows:read`,
    ...env,
  };
  const cfg = loadConfig(suiteEnv);
  const deps = createActivityDeps(cfg);
  // the API's and the worker's, as their two processes would have them (lib/tracing.ts)
  const apiTracing = startTracing(cfg, 'vsaga-api');
  const workerTracing = startTracing(cfg, 'vsaga-worker', { global: true });
  const client = await connectClient(cfg, apiTracing?.tracer);
  let worker = await createWorker({ cfg, deps, tracing: workerTracing });
  let running: Promise<void> | null = worker.run();

  // VSAGA_TEST_API_LOG=error shows the API's own errors while debugging a suite
  const app = createApp({ cfg, pool: deps.pool, redis: deps.redis, client, fieldCrypto: new FieldCrypto(cfg.crypto), log: createLogger('api', (process.env.VSAGA_TEST_API_LOG as never) ?? 'silent'), tracer: apiTracing?.tracer });
  const server = createApiServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const stack: Stack = {
    cfg,
    baseUrl,
    app,
    client,
    deps,
    sms,
    smtp,
    idcard,
    face,
    wechat,
    aliyun,
    get worker() {
      return worker;
    },
    env: suiteEnv,
    async restartWorker() {
      await stack.stopWorker();
      await stack.startWorker();
    },
    async stopWorker() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      running = null;
    },
    async startWorker() {
      if (running) return;
      worker = await createWorker({ cfg, deps, tracing: workerTracing });
      running = worker.run();
    },
    async flushTraces() {
      await Promise.all([apiTracing?.forceFlush(), workerTracing?.forceFlush()]);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await client.connection.close();
      await deps.close();
      await Promise.all([sms.close(), smtp.close(), idcard.close(), face.close(), wechat.close(), aliyun.close()]);
      await Promise.all([apiTracing?.shutdown(), workerTracing?.shutdown()]);
    },
  };
  return stack;
}

export interface Answer<T = any> {
  status: number;
  body: T;
}

/** A JSON call to the API with the suite's key (or none / another). */
export async function call<T = any>(
  stack: Pick<Stack, 'baseUrl'>,
  method: string,
  path: string,
  body?: unknown,
  opts: { key?: string | null; headers?: Record<string, string>; raw?: string } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const key = opts.key === undefined ? API_KEY : opts.key;
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined || opts.raw !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${stack.baseUrl}${path}`, { method, headers, body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* non-JSON bodies are asserted on as text */
  }
  return { status: res.status, body: parsed as T };
}

let counter = 0;
/** A unique account id and an unused mainland number per test. */
export function uniqueAccountId(prefix = 'acct'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}

/** This process's phone numbers: a count from a start the clock picks (it turns over every 1,000 s). */
let phoneSeq = Math.floor(Date.now() / 10) % 1e5;

/**
 * 139, this process's pid in three digits, then its own count: the suites' processes share one
 * database, and a number made of the clock and the pid together could come out the same in two
 * of them (a CI run met accounts_phone_idx_key so). Magic sandbox numbers live in 170…
 */
export function uniquePhone(): string {
  phoneSeq = (phoneSeq + 1) % 1e5;
  return `139${String(process.pid % 1000).padStart(3, '0')}${String(phoneSeq).padStart(5, '0')}`;
}

export function uniqueEmail(): string {
  return `user${process.pid}x${Date.now().toString(36)}x${++counter}@example.com`;
}
