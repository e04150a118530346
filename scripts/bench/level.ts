// One concurrency level of a run: N journeys at concurrency C over the API (CPU of each process
// read around them), the floor at the same concurrency, and the direct baseline at the same
// concurrency. Every figure of a level comes from the same minutes on the same server.
import os from 'node:os';
import type { Client } from '@temporalio/client';
import type { Floor, FloorLoaded } from './floor';
import { FLOOR_KINDS } from './floor';
import type { Direct } from './direct';
import { ApiDriver, JourneyIdentities, runJourney, StepError, type JourneyIds, type JourneyResult } from './journey';
import { CpuMeter } from './proc';
import { pool, summarize, type Summary } from './stats';
import type { BenchStack } from './stack';
import { completionTimeline, type CompletionTimeline } from './timeline';
import { cpuCeiling, type CpuCeiling } from './ceiling';

export interface JourneySet {
  journeys: number;
  concurrency: number;
  wallSec: number;
  perSec: number;
  steps: Record<string, Summary>;
  journey: Summary;
  failures: string[];
}

const DRIVER = 'bench driver';

export interface CpuFigure {
  name: string;
  pid: number;
  cpuSec: number;
  cpuSecPerJourney: number;
  /** CPU seconds per wall second: how many cores the process kept busy */
  cores: number;
  peakRssMb: number | null;
}

export interface LevelResult {
  concurrency: number;
  api: JourneySet;
  cpu: CpuFigure[];
  /** the bench's own process, which drives the journeys on the same cores: beside the parts, not in the ceiling */
  driver: CpuFigure | null;
  ceiling: CpuCeiling;
  floor: FloorLoaded[];
  direct: JourneySet;
  /** one successful journey's workflow ids (for its histories) */
  sample: JourneyIds | null;
  /** where the completions' time went, from up to 20 journeys' histories */
  completionTimeline: CompletionTimeline | null;
}

export interface LevelOptions {
  journeys: number;
  concurrency: number;
  rebind: boolean;
  /** floor workflows per kind at this concurrency */
  floorWorkflows: number;
  /** to read the journeys' histories */
  client: Client;
  log: (line: string) => void;
}

export async function drive(count: number, concurrency: number, run: (i: number) => Promise<JourneyResult>): Promise<{ set: JourneySet; results: JourneyResult[] }> {
  const steps: Record<string, number[]> = {};
  const totals: number[] = [];
  const failures: string[] = [];
  const results: JourneyResult[] = [];
  const t0 = performance.now();
  await pool(count, concurrency, async (i) => {
    try {
      const r = await run(i);
      results.push(r);
      totals.push(r.totalMs);
      for (const [name, ms] of r.steps) (steps[name] ??= []).push(ms);
    } catch (err) {
      failures.push(err instanceof StepError ? err.message : `journey: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  const wallSec = (performance.now() - t0) / 1000;
  return {
    set: {
      journeys: count,
      concurrency,
      wallSec,
      perSec: results.length / wallSec,
      steps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, summarize(v)])),
      journey: summarize(totals),
      failures,
    },
    results,
  };
}

export async function runLevel(stack: BenchStack, api: ApiDriver, ids: JourneyIdentities, floor: Floor, direct: Direct, o: LevelOptions): Promise<LevelResult> {
  const c = o.concurrency;
  o.log(`  ${o.journeys} journeys at concurrency ${c}…`);
  const meter = new CpuMeter({ ...stack.pids, [DRIVER]: process.pid });
  meter.start();
  const t0 = performance.now();
  const { set, results } = await drive(o.journeys, c, () => runJourney(api, ids.next(), { rebind: o.rebind }));
  const usage = meter.stop();
  const wall = (performance.now() - t0) / 1000;
  const ok = Math.max(1, results.length);
  const all = usage.map((u) => ({
    name: u.name,
    pid: u.pid,
    cpuSec: u.cpuSec,
    cpuSecPerJourney: u.cpuSec / ok,
    cores: u.cpuSec / wall,
    peakRssMb: u.peakRssBytes === null ? null : u.peakRssBytes / 2 ** 20,
  }));
  const cpu = all.filter((f) => f.name !== DRIVER);
  const driver = all.find((f) => f.name === DRIVER) ?? null;
  o.log(`    ${set.perSec.toFixed(2)} journeys/s, ${set.failures.length} failures; the floor at concurrency ${c}…`);
  const floorLoaded: FloorLoaded[] = [];
  for (const kind of FLOOR_KINDS) floorLoaded.push(await floor.loaded(kind, o.floorWorkflows, c));
  o.log(`    the direct baseline at concurrency ${c}…`);
  const directRun = await drive(o.journeys, c, () => direct.run(ids.next('bench-direct'), { rebind: o.rebind }));
  const timeline = await completionTimeline(o.client, results);
  return { concurrency: c, api: set, cpu, driver, ceiling: cpuCeiling(cpu, os.cpus().length), floor: floorLoaded, direct: directRun.set, sample: results[0]?.ids ?? null, completionTimeline: timeline };
}
