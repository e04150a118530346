// The Alibaba Cloud ID Verification settings (lib/config.ts, ALIYUN_FACE_*): the sandbox's
// values outside production, nothing in production until a key is set, and once it is, no
// sandbox default, endpoint or plain http gets through.
import { randomBytes } from 'node:crypto';
import { SANDBOX_ALIYUN_SCENE_ID, SANDBOX_CREDENTIALS, loadConfig } from '../../lib/config';
import { callbackToken } from '../../providers/aliyun-face/callback';
import { REAL_ALIYUN, productionEnv, refusedVariables } from '../support/production-env';



describe('ALIYUN_FACE_* outside production', () => {
  it('defaults to the sandbox: its endpoint over HTTP, its key and scene, ID_PRO', () => {
    const c = loadConfig({});
    expect(c.aliyunFace).toMatchObject({
      endpoint: '127.0.0.1:8085',
      protocol: 'HTTP',
      accessKeyId: SANDBOX_CREDENTIALS.ALIYUN_FACE_ACCESS_KEY_ID,
      accessKeySecret: SANDBOX_CREDENTIALS.ALIYUN_FACE_ACCESS_KEY_SECRET,
      sceneId: SANDBOX_ALIYUN_SCENE_ID,
      productCode: 'ID_PRO',
      timeoutMs: 10000,
      callbackUrl: undefined,
    });
    expect(c.sandbox.aliyunFacePort).toBe(8085);
    expect(loadConfig({ SANDBOX_ALIYUN_FACE_PORT: '9185' }).aliyunFace?.endpoint).toBe('127.0.0.1:9185');
  });

  it('a set endpoint is HTTPS unless told otherwise', () => {
    expect(loadConfig({ ALIYUN_FACE_ENDPOINT: 'cloudauth.aliyuncs.com' }).aliyunFace?.protocol).toBe('HTTPS');
    expect(loadConfig({ ALIYUN_FACE_ENDPOINT: 'sandbox:8085', ALIYUN_FACE_PROTOCOL: 'HTTP' }).aliyunFace?.protocol).toBe('HTTP');
  });

  it('derives a stable callback key from BLIND_INDEX_KEY, or takes its own', () => {
    const blind = randomBytes(32).toString('base64');
    const a = loadConfig({ BLIND_INDEX_KEY: blind }).aliyunFace!.callbackKey;
    expect(loadConfig({ BLIND_INDEX_KEY: blind }).aliyunFace!.callbackKey).toBe(a);
    expect(Buffer.from(a, 'base64')).toHaveLength(32);
    expect(callbackToken(a, 'order1')).not.toBe(callbackToken(loadConfig({}).aliyunFace!.callbackKey, 'order1'));
    const own = randomBytes(32).toString('base64');
    expect(loadConfig({ ALIYUN_FACE_CALLBACK_KEY: own }).aliyunFace!.callbackKey).toBe(own);
  });

  it.each([
    ['ALIYUN_FACE_PRODUCT_CODE', 'ID_PLUS'],
    ['ALIYUN_FACE_MODEL', 'WINK'],
    ['ALIYUN_FACE_SCENE_ID', 'abc'],
    ['ALIYUN_FACE_PROTOCOL', 'http'],
    ['ALIYUN_FACE_CALLBACK_URL', 'ftp://x/cb'],
    ['ALIYUN_FACE_CALLBACK_KEY', 'short'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});

describe('ALIYUN_FACE_* in production', () => {
  it('without a key the provider is simply not configured', () => {
    expect(loadConfig(productionEnv()).aliyunFace).toBeNull();
  });

  it('with real values it is configured, over HTTPS', () => {
    const c = loadConfig(productionEnv({ ...REAL_ALIYUN, ALIYUN_FACE_CALLBACK_URL: 'https://api.example.com/face/aliyun/callback' }));
    expect(c.aliyunFace).toMatchObject({ endpoint: 'cloudauth.aliyuncs.com', protocol: 'HTTPS', sceneId: 1000012345, accessKeyId: REAL_ALIYUN.ALIYUN_FACE_ACCESS_KEY_ID });
  });

  it('once a key is set, the sandbox key, a missing endpoint, secret or scene are refused together', () => {
    expect(refusedVariables(productionEnv({ ALIYUN_FACE_ACCESS_KEY_ID: SANDBOX_CREDENTIALS.ALIYUN_FACE_ACCESS_KEY_ID })).sort()).toEqual(
      ['ALIYUN_FACE_ACCESS_KEY_ID', 'ALIYUN_FACE_ACCESS_KEY_SECRET', 'ALIYUN_FACE_ENDPOINT', 'ALIYUN_FACE_SCENE_ID'].sort(),
    );
    expect(refusedVariables(productionEnv({ ...REAL_ALIYUN, ALIYUN_FACE_ACCESS_KEY_SECRET: SANDBOX_CREDENTIALS.ALIYUN_FACE_ACCESS_KEY_SECRET }))).toEqual(['ALIYUN_FACE_ACCESS_KEY_SECRET']);
  });

  it.each([
    ['ALIYUN_FACE_ENDPOINT', '127.0.0.1:8085'],
    ['ALIYUN_FACE_ENDPOINT', 'sandbox:8085'],
    ['ALIYUN_FACE_PROTOCOL', 'HTTP'],
    ['ALIYUN_FACE_CALLBACK_URL', 'http://api.example.com/cb'],
  ])('refuses %s=%s', (name, value) => {
    expect(refusedVariables(productionEnv({ ...REAL_ALIYUN, [name]: value }))).toEqual([name]);
  });
});
