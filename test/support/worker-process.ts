// A worker in a process of its own, against a suite's stack, for the tests that kill it
// mid-step with SIGKILL: a crash, not the in-process worker's graceful shutdown (which lets
// the steps in flight finish).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../scripts/ports';
import type { Stack } from './stack';

const ROOT = path.join(__dirname, '..', '..');

/** `env` adds to the suite's, e.g. a build of a versioned deployment (test/process/worker-versions.test.ts). */
export async function startWorkerProcess(stack: Stack, env: Record<string, string> = {}): Promise<ChildProcess> {
  // free metrics ports: a developer's npm start holds the default ones
  const metricsPorts = { WORKER_METRICS_PORT: String(await freePort()), WORKER_SDK_METRICS_PORT: String(await freePort()) };
  const procEnv = { ...stack.env, VSAGA_LOG_LEVEL: 'info', ...metricsPorts, ...env } as NodeJS.ProcessEnv;
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'worker', 'main.ts')], { cwd: ROOT, env: procEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`worker process did not start:\n${out}`));
    }, 60_000);
    const poll = setInterval(() => {
      if (out.includes('worker ready')) {
        clearInterval(poll);
        clearTimeout(t);
        resolve(proc);
      }
      if (proc.exitCode !== null) {
        clearInterval(poll);
        clearTimeout(t);
        reject(new Error(`worker process exited:\n${out}`));
      }
    }, 50);
  });
}

/** SIGKILL, and wait until it is gone. */
export async function killWorkerProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await gone;
}
