// npm run bench: journeys over the HTTP API against the sandboxes, held against the Temporal
// floor and the direct baseline, measured in one run (docs/testing.md#benchmarks).
//
//   npm run bench                                   # own stack, 64 journeys at concurrency 16
//   npm run bench -- --journeys 64 --concurrency 16 # sizes
//   npm run bench -- --sweep --journeys 64          # concurrency 1, 4, 16, 32, 64, and an SVG chart
//   npm run bench -- --journeys 160 --concurrency 32 --repeat 5  # the same level 5 times on one stack: each, and the median
//   npm run bench -- --rebind                       # a phone rebind (by SMS) in every journey
//   npm run bench -- --running                      # against a running `npm start`
//   npm run bench -- --open-flows 1000              # N waiting flows: RSS, sticky cache, journeys while they wait
//   npm run bench -- --engine server                # on the full Temporal server (PostgreSQL) instead of the dev server
//   npm run bench -- --engine both                  # both, one after the other, and the figures side by side
//
// Prints markdown and writes .data/bench/<timestamp>.{json,md} (and .svg with --sweep).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient } from '../../lib/temporal';
import { startDirect } from './direct';
import { ENGINES, engineComparison, startEngine, type Engine } from './engines';
import { bundleFloor, FLOOR_KINDS, startFloor, type FloorUnloaded } from './floor';
import { journeyHistories } from './histories';
import { ApiDriver, JourneyIdentities, runJourney } from './journey';
import { runLevel, type LevelResult } from './level';
import { OPEN_FLOWS_ENV, runOpenFlows } from './open-flows';
import { toMarkdown, type BenchReport } from './report';
import { attachRunning, startOwnStack, type OwnStackOptions } from './stack';
import { sweepSvg } from './svg';
import { measureVmCall } from './vm-call';

const ROOT = path.join(__dirname, '..', '..');
export const SWEEP = [1, 4, 16, 32, 64];

export interface BenchOptions {
  journeys: number;
  concurrency: number;
  sweep: boolean;
  /** the level run this many times in a row on the same stack (the machine's spells move one run by ±15 %) */
  repeat: number;
  running: boolean;
  rebind: boolean;
  /** floor workflows one at a time, per kind */
  floorRuns: number;
  /** open-flows mode: this many waiting flows (null: the journey bench) */
  openFlows: number | null;
  /** the concurrency the flows are opened at */
  openConcurrency: number;
  /** the Temporal engine of the bench's own stack: the dev server, the full server, or both in turn */
  engine: Engine | 'both';
  /** where the .json / .md / .svg go; null: nowhere */
  outDir: string | null;
  /** own-stack overrides (the test passes its suite's server, database and bundle) */
  stack?: Partial<OwnStackOptions>;
  log?: (line: string) => void;
}

export const DEFAULTS: BenchOptions = { journeys: 64, concurrency: 16, sweep: false, repeat: 1, running: false, rebind: false, floorRuns: 20, openFlows: null, openConcurrency: 16, engine: 'dev', outDir: path.join(ROOT, '.data', 'bench') };

/** floor workflows per kind at a concurrency: enough for a throughput figure, a few seconds */
const floorWorkflowsAt = (o: BenchOptions, c: number) => Math.max(2 * o.floorRuns, 4 * c);

export function parseArgs(argv: string[]): BenchOptions {
  const o = { ...DEFAULTS };
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    given.add(a);
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs a positive integer`);
      return v;
    };
    if (a === '--journeys') o.journeys = num();
    else if (a === '--concurrency') o.concurrency = num();
    else if (a === '--floor-runs') o.floorRuns = num();
    else if (a === '--open-flows') o.openFlows = num();
    else if (a === '--open-concurrency') o.openConcurrency = num();
    else if (a === '--sweep') o.sweep = true;
    else if (a === '--repeat') o.repeat = num();
    else if (a === '--running') o.running = true;
    else if (a === '--rebind') o.rebind = true;
    else if (a === '--out') o.outDir = argv[++i] ?? null;
    else if (a === '--engine') {
      const e = argv[++i];
      if (e !== 'both' && !ENGINES.includes(e as Engine)) throw new Error(`--engine takes ${[...ENGINES, 'both'].join(', ')}`);
      o.engine = e as Engine | 'both';
    }
    else if (a === '--help' || a === '-h') {
      console.log(
        'npm run bench -- [--journeys N] [--concurrency C] [--sweep | --repeat K] [--rebind] [--running] [--engine dev|server|both] [--floor-runs R] [--out DIR]\n' +
          '               --open-flows N [--open-concurrency C] [--journeys M] [--concurrency C]   (M: 16, C: 4 by default)',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  if (o.running && o.engine !== 'dev') throw new Error('--running measures the engine npm start runs: no --engine');
  if (o.sweep && o.repeat > 1) throw new Error('--sweep runs each concurrency once: no --repeat');
  if (o.openFlows !== null) {
    if (o.sweep || o.rebind || o.repeat > 1) throw new Error('--open-flows runs plain journeys once: no --sweep, --rebind or --repeat');
    // new journeys among the waiting flows: fewer and less concurrent than the journey bench's
    if (!given.has('--journeys')) o.journeys = 16;
    if (!given.has('--concurrency')) o.concurrency = 4;
  }
  return o;
}

function writeOut(o: BenchOptions, report: BenchReport, log: (line: string) => void): void {
  if (!o.outDir) return;
  fs.mkdirSync(o.outDir, { recursive: true });
  const base = path.join(o.outDir, report.startedAt.replace(/[:.]/g, '-'));
  fs.writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(`${base}.md`, toMarkdown(report));
  if (o.sweep) fs.writeFileSync(`${base}.svg`, sweepSvg(report));
  log(`written: ${base}.{json,md${o.sweep ? ',svg' : ''}}`);
}

/** --open-flows N: journeys on the empty system, N flows opened, journeys while they wait. */
async function runOpenFlowsBench(o: BenchOptions & { openFlows: number }, log: (line: string) => void): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const loadBefore = os.loadavg();
  log(o.running ? 'attaching to the running npm start…' : 'starting the bench stack (long flow lifetimes)…');
  const stack = o.running
    ? await attachRunning()
    : await startOwnStack({ workDir: path.join(os.tmpdir(), `vsaga-bench-${process.pid}`), log, ...o.stack, env: { ...OPEN_FLOWS_ENV, ...o.stack?.env } });
  const client = await connectClient(stack.cfg);
  const api = new ApiDriver(stack);
  const ids = new JourneyIdentities();
  try {
    log(`stack up (${Object.entries(stack.pids).map(([k, v]) => `${k} ${v ?? '?'}`).join(', ')}); warming up…`);
    await runJourney(api, ids.next(), { rebind: false });
    // a server of the bench's own goes with its stack; any other keeps what it is given: cancel
    const ownServer = stack.mode === 'own' && !o.stack?.temporalAddress;
    const openFlows = await runOpenFlows(stack, client, api, ids, {
      flows: o.openFlows,
      openConcurrency: o.openConcurrency,
      journeys: o.journeys,
      concurrency: o.concurrency,
      cancel: !ownServer,
      log,
    });
    const report: BenchReport = {
      startedAt,
      finishedAt: new Date().toISOString(),
      valid: openFlows.failures.length === 0 && openFlows.empty.failures.length === 0 && openFlows.loaded.failures.length === 0,
      mode: stack.mode,
      engine: stack.engine,
      machine: { cpus: os.cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg(), node: process.version },
      options: { journeys: o.journeys, concurrency: [o.concurrency], rebind: false, floorRuns: 0, floorWorkflows: 0, openFlows: o.openFlows, openConcurrency: o.openConcurrency },
      floorUnloaded: [],
      vmCall: null,
      histories: null,
      levels: [],
      openFlows,
    };
    writeOut(o, report, log);
    return report;
  } finally {
    await client.connection.close();
    await stack.close();
  }
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const log = o.log ?? ((line: string) => console.error(line));
  if (o.openFlows !== null) return runOpenFlowsBench({ ...o, openFlows: o.openFlows }, log);
  const startedAt = new Date().toISOString();
  const loadBefore = os.loadavg();
  const floorBundle = bundleFloor(); // webpack, meanwhile
  log(o.running ? 'attaching to the running npm start…' : 'starting the bench stack…');
  const stack = o.running
    ? await attachRunning()
    : await startOwnStack({ workDir: path.join(os.tmpdir(), `vsaga-bench-${process.pid}`), log, ...o.stack });
  const client = await connectClient(stack.cfg);
  await floorBundle;
  const floor = await startFloor(stack.cfg);
  const api = new ApiDriver(stack);
  const direct = startDirect(stack.cfg, api);
  const ids = new JourneyIdentities();
  try {
    log(`stack up (${Object.entries(stack.pids).map(([k, v]) => `${k} ${v ?? '?'}`).join(', ')}); warming up…`);
    // connections, JIT, the first workflow tasks of each type: not measured
    await runJourney(api, ids.next(), { rebind: o.rebind });
    await direct.run(ids.next('bench-direct'), { rebind: o.rebind });
    for (const kind of FLOOR_KINDS) await floor.unloaded(kind, 3);

    log(`the floor, unloaded (${o.floorRuns} each)…`);
    const floorUnloaded: FloorUnloaded[] = [];
    for (const kind of FLOOR_KINDS) floorUnloaded.push(await floor.unloaded(kind, o.floorRuns));
    const vmCall = measureVmCall();

    const levels: LevelResult[] = [];
    for (const concurrency of o.sweep ? SWEEP : Array<number>(o.repeat).fill(o.concurrency)) {
      levels.push(
        await runLevel(stack, api, ids, floor, direct, { journeys: o.journeys, concurrency, rebind: o.rebind, floorWorkflows: floorWorkflowsAt(o, concurrency), client, log }),
      );
    }
    const sample = levels.find((l) => l.sample)?.sample ?? null;
    const histories = sample ? await journeyHistories(client, sample) : null;
    const report: BenchReport = {
      startedAt,
      finishedAt: new Date().toISOString(),
      valid: levels.every((l) => l.api.failures.length === 0 && l.direct.failures.length === 0),
      mode: stack.mode,
      engine: stack.engine,
      machine: { cpus: os.cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg(), node: process.version },
      options: { journeys: o.journeys, concurrency: levels.map((l) => l.concurrency), rebind: o.rebind, floorRuns: o.floorRuns, floorWorkflows: floorWorkflowsAt(o, o.concurrency), openFlows: null, openConcurrency: null },
      floorUnloaded,
      vmCall,
      histories,
      levels,
      openFlows: null,
    };
    writeOut(o, report, log);
    return report;
  } finally {
    await floor.close();
    await direct.close();
    await client.connection.close();
    await stack.close();
  }
}

/** runBench on the engine(s) asked for: the dev server (the stack's own), the full server, or both in turn. */
export async function runOnEngines(o: BenchOptions): Promise<BenchReport[]> {
  const log = o.log ?? ((line: string) => console.error(line));
  const engines: Engine[] = o.running ? ['dev'] : o.engine === 'both' ? ['dev', 'server'] : [o.engine];
  const reports: BenchReport[] = [];
  for (const engine of engines) {
    const run = await startEngine(engine, log);
    try {
      const stack = run.temporalAddress ? { ...o.stack, temporalAddress: run.temporalAddress, engineName: run.engineName } : o.stack;
      reports.push(await runBench({ ...o, stack }));
    } finally {
      await run.close();
    }
  }
  return reports;
}

if (require.main === module) {
  let options: BenchOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runOnEngines(options)
    .then((reports) => {
      for (const r of reports) process.stdout.write(toMarkdown(r));
      if (reports.length === 2) process.stdout.write('\n' + engineComparison(reports[0]!, reports[1]!));
      process.exit(reports.every((r) => r.valid) ? 0 : 1);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.stack : err);
      process.exit(1);
    });
}
