// The worker process's memory limits, set where it is launched (npm start, npm run worker, the
// compose file, the bench and the drill): Node and glibc take them only at launch.
//
// Without them V8 lets a worker's heap grow towards its default limit (about 4 GiB here) before
// it collects hard: with 10,000 flows waiting (15,000 workflows through the cache) the worker
// grew from ~285 to 482 MB RSS of garbage (docs/testing.md, open flows). The cached workflows
// need far less (WORKER_MAX_CACHED_WORKFLOWS 300 × ~0.27 MB, in the workflow thread, whose
// isolate takes the same limits); the young generation is halved from V8's 16 MB a semi-space,
// on the main thread and the workflow thread alike.
import v8 from 'node:v8';

export const WORKER_HEAP_OPTIONS = '--max-old-space-size=160 --max-semi-space-size=8';

/**
 * glibc's malloc arenas: one per thread that allocates at once, up to 8 per core, each keeping
 * what it freed. The SDK's Rust core allocates from its own runtime threads beside Node's, so
 * the arenas fragment: two keep the worker's native memory from growing with its threads.
 */
export const WORKER_MALLOC_ARENA_MAX = '2';

/** NODE_OPTIONS for a worker process: the limits first, so any the caller set come later and win. */
export function workerNodeOptions(given: string | undefined = process.env.NODE_OPTIONS): string {
  return [WORKER_HEAP_OPTIONS, given?.trim()].filter(Boolean).join(' ');
}

/** The environment a worker process is launched with: `env` and the limits, the caller's winning. */
export function workerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, NODE_OPTIONS: workerNodeOptions(env.NODE_OPTIONS), MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX || WORKER_MALLOC_ARENA_MAX };
}

/** The heap limit the running process has, in MB (old space and young generation). */
export function heapLimitMb(): number {
  return Math.round(v8.getHeapStatistics().heap_size_limit / 1048576);
}
