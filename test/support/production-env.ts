// A production environment that loadConfig accepts: fresh keys, real-looking provider endpoints
// and ids, and secrets drawn per run (none of them reached by the tests that use it; a literal
// would read like a leaked credential). Tests start
// from it and change one thing to see that exact thing refused.
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../lib/config';

const key = () => randomBytes(32).toString('base64');
/** A provider's secret, as long as theirs are; never a literal. */
const secret = () => randomBytes(24).toString('base64url');

export function productionEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    VSAGA_ENV: 'production',
    PAYLOAD_KEYS: `p1:${key()}`,
    PAYLOAD_KEY_ID: 'p1',
    FIELD_KEYS: `f1:${key()}`,
    FIELD_KEY_ID: 'f1',
    BLIND_INDEX_KEY: key(),
    CODE_PEPPER: key(),
    PAYMENT_CALLBACK_SECRETS: key(),
    API_KEYS: 'ops:prod-secret-0123456789:*',
    SMS_ENDPOINT: 'sms.tencentcloudapi.com',
    SMS_PROTOCOL: 'https://',
    SMS_SECRET_ID: 'AKIDrealtencentcloud0123456789abc',
    SMS_SECRET_KEY: secret(),
    SMS_SDK_APP_ID: '1400987654',
    MAIL_HOST: 'smtp.exmail.qq.com',
    MAIL_PORT: '465',
    MAIL_SECURE: 'true',
    MAIL_USER: 'no-reply@example.com',
    MAIL_PASS: secret(),
    IDCARD_API_BASE_URL: 'https://service-abc123.gz.apigw.tencentcs.com/release',
    IDCARD_SECRET_ID: 'AKIDrealapimarket0123456789abcd',
    IDCARD_SECRET_KEY: secret(),
    FACE_FUNCTION_URL: 'https://fc-mp-0123.next.bspapp.com/uni-cloud-verify',
    FACE_FUNCTION_SECRET: secret(),
    ...extra,
  };
}

/** Alibaba Cloud ID Verification configured for production (a real-looking key id, endpoint and scene). */
export const REAL_ALIYUN = {
  ALIYUN_FACE_ENDPOINT: 'cloudauth.aliyuncs.com',
  ALIYUN_FACE_ACCESS_KEY_ID: 'LTAI5tRealCloudauthKey01',
  ALIYUN_FACE_ACCESS_KEY_SECRET: secret(),
  ALIYUN_FACE_SCENE_ID: '1000012345',
};

/** The variables loadConfig refuses this environment for (it must refuse it). */
export function refusedVariables(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.variables;
  }
  throw new Error('loadConfig did not refuse');
}
