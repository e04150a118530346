// docker-compose.yml must stay runnable and in step with the code: the Compose CLI validates
// it (schema, interpolation, references), and the checks below tie it to lib/config.ts,
// lib/search-attributes.ts, the Dockerfile and the deploy/ scripts, so a renamed variable,
// port or search attribute breaks this test instead of a user's `docker compose up`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../lib/config';
import { SEARCH_ATTRIBUTES } from '../../lib/search-attributes';
import { DEFAULT_PG, DYNAMIC_CONFIG, serverConfig, TEMPORAL_SERVER_VERSION } from '../../scripts/temporal-server';
import { DEV_DYNAMIC_CONFIG } from '../../scripts/temporal-dev';
import { SandboxInProductionError, refuseProduction } from '../../sandbox/main';
import { WORKER_HEAP_OPTIONS, WORKER_MALLOC_ARENA_MAX, workerEnv } from '../../worker/heap';

const ROOT = path.join(__dirname, '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

import yaml from 'js-yaml';

type EnvValue = string | number | boolean | null;
type Port = string | number | { target: number | string; published?: number | string; host_ip?: string };
type Volume = string | { type?: string; source?: string; target: string };
interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, EnvValue> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: Port[];
  volumes?: Volume[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
}

const compose = yaml.load(fs.readFileSync(COMPOSE_FILE, 'utf8')) as ComposeFile;
const services = compose.services;

/** Compose interpolation as a shell with none of the variables set would see it. */
function interpolate(s: string, shell: Record<string, string> = {}): string {
  return s.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, name: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (whole === '$$') return '$';
      const key = (name ?? bare)!;
      const value = shell[key];
      const unset = value === undefined || (op?.startsWith(':') === true && value === '');
      if (!unset) return value;
      if (op === ':-' || op === '-') return arg ?? '';
      if (op === ':?' || op === '?') throw new Error(`\${${key}} is required: ${arg}`);
      return '';
    },
  );
}

function service(name: string): Service {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
}

/** The environment a container gets; a variable declared without a value is passed through from the shell (absent when unset there). */
function envOf(name: string, shell: Record<string, string> = {}): Record<string, string> {
  const raw = service(name).environment ?? {};
  const entries: [string, EnvValue][] = Array.isArray(raw)
    ? raw.map((e) => (e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : [e, null]))
    : Object.entries(raw);
  const env: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (v !== null) env[k] = interpolate(String(v), shell);
    else if (shell[k] !== undefined) env[k] = shell[k];
  }
  return env;
}

function declaredEnvKeys(name: string): string[] {
  const raw = service(name).environment ?? {};
  return Array.isArray(raw) ? raw.map((e) => e.split('=')[0]!) : Object.keys(raw);
}

function dependsOn(name: string): Record<string, string> {
  const d = service(name).depends_on ?? {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((t) => [t, 'service_started']));
  return Object.fromEntries(Object.entries(d).map(([t, v]) => [t, v?.condition ?? 'service_started']));
}

/** host port → container port, for every published port of a service */
function published(name: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const p of service(name).ports ?? []) {
    if (typeof p === 'object') {
      if (p.published !== undefined) out.set(Number(interpolate(String(p.published))), Number(p.target));
      continue;
    }
    const parts = interpolate(String(p)).replace(/\/(tcp|udp)$/, '').split(':');
    if (parts.length >= 2) out.set(Number(parts[parts.length - 2]), Number(parts[parts.length - 1]));
  }
  return out;
}

function imageOf(name: string): { repo: string; tag: string } {
  const ref = interpolate(service(name).image ?? '');
  const i = ref.lastIndexOf(':');
  return i > 0 ? { repo: ref.slice(0, i), tag: ref.slice(i + 1) } : { repo: ref, tag: '' };
}

function servicesWithImage(repo: string): string[] {
  return Object.keys(services).filter((n) => services[n]!.image && imageOf(n).repo === repo);
}

function onlyService(repo: string): string {
  const found = servicesWithImage(repo);
  if (found.length !== 1) throw new Error(`expected exactly one service running ${repo}, found: ${found.join(', ') || 'none'}`);
  return found[0]!;
}

/** Services built from our Dockerfile: they run our code and read lib/config.ts's variables. */
const APP_SERVICES = Object.keys(services).filter((n) => services[n]!.build !== undefined);
const argv = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : v.split(/\s+/));
function appServiceRunning(file: string): string {
  const found = APP_SERVICES.filter((n) => argv(service(n).command).includes(file));
  if (found.length !== 1) throw new Error(`expected exactly one service running ${file}, found: ${found.join(', ') || 'none'}`);
  return found[0]!;
}
const API = appServiceRunning('dist/api/main.js');
const WORKER = appServiceRunning('dist/worker/main.js');
const MIGRATE = appServiceRunning('dist/db/migrate.js');
const SANDBOX = appServiceRunning('dist/sandbox/main.js');

/** Variable names lib/config.ts's schema knows, read from its text (the schema is not exported). */
function configSchemaKeys(): Set<string> {
  const src = fs.readFileSync(path.join(ROOT, 'lib', 'config.ts'), 'utf8');
  const start = src.indexOf('const schema = z.object({');
  const end = src.indexOf('\n});', start);
  if (start < 0 || end < 0) throw new Error('could not find `const schema = z.object({ ... });` in lib/config.ts');
  return new Set([...src.slice(start, end).matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!));
}

/** Variables the product's code reads directly from process.env (e.g. WORKFLOW_BUNDLE). */
function processEnvReads(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) for (const m of fs.readFileSync(p, 'utf8').matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)) names.add(m[1]!);
    }
  };
  for (const d of ['lib', 'api', 'worker', 'db', 'sandbox', 'providers', 'flows']) {
    if (fs.existsSync(path.join(ROOT, d))) walk(path.join(ROOT, d));
  }
  return names;
}

const SECRETS = ['PAYLOAD_KEYS', 'FIELD_KEYS', 'BLIND_INDEX_KEY', 'CODE_PEPPER', 'PAYMENT_CALLBACK_SECRETS', 'API_KEYS'];

describe('docker-compose.yml', () => {
  describe('the Compose CLI', () => {
    // Docker Compose v2 (the docker CLI plugin) when present, else Debian's docker-compose (v1).
    const cli = (() => {
      const v2 = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
      if (v2.status === 0) return ['docker', 'compose'];
      const v1 = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
      if (v1.status === 0) return ['docker-compose'];
      return null;
    })();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vsaga-compose-'));
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const emptyEnvFile = path.join(tmp, 'empty.env');
    fs.writeFileSync(emptyEnvFile, '');
    // No variable from the caller's shell or a local .env: the file must work on its defaults.
    const compose = (file: string, args: string[], shell: Record<string, string> = {}) => {
      if (!cli) {
        throw new Error('no Compose CLI: install the Debian package docker-compose (or the docker compose plugin) to validate docker-compose.yml');
      }
      return spawnSync(cli[0]!, [...cli.slice(1), '-f', file, '--env-file', emptyEnvFile, ...args], {
        cwd: path.dirname(file),
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), ...shell },
      });
    };
    const validate = (file: string) => compose(file, ['config', '-q']);
    /** The file as the CLI renders it, variables interpolated from `shell`. */
    const rendered = (shell: Record<string, string>): ComposeFile => {
      const r = compose(COMPOSE_FILE, ['config'], shell);
      expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 0, stderr: '' });
      return yaml.load(r.stdout) as ComposeFile;
    };
    const renderedEnv = (file: ComposeFile, name: string) => (file.services[name]?.environment ?? {}) as Record<string, EnvValue>;

    it('takes VSAGA_ENV from the shell for every service of ours, development without it', () => {
      const plain = rendered({});
      const prod = rendered({ VSAGA_ENV: 'production' });
      const test = rendered({ VSAGA_ENV: 'test' });
      expect(APP_SERVICES.length).toBeGreaterThanOrEqual(4);
      for (const name of APP_SERVICES) {
        expect({ name, env: renderedEnv(plain, name).VSAGA_ENV }).toEqual({ name, env: 'development' });
        expect({ name, env: renderedEnv(prod, name).VSAGA_ENV }).toEqual({ name, env: 'production' });
        expect({ name, env: renderedEnv(test, name).VSAGA_ENV }).toEqual({ name, env: 'test' });
      }
    });

    it('accepts the file', () => {
      const r = validate(COMPOSE_FILE);
      expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 0, stderr: '' });
    });

    it('really validates (a file depending on a missing service is refused)', () => {
      const bad = path.join(tmp, 'bad', 'docker-compose.yml');
      fs.mkdirSync(path.dirname(bad));
      fs.writeFileSync(bad, 'services:\n  a:\n    image: redis:7\n    depends_on:\n      nope:\n        condition: service_healthy\n');
      expect(validate(bad).status).not.toBe(0);
    });
  });

  it('gives every service an image or a build, with pinned tags', () => {
    for (const [name, s] of Object.entries(services)) {
      expect({ name, hasImageOrBuild: Boolean(s.image || s.build) }).toEqual({ name, hasImageOrBuild: true });
      if (s.build === undefined) {
        const { tag } = imageOf(name);
        expect({ name, tag: tag === '' || tag === 'latest' ? 'unpinned' : 'pinned' }).toEqual({ name, tag: 'pinned' });
      }
    }
    const temporal = onlyService('temporalio/server');
    expect(imageOf(temporal).tag).toMatch(/^1\.29(\.|$)/);
    for (const tools of servicesWithImage('temporalio/admin-tools')) expect(imageOf(tools).tag).toMatch(/^1\.29(\.|-|$)/);
    expect(servicesWithImage('temporalio/ui')).toHaveLength(1);
    expect(imageOf(onlyService('redis')).tag).toMatch(/^7(\.|$)/);
    const pg = servicesWithImage('postgres');
    expect(pg.length).toBe(2); // Temporal's and ours
    expect(pg.some((n) => imageOf(n).tag.startsWith('15'))).toBe(true);
  });

  it("is the container twin of the production engine (npm start -- --engine=server): the same release, postgres12, SQL visibility, the same shards", () => {
    const temporal = onlyService('temporalio/server');
    expect(`v${imageOf(temporal).tag}`).toBe(TEMPORAL_SERVER_VERSION);
    const env = envOf(temporal);
    expect(env.DB).toBe('postgres12');
    expect(env.ENABLE_ES ?? 'false').toBe('false'); // visibility in SQL, as scripts/temporal-server.ts has it
    const ours = serverConfig({ ip: '127.0.0.1', port: 7233, databases: { temporal: 't', visibility: 'v' }, pg: DEFAULT_PG, historyShards: 4, logLevel: 'warn', dynamicConfigFile: 'x' });
    expect(Number(env.NUM_HISTORY_SHARDS)).toBe(ours.persistence.numHistoryShards);
    expect(ours.persistence.datastores['postgres-visibility'].sql.pluginName).toBe(env.DB);
  });

  it('starts things in order: every depends_on target exists and can satisfy its condition', () => {
    const conditions = ['service_started', 'service_healthy', 'service_completed_successfully'];
    for (const name of Object.keys(services)) {
      for (const [target, condition] of Object.entries(dependsOn(name))) {
        const where = `${name} → ${target}`;
        expect({ where, exists: target in services }).toEqual({ where, exists: true });
        expect(conditions).toContain(condition);
        if (condition === 'service_healthy') {
          const hc = service(target).healthcheck;
          expect({ where, healthcheck: Boolean(hc?.test && !hc.disable) }).toEqual({ where, healthcheck: true });
        }
        if (condition === 'service_completed_successfully') {
          // a one-shot that restarted would never "complete"
          expect({ where, restart: service(target).restart ?? 'no' }).toEqual({ where, restart: 'no' });
        }
      }
    }
    // no cycles
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (n: string, trail: string[]) => {
      if (state.get(n) === 'done') return;
      if (state.get(n) === 'visiting') throw new Error(`depends_on cycle: ${[...trail, n].join(' → ')}`);
      state.set(n, 'visiting');
      for (const t of Object.keys(dependsOn(n))) visit(t, [...trail, n]);
      state.set(n, 'done');
    };
    for (const n of Object.keys(services)) visit(n, []);

    // what the product needs before it takes traffic
    for (const app of [API, WORKER]) {
      const d = dependsOn(app);
      expect(d[MIGRATE]).toBe('service_completed_successfully');
      expect(d[onlyService('temporalio/server')]).toBe('service_healthy');
      for (const init of servicesWithImage('temporalio/admin-tools').filter((n) => 'SEARCH_ATTRIBUTES' in envOf(n))) {
        expect(d[init]).toBe('service_completed_successfully');
      }
    }
    expect(dependsOn(WORKER)[SANDBOX]).toBe('service_healthy');
  });

  it('mounts only files that exist in the repository', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0]! : v.type === 'bind' ? (v.source ?? '') : '';
        if (!source.startsWith('.')) continue; // named volume
        expect({ name, source, exists: fs.existsSync(path.join(ROOT, source)) }).toEqual({ name, source, exists: true });
      }
    }
  });

  it('sets on our services only variables the code reads (lib/config.ts schema, process.env), or Node and glibc at launch', () => {
    const schemaKeys = configSchemaKeys();
    expect(schemaKeys.size).toBeGreaterThan(30);
    expect(schemaKeys).toContain('API_PORT');
    const known = new Set([...schemaKeys, ...processEnvReads(), ...Object.keys(workerEnv({}))]);
    for (const name of APP_SERVICES) {
      const unknown = declaredEnvKeys(name).filter((k) => !known.has(k));
      expect({ name, unknown }).toEqual({ name, unknown: [] });
    }
  });

  it('configures our services validly, in development, with dev secrets production would refuse', () => {
    for (const name of APP_SERVICES) {
      const env = envOf(name);
      expect({ name, VSAGA_ENV: env.VSAGA_ENV }).toEqual({ name, VSAGA_ENV: 'development' });
      expect(() => loadConfig(env)).not.toThrow();
    }
    for (const name of [API, WORKER, MIGRATE]) {
      for (const key of SECRETS) expect({ name, key, set: key in envOf(name) }).toEqual({ name, key, set: true });
      let message = '';
      try {
        loadConfig({ ...envOf(name), VSAGA_ENV: 'production' });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/production refuses development secrets/);
      for (const key of SECRETS) expect(message).toContain(key);
    }
  });

  it('in production (VSAGA_ENV from the shell) refuses the sandbox as every provider, and the sandbox refuses to run', () => {
    const shell = { VSAGA_ENV: 'production' };
    for (const name of APP_SERVICES) expect({ name, env: envOf(name, shell).VSAGA_ENV }).toEqual({ name, env: 'production' });
    // real secrets from the shell, the providers left on the sandbox: still refused, and by name
    const secrets = {
      PAYLOAD_KEYS: `p1:${Buffer.alloc(32, 1).toString('base64')}`,
      PAYLOAD_KEY_ID: 'p1',
      FIELD_KEYS: `f1:${Buffer.alloc(32, 2).toString('base64')}`,
      FIELD_KEY_ID: 'f1',
      BLIND_INDEX_KEY: Buffer.alloc(32, 3).toString('base64'),
      CODE_PEPPER: Buffer.alloc(32, 4).toString('base64'),
      PAYMENT_CALLBACK_SECRETS: Buffer.alloc(32, 5).toString('base64'),
      API_KEYS: 'ops:prod-secret-0123456789:*',
    };
    let err: unknown;
    try {
      loadConfig({ ...envOf(WORKER, { ...shell, ...secrets }), CODEC_TOKEN: 'operator-token-0123456789' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const sandboxed = ['SMS_ENDPOINT', 'SMS_PROTOCOL', 'SMS_SECRET_ID', 'SMS_SECRET_KEY', 'SMS_SDK_APP_ID', 'MAIL_PORT', 'IDCARD_API_BASE_URL', 'IDCARD_SECRET_ID', 'IDCARD_SECRET_KEY', 'FACE_FUNCTION_URL', 'FACE_FUNCTION_SECRET', 'ALIYUN_FACE_ENDPOINT'];
    expect(new Set((err as ConfigError).variables)).toEqual(new Set(sandboxed));
    // a scene on WeChat (FACE_PROVIDERS from the shell) refuses the WeChat sandbox too; Alibaba
    // named without its key is refused by name
    for (const [providers, more] of [['dcloud,wechat', ['WECHAT_API_BASE_URL']], ['aliyun,dcloud', ['FACE_PROVIDERS']]] as const) {
      let withFace: unknown;
      try {
        loadConfig({ ...envOf(WORKER, { ...shell, ...secrets, FACE_PROVIDERS: providers }), CODEC_TOKEN: 'operator-token-0123456789' });
      } catch (e) {
        withFace = e;
      }
      expect({ providers, refused: new Set((withFace as ConfigError).variables) }).toEqual({ providers, refused: new Set([...sandboxed, ...more]) });
    }
    expect(() => refuseProduction(envOf(SANDBOX, shell).VSAGA_ENV)).toThrow(SandboxInProductionError);
    expect(() => refuseProduction(envOf(SANDBOX).VSAGA_ENV)).not.toThrow();
  });

  it('wires our services to the right containers', () => {
    const api = envOf(API);
    const worker = envOf(WORKER);
    const sandbox = envOf(SANDBOX);
    const temporal = onlyService('temporalio/server');
    for (const [name, env] of [[API, api], [WORKER, worker], [MIGRATE, envOf(MIGRATE)]] as const) {
      expect({ name, temporal: env.TEMPORAL_ADDRESS }).toEqual({ name, temporal: `${temporal}:7233` });
      expect({ name, redis: new URL(env.REDIS_URL ?? '').hostname }).toEqual({ name, redis: onlyService('redis') });
      const db = new URL(env.DATABASE_URL ?? '');
      expect(services[db.hostname]?.image).toMatch(/^postgres:/);
      const pg = envOf(db.hostname);
      expect({ user: db.username, password: decodeURIComponent(db.password), db: db.pathname.slice(1), port: db.port || '5432' }).toEqual({
        user: pg.POSTGRES_USER,
        password: pg.POSTGRES_PASSWORD,
        db: pg.POSTGRES_DB,
        port: '5432',
      });
      expect(dependsOn(name)[db.hostname]).toBe('service_healthy');
    }
    // our database is not Temporal's
    expect(new URL(api.DATABASE_URL ?? '').hostname).not.toBe(envOf(temporal).POSTGRES_SEEDS);

    // the worker sends SMS and mail to the sandbox, with credentials the sandbox accepts
    expect(worker.MAIL_HOST).toBe(SANDBOX);
    expect(worker.MAIL_PORT).toBe(sandbox.SANDBOX_SMTP_PORT);
    expect(worker.SMS_ENDPOINT).toBe(`${SANDBOX}:${sandbox.SANDBOX_SMS_PORT}`);
    expect(worker.SMS_PROTOCOL).toBe('http://');
    for (const k of ['SMS_SECRET_ID', 'SMS_SECRET_KEY', 'SMS_SDK_APP_ID']) expect({ k, v: worker[k] }).toEqual({ k, v: sandbox[k] });
    expect(sandbox.SANDBOX_HOST).toBe('0.0.0.0');

    // the face providers: the worker reaches each sandbox on its port, with what it accepts
    expect(worker.IDCARD_API_BASE_URL).toBe(`http://${SANDBOX}:${sandbox.SANDBOX_IDCARD_PORT}`);
    expect(worker.FACE_FUNCTION_URL).toBe(`http://${SANDBOX}:${sandbox.SANDBOX_FACE_PORT}/face`);
    expect(worker.ALIYUN_FACE_ENDPOINT).toBe(`${SANDBOX}:${sandbox.SANDBOX_ALIYUN_FACE_PORT}`);
    expect(worker.ALIYUN_FACE_PROTOCOL).toBe('HTTP');
    expect(worker.WECHAT_API_BASE_URL).toBe(`http://${SANDBOX}:${sandbox.SANDBOX_WECHAT_PORT}`);
    for (const k of ['IDCARD_SECRET_ID', 'IDCARD_SECRET_KEY', 'FACE_FUNCTION_SECRET', 'WECHAT_APPID', 'WECHAT_APP_SECRET']) expect({ k, v: worker[k] }).toEqual({ k, v: sandbox[k] });
    const [workerCfg, apiCfg, sandboxCfg] = [worker, api, sandbox].map((env) => loadConfig(env));
    // Alibaba's account: the sandbox's defaults on both sides unless the shell sets one, then on both
    expect(sandboxCfg!.aliyunFace).toMatchObject({ accessKeyId: workerCfg!.aliyunFace!.accessKeyId, accessKeySecret: workerCfg!.aliyunFace!.accessKeySecret, sceneId: workerCfg!.aliyunFace!.sceneId });
    const shellKey = { ALIYUN_FACE_ACCESS_KEY_ID: 'LTAIdevelopersown0000', ALIYUN_FACE_ACCESS_KEY_SECRET: 'developers-own-secret', ALIYUN_FACE_SCENE_ID: '1000000042' };
    const [w2, s2] = [WORKER, SANDBOX].map((n) => loadConfig(envOf(n, shellKey)).aliyunFace);
    expect(w2).toMatchObject({ accessKeyId: shellKey.ALIYUN_FACE_ACCESS_KEY_ID, sceneId: 1000000042 });
    expect(s2).toMatchObject({ accessKeyId: w2!.accessKeyId, accessKeySecret: w2!.accessKeySecret, sceneId: w2!.sceneId });
    // the API and the worker agree on the scenes' providers (the API shows and sets them) and
    // reach the same Alibaba and WeChat (the console's proxy plays the app side where the worker asks)
    const shells: Record<string, string>[] = [{}, { FACE_PROVIDERS: 'aliyun,dcloud', FACE_PROVIDERS_BY_SCENE: 'personal=wechat;unfreeze=aliyun,dcloud' }];
    for (const shell of shells) {
      const [w, a] = [WORKER, API].map((n) => loadConfig(envOf(n, shell)));
      expect(a!.faceProviders).toEqual(w!.faceProviders);
      expect(a!.aliyunFace).toEqual(w!.aliyunFace);
      expect(a!.wechat.baseUrl).toBe(w!.wechat.baseUrl);
    }
    expect(apiCfg!.faceProviders).toEqual({ default: ['dcloud', 'wechat'], byScene: {} });

    // Temporal's database: server, schema setup and postgres agree
    const tEnv = envOf(temporal);
    const tDb = envOf(tEnv.POSTGRES_SEEDS ?? '');
    expect(tEnv.POSTGRES_USER).toBe(tDb.POSTGRES_USER);
    expect(tEnv.POSTGRES_PWD).toBe(tDb.POSTGRES_PASSWORD);
    const schema = Object.keys(dependsOn(temporal)).find((n) => dependsOn(temporal)[n] === 'service_completed_successfully');
    expect(schema).toBeDefined();
    expect(envOf(schema!).POSTGRES_SEEDS).toBe(tEnv.POSTGRES_SEEDS);
    expect(envOf(schema!).SQL_PASSWORD).toBe(tDb.POSTGRES_PASSWORD);
  });

  it('registers exactly the search attributes lib/search-attributes.ts defines, in our namespace', () => {
    const inits = servicesWithImage('temporalio/admin-tools').filter((n) => 'SEARCH_ATTRIBUTES' in envOf(n));
    expect(inits).toHaveLength(1);
    const init = envOf(inits[0]!);
    const registered = (init.SEARCH_ATTRIBUTES ?? '').trim().split(/\s+/).map((pair) => {
      const [name, type] = pair.split('=');
      return { name, type: type?.toUpperCase() };
    });
    expect(registered).toEqual(SEARCH_ATTRIBUTES.map((sa) => ({ name: sa.name, type: String(sa.type).toUpperCase() })));
    expect(init.TEMPORAL_NAMESPACE).toBe(envOf(API).TEMPORAL_NAMESPACE);
    expect(init.TEMPORAL_ADDRESS).toBe(envOf(API).TEMPORAL_ADDRESS);
    expect(dependsOn(inits[0]!)[onlyService('temporalio/server')]).toBe('service_healthy');
    // the script it runs is ours and reads that list
    const script = argv(service(inits[0]!).entrypoint).find((a) => a.startsWith('/deploy/'));
    expect(script).toBeDefined();
    expect(fs.readFileSync(path.join(ROOT, 'deploy', 'temporal', path.basename(script!)), 'utf8')).toContain('$SEARCH_ATTRIBUTES');
  });

  it('points the Web UI at our codec server as the browser reaches it, and lets its origin in', () => {
    const ui = onlyService('temporalio/ui');
    const uiEnv = envOf(ui);
    const api = envOf(API);
    const codec = new URL(uiEnv.TEMPORAL_CODEC_ENDPOINT ?? '');
    expect(['localhost', '127.0.0.1']).toContain(codec.hostname);
    expect(codec.port).toBe(api.CODEC_PORT);
    expect(published(API).get(Number(codec.port))).toBe(Number(api.CODEC_PORT));
    expect(api.CODEC_HOST).toBe('0.0.0.0');
    expect(uiEnv.TEMPORAL_ADDRESS).toBe(api.TEMPORAL_ADDRESS);

    const uiHostPort = [...published(ui)].find(([, container]) => container === Number(uiEnv.TEMPORAL_UI_PORT ?? 8080))?.[0];
    expect([8080, 8233]).toContain(uiHostPort);
    const origins = (api.CODEC_CORS_ORIGINS ?? '').split(',').map((s) => s.trim());
    expect(origins).toContain(`http://localhost:${uiHostPort}`);
    // The UI cannot send a codec token of its own: one set by default would stop it decoding.
    expect(api.CODEC_TOKEN).toBeUndefined();
  });

  it('publishes the API on 3000, the Web UI on 8080 (or 8233) and the inbox on 8025', () => {
    const api = envOf(API);
    expect(published(API).get(3000)).toBe(Number(api.API_PORT));
    expect(api.API_HOST).toBe('0.0.0.0');
    const ui = onlyService('temporalio/ui');
    const uiPorts = published(ui);
    expect(uiPorts.get(8080) ?? uiPorts.get(8233)).toBe(Number(envOf(ui).TEMPORAL_UI_PORT ?? 8080));
    expect(published(SANDBOX).get(8025)).toBe(Number(envOf(SANDBOX).SANDBOX_HTTP_PORT));
    // healthchecks probe the ports the processes listen on
    const probe = (name: string) => /127\.0\.0\.1:(\d+)/.exec(argv(service(name).healthcheck?.test).join(' '))?.[1];
    expect(probe(API)).toBe(api.API_PORT);
    expect(probe(SANDBOX)).toBe(envOf(SANDBOX).SANDBOX_HTTP_PORT);
  });

  it('launches the worker with its memory limits, as npm start and npm run worker do (worker/heap.ts)', () => {
    expect(envOf(WORKER)).toMatchObject({ NODE_OPTIONS: WORKER_HEAP_OPTIONS, MALLOC_ARENA_MAX: WORKER_MALLOC_ARENA_MAX });
    expect(envOf(WORKER, { WORKER_NODE_OPTIONS: '--max-old-space-size=512', MALLOC_ARENA_MAX: '4' })).toMatchObject({ NODE_OPTIONS: '--max-old-space-size=512', MALLOC_ARENA_MAX: '4' });
    for (const name of APP_SERVICES.filter((n) => n !== WORKER)) expect({ name, NODE_OPTIONS: envOf(name).NODE_OPTIONS }).toEqual({ name });
    const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.worker).toBe(`NODE_OPTIONS="${WORKER_HEAP_OPTIONS} \${NODE_OPTIONS:-}" MALLOC_ARENA_MAX=\${MALLOC_ARENA_MAX:-${WORKER_MALLOC_ARENA_MAX}} tsx worker/main.ts`);
  });

  it('runs our services from the Dockerfile image: non-root, npm ci, the production build with node', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim\b/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    const user = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].pop()?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    // the bundle scripts/build.sh writes, where the image's ENV and compose's worker point
    const bundle = /^ENV WORKFLOW_BUNDLE=(\S+)/m.exec(dockerfile)?.[1];
    expect(bundle).toBe('/app/dist/workflow-bundle.js');
    expect(fs.readFileSync(path.join(ROOT, 'scripts', 'build.sh'), 'utf8')).toMatch(/ dist\/workflow-bundle\.js$/m);
    expect(envOf(WORKER).WORKFLOW_BUNDLE).toBe(bundle);

    for (const name of APP_SERVICES) {
      const cmd = argv(service(name).command);
      // node itself: `npm` exits on SIGTERM without passing it on, skipping graceful shutdown
      expect({ name, cmd: cmd.slice(0, 1) }).toEqual({ name, cmd: ['node'] });
      // dist/<part>/<file>.js is compiled from <part>/<file>.ts (test/image runs the real build)
      const source = (cmd[1] ?? '').replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect({ name, exists: fs.existsSync(path.join(ROOT, source)) }).toEqual({ name, exists: true });
    }
    const ignored = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const p of ['node_modules', '.env', '.git', '.data']) expect(ignored).toContain(p);
  });
});

test("the three Temporal servers (npm start's dev server, --engine=server, compose's) share the dynamic settings our latency depends on", () => {
  const values = (text: string) => Object.fromEntries(Object.entries(yaml.load(text) as Record<string, { value: unknown }[]>).map(([k, v]) => [k, v[0]!.value]));
  const compose = values(fs.readFileSync(path.join(ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml'), 'utf8'));
  const server = values(DYNAMIC_CONFIG);
  for (const key of ['system.enableActivityEagerExecution', 'history.transferProcessorMaxPollRPS']) {
    expect(DEV_DYNAMIC_CONFIG[key]).toBeDefined();
    expect([key, server[key]]).toEqual([key, DEV_DYNAMIC_CONFIG[key]]);
    expect([key, compose[key]]).toEqual([key, DEV_DYNAMIC_CONFIG[key]]);
  }
});
