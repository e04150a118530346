// The face providers' order (lib/config.ts FACE_PROVIDERS, FACE_PROVIDERS_BY_SCENE): the
// defaults by environment, a scene's own order, malformed lists refused naming the variable,
// and production refusing a provider it has no credentials or real endpoint for.
import { loadConfig } from '../../lib/config';
import { configuredProviders } from '../../flows/face-check/providers';
import { REAL_ALIYUN, productionEnv, refusedVariables } from '../support/production-env';



describe('the configured order', () => {
  it('outside production: DCloud for app devices, WeChat for mini-programs; production: DCloud', () => {
    expect(loadConfig({}).faceProviders).toEqual({ default: ['dcloud', 'wechat'], byScene: {} });
    expect(loadConfig(productionEnv()).faceProviders).toEqual({ default: ['dcloud'], byScene: {} });
  });

  it('a scene has its own order; the others keep the default; a provider named twice counts once', () => {
    const cfg = loadConfig({ FACE_PROVIDERS: 'aliyun, dcloud,aliyun', FACE_PROVIDERS_BY_SCENE: 'recovery=aliyun,dcloud; unfreeze=wechat;' });
    expect(cfg.faceProviders.default).toEqual(['aliyun', 'dcloud']);
    expect(configuredProviders(cfg, 'recovery')).toEqual(['aliyun', 'dcloud']);
    expect(configuredProviders(cfg, 'unfreeze')).toEqual(['wechat']);
    expect(configuredProviders(cfg, 'personal')).toEqual(['aliyun', 'dcloud']);
  });

  it.each([
    ['FACE_PROVIDERS', 'tencent'],
    ['FACE_PROVIDERS', 'dcloud,,aliyun'],
    ['FACE_PROVIDERS', ''],
    ['FACE_PROVIDERS_BY_SCENE', 'recovery:aliyun'],
    ['FACE_PROVIDERS_BY_SCENE', 'recovery=tencent'],
  ])('refuses %s=%j, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});

describe('in production', () => {
  it('refuses Alibaba without its keys, and WeChat at the sandbox', () => {
    expect(refusedVariables(productionEnv({ FACE_PROVIDERS: 'dcloud,aliyun' }))).toEqual(['FACE_PROVIDERS']);
    expect(refusedVariables(productionEnv({ FACE_PROVIDERS_BY_SCENE: 'personal=wechat' }))).toEqual(['WECHAT_API_BASE_URL']);
  });

  it('takes both once they are configured', () => {
    const cfg = loadConfig(productionEnv({ ...REAL_ALIYUN, FACE_PROVIDERS: 'aliyun,dcloud', FACE_PROVIDERS_BY_SCENE: 'personal=wechat', WECHAT_API_BASE_URL: 'https://api.weixin.qq.com' }));
    expect(cfg.faceProviders).toEqual({ default: ['aliyun', 'dcloud'], byScene: { personal: ['wechat'] } });
  });
});
