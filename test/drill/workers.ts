// Worker processes the drill kills with SIGKILL: each is `worker/main.ts` as `npm start`
// runs it, on the drill's task queue, so a kill loses whatever that process held in
// memory (workflow caches, activities mid-call) exactly as a crash would.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../scripts/ports';
import { workerEnv } from '../../worker/heap';

const ROOT = path.join(__dirname, '..', '..');

export class WorkerPool {
  private readonly procs: (ChildProcess | null)[];
  /** started and said 'worker ready' */
  private readonly ready = new Set<ChildProcess>();
  kills = 0;

  constructor(private readonly env: Record<string, string | undefined>, size: number) {
    this.procs = Array.from({ length: size }, () => null);
  }

  async startAll(): Promise<void> {
    await Promise.all(this.procs.map((_, i) => this.start(i)));
  }

  /** indexes of the workers running now */
  live(): number[] {
    return this.procs.flatMap((p, i) => (p && this.ready.has(p) && !gone(p) ? [i] : []));
  }

  get size(): number {
    return this.procs.length;
  }

  async start(i: number): Promise<void> {
    const ports = { WORKER_METRICS_PORT: String(await freePort()), WORKER_SDK_METRICS_PORT: String(await freePort()) };
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'worker', 'main.ts')], {
      cwd: ROOT,
      env: workerEnv({ ...this.env, VSAGA_LOG_LEVEL: 'info', ...ports }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.procs[i] = proc;
    let out = '';
    const keep = (c: Buffer) => {
      out = (out + c.toString()).slice(-20_000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`worker ${i} did not start:\n${out}`)), 90_000);
      const poll = setInterval(() => {
        if (out.includes('worker ready')) finish();
        else if (gone(proc)) finish(new Error(`worker ${i} exited at start:\n${out}`));
      }, 50);
      const finish = (err?: Error) => {
        clearInterval(poll);
        clearTimeout(timer);
        if (err) return reject(err);
        this.ready.add(proc);
        resolve();
      };
    });
  }

  /** SIGKILL worker i: no drain, no goodbye. */
  async kill(i: number): Promise<void> {
    const p = this.procs[i];
    this.procs[i] = null;
    if (!p || gone(p)) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
    this.kills += 1;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.procs.map(async (p) => {
      if (!p || gone(p)) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await exited;
    }));
  }
}

/** exited, or ended by a signal (then exitCode stays null) */
function gone(p: ChildProcess): boolean {
  return p.exitCode !== null || p.signalCode !== null;
}
