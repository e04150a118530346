// The image, built as the Dockerfile says but without an engine (none here): its steps run in a
// scratch folder, then the compose file's commands start migrate, the sandbox, the worker and
// the API from the result against this suite's Temporal, PostgreSQL and Redis, and a phone is
// bound through them. It proves the production build runs on plain node with production
// dependencies only. Alone in npm test (scripts/test.sh): npm ci and tsc take both cores.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { Client as PgClient } from 'pg';
import { processPortEnv, processPorts } from '../support/process-ports';
import { waitFor, waitForAsync } from '../support/wait';
import { buildImage, imageEnv, type Stage } from './dockerfile';

const ROOT = path.join(__dirname, '..', '..');
const ENGINE_ONLY = ['mkdir -p /data/face-pictures && chown -R node:node /data'];
const KEY = 'image-test-key-0123456789';

jest.setTimeout(15 * 60_000);

interface Proc {
  child: ChildProcess;
  output: () => string;
}
const procs: Proc[] = [];
let scratch = '';
let database = '';

function adminUrl(): string {
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = '/postgres';
  return u.toString();
}

afterAll(async () => {
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((r) => {
          if (p.child.exitCode !== null || p.child.signalCode !== null) return r();
          p.child.once('exit', () => r());
          p.child.kill('SIGTERM');
          setTimeout(() => p.child.kill('SIGKILL'), 15_000).unref();
        }),
    ),
  );
  if (database) {
    const admin = new PgClient({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

/** A command of the image, run from its WORKDIR; `node` is this machine's, the same major as the Dockerfile's base. */
function spawnIn(image: Stage, command: string[], env: Record<string, string>): Proc {
  const [bin, ...args] = command;
  const child = spawn(bin === 'node' ? process.execPath : bin!, args, { cwd: path.join(image.root, image.workdir), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const p = { child, output: () => out };
  procs.push(p);
  return p;
}

function start(image: Stage, command: string[], env: Record<string, string>, ready: RegExp): Promise<Proc> {
  const p = spawnIn(image, command, env);
  return waitFor(
    () => {
      if (p.child.exitCode !== null) throw new Error(`${command.join(' ')} exited ${p.child.exitCode}:\n${p.output()}`);
      return ready.test(p.output()) ? p : undefined;
    },
    90_000,
  ).catch((err: Error) => {
    throw new Error(`${command.join(' ')} did not become ready (${err.message}):\n${p.output()}`);
  });
}

function run(image: Stage, command: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const p = spawnIn(image, command, env);
  return new Promise((r) => p.child.once('exit', (code) => r({ code, out: p.output() })));
}

test('the Dockerfile builds in a scratch folder, and its result runs migrate, sandbox, worker and API: a phone binds through them', async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vsaga-image-'));
  const log: string[] = [];
  const stages = buildImage({ repo: ROOT, scratch, engineOnly: ENGINE_ONLY, log: (l) => log.push(l) });
  const image = stages[stages.length - 1]!;
  const app = path.join(image.root, image.workdir);
  console.log(`image built in ${scratch}; log tail:\n${log.slice(-12).join('\n')}`);

  // production dependencies only, and no TypeScript to run
  const modules = path.join(app, 'node_modules');
  for (const dev of ['typescript', 'tsx', 'jest', 'ts-jest', 'eslint', '@temporalio/testing']) expect(fs.existsSync(path.join(modules, dev))).toBe(false);
  for (const runtime of ['@temporalio/worker', 'express', 'pg']) expect(fs.existsSync(path.join(modules, runtime))).toBe(true);
  expect(fs.readdirSync(app).sort()).toEqual(['dist', 'node_modules', 'package-lock.json', 'package.json']);
  expect(fs.existsSync(path.join(app, 'dist', 'workflow-bundle.js'))).toBe(true);
  expect(fs.existsSync(path.join(app, 'dist', 'workflow-bundle.traced.js'))).toBe(true);

  const compose = yaml.load(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { command?: string[] }> };
  const command = (service: string) => compose.services[service]!.command!;
  expect(command('api')).toEqual(image.cmd);

  const ports = await processPorts();
  database = `vsaga_image_${process.pid}`;
  const dbUrl = new URL(process.env.DATABASE_URL!);
  dbUrl.pathname = `/${database}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH!,
    HOME: process.env.HOME!,
    VSAGA_ENV: 'test',
    VSAGA_LOG_LEVEL: 'info',
    VSAGA_DATA_DIR: path.join(scratch, 'data'),
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
    TEMPORAL_TASK_QUEUE: `image-${randomUUID()}`,
    DATABASE_URL: dbUrl.toString(),
    REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX ?? 'vsaga-test:'}image:`,
    API_KEYS: `image:${KEY}:*`,
    ...processPortEnv(ports),
    ...imageEnv(image),
  };
  expect(env.NODE_ENV).toBe('production');
  expect(env.WORKFLOW_BUNDLE).toBe(path.join(app, 'dist', 'workflow-bundle.js'));

  const migrated = await run(image, command('migrate'), env);
  expect({ code: migrated.code, out: migrated.code === 0 ? '' : migrated.out }).toEqual({ code: 0, out: '' });
  await start(image, command('sandbox'), env, /sandbox inbox listening/);
  await start(image, command('worker'), env, /worker ready/);
  await start(image, image.cmd!, env, /api listening/);

  const api = `http://127.0.0.1:${ports.api}`;
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${api}${p}`, { method, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  expect((await fetch(`${api}/health`)).status).toBe(200);
  const id = `image-${process.pid}-${Date.now().toString(36)}`;
  expect((await call('POST', '/v1/accounts', { id })).status).toBe(201);
  const phone = `139${String(Date.now() % 1e8).padStart(8, '0')}`;
  const started = await call('POST', `/v1/accounts/${id}/phone/bind`, { phone });
  expect(started.status).toBe(201);
  const code = await waitForAsync(async () => {
    const res = await fetch(`http://127.0.0.1:${ports.inbox}/api/sms/latest-code?phone=${phone}`);
    return res.ok ? ((await res.json()) as { code: string }).code : undefined;
  }, 20_000);
  const done = await call('POST', `/v1/flows/bind-phone:${id}/code`, { code });
  expect(done.body.result?.outcome ?? done.body).toBe('bound');
  expect((await call('GET', `/v1/accounts/${id}`)).body.account.phone).toBe(`${phone.slice(0, 3)}****${phone.slice(-4)}`);
});
