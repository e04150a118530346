// The worker's memory limits (worker/heap.ts) as a launched process gets them: NODE_OPTIONS, MALLOC_ARENA_MAX.
import { execFileSync } from 'node:child_process';
import { WORKER_HEAP_OPTIONS, workerEnv, workerNodeOptions } from '../../worker/heap';

/** The heap limit (MB) of a node process launched with these NODE_OPTIONS, and its thread's. */
function limitsWith(nodeOptions: string): { main: number; thread: number } {
  const script = `
    const v8 = require('node:v8');
    const { Worker } = require('node:worker_threads');
    const main = Math.round(v8.getHeapStatistics().heap_size_limit / 1048576);
    new Worker("require('node:worker_threads').parentPort.postMessage(Math.round(require('node:v8').getHeapStatistics().heap_size_limit / 1048576))", { eval: true })
      .once('message', (thread) => console.log(JSON.stringify({ main, thread })));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, NODE_OPTIONS: nodeOptions }, encoding: 'utf8' })) as { main: number; thread: number };
}

describe('the worker heap limits', () => {
  it('caps the old space at 160 MB and a semi-space at 8 MB, on the main thread and the workflow threads alike', () => {
    const limits = limitsWith(workerNodeOptions(''));
    // V8's limit counts the young generation too: 160 + 3 × 8
    expect(limits).toEqual({ main: 184, thread: 184 });
    // without them: V8's default, far above (the growth docs/testing.md measured)
    expect(limitsWith('').main).toBeGreaterThan(1000);
  });

  it('lets the caller’s own NODE_OPTIONS come later and win, and keeps its other options', () => {
    expect(workerNodeOptions(undefined)).toBe(WORKER_HEAP_OPTIONS);
    expect(workerNodeOptions('  --enable-source-maps ')).toBe(`${WORKER_HEAP_OPTIONS} --enable-source-maps`);
    expect(limitsWith(workerNodeOptions('--max-old-space-size=512')).main).toBe(536);
  });

  it('launches with two malloc arenas unless the caller chose, and keeps the rest of the environment', () => {
    expect(workerEnv({ A: '1' })).toEqual({ A: '1', NODE_OPTIONS: WORKER_HEAP_OPTIONS, MALLOC_ARENA_MAX: '2' });
    expect(workerEnv({ MALLOC_ARENA_MAX: '8', NODE_OPTIONS: '--trace-gc' })).toEqual({ MALLOC_ARENA_MAX: '8', NODE_OPTIONS: `${WORKER_HEAP_OPTIONS} --trace-gc` });
  });
});
