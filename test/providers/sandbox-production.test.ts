// The sandboxes never run in production: startSandboxes refuses a production config before
// it binds a port, and `npm run sandbox` exits non-zero saying why. The same calls in
// development do start them, so a refusal below is production's and nothing else's.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { loadConfig } from '../../lib/config';
import { SandboxInProductionError, startSandboxes } from '../../sandbox/main';

import { productionEnv } from '../support/production-env';
import { freePort } from '../../scripts/ports';

const ROOT = path.join(__dirname, '..', '..');

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function sandboxPorts() {
  return { sms: await freePort(), smtp: await freePort(), http: await freePort(), idcard: await freePort(), face: await freePort(), wechat: await freePort(), aliyunFace: await freePort() };
}

test('startSandboxes refuses a production config and listens nowhere', async () => {
  const ports = await sandboxPorts();
  const cfg = loadConfig(productionEnv());
  expect(cfg.env).toBe('production');
  await expect(startSandboxes(cfg, ports)).rejects.toThrow(SandboxInProductionError);
  for (const port of Object.values(ports)) expect({ port, listening: await listening(port) }).toEqual({ port, listening: false });

  const dev = await startSandboxes(loadConfig({}), ports);
  try {
    for (const port of Object.values(ports)) expect({ port, listening: await listening(port) }).toEqual({ port, listening: true });
  } finally {
    await dev.close();
  }
});

interface Run {
  code: number | null;
  output: string;
}

/** `npm run sandbox` with `env`; resolves on exit, or once `until` shows up in its output (then stops it). */
function npmRunSandbox(env: Record<string, string>, until?: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'sandbox'], { cwd: ROOT, env: { ...process.env, VSAGA_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let signalled = false;
    // npm does not pass signals on: signal the process group it leads, once (output keeps
    // arriving while it stops, and the group may be gone by a second try: ESRCH)
    const stop = (sig: NodeJS.Signals) => {
      if (signalled) return;
      signalled = true;
      try {
        process.kill(-child.pid!, sig);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    };
    const timer = setTimeout(() => {
      stop('SIGKILL');
      reject(new Error(`npm run sandbox neither exited nor printed ${until} in 60 s:\n${output}`));
    }, 60_000);
    const onData = (c: Buffer) => {
      output += c.toString();
      if (until?.test(output)) stop('SIGTERM');
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const portEnv = (p: Awaited<ReturnType<typeof sandboxPorts>>) => ({
  SANDBOX_SMS_PORT: String(p.sms),
  SANDBOX_SMTP_PORT: String(p.smtp),
  SANDBOX_HTTP_PORT: String(p.http),
  SANDBOX_IDCARD_PORT: String(p.idcard),
  SANDBOX_FACE_PORT: String(p.face),
  SANDBOX_WECHAT_PORT: String(p.wechat),
  SANDBOX_ALIYUN_FACE_PORT: String(p.aliyunFace),
});

test('npm run sandbox exits non-zero in production, with the reason, and listens nowhere', async () => {
  const ports = await sandboxPorts();
  // a production config that would otherwise load, and a bare VSAGA_ENV=production: same answer
  for (const env of [{ ...productionEnv(), ...portEnv(ports) }, { VSAGA_ENV: 'production', ...portEnv(ports) }]) {
    const run = await npmRunSandbox(env);
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    expect(run.output).toContain('the provider sandboxes do not run in production (VSAGA_ENV=production)');
    expect(run.output).not.toMatch(/listening/);
  }
  for (const port of Object.values(ports)) expect({ port, listening: await listening(port) }).toEqual({ port, listening: false });

  const dev = await npmRunSandbox({ VSAGA_ENV: 'development', ...portEnv(ports) }, /sandbox inbox listening/);
  expect(dev.output).toContain('sandbox inbox listening');
}, 120_000);
