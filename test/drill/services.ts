// The drill's own Postgres cluster and Redis server, so it can restart them under the
// workload without pulling the shared ones from under other suites or a developer's
// `npm start`. Both are the real servers of this machine, on free ports, in a temp dir.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/ports';

const PG_VERSION_DIR = '/usr/lib/postgresql';

function pgBin(name: string): string {
  const versions = fs.existsSync(PG_VERSION_DIR) ? fs.readdirSync(PG_VERSION_DIR).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const p = path.join(PG_VERSION_DIR, v, 'bin', name);
    if (fs.existsSync(p)) return p;
  }
  return name; // on PATH
}

/** Postgres refuses to run as root: run its tools as the postgres user then. */
function asPostgres(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

export interface DrillPostgres {
  url: string;
  /** an immediate stop (no checkpoint, as a crash leaves it) and a start on the same port */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<DrillPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsaga-drill-pg-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'postgres.log');
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const port = await freePort();
  const run = (bin: string, args: string[]) => {
    const [cmd, argv] = asPostgres(pgBin(bin), args);
    execFileSync(cmd, argv, { stdio: 'pipe' });
  };
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', log, '-w', 'start']);
  start();
  const url = `postgres://postgres@127.0.0.1:${port}/vsaga_drill`;
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  execFileSync('psql', [admin, '-q', '-c', 'CREATE DATABASE vsaga_drill'], { stdio: 'pipe' });
  return {
    url,
    async restart() {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      start();
    },
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface DrillRedis {
  url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<DrillRedis> {
  const port = await freePort();
  let proc: ChildProcess | null = null;
  const start = async () => {
    proc = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitForPort(port);
  };
  const stop = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    async restart() {
      await stop();
      await start();
    },
    stop,
  };
}

async function waitForPort(port: number): Promise<void> {
  const net = await import('node:net');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
