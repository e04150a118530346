// The floor measured in the same run on the same server: a worker of the bench's own (its own
// task queue, the product's data converter) runs scripts/bench/floor-workflows.ts, and the bench
// starts those workflows and waits for their results as the API would wait for an update:
// p50 one at a time (unloaded), and throughput at the bench's concurrency.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import type { Config } from '../../lib/config';
import { createDataConverter } from '../../lib/payload-codec';
import { pool, summarize, type Summary } from './stats';
import type { floorOneActivity, floorThreeLocal } from './floor-workflows';

export type FloorKind = 'one activity' | 'three local activities';
const TYPES: Record<FloorKind, string> = { 'one activity': 'floorOneActivity', 'three local activities': 'floorThreeLocal' };
export const FLOOR_KINDS = Object.keys(TYPES) as FloorKind[];

export interface FloorUnloaded {
  kind: FloorKind;
  latency: Summary;
}

export interface FloorLoaded {
  kind: FloorKind;
  concurrency: number;
  workflows: number;
  perSec: number;
  latency: Summary;
}

export interface Floor {
  unloaded(kind: FloorKind, runs: number): Promise<FloorUnloaded>;
  loaded(kind: FloorKind, workflows: number, concurrency: number): Promise<FloorLoaded>;
  close(): Promise<void>;
}

let bundled: Promise<{ code: string }> | null = null;
/** The floor's own bundle (webpack, a few seconds): start it early, it is awaited in startFloor. */
export function bundleFloor(): Promise<{ code: string }> {
  bundled ??= bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'floor-workflows.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  return bundled;
}

export async function startFloor(cfg: Config): Promise<Floor> {
  const taskQueue = `bench-floor-${randomBytes(4).toString('hex')}`;
  const dataConverter = createDataConverter(cfg.crypto);
  const connection = await NativeConnection.connect({ address: cfg.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: cfg.temporal.namespace,
    taskQueue,
    workflowBundle: await bundleFloor(),
    activities: { floorStep: async (n: number) => n + 1 },
    dataConverter,
    stickyQueueScheduleToStartTimeout: `${cfg.worker.stickyTimeoutSec}s`,
  });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address: cfg.temporal.address }), namespace: cfg.temporal.namespace, dataConverter });
  let serial = 0;

  const once = async (kind: FloorKind): Promise<number> => {
    const t0 = performance.now();
    await client.workflow.execute<typeof floorOneActivity | typeof floorThreeLocal>(TYPES[kind], {
      taskQueue,
      workflowId: `${taskQueue}-${++serial}`,
      args: [serial],
    });
    return performance.now() - t0;
  };

  return {
    async unloaded(kind, runs) {
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) ms.push(await once(kind));
      return { kind, latency: summarize(ms) };
    },
    async loaded(kind, workflows, concurrency) {
      const ms: number[] = [];
      const t0 = performance.now();
      await pool(workflows, concurrency, async () => {
        ms.push(await once(kind));
      });
      const wall = (performance.now() - t0) / 1000;
      return { kind, concurrency, workflows, perSec: workflows / wall, latency: summarize(ms) };
    },
    async close() {
      worker.shutdown();
      await running;
      await client.connection.close();
      await connection.close();
    },
  };
}
