// lib/config.ts loadConfig: defaults, validation errors that name the variable,
// production guards, key rings and the API key list.
import { randomBytes } from 'node:crypto';
import { ConfigError, SANDBOX_CREDENTIALS, loadConfig } from '../../lib/config';
import { productionEnv } from '../support/production-env';

const k = () => randomBytes(32).toString('base64');

/** Production env with every secret and provider set to a fresh, non-development value. */
const prodEnv = productionEnv;

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).name).toBe('ConfigError');
    return e as ConfigError;
  }
  throw new Error(`loadConfig(${JSON.stringify(env)}) did not throw`);
}

describe('loadConfig defaults', () => {
  const cfg = loadConfig({});

  it('loads with an empty environment', () => {
    expect(cfg.env).toBe('development');
    expect(cfg.logLevel).toBe('info');
    expect(cfg.temporal).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'verification-saga',
      uiUrl: 'http://127.0.0.1:8233',
    });
    expect(cfg.redis).toEqual({ url: 'redis://127.0.0.1:6379/0', keyPrefix: 'vsaga:' });
    expect(cfg.api.host).toBe('127.0.0.1');
    expect(cfg.api.port).toBe(3000);
    expect(cfg.api.trustProxy).toBe(false);
    expect(cfg.databasePreparedStatements).toBe(true);
    expect(cfg.api.keys).toEqual([{ name: 'dev', secret: 'dev-api-key-change-me', scopes: ['*'] }]);
    expect(cfg.codec).toEqual({
      host: '127.0.0.1',
      port: 8888,
      token: undefined,
      corsOrigins: ['http://127.0.0.1:8233', 'http://localhost:8233'],
    });
    expect(cfg.mail.port).toBe(2525);
    expect(cfg.mail.secure).toBe(false);
    expect(cfg.sms.timeoutSec).toBe(10);
    expect(cfg.flows).toEqual({
      maxWrongCodes: 5,
      bindFlowTtlSec: 1800,
      cancellationCoolingDays: 15,
      codeTtlOverrideSec: undefined,
      resendGapOverrideSec: undefined,
      unbindTokenTtlSec: 600,
      rebindFlowTtlSec: 3600,
      sceneCodeFlowTtlSec: 1800,
      // the seed's rebind_push: SMS 3, mail 5 a day
      noticeDailyLimit: { sms: 3, mail: 5 },
    });
    expect(cfg.recovery).toMatchObject({ ticketTtlSec: 600, flowTtlSec: 1800, grantTtlSec: 600, lookupsPerIp: 10, lookupsPerIdentifier: 5 });
    expect(Buffer.from(cfg.recovery.key, 'base64')).toHaveLength(32);
  });

  it('has usable development keys: 32-byte keys, current ids present in their rings', () => {
    const c = cfg.crypto;
    expect(Object.keys(c.payloadKeys)).toEqual(['dev1']);
    expect(c.payloadKeyId).toBe('dev1');
    expect(c.fieldKeyId).toBe('dev1');
    for (const key of [c.payloadKeys.dev1!, c.fieldKeys.dev1!, c.blindIndexKey, c.codePepper]) {
      expect(Buffer.from(key, 'base64')).toHaveLength(32);
    }
    // distinct keys per purpose
    expect(new Set([c.payloadKeys.dev1, c.fieldKeys.dev1, c.blindIndexKey, c.codePepper]).size).toBe(4);
  });

  it('is stable across calls (development keys are derived, not random)', () => {
    expect(loadConfig({}).crypto).toEqual(cfg.crypto);
  });

  it('coerces numeric and boolean variables', () => {
    const c = loadConfig({ API_PORT: '8080', CODEC_PORT: '0', API_TRUST_PROXY: 'true', MAIL_SECURE: '1', CODE_TTL_SEC: '120', CODE_RESEND_GAP_SEC: '0', DATABASE_PREPARED_STATEMENTS: 'false' });
    expect(c.api.port).toBe(8080);
    expect(c.databasePreparedStatements).toBe(false);
    expect(c.codec.port).toBe(0);
    expect(c.api.trustProxy).toBe(true);
    expect(c.mail.secure).toBe(true);
    expect(c.flows.codeTtlOverrideSec).toBe(120);
    expect(c.flows.resendGapOverrideSec).toBe(0);
  });

  it('splits and trims CODEC_CORS_ORIGINS', () => {
    expect(loadConfig({ CODEC_CORS_ORIGINS: ' https://ui.example.com , ,http://localhost:8233 ' }).codec.corsOrigins).toEqual([
      'https://ui.example.com',
      'http://localhost:8233',
    ]);
  });
});

describe('loadConfig validation errors name the variable', () => {
  it.each([
    ['API_PORT', 'abc'],
    ['API_PORT', '70000'],
    ['API_PORT', '-1'],
    ['API_PORT', '80.5'],
    ['CODEC_PORT', 'http'],
    ['MAIL_PORT', '65536'],
    ['SANDBOX_SMS_PORT', 'x'],
  ])('invalid port %s=%j', (name, value) => {
    const e = configError({ [name]: value });
    expect(e.message).toContain(name);
  });

  it.each([
    ['VSAGA_ENV', 'staging'],
    ['VSAGA_LOG_LEVEL', 'verbose'],
    ['TEMPORAL_UI_URL', 'not a url'],
    ['SMS_PROTOCOL', 'ftp://'],
    ['SMS_TIMEOUT_SEC', '0'],
    ['CODE_MAX_WRONG_PER_FLOW', '0'],
    ['BIND_FLOW_TTL_SEC', '1'],
    ['API_TRUST_PROXY', 'maybe'],
    ['DATABASE_PREPARED_STATEMENTS', 'sometimes'],
    ['CODEC_TOKEN', 'short'],
    ['BLIND_INDEX_KEY', Buffer.alloc(16).toString('base64')],
    ['CODE_PEPPER', 'not-a-key'],
  ])('invalid %s=%j', (name, value) => {
    expect(configError({ [name]: value }).message).toContain(name);
  });

  it.each([
    ['not kid:key', 'justakey'],
    ['empty kid', `:${Buffer.alloc(32).toString('base64')}`],
    ['short key', `a:${Buffer.alloc(16).toString('base64')}`],
    ['long key', `a:${Buffer.alloc(48).toString('base64')}`],
    ['empty ring', ' , '],
    ['one good, one bad', `a:${Buffer.alloc(32, 1).toString('base64')},b:xyz`],
  ])('a bad PAYLOAD_KEYS ring (%s) names PAYLOAD_KEYS', (_label, ring) => {
    expect(configError({ PAYLOAD_KEYS: ring }).message).toContain('PAYLOAD_KEYS');
  });

  it('a bad FIELD_KEYS ring names FIELD_KEYS', () => {
    expect(configError({ FIELD_KEYS: 'garbage' }).message).toContain('FIELD_KEYS');
  });

  it('does not echo a whole key into the error message', () => {
    const secretish = 'THIS-IS-A-SECRET-VALUE-0123456789';
    const e = configError({ PAYLOAD_KEYS: secretish });
    expect(e.message).not.toContain(secretish);
  });

  it('PAYLOAD_KEY_ID outside the ring names PAYLOAD_KEY_ID', () => {
    const e = configError({ PAYLOAD_KEYS: `a:${k()}`, PAYLOAD_KEY_ID: 'b' });
    expect(e.message).toContain('PAYLOAD_KEY_ID');
    expect(e.message).toContain('"b"');
  });

  it('FIELD_KEY_ID outside the ring names FIELD_KEY_ID', () => {
    expect(configError({ FIELD_KEYS: `a:${k()}` }).message).toContain('FIELD_KEY_ID'); // default id dev1 not in {a}
  });

  it.each(['toString', 'constructor', 'hasOwnProperty'])(
    'a current key id that is only an Object.prototype property (%s) is not "in the ring"',
    (kid) => {
      // the ring is a plain object, so `kid in ring` is true for inherited names; the
      // error must come from loadConfig at startup, not from the codec at first use
      expect(configError({ PAYLOAD_KEYS: `a:${k()}`, PAYLOAD_KEY_ID: kid }).message).toContain('PAYLOAD_KEY_ID');
      expect(configError({ FIELD_KEYS: `a:${k()}`, FIELD_KEY_ID: kid }).message).toContain('FIELD_KEY_ID');
    },
  );

  it('parses a multi-key ring and keeps the current id', () => {
    const a = k();
    const b = k();
    const c = loadConfig({ PAYLOAD_KEYS: ` a:${a} , b:${b} `, PAYLOAD_KEY_ID: 'b' });
    expect(c.crypto.payloadKeys).toEqual({ a, b });
    expect(c.crypto.payloadKeyId).toBe('b');
  });

  it('lists every invalid variable, not just the first', () => {
    const e = configError({ API_PORT: 'x', CODEC_PORT: 'y' });
    expect(e.message).toContain('API_PORT');
    expect(e.message).toContain('CODEC_PORT');
  });
});

describe('loadConfig in production', () => {
  it('refuses the development keys and every sandbox default in one error that names each', () => {
    const e = configError({ VSAGA_ENV: 'production' });
    const expected = [
      'PAYLOAD_KEYS', 'FIELD_KEYS', 'BLIND_INDEX_KEY', 'CODE_PEPPER', 'PAYMENT_CALLBACK_SECRETS', 'API_KEYS',
      'SMS_ENDPOINT', 'SMS_PROTOCOL', 'SMS_SECRET_ID', 'SMS_SECRET_KEY', 'SMS_SDK_APP_ID',
      'MAIL_HOST', 'MAIL_PORT',
      'IDCARD_API_BASE_URL', 'IDCARD_SECRET_ID', 'IDCARD_SECRET_KEY',
      'FACE_FUNCTION_URL', 'FACE_FUNCTION_SECRET',
    ];
    expect([...e.variables].sort()).toEqual([...expected].sort());
    for (const name of expected) expect(e.message).toMatch(new RegExp(`^  ${name}: `, 'm'));
    expect(e.message).toMatch(/development/);
    expect(e.message).toMatch(/sandbox/);
  });

  it('lists only the development secrets that are still set', () => {
    const env = prodEnv();
    delete env.CODE_PEPPER;
    delete env.API_KEYS;
    const e = configError(env);
    expect(e.message).toContain('CODE_PEPPER');
    expect(e.message).toContain('API_KEYS');
    expect(e.message).not.toContain('PAYLOAD_KEYS');
    expect(e.message).not.toContain('FIELD_KEYS');
    expect(e.message).not.toContain('BLIND_INDEX_KEY');
  });

  it('refuses a development key kept as an old entry of a rotated ring', () => {
    const devPayload = loadConfig({}).crypto.payloadKeys.dev1!;
    const e = configError(prodEnv({ PAYLOAD_KEYS: `dev1:${devPayload},p1:${k()}` }));
    expect(e.message).toContain('PAYLOAD_KEYS');
  });

  it('accepts proper keys', () => {
    const c = loadConfig(prodEnv());
    expect(c.env).toBe('production');
    expect(c.api.keys).toEqual([{ name: 'ops', secret: 'prod-secret-0123456789', scopes: ['*'] }]);
  });

  it.each(['127.0.0.1', 'localhost'])('allows CODEC_HOST=%s without a token', (host) => {
    expect(loadConfig(prodEnv({ CODEC_HOST: host })).codec.host).toBe(host);
  });

  it('requires CODEC_TOKEN when the codec server listens on 0.0.0.0', () => {
    const e = configError(prodEnv({ CODEC_HOST: '0.0.0.0' }));
    expect(e.message).toContain('CODEC_TOKEN');
  });

  it('accepts CODEC_HOST=0.0.0.0 with a token of 16+ characters', () => {
    const c = loadConfig(prodEnv({ CODEC_HOST: '0.0.0.0', CODEC_TOKEN: 'operator-token-0123456789' }));
    expect(c.codec.token).toBe('operator-token-0123456789');
  });
});

describe('production refuses the sandboxes as providers', () => {
  it('the helper environment itself is accepted (so each case below changes one thing)', () => {
    const c = loadConfig(prodEnv());
    expect(c.sms.endpoint).toBe('sms.tencentcloudapi.com');
    expect(c.mail.port).toBe(465);
  });

  it.each([
    // SMS: the gateway on this machine, on a sandbox port, over http, with its credentials
    ['SMS_ENDPOINT', '127.0.0.1:8081', /loopback host 127\.0\.0\.1/],
    ['SMS_ENDPOINT', '127.0.0.1', /loopback/],
    ['SMS_ENDPOINT', 'localhost:443', /loopback host localhost/],
    ['SMS_ENDPOINT', '[::1]:443', /loopback/],
    ['SMS_ENDPOINT', '0.0.0.0:443', /unspecified/],
    ['SMS_ENDPOINT', '127.8.9.10', /loopback/],
    ['SMS_ENDPOINT', 'sandbox:8081', /port 8081/],
    ['SMS_ENDPOINT', 'sms.example.com:8025', /port 8025/],
    ['SMS_PROTOCOL', 'http://', /http:\/\//],
    ['SMS_SECRET_ID', SANDBOX_CREDENTIALS.SMS_SECRET_ID, /sandbox's default/],
    ['SMS_SECRET_KEY', SANDBOX_CREDENTIALS.SMS_SECRET_KEY, /sandbox's default/],
    ['SMS_SDK_APP_ID', SANDBOX_CREDENTIALS.SMS_SDK_APP_ID, /sandbox's default/],
    // mail: the SMTP sink
    ['MAIL_HOST', '127.0.0.1', /loopback/],
    ['MAIL_HOST', 'localhost', /loopback/],
    ['MAIL_HOST', '::1', /loopback/],
    ['MAIL_HOST', '::ffff:127.0.0.1', /loopback \(IPv4-mapped\)/],
    ['MAIL_PORT', '2525', /2525 is a sandbox port/],
    // ID check
    ['IDCARD_API_BASE_URL', 'http://127.0.0.1:8082', /loopback.*plain http/],
    ['IDCARD_API_BASE_URL', 'http://idcard.example.com', /plain http/],
    ['IDCARD_API_BASE_URL', 'https://localhost/', /loopback/],
    ['IDCARD_API_BASE_URL', 'https://sandbox:8082', /port 8082/],
    ['IDCARD_SECRET_ID', SANDBOX_CREDENTIALS.IDCARD_SECRET_ID, /sandbox's default/],
    ['IDCARD_SECRET_KEY', SANDBOX_CREDENTIALS.IDCARD_SECRET_KEY, /sandbox's default/],
    // face function
    ['FACE_FUNCTION_URL', 'http://127.0.0.1:8083/face', /loopback.*plain http/],
    ['FACE_FUNCTION_URL', 'https://[::1]/face', /loopback/],
    ['FACE_FUNCTION_URL', 'https://face.example.com:8083/face', /port 8083/],
    ['FACE_FUNCTION_URL', 'http://face.example.com/face', /plain http/],
    ['FACE_FUNCTION_SECRET', SANDBOX_CREDENTIALS.FACE_FUNCTION_SECRET, /sandbox's default/],
  ])('%s=%s', (name, value, why) => {
    const e = configError(prodEnv({ [name]: value }));
    expect(e.variables).toEqual([name]);
    expect(e.message).toMatch(new RegExp(`^  ${name}: .*${why.source}`, 'm'));
  });

  it("the face providers' sandboxes: Alibaba's and WeChat's ports, wherever they are moved", () => {
    const wechat = (url: string, more: Record<string, string> = {}) => configError(prodEnv({ FACE_PROVIDERS: 'dcloud,wechat', WECHAT_API_BASE_URL: url, ...more }));
    expect(wechat('https://sandbox:8086').message).toMatch(/^ {2}WECHAT_API_BASE_URL: .*port 8086/m);
    expect(wechat('https://wx.example.com:9086', { SANDBOX_WECHAT_PORT: '9086' }).variables).toEqual(['WECHAT_API_BASE_URL']);
    expect(configError(prodEnv({ ALIYUN_FACE_ENDPOINT: 'cloudauth.example.com:8085' })).message).toMatch(/^ {2}ALIYUN_FACE_ENDPOINT: .*port 8085/m);
    expect(loadConfig(prodEnv({ FACE_PROVIDERS: 'dcloud,wechat', WECHAT_API_BASE_URL: 'https://api.weixin.qq.com' })).faceProviders.default).toEqual(['dcloud', 'wechat']);
  });

  it('a sandbox port moved by SANDBOX_*_PORT is still a sandbox port', () => {
    expect(configError(prodEnv({ SANDBOX_SMS_PORT: '9444', SMS_ENDPOINT: 'sms.example.com:9444' })).variables).toEqual(['SMS_ENDPOINT']);
  });

  it('accepts real endpoints on a private network (an SMTP relay, an egress proxy)', () => {
    const c = loadConfig(prodEnv({ MAIL_HOST: '10.0.0.25', MAIL_PORT: '587', MAIL_SECURE: 'false', SMS_ENDPOINT: 'sms-proxy.internal:443' }));
    expect(c.mail.host).toBe('10.0.0.25');
  });

  it('lists every offending variable in one error, each once with all its reasons', () => {
    const e = configError(
      prodEnv({ SMS_ENDPOINT: '127.0.0.1:8081', MAIL_PORT: '2525', IDCARD_API_BASE_URL: 'http://127.0.0.1:8082', FACE_FUNCTION_SECRET: SANDBOX_CREDENTIALS.FACE_FUNCTION_SECRET, CONSOLE_DEMO_API_KEY: 'true' }),
    );
    expect(e.variables).toEqual(['FACE_FUNCTION_SECRET', 'SMS_ENDPOINT', 'MAIL_PORT', 'IDCARD_API_BASE_URL', 'CONSOLE_DEMO_API_KEY']);
    expect(e.message.match(/^ {2}IDCARD_API_BASE_URL: /gm)).toHaveLength(1);
    expect(e.message).toMatch(/^ {2}IDCARD_API_BASE_URL: .*loopback.*; plain http/m);
    expect(e.message.split('\n')).toHaveLength(6);
  });

  it('does not apply outside production: development and test run on the sandboxes', () => {
    for (const VSAGA_ENV of ['development', 'test']) expect(() => loadConfig({ VSAGA_ENV })).not.toThrow();
  });
});

describe('CONSOLE_DEMO_API_KEY', () => {
  it('is off unless set', () => {
    expect(loadConfig({}).console.demoApiKey).toBe(false);
    expect(loadConfig({ CONSOLE_DEMO_API_KEY: 'true' }).console.demoApiKey).toBe(true);
    expect(loadConfig({ CONSOLE_DEMO_API_KEY: 'false' }).console.demoApiKey).toBe(false);
    expect(configError({ CONSOLE_DEMO_API_KEY: 'yes please' }).message).toContain('CONSOLE_DEMO_API_KEY');
  });

  it('is refused in production', () => {
    const e = configError(prodEnv({ CONSOLE_DEMO_API_KEY: 'true' }));
    expect(e.variables).toEqual(['CONSOLE_DEMO_API_KEY']);
    expect(loadConfig(prodEnv({ CONSOLE_DEMO_API_KEY: 'false' })).console.demoApiKey).toBe(false);
  });
});

describe('API_KEYS parsing', () => {
  it('parses scopes that themselves contain ":" (accounts:read+flows:read)', () => {
    const c = loadConfig({ API_KEYS: 'a:secret123:accounts:read+flows:read' });
    expect(c.api.keys).toEqual([{ name: 'a', secret: 'secret123', scopes: ['accounts:read', 'flows:read'] }]);
  });

  it('parses several keys separated by ";" with whitespace and a wildcard', () => {
    const c = loadConfig({ API_KEYS: ' reader:reader-secret:accounts:read ; admin:admin-secret-1:* ;; ops:ops-secret-1:flows:read+flows:write+pii:read ' });
    expect(c.api.keys).toEqual([
      { name: 'reader', secret: 'reader-secret', scopes: ['accounts:read'] },
      { name: 'admin', secret: 'admin-secret-1', scopes: ['*'] },
      { name: 'ops', secret: 'ops-secret-1', scopes: ['flows:read', 'flows:write', 'pii:read'] },
    ]);
  });

  it.each([
    ['no scopes', 'a:secret123'],
    ['empty scopes', 'a:secret123:'],
    ['short secret', 'a:short:*'],
    ['no name', ':secret123:*'],
    ['no secret', 'a::*'],
    ['only a name', 'a'],
  ])('rejects %s and names API_KEYS', (_label, value) => {
    const e = configError({ API_KEYS: value });
    expect(e.message).toContain('API_KEYS');
  });

  it('does not put a secret into the error message', () => {
    const e = configError({ API_KEYS: 'a:supersecretvalue' });
    expect(e.message).not.toContain('supersecretvalue');
  });
});

describe('WeChat face verification settings', () => {
  it('default to the sandbox on this machine', () => {
    const cfg = loadConfig({});
    expect(cfg.wechat).toMatchObject({ baseUrl: 'http://127.0.0.1:8086', tokenKeyPrefix: 'wechat:access-token:', timeoutMs: 10000 });
    expect(cfg.wechat.appid).toMatch(/^wx[0-9a-zA-Z]{16}$/);
    expect(cfg.sandbox.wechatPort).toBe(8086);
  });

  it.each([
    ['WECHAT_APPID', 'wx123'],
    ['WECHAT_APP_SECRET', 'short'],
    ['WECHAT_API_BASE_URL', 'ftp://api.weixin.qq.com'],
  ])('refuses a malformed %s and names it', (name, value) => {
    expect(configError({ [name]: value }).message).toContain(name);
  });
});
