// The one place settings come from. Every setting has a local default that is safe
// on a developer's machine; secrets come from the environment, and in production the
// development keys are refused so a forgotten variable cannot ship.
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isFaceProviderName, type FaceProviderName } from './face-providers';
import { SANDBOX_DEFAULT_PORTS, endpointHostPort, sandboxEndpointReason, sandboxHostReason } from './sandbox-endpoint';

/** The checkout (or image) root: the nearest folder with a package.json. Not `__dirname/..`,
 *  which is dist/ when running the production build. */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..');
  }
}
const ROOT = packageRoot(__dirname);

/** Development-only key material, derived from a label so it is stable across runs. */
function devKey(label: string): string {
  return createHash('sha256').update(`verification-saga dev key: ${label}`).digest('base64');
}

/**
 * The credentials the sandboxes accept by default. Public in this repository, so
 * production refuses every one of them.
 */
export const SANDBOX_CREDENTIALS = {
  SMS_SECRET_ID: 'AKIDsandbox0000000000000000000000',
  SMS_SECRET_KEY: 'sandbox-sms-secret-key-0000000000',
  SMS_SDK_APP_ID: '1400000000',
  IDCARD_SECRET_ID: 'AKIDidcardsandbox00000000000000',
  IDCARD_SECRET_KEY: 'sandbox-idcard-secret-key-00000',
  FACE_FUNCTION_SECRET: 'sandbox-face-function-secret-000',
  ALIYUN_FACE_ACCESS_KEY_ID: 'LTAIsandboxcloudauth0000',
  ALIYUN_FACE_ACCESS_KEY_SECRET: 'sandbox-cloudauth-secret-00000000',
} as const;

/** The sandbox's Cloudauth scene (the console creates real ones). */
export const SANDBOX_ALIYUN_SCENE_ID = 1000000006;

/** The seed's agreement a real-name start needs accepted ("账户实名认证协议", id real, 4/24), and its first version. */
export const DEFAULT_REAL_NAME_AGREEMENT = { id: 'real', version: '1' } as const;

const port = z.coerce.number().int().min(0).max(65535);
const httpUrl = z.string().url().refine((s) => /^https?:\/\//i.test(s), 'must be an http(s) URL');
const base64Key = z
  .string()
  .refine((s) => Buffer.from(s, 'base64').length === 32, 'must be 32 bytes, base64-encoded');
/** "kid:base64key,kid2:base64key" → { kid: key } */
const keyRing = z
  .string()
  .transform((s, ctx) => {
    const ring: Record<string, string> = {};
    for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
      const i = part.indexOf(':');
      if (i <= 0) {
        ctx.addIssue({ code: 'custom', message: `key ring entry "${part.slice(0, 8)}…" is not "kid:base64key"` });
        return z.NEVER;
      }
      const kid = part.slice(0, i);
      const key = part.slice(i + 1);
      // the kid is stored inside sealed values, delimited by '.', so keep it plain
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid)) {
        ctx.addIssue({ code: 'custom', message: `key id "${kid.slice(0, 32)}" must be 1–32 of A–Z a–z 0–9 _ -` });
        return z.NEVER;
      }
      if (Buffer.from(key, 'base64').length !== 32) {
        ctx.addIssue({ code: 'custom', message: `key "${kid}" must be 32 bytes, base64-encoded` });
        return z.NEVER;
      }
      ring[kid] = key;
    }
    if (Object.keys(ring).length === 0) {
      ctx.addIssue({ code: 'custom', message: 'key ring is empty' });
      return z.NEVER;
    }
    return ring;
  });

/** OTLP's "k=v,k2=v2", values percent-encoded (what collectors' auth headers come as). */
const otlpHeaders = z.string().transform((s, ctx) => {
  const headers: Record<string, string> = {};
  for (const pair of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const i = pair.indexOf('=');
    if (i <= 0) {
      ctx.addIssue({ code: 'custom', message: `header entry "${pair.slice(0, 16)}…" is not key=value` });
      return z.NEVER;
    }
    headers[pair.slice(0, i).trim()] = decodeURIComponent(pair.slice(i + 1).trim());
  }
  return headers;
});

const apiKeyList = z.string().transform((s, ctx) => {
  // "name:secret:scope1+scope2;name2:secret2:*"
  const keys: { name: string; secret: string; scopes: string[] }[] = [];
  for (const entry of s.split(';').map((e) => e.trim()).filter(Boolean)) {
    // scopes contain ':' themselves (accounts:read), so only the first two colons split
    const [name, secret, ...rest] = entry.split(':');
    const scopes = rest.join(':');
    if (!name || !secret || secret.length < 8 || !scopes) {
      ctx.addIssue({ code: 'custom', message: `API key entry for "${name ?? '?'}" must be name:secret(8+ chars):scope+scope` });
      return z.NEVER;
    }
    keys.push({ name, secret, scopes: scopes.split('+') });
  }
  return keys;
});

const schema = z.object({
  VSAGA_ENV: z.enum(['development', 'test', 'production']).default('development'),
  VSAGA_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  VSAGA_DATA_DIR: z.string().default(path.join(ROOT, '.data')),

  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('verification-saga'),
  TEMPORAL_UI_URL: z.string().url().default('http://127.0.0.1:8233'),

  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/vsaga'),
  DATABASE_PREPARED_STATEMENTS: z.stringbool().default(true),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379/0'),
  REDIS_KEY_PREFIX: z.string().default('vsaga:'),

  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: port.default(3000),
  API_KEYS: apiKeyList.default(apiKeyList.parse('dev:dev-api-key-change-me:*')),
  API_TRUST_PROXY: z.stringbool().default(false),
  // GET /console/config.json hands the first full-scope API key to a browser on this machine
  // (loopback peers only); npm start turns it on, production refuses it
  CONSOLE_DEMO_API_KEY: z.stringbool().default(false),

  // the API's GET /metrics: a bearer token, and/or an internal listener instead of the API port
  METRICS_TOKEN: z.string().min(16).optional(),
  METRICS_HOST: z.string().default('127.0.0.1'),
  METRICS_PORT: port.optional(),
  // the flow counts are visibility queries: run at most once per this, never per scrape
  METRICS_FLOW_REFRESH_SEC: z.coerce.number().int().min(1).max(3600).default(30),

  // traces (docs/operations.md#traces): auto is OTLP/HTTP when an endpoint is set, else JSON lines
  // under VSAGA_TRACES_DIR in development, else off; a test suite traces only when it says so here
  VSAGA_TRACES: z.enum(['auto', 'otlp', 'file', 'off']).default('auto'),
  VSAGA_TRACES_DIR: z.string().optional(),
  OTEL_SDK_DISABLED: z.stringbool().default(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_HEADERS: otlpHeaders.optional(),

  WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
  WORKER_STICKY_TIMEOUT_SEC: z.coerce.number().min(1).max(60).default(3),
  // workflows kept in the worker's memory between their tasks (docs/operations.md)
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(2).max(100_000).default(300),
  WORKER_METRICS_PORT: port.default(9464),
  WORKER_SDK_METRICS_PORT: port.default(9465),
  // Worker Deployments (docs/operations.md, "Deploying a new version"): both set, the worker is
  // one build of a versioned deployment; neither, it is unversioned. Empty counts as unset, as
  // docker-compose.yml passes `${VAR:-}`. The server refuses '.' and ':' in a deployment name
  // and a leading '__' in either.
  WORKER_DEPLOYMENT_NAME: z.string().regex(/^$|^(?!__)[A-Za-z0-9_-]{1,200}$/, "must be 1–200 of A–Z a–z 0–9 _ - (no '.' or ':'), not starting with '__'").optional(),
  WORKER_BUILD_ID: z.string().regex(/^$|^(?!__)[A-Za-z0-9_.+-]{1,200}$/, "must be 1–200 of A–Z a–z 0–9 _ . + -, not starting with '__'").optional(),

  CODEC_HOST: z.string().default('127.0.0.1'),
  CODEC_PORT: port.default(8888),
  CODEC_TOKEN: z.string().min(16).optional(),
  CODEC_CORS_ORIGINS: z.string().default('http://127.0.0.1:8233,http://localhost:8233'),
  // operators sign in (README "Operators sign in"): with an issuer, the codec server takes the
  // Web UI's forwarded OIDC access token, a JWT carrying CODEC_JWT_ROLE in CODEC_JWT_ROLE_CLAIM
  CODEC_JWT_ISSUER: httpUrl.optional(),
  // default: the jwks_uri of the issuer's /.well-known/openid-configuration
  CODEC_JWT_JWKS_URL: httpUrl.optional(),
  CODEC_JWT_AUDIENCE: z.string().min(1).optional(),
  CODEC_JWT_ROLE_CLAIM: z.string().min(1).default('roles'),
  CODEC_JWT_ROLE: z.string().min(1).default('temporal-operator'),
  CODEC_JWT_JWKS_TTL_SEC: z.coerce.number().int().min(30).max(86400).default(600),

  PAYLOAD_KEYS: keyRing.default(keyRing.parse(`dev1:${devKey('payload')}`)),
  PAYLOAD_KEY_ID: z.string().default('dev1'),
  FIELD_KEYS: keyRing.default(keyRing.parse(`dev1:${devKey('field')}`)),
  FIELD_KEY_ID: z.string().default('dev1'),
  BLIND_INDEX_KEY: base64Key.default(devKey('blind-index')),
  CODE_PEPPER: base64Key.default(devKey('code-pepper')),

  SMS_ENDPOINT: z.string().default('127.0.0.1:8081'),
  SMS_PROTOCOL: z.enum(['http://', 'https://']).default('http://'),
  SMS_REGION: z.string().default('ap-guangzhou'),
  SMS_SECRET_ID: z.string().default(SANDBOX_CREDENTIALS.SMS_SECRET_ID),
  SMS_SECRET_KEY: z.string().default(SANDBOX_CREDENTIALS.SMS_SECRET_KEY),
  SMS_SDK_APP_ID: z.string().default(SANDBOX_CREDENTIALS.SMS_SDK_APP_ID),
  SMS_SIGN_NAME: z.string().default('宫论'),
  SMS_TIMEOUT_SEC: z.coerce.number().int().min(1).max(60).default(10),
  SMS_TEMPLATE_UNBIND_PHONE: z.string().default('1646861'),
  SMS_TEMPLATE_BIND_PHONE: z.string().default('2130785'),
  SMS_TEMPLATE_UNBIND_EMAIL: z.string().default('2134016'),
  SMS_TEMPLATE_REBIND_NOTICE: z.string().default('2133448'),
  SMS_TEMPLATE_UPDATE_PASSWORD: z.string().default('1646866'),
  // not in the seed: account recovery's code and its notice (the sandbox approves these ids)
  SMS_TEMPLATE_RECOVER_ACCOUNT: z.string().default('1646868'),
  SMS_TEMPLATE_RECOVERY_NOTICE: z.string().default('1646869'),
  // not in the seed either: the unfreeze and cancellation scenes' code method
  SMS_TEMPLATE_UNFREEZE_ACCOUNT: z.string().default('1646870'),
  SMS_TEMPLATE_CANCEL_ACCOUNT: z.string().default('1646871'),
  SMS_TEMPLATE_PASSWORD_NOTICE: z.string().default('1646872'),
  // not in the seed: the security check's code (安全环境验证码; the seed names the scene, not its template)
  SMS_TEMPLATE_SECURITY_CHECK: z.string().default('1646873'),

  MAIL_HOST: z.string().default('127.0.0.1'),
  MAIL_PORT: port.default(2525),
  MAIL_SECURE: z.stringbool().default(false),
  MAIL_USER: z.string().optional(),
  MAIL_PASS: z.string().optional(),
  MAIL_FROM: z.string().default('宫论 <no-reply@gonglun.local>'),
  MAIL_TIMEOUT_SEC: z.coerce.number().int().min(1).max(120).default(15),

  IDCARD_API_BASE_URL: z.string().url().default('http://127.0.0.1:8082'),
  IDCARD_SECRET_ID: z.string().default(SANDBOX_CREDENTIALS.IDCARD_SECRET_ID),
  IDCARD_SECRET_KEY: z.string().default(SANDBOX_CREDENTIALS.IDCARD_SECRET_KEY),
  IDCARD_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(5000),
  FACE_FUNCTION_URL: z.string().url().default('http://127.0.0.1:8083/face'),
  FACE_FUNCTION_SECRET: z.string().min(16).default(SANDBOX_CREDENTIALS.FACE_FUNCTION_SECRET),
  FACE_SECRET_HEADER: z.string().regex(/^[A-Za-z0-9-]+$/).default('x-verify-secret'),
  FACE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(10000),
  // WeChat mini-program face verification 2.0 (docs/providers.md#wechat-face-verification):
  // api.weixin.qq.com (the sandbox by default), the mini-program's AppID / AppSecret, and where
  // the shared access_token is cached in Redis
  WECHAT_API_BASE_URL: httpUrl.default('http://127.0.0.1:8086'),
  WECHAT_APPID: z.string().regex(/^wx[0-9a-zA-Z]{16}$/, 'must be wx followed by 16 letters or digits').default('wx5a9db0c0ffee0000'),
  WECHAT_APP_SECRET: z.string().min(16).default('sandbox-wechat-app-secret-000000'),
  WECHAT_TOKEN_KEY_PREFIX: z.string().min(1).default('wechat:access-token:'),
  WECHAT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(10000),

  // Face providers in the order the face check asks them (docs/flows/face-check.md#providers):
  // the first that serves the device (an app's metaInfo: dcloud, aliyun; a mini-program's openid:
  // wechat) and is not unavailable issues the check. Per scene: "recovery=aliyun,dcloud;unfreeze=aliyun".
  // Default: dcloud (production), dcloud,wechat (elsewhere). An operator's choice per scene
  // (PUT /v1/face-providers/:scene) overrides both.
  FACE_PROVIDERS: z.string().regex(/^\s*(dcloud|aliyun|wechat)(\s*,\s*(dcloud|aliyun|wechat))*\s*$/, 'comma-separated dcloud, aliyun, wechat').optional(),
  FACE_PROVIDERS_BY_SCENE: z
    .string()
    .regex(/^\s*([a-z_]+=(dcloud|aliyun|wechat)(,(dcloud|aliyun|wechat))*)?(\s*;\s*[a-z_]+=(dcloud|aliyun|wechat)(,(dcloud|aliyun|wechat))*)*\s*;?\s*$/, 'scene=provider[,provider…];…')
    .optional(),

  SANDBOX_HOST: z.string().default('127.0.0.1'),
  SANDBOX_SMS_PORT: port.default(8081),
  SANDBOX_SMTP_PORT: port.default(2525),
  SANDBOX_HTTP_PORT: port.default(8025),
  SANDBOX_IDCARD_PORT: port.default(8082),
  SANDBOX_FACE_PORT: port.default(8083),
  SANDBOX_WECHAT_PORT: port.default(8086),
  // the inbox the demo console reads codes from (its proxy, dev/test only); default http://SANDBOX_HOST:SANDBOX_HTTP_PORT
  SANDBOX_INBOX_URL: z.string().url().optional(),

  CODE_MAX_WRONG_PER_FLOW: z.coerce.number().int().min(1).max(20).default(5),
  BIND_FLOW_TTL_SEC: z.coerce.number().int().min(2).max(86400).default(1800),
  CODE_TTL_SEC: z.coerce.number().int().min(1).max(3600).optional(),
  CODE_RESEND_GAP_SEC: z.coerce.number().int().min(0).max(3600).optional(),
  UNBIND_TOKEN_TTL_SEC: z.coerce.number().int().min(1).max(3600).default(600),
  REBIND_FLOW_TTL_SEC: z.coerce.number().int().min(2).max(86400).default(3600),
  // a face-confirmed cancellation request takes effect after this many days unless withdrawn
  ACCOUNT_CANCELLATION_COOLING_DAYS: z.coerce.number().int().min(0).max(365).default(15),
  // the security notices one account gets per scene and calendar day (rebind_push, 4/20 #3:
  // SMS 3, mail 5); the rest of the day's are recorded as capped, never sent
  NOTICE_SMS_DAILY_LIMIT: z.coerce.number().int().min(0).max(1000).default(3),
  NOTICE_MAIL_DAILY_LIMIT: z.coerce.number().int().min(0).max(1000).default(5),
  // unfreeze and cancellation proven by an SMS code: the flow's lifetime
  SCENE_CODE_FLOW_TTL_SEC: z.coerce.number().int().min(2).max(86400).default(1800),
  // account recovery (docs/flows/recovery.md): a lookup's ticket, the proof, the grant
  RECOVERY_TICKET_TTL_SEC: z.coerce.number().int().min(1).max(3600).default(600),
  RECOVERY_FLOW_TTL_SEC: z.coerce.number().int().min(2).max(86400).default(1800),
  RECOVERY_GRANT_TTL_SEC: z.coerce.number().int().min(1).max(3600).default(600),
  // password reset (docs/flows/password-reset.md): the proof's lifetime (its grant's is RECOVERY_GRANT_TTL_SEC)
  PASSWORD_RESET_FLOW_TTL_SEC: z.coerce.number().int().min(2).max(86400).default(1800),
  // the security check (docs/flows/security-check.md): the proof's lifetime, and the security pass's
  SECURITY_CHECK_FLOW_TTL_SEC: z.coerce.number().int().min(2).max(86400).default(1800),
  SECURITY_PASS_TTL_SEC: z.coerce.number().int().min(1).max(3600).default(600),
  // signs recovery tickets and derives grants; derived from BLIND_INDEX_KEY when unset
  RECOVERY_KEY: base64Key.optional(),
  // lookups (找回账户: 短时间内只能使用X次,超过次数自动风控拦截), per day
  RECOVERY_LOOKUPS_PER_IP_PER_DAY: z.coerce.number().int().min(1).max(100000).default(10),
  RECOVERY_LOOKUPS_PER_IDENTIFIER_PER_DAY: z.coerce.number().int().min(1).max(100000).default(5),

  // real-name verification (docs/rules.md#real-name-verification)
  REAL_NAME_ENABLED: z.stringbool().default(true),
  // the version of the real-name agreement (id "real") a start must carry as accepted; raise it
  // when the agreement's text changes, and the app asks every user to accept it again
  REAL_NAME_AGREEMENT_VERSION: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/).default(DEFAULT_REAL_NAME_AGREEMENT.version),
  FACE_ENABLED: z.stringbool().default(true),
  FACE_TOKEN_TTL_SEC: z.coerce.number().int().min(2).max(86400).default(1800),
  ID_SUBJECT_LIMIT: z.coerce.number().int().min(1).max(100).default(1),
  FACE_FREE_PER_ACCOUNT: z.coerce.number().int().min(0).max(100).default(1),
  FACE_PRICE_CNY: z.coerce.number().min(0).max(1000).default(1),
  // buying face quota: an unpaid order expires after this; at most this many units per order
  FACE_ORDER_TTL_SEC: z.coerce.number().int().min(1).max(7 * 86400).default(1800),
  FACE_ORDER_MAX_UNITS: z.coerce.number().int().min(1).max(10000).default(100),
  // signs the payment system's callback (Payment-Signature, as our webhooks sign); several,
  // comma-separated, during a rotation
  PAYMENT_CALLBACK_SECRETS: z
    .string()
    .default(devKey('payment-callback'))
    .transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.string().min(16)).min(1)),
  FACE_COLLECT_PICTURE: z.stringbool().default(false),
  FACE_PICTURE_DIR: z.string().optional(),
  ID_CHECK_PER_IP_PER_DAY: z.coerce.number().int().min(1).max(1000).default(5),
  ID_CHECK_GAP_SEC: z.coerce.number().int().min(0).max(3600).default(60),
  // signs the app's short-lived face client tokens; derived from BLIND_INDEX_KEY when unset
  FACE_CLIENT_TOKEN_KEY: base64Key.optional(),

  // abuse limits: answers that tell whether an ID number or a contact is in use elsewhere come
  // only after a slot of these per-day limits (per account and per client IP) is taken
  REAL_NAME_STARTS_PER_ACCOUNT_PER_DAY: z.coerce.number().int().min(1).max(100000).default(10),
  REAL_NAME_STARTS_PER_IP_PER_DAY: z.coerce.number().int().min(1).max(100000).default(30),
  CONTACT_CHECKS_PER_ACCOUNT_PER_DAY: z.coerce.number().int().min(1).max(100000).default(20),
  CONTACT_CHECKS_PER_IP_PER_DAY: z.coerce.number().int().min(1).max(100000).default(100),
  // one unbind token may send codes to this many different new contacts
  REBIND_NEW_CONTACTS_PER_FLOW: z.coerce.number().int().min(1).max(20).default(3),
  // completions the API relays to one face check (below the 20 verdicts the check keeps)
  FACE_COMPLETIONS_PER_CHECK: z.coerce.number().int().min(1).max(19).default(10),

  // webhook delivery of callback events (docs/flows/webhooks.md)
  WEBHOOK_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(10000),
  WEBHOOK_RETRY_INITIAL_MS: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
  WEBHOOK_RETRY_MAX_INTERVAL_MS: z.coerce.number().int().min(10).max(86_400_000).default(3_600_000),
  // how long a delivery keeps being retried before it is marked failed (production: at least a day)
  WEBHOOK_RETRY_WINDOW_SEC: z.coerce.number().int().min(1).max(30 * 86400).default(90_000),
  WEBHOOK_SWEEP_INTERVAL_SEC: z.coerce.number().int().min(1).max(3600).default(60),
  WEBHOOK_DISPATCHER_IDLE_SEC: z.coerce.number().int().min(1).max(86400).default(60),
  WEBHOOK_DISPATCHER_MAX_PER_RUN: z.coerce.number().int().min(1).max(10000).default(500),
  WEBHOOK_SECRET_GRACE_SEC: z.coerce.number().int().min(0).max(30 * 86400).default(86400),
  // http:// and loopback / private addresses as endpoints; default: everywhere but production
  WEBHOOK_ALLOW_PRIVATE_URLS: z.stringbool().optional(),

  // Alibaba Cloud ID Verification (providers/aliyun-face, docs/providers.md#alibaba-cloud-id-verification):
  // outside production the sandbox's values apply when unset; in production the provider is
  // configured only once ALIYUN_FACE_ACCESS_KEY_ID is set
  ALIYUN_FACE_ENDPOINT: z.string().optional(),
  ALIYUN_FACE_PROTOCOL: z.enum(['HTTPS', 'HTTP']).optional(),
  ALIYUN_FACE_ACCESS_KEY_ID: z.string().min(1).optional(),
  ALIYUN_FACE_ACCESS_KEY_SECRET: z.string().min(1).optional(),
  ALIYUN_FACE_SCENE_ID: z.coerce.number().int().positive().optional(),
  ALIYUN_FACE_PRODUCT_CODE: z.enum(['ID_PRO', 'LR_FR']).default('ID_PRO'),
  ALIYUN_FACE_MODEL: z.enum(['LIVENESS', 'PHOTINUS_LIVENESS', 'MULTI_ACTION', 'MOVE_ACTION', 'MULTI_FAPTCHA', 'MOVE_PHOTINUS']).optional(),
  ALIYUN_FACE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(10000),
  // where Alibaba calls back when a scan finishes (unset: no callback); the key signs its tokens
  ALIYUN_FACE_CALLBACK_URL: httpUrl.optional(),
  ALIYUN_FACE_CALLBACK_KEY: base64Key.optional(),
  SANDBOX_ALIYUN_FACE_PORT: port.default(8085),
  // retention of face checks' personal data (docs/rules.md#redaction-and-retention): the picture
  // file goes after FACE_PICTURE_RETENTION_DAYS, the sealed identity and metaInfo after
  // FACE_IDENTITY_RETENTION_DAYS; a Temporal Schedule sweeps every RETENTION_SWEEP_INTERVAL_SEC
  RETENTION_ENABLED: z.stringbool().default(true),
  FACE_PICTURE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  FACE_IDENTITY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
  RETENTION_SWEEP_INTERVAL_SEC: z.coerce.number().int().min(1).max(7 * 86400).default(3600),
  RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
});

export type Env = z.input<typeof schema>;

export interface ApiKey {
  name: string;
  secret: string;
  scopes: string[];
}

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (!Object.hasOwn(e.PAYLOAD_KEYS, e.PAYLOAD_KEY_ID)) throw new ConfigError(`PAYLOAD_KEY_ID "${e.PAYLOAD_KEY_ID}" is not in PAYLOAD_KEYS`);
  if (!Object.hasOwn(e.FIELD_KEYS, e.FIELD_KEY_ID)) throw new ConfigError(`FIELD_KEY_ID "${e.FIELD_KEY_ID}" is not in FIELD_KEYS`);
  const jwtWithoutIssuer = (['CODEC_JWT_JWKS_URL', 'CODEC_JWT_AUDIENCE'] as const).filter((k) => e[k] !== undefined);
  if (!e.CODEC_JWT_ISSUER && jwtWithoutIssuer.length) {
    throw new ConfigError(`${jwtWithoutIssuer.join(' and ')} take effect only with CODEC_JWT_ISSUER`, jwtWithoutIssuer);
  }
  const deployment = workerDeployment(e);
  if (e.VSAGA_ENV === 'production') {
    const refused = productionRefusals(e);
    if (refused.size) {
      const lines = [...refused].map(([name, why]) => `  ${name}: ${why.join('; ')}`);
      throw new ConfigError(`production refuses development secrets, sandbox providers and demo settings; set real values for:\n${lines.join('\n')}`, [...refused.keys()]);
    }
  }
  return {
    env: e.VSAGA_ENV,
    logLevel: e.VSAGA_LOG_LEVEL,
    dataDir: e.VSAGA_DATA_DIR,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiUrl: e.TEMPORAL_UI_URL,
    },
    metrics: { token: e.METRICS_TOKEN, host: e.METRICS_HOST, port: e.METRICS_PORT, flowRefreshSec: e.METRICS_FLOW_REFRESH_SEC },
    tracing: tracingOf(e),
    workerMetrics: { host: e.WORKER_METRICS_HOST, port: e.WORKER_METRICS_PORT, sdkPort: e.WORKER_SDK_METRICS_PORT },
    worker: { stickyTimeoutSec: e.WORKER_STICKY_TIMEOUT_SEC, maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS, deployment },
    databaseUrl: e.DATABASE_URL,
    databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS,
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    api: { host: e.API_HOST, port: e.API_PORT, keys: e.API_KEYS as ApiKey[], trustProxy: e.API_TRUST_PROXY },
    console: { demoApiKey: e.CONSOLE_DEMO_API_KEY },
    codec: {
      host: e.CODEC_HOST,
      port: e.CODEC_PORT,
      token: e.CODEC_TOKEN,
      corsOrigins: e.CODEC_CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
      jwt: e.CODEC_JWT_ISSUER
        ? {
            issuer: e.CODEC_JWT_ISSUER,
            jwksUrl: e.CODEC_JWT_JWKS_URL,
            audience: e.CODEC_JWT_AUDIENCE,
            roleClaim: e.CODEC_JWT_ROLE_CLAIM,
            role: e.CODEC_JWT_ROLE,
            jwksTtlSec: e.CODEC_JWT_JWKS_TTL_SEC,
          }
        : undefined,
    },
    crypto: {
      payloadKeys: e.PAYLOAD_KEYS,
      payloadKeyId: e.PAYLOAD_KEY_ID,
      fieldKeys: e.FIELD_KEYS,
      fieldKeyId: e.FIELD_KEY_ID,
      blindIndexKey: e.BLIND_INDEX_KEY,
      codePepper: e.CODE_PEPPER,
    },
    sms: {
      endpoint: e.SMS_ENDPOINT,
      protocol: e.SMS_PROTOCOL,
      region: e.SMS_REGION,
      secretId: e.SMS_SECRET_ID,
      secretKey: e.SMS_SECRET_KEY,
      sdkAppId: e.SMS_SDK_APP_ID,
      signName: e.SMS_SIGN_NAME,
      timeoutSec: e.SMS_TIMEOUT_SEC,
      templates: {
        unbind_phone: e.SMS_TEMPLATE_UNBIND_PHONE,
        bind_phone: e.SMS_TEMPLATE_BIND_PHONE,
        unbind_email: e.SMS_TEMPLATE_UNBIND_EMAIL,
        rebind_notice: e.SMS_TEMPLATE_REBIND_NOTICE,
        update_password: e.SMS_TEMPLATE_UPDATE_PASSWORD,
        recover_account: e.SMS_TEMPLATE_RECOVER_ACCOUNT,
        recovery_notice: e.SMS_TEMPLATE_RECOVERY_NOTICE,
        unfreeze_account: e.SMS_TEMPLATE_UNFREEZE_ACCOUNT,
        cancel_account: e.SMS_TEMPLATE_CANCEL_ACCOUNT,
        password_notice: e.SMS_TEMPLATE_PASSWORD_NOTICE,
        security_check: e.SMS_TEMPLATE_SECURITY_CHECK,
      },
    },
    mail: {
      host: e.MAIL_HOST,
      port: e.MAIL_PORT,
      secure: e.MAIL_SECURE,
      user: e.MAIL_USER,
      pass: e.MAIL_PASS,
      from: e.MAIL_FROM,
      timeoutSec: e.MAIL_TIMEOUT_SEC,
    },
    idcard: { baseUrl: e.IDCARD_API_BASE_URL, secretId: e.IDCARD_SECRET_ID, secretKey: e.IDCARD_SECRET_KEY, timeoutMs: e.IDCARD_TIMEOUT_MS },
    face: { url: e.FACE_FUNCTION_URL, secret: e.FACE_FUNCTION_SECRET, secretHeader: e.FACE_SECRET_HEADER, timeoutMs: e.FACE_TIMEOUT_MS },
    wechat: { baseUrl: e.WECHAT_API_BASE_URL, appid: e.WECHAT_APPID, secret: e.WECHAT_APP_SECRET, tokenKeyPrefix: e.WECHAT_TOKEN_KEY_PREFIX, timeoutMs: e.WECHAT_TIMEOUT_MS },
    sandbox: {
      host: e.SANDBOX_HOST,
      smsPort: e.SANDBOX_SMS_PORT,
      smtpPort: e.SANDBOX_SMTP_PORT,
      httpPort: e.SANDBOX_HTTP_PORT,
      idcardPort: e.SANDBOX_IDCARD_PORT,
      facePort: e.SANDBOX_FACE_PORT,
      wechatPort: e.SANDBOX_WECHAT_PORT,
      inboxUrl: (e.SANDBOX_INBOX_URL ?? `http://${e.SANDBOX_HOST}:${e.SANDBOX_HTTP_PORT}`).replace(/\/+$/, ''),
      smsCredentials: { [e.SMS_SECRET_ID]: e.SMS_SECRET_KEY },
      idcardCredentials: { [e.IDCARD_SECRET_ID]: e.IDCARD_SECRET_KEY },
      aliyunFacePort: e.SANDBOX_ALIYUN_FACE_PORT,
    },
    aliyunFace: aliyunFaceOf(e),
    faceProviders: faceProvidersOf(e),
    flows: {
      maxWrongCodes: e.CODE_MAX_WRONG_PER_FLOW,
      bindFlowTtlSec: e.BIND_FLOW_TTL_SEC,
      codeTtlOverrideSec: e.CODE_TTL_SEC,
      resendGapOverrideSec: e.CODE_RESEND_GAP_SEC,
      unbindTokenTtlSec: e.UNBIND_TOKEN_TTL_SEC,
      rebindFlowTtlSec: e.REBIND_FLOW_TTL_SEC,
      cancellationCoolingDays: e.ACCOUNT_CANCELLATION_COOLING_DAYS,
      sceneCodeFlowTtlSec: e.SCENE_CODE_FLOW_TTL_SEC,
      noticeDailyLimit: { sms: e.NOTICE_SMS_DAILY_LIMIT, mail: e.NOTICE_MAIL_DAILY_LIMIT },
    },
    recovery: {
      ticketTtlSec: e.RECOVERY_TICKET_TTL_SEC,
      flowTtlSec: e.RECOVERY_FLOW_TTL_SEC,
      grantTtlSec: e.RECOVERY_GRANT_TTL_SEC,
      passwordResetFlowTtlSec: e.PASSWORD_RESET_FLOW_TTL_SEC,
      securityCheckFlowTtlSec: e.SECURITY_CHECK_FLOW_TTL_SEC,
      securityPassTtlSec: e.SECURITY_PASS_TTL_SEC,
      key: e.RECOVERY_KEY ?? createHmac('sha256', Buffer.from(e.BLIND_INDEX_KEY, 'base64')).update('verification-saga recovery').digest('base64'),
      lookupsPerIp: e.RECOVERY_LOOKUPS_PER_IP_PER_DAY,
      lookupsPerIdentifier: e.RECOVERY_LOOKUPS_PER_IDENTIFIER_PER_DAY,
    },
    realName: {
      enabled: e.REAL_NAME_ENABLED,
      agreementVersion: e.REAL_NAME_AGREEMENT_VERSION,
      faceEnabled: e.FACE_ENABLED,
      faceTokenTtlSec: e.FACE_TOKEN_TTL_SEC,
      subjectLimit: e.ID_SUBJECT_LIMIT,
      faceFreePerAccount: e.FACE_FREE_PER_ACCOUNT,
      facePriceCny: e.FACE_PRICE_CNY,
      orderTtlSec: e.FACE_ORDER_TTL_SEC,
      orderMaxUnits: e.FACE_ORDER_MAX_UNITS,
      paymentCallbackSecrets: e.PAYMENT_CALLBACK_SECRETS,
      collectPicture: e.FACE_COLLECT_PICTURE,
      pictureDir: e.FACE_PICTURE_DIR ?? path.join(e.VSAGA_DATA_DIR, 'face-pictures'),
      idCheckPerIpPerDay: e.ID_CHECK_PER_IP_PER_DAY,
      idCheckGapSec: e.ID_CHECK_GAP_SEC,
      clientTokenKey:
        e.FACE_CLIENT_TOKEN_KEY ??
        createHmac('sha256', Buffer.from(e.BLIND_INDEX_KEY, 'base64')).update('verification-saga face client token').digest('base64'),
    },
    limits: {
      realNameStartsPerAccount: e.REAL_NAME_STARTS_PER_ACCOUNT_PER_DAY,
      realNameStartsPerIp: e.REAL_NAME_STARTS_PER_IP_PER_DAY,
      contactChecksPerAccount: e.CONTACT_CHECKS_PER_ACCOUNT_PER_DAY,
      contactChecksPerIp: e.CONTACT_CHECKS_PER_IP_PER_DAY,
      newContactsPerRebind: e.REBIND_NEW_CONTACTS_PER_FLOW,
      faceCompletionsPerCheck: e.FACE_COMPLETIONS_PER_CHECK,
    },
    webhooks: {
      httpTimeoutMs: e.WEBHOOK_HTTP_TIMEOUT_MS,
      retryInitialMs: e.WEBHOOK_RETRY_INITIAL_MS,
      retryMaxIntervalMs: e.WEBHOOK_RETRY_MAX_INTERVAL_MS,
      retryWindowSec: e.WEBHOOK_RETRY_WINDOW_SEC,
      sweepIntervalSec: e.WEBHOOK_SWEEP_INTERVAL_SEC,
      dispatcherIdleSec: e.WEBHOOK_DISPATCHER_IDLE_SEC,
      dispatcherMaxPerRun: e.WEBHOOK_DISPATCHER_MAX_PER_RUN,
      secretGraceSec: e.WEBHOOK_SECRET_GRACE_SEC,
      allowPrivateUrls: e.WEBHOOK_ALLOW_PRIVATE_URLS ?? e.VSAGA_ENV !== 'production',
    },
    retention: {
      enabled: e.RETENTION_ENABLED,
      pictureDays: e.FACE_PICTURE_RETENTION_DAYS,
      identityDays: e.FACE_IDENTITY_RETENTION_DAYS,
      sweepIntervalSec: e.RETENTION_SWEEP_INTERVAL_SEC,
      batchSize: e.RETENTION_BATCH_SIZE,
    },
  };
}

export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    /** the variables at fault, when the error names them */
    readonly variables: string[] = [],
  ) {
    super(message);
  }
}

type Parsed = z.output<typeof schema>;

/** Where spans go; `otlpUrl` is the full traces URL (the base endpoint gets the spec's /v1/traces). */
function tracingOf(e: Parsed) {
  const otlpUrl = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT && `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  if (e.VSAGA_TRACES === 'otlp' && !otlpUrl) throw new ConfigError('VSAGA_TRACES=otlp needs OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['VSAGA_TRACES']);
  // an endpoint in a developer's shell must not make every test suite export
  const auto = otlpUrl && e.VSAGA_ENV !== 'test' ? 'otlp' : e.VSAGA_ENV === 'development' ? 'file' : 'off';
  const exporter = e.OTEL_SDK_DISABLED ? 'off' : e.VSAGA_TRACES === 'auto' ? auto : e.VSAGA_TRACES;
  return {
    exporter,
    otlpUrl: otlpUrl || undefined,
    otlpHeaders: e.OTEL_EXPORTER_OTLP_HEADERS ?? {},
    dir: e.VSAGA_TRACES_DIR ?? path.join(e.VSAGA_DATA_DIR, 'traces'),
  };
}

/** The Cloudauth client's settings; null in production until ALIYUN_FACE_ACCESS_KEY_ID is set. */
function aliyunFaceOf(e: Parsed) {
  if (e.VSAGA_ENV === 'production' && e.ALIYUN_FACE_ACCESS_KEY_ID === undefined) return null;
  return {
    endpoint: e.ALIYUN_FACE_ENDPOINT ?? `${e.SANDBOX_HOST}:${e.SANDBOX_ALIYUN_FACE_PORT}`,
    protocol: e.ALIYUN_FACE_PROTOCOL ?? (e.ALIYUN_FACE_ENDPOINT ? 'HTTPS' : 'HTTP'),
    accessKeyId: e.ALIYUN_FACE_ACCESS_KEY_ID ?? SANDBOX_CREDENTIALS.ALIYUN_FACE_ACCESS_KEY_ID,
    accessKeySecret: e.ALIYUN_FACE_ACCESS_KEY_SECRET ?? SANDBOX_CREDENTIALS.ALIYUN_FACE_ACCESS_KEY_SECRET,
    sceneId: e.ALIYUN_FACE_SCENE_ID ?? SANDBOX_ALIYUN_SCENE_ID,
    productCode: e.ALIYUN_FACE_PRODUCT_CODE,
    model: e.ALIYUN_FACE_MODEL,
    timeoutMs: e.ALIYUN_FACE_TIMEOUT_MS,
    callbackUrl: e.ALIYUN_FACE_CALLBACK_URL,
    callbackKey:
      e.ALIYUN_FACE_CALLBACK_KEY ??
      createHmac('sha256', Buffer.from(e.BLIND_INDEX_KEY, 'base64')).update('verification-saga aliyun-face callback').digest('base64'),
  } as const;
}

/** The providers' order: the default, and per scene where configured. */
function faceProvidersOf(e: Parsed): { default: FaceProviderName[]; byScene: Record<string, FaceProviderName[]> } {
  const list = (s: string) => [...new Set(s.split(',').map((p) => p.trim()).filter(isFaceProviderName))];
  const byScene: Record<string, FaceProviderName[]> = {};
  for (const part of (e.FACE_PROVIDERS_BY_SCENE ?? '').split(';')) {
    const [scene, providers] = part.split('=');
    if (scene?.trim() && providers) byScene[scene.trim()] = list(providers);
  }
  return { default: list(e.FACE_PROVIDERS ?? (e.VSAGA_ENV === 'production' ? 'dcloud' : 'dcloud,wechat')), byScene };
}

/** The worker's deployment version, or undefined for an unversioned worker. */
function workerDeployment(e: Parsed): { deploymentName: string; buildId: string } | undefined {
  const deploymentName = e.WORKER_DEPLOYMENT_NAME || undefined;
  const buildId = e.WORKER_BUILD_ID || undefined;
  if (deploymentName && buildId) return { deploymentName, buildId };
  // one without the other is a half-done deploy: refuse it rather than start unversioned
  if (deploymentName || buildId) {
    const missing = deploymentName ? 'WORKER_BUILD_ID' : 'WORKER_DEPLOYMENT_NAME';
    throw new ConfigError(`${missing} is missing: WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID are set together (a versioned worker) or not at all`, [missing]);
  }
  return undefined;
}

/**
 * Everything production refuses, by variable: development keys, the sandboxes' endpoints
 * and credentials for every provider, demo conveniences. All of them at once, so an
 * operator fixes a deployment in one pass rather than one variable per restart.
 */
function productionRefusals(e: Parsed): Map<string, string[]> {
  const refused = new Map<string, string[]>();
  const refuse = (name: string, why: string) => refused.set(name, [...(refused.get(name) ?? []), why]);

  if (Object.values(e.PAYLOAD_KEYS).includes(devKey('payload'))) refuse('PAYLOAD_KEYS', 'a development key');
  if (Object.values(e.FIELD_KEYS).includes(devKey('field'))) refuse('FIELD_KEYS', 'a development key');
  if (e.BLIND_INDEX_KEY === devKey('blind-index')) refuse('BLIND_INDEX_KEY', 'the development key');
  if (e.CODE_PEPPER === devKey('code-pepper')) refuse('CODE_PEPPER', 'the development key');
  if (e.PAYMENT_CALLBACK_SECRETS.includes(devKey('payment-callback'))) refuse('PAYMENT_CALLBACK_SECRETS', 'the development key');
  if (e.API_KEYS.some((k) => k.secret === 'dev-api-key-change-me')) refuse('API_KEYS', 'the development key');
  for (const [name, value] of Object.entries(SANDBOX_CREDENTIALS)) {
    if (e[name as keyof typeof SANDBOX_CREDENTIALS] === value) refuse(name, "the sandbox's default (public in this repository)");
  }
  const { default: chain, byScene } = faceProvidersOf(e);
  const named = new Set([...chain, ...Object.values(byScene).flat()]);
  if (named.has('aliyun') && e.ALIYUN_FACE_ACCESS_KEY_ID === undefined) refuse('FACE_PROVIDERS', 'names aliyun, which ALIYUN_FACE_ACCESS_KEY_ID does not configure');
  if (e.ALIYUN_FACE_ACCESS_KEY_ID !== undefined) {
    // configured for production: nothing may fall back to the sandbox's defaults
    for (const name of ['ALIYUN_FACE_ENDPOINT', 'ALIYUN_FACE_ACCESS_KEY_SECRET', 'ALIYUN_FACE_SCENE_ID'] as const) {
      if (e[name] === undefined) refuse(name, 'required once ALIYUN_FACE_ACCESS_KEY_ID is set');
    }
    if (e.ALIYUN_FACE_PROTOCOL === 'HTTP') refuse('ALIYUN_FACE_PROTOCOL', "HTTP (the sandbox's; Alibaba Cloud is HTTPS)");
    if (e.ALIYUN_FACE_CALLBACK_URL?.toLowerCase().startsWith('http:')) refuse('ALIYUN_FACE_CALLBACK_URL', 'plain http (Alibaba calls https only)');
  }

  const sandboxPorts = [...new Set([...SANDBOX_DEFAULT_PORTS, e.SANDBOX_SMS_PORT, e.SANDBOX_SMTP_PORT, e.SANDBOX_HTTP_PORT, e.SANDBOX_IDCARD_PORT, e.SANDBOX_FACE_PORT, e.SANDBOX_ALIYUN_FACE_PORT, e.SANDBOX_WECHAT_PORT])];
  const endpoint = (name: string, value: string, scheme: 'http:' | 'https:') => {
    const at = endpointHostPort(value, scheme);
    if (!at) return refuse(name, 'not host[:port]');
    const why = sandboxEndpointReason(at.host, at.port, sandboxPorts);
    if (why) refuse(name, `a sandbox endpoint (${why})`);
    // the sandboxes speak plain http; the real gateways are https
    if (at.scheme === 'http:' && name !== 'SMS_ENDPOINT') refuse(name, 'plain http (the sandbox speaks it; use https)');
  };
  endpoint('SMS_ENDPOINT', e.SMS_ENDPOINT, e.SMS_PROTOCOL === 'https://' ? 'https:' : 'http:');
  if (e.SMS_PROTOCOL === 'http://') refuse('SMS_PROTOCOL', "http:// (the sandbox's; Tencent Cloud is https://)");
  const mailHost = sandboxHostReason(e.MAIL_HOST);
  if (mailHost) refuse('MAIL_HOST', `a sandbox endpoint (${mailHost})`);
  if (sandboxPorts.includes(e.MAIL_PORT)) refuse('MAIL_PORT', `${e.MAIL_PORT} is a sandbox port (the SMTP sink's is 2525); use 465 or 587`);
  endpoint('IDCARD_API_BASE_URL', e.IDCARD_API_BASE_URL, 'https:');
  endpoint('FACE_FUNCTION_URL', e.FACE_FUNCTION_URL, 'https:');
  if (e.ALIYUN_FACE_ENDPOINT !== undefined) endpoint('ALIYUN_FACE_ENDPOINT', e.ALIYUN_FACE_ENDPOINT, 'https:');
  if (named.has('wechat')) endpoint('WECHAT_API_BASE_URL', e.WECHAT_API_BASE_URL, 'https:');

  if (e.CONSOLE_DEMO_API_KEY) refuse('CONSOLE_DEMO_API_KEY', 'hands an API key to the demo console; development only');
  if (!['127.0.0.1', 'localhost', '::1'].includes(e.CODEC_HOST) && !e.CODEC_TOKEN && !e.CODEC_JWT_ISSUER) {
    refuse('CODEC_TOKEN', 'required when the codec server listens beyond loopback (CODEC_HOST), unless CODEC_JWT_ISSUER is set');
  }
  // keys fetched over plain http could be swapped in transit for keys that sign anyone in
  for (const name of ['CODEC_JWT_ISSUER', 'CODEC_JWT_JWKS_URL'] as const) {
    if (e[name]?.toLowerCase().startsWith('http:')) refuse(name, 'plain http (the signing keys must come over https)');
  }
  if (e.METRICS_PORT !== undefined && !['127.0.0.1', 'localhost', '::1'].includes(e.METRICS_HOST) && !e.METRICS_TOKEN) {
    refuse('METRICS_TOKEN', 'required when the metrics port listens beyond loopback (METRICS_HOST)');
  }
  if (e.WEBHOOK_RETRY_WINDOW_SEC < 86400) refuse('WEBHOOK_RETRY_WINDOW_SEC', 'must be at least 86400 (a day)');
  return refused;
}
