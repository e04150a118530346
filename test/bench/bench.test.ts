// The bench itself works (scripts/bench/): two journeys with a rebind at concurrency 1 on a
// stack of its own processes (worker, API, sandboxes) over the suite's Temporal server, database
// and workflow bundle, and a report with every step, no failure, the floor, the direct baseline,
// CPU per process and one journey's histories. Figures are not asserted: they are the machine's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runBench } from '../../scripts/bench/main';
import { OPEN_FLOWS_ENV } from '../../scripts/bench/open-flows';
import { REBIND_STEPS, STEPS } from '../../scripts/bench/journey';
import { FLOOR_KINDS } from '../../scripts/bench/floor';
import { parseArgs } from '../../scripts/bench/main';
import { repeatSummary, toMarkdown } from '../../scripts/bench/report';
import { sweepSvg } from '../../scripts/bench/svg';
import { engineComparison } from '../../scripts/bench/engines';
import { MILESTONES } from '../../scripts/bench/timeline';

try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  /* already installed in this process */
}

test('npm run bench: 2 journeys at concurrency 1, every figure present', async () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsaga-bench-test-'));
  const report = await runBench({
    journeys: 2,
    concurrency: 1,
    sweep: false,
    repeat: 2,
    running: false,
    rebind: true,
    floorRuns: 2,
    openFlows: null,
    openConcurrency: 16,
    engine: 'dev',
    outDir,
    stack: { temporalAddress: process.env.TEMPORAL_ADDRESS, databaseUrl: process.env.DATABASE_URL, workflowBundle: process.env.WORKFLOW_BUNDLE },
    log: () => {},
  });

  expect(report.valid).toBe(true);
  // --repeat 2: the level twice on the one stack, and their summary
  expect(report.levels.map((l) => l.concurrency)).toEqual([1, 1]);
  const repeats = repeatSummary(report.levels)!;
  const perSec = report.levels.map((l) => l.api.perSec);
  expect(repeats).toMatchObject({ runs: 2, median: (perSec[0]! + perSec[1]!) / 2, min: Math.min(...perSec), max: Math.max(...perSec) });
  const [level] = report.levels;
  expect(level!.api.failures).toEqual([]);
  expect(level!.direct.failures).toEqual([]);
  for (const step of [...STEPS, ...REBIND_STEPS]) {
    expect(level!.api.steps[step]?.n).toBe(2);
    expect(level!.api.steps[step]!.p50).toBeGreaterThan(0);
    expect(level!.direct.steps[step]?.n).toBe(2);
  }
  expect(level!.api.perSec).toBeGreaterThan(0);
  expect(level!.direct.perSec).toBeGreaterThan(0);

  expect(report.floorUnloaded.map((f) => f.kind)).toEqual(FLOOR_KINDS);
  for (const f of report.floorUnloaded) expect(f.latency.p50).toBeGreaterThan(0);
  expect(report.vmCall!.calls).toBeGreaterThanOrEqual(2000);
  expect(report.vmCall!.withWatchdogUs).toBeGreaterThan(0);
  expect(report.vmCall!.withoutUs).toBeGreaterThan(0);
  expect(level!.floor.map((f) => f.kind)).toEqual(FLOOR_KINDS);
  for (const f of level!.floor) expect(f.perSec).toBeGreaterThan(0);

  expect(level!.cpu.map((c) => c.name).sort()).toEqual(['api', 'postgres (all)', 'sandbox', 'temporal', 'worker']);
  for (const c of level!.cpu) {
    expect(c.cpuSec).toBeGreaterThanOrEqual(0);
    if (c.name !== 'postgres (all)') expect(c.peakRssMb).toBeGreaterThan(0);
  }
  expect(level!.cpu.find((c) => c.name === 'postgres (all)')!.cpuSec).toBeGreaterThan(0);
  // the driver's own CPU is shown beside the parts, not in them
  expect(level!.driver!.pid).toBe(process.pid);
  expect(level!.driver!.cpuSec).toBeGreaterThan(0);
  // the ceiling is the sum of the processes' CPU a journey, and the report says it
  const perJourney = level!.cpu.reduce((sum, c) => sum + c.cpuSecPerJourney, 0);
  expect(level!.ceiling.cpuSecPerJourney).toBeCloseTo(perJourney, 10);
  expect(level!.ceiling.maxPerSec).toBeCloseTo(level!.ceiling.cores / perJourney, 6);

  // the real-name run hosts its face check: no workflow of its own, no child started
  expect(report.histories!.workflows.map((w) => w.workflow)).toEqual(['bind-phone', 'real-name', 'rebind-phone']);
  expect(report.histories!.total.children).toBe(0);
  expect(report.histories!.total.events).toBeGreaterThan(0);
  expect(report.histories!.total.workflowTasks).toBeGreaterThan(0);

  // the completion's hops, in the order they happen, each after the POST was sent
  const timeline = level!.completionTimeline!;
  expect(timeline.journeys).toBe(2);
  const hops = MILESTONES.map((m) => timeline.p50[m]);
  expect(hops[0]).toBeGreaterThanOrEqual(-1);
  for (let i = 1; i < hops.length; i++) expect(hops[i]).toBeGreaterThanOrEqual(hops[i - 1]!);
  expect(hops.at(-1)).toBeCloseTo(level!.api.steps['completion → outcome']!.p50, -1);

  const md = toMarkdown(report);
  for (const step of [...STEPS, ...REBIND_STEPS]) expect(md).toContain(`| ${step} |`);
  expect(md).toContain('direct baseline');
  expect(md).toContain('| bench driver (not counted below) |');
  expect(md).toContain('### 2 runs at concurrency 1');
  expect(md).toContain(`Journeys/s over the 2 runs: median ${repeats.median.toFixed(2)}`);
  for (const m of MILESTONES) expect(md).toContain(`| ${m} |`);
  expect(md).toContain('floor: workflow with one activity');
  expect(md).toContain(`All of them: ${level!.ceiling.cpuSecPerJourney.toFixed(3)} CPU s a journey, so these ${os.cpus().length} CPUs allow at most`);
  expect(md).toMatch(/A call into a workflow's V8 context \(\d+ calls, this process, quiet\): [0-9.]+ µs CPU with the 5 s timeout/);
  const files = fs.readdirSync(outDir).sort();
  expect(files.map((f) => path.extname(f))).toEqual(['.json', '.md']);
  expect(JSON.parse(fs.readFileSync(path.join(outDir, files[0]!), 'utf8')).levels[0].concurrency).toBe(1);
  // the chart draws from any report (a sweep has more levels)
  expect(sweepSvg(report)).toMatch(/^<svg [^]*<\/svg>\n$/);
  // --engine both: two reports' figures side by side (this one twice: every ratio 1)
  const sideBySide = engineComparison(report, report);
  for (const step of STEPS) expect(sideBySide).toContain(`| ${step} p50 ms |`);
  expect(sideBySide).toContain('| CPU s / journey: temporal |');
  expect(sideBySide).toContain('| CPU s / journey: postgres (all) |');
  expect(sideBySide).toMatch(/\| journeys\/s that CPU allows \| [0-9.]+ \| [0-9.]+ \| 1\.00× \|/);
  expect(sideBySide).toMatch(/\| journeys\/s at 1 \| [0-9.]+ \| [0-9.]+ \| 1\.00× \|/);
  fs.rmSync(outDir, { recursive: true, force: true });
}, 60_000);

test('npm run bench -- --open-flows 4: flows opened and cancelled, memory, cache and both journey sets', async () => {
  expect(parseArgs(['--open-flows', '10'])).toMatchObject({ openFlows: 10, journeys: 16, concurrency: 4 });
  expect(parseArgs(['--open-flows', '10', '--journeys', '8', '--concurrency', '2'])).toMatchObject({ journeys: 8, concurrency: 2 });
  expect(parseArgs([]).engine).toBe('dev');
  expect(parseArgs(['--engine', 'both']).engine).toBe('both');
  expect(() => parseArgs(['--engine', 'sqlite'])).toThrow('--engine takes dev, server, both');
  expect(() => parseArgs(['--running', '--engine', 'server'])).toThrow('no --engine');
  expect(parseArgs(['--repeat', '3']).repeat).toBe(3);
  expect(parseArgs([]).repeat).toBe(1);
  expect(() => parseArgs(['--sweep', '--repeat', '2'])).toThrow('no --repeat');
  expect(() => parseArgs(['--open-flows', '10', '--repeat', '2'])).toThrow('--open-flows runs plain journeys once');
  const report = await runBench({
    journeys: 2,
    concurrency: 1,
    sweep: false,
    repeat: 1,
    running: false,
    rebind: false,
    floorRuns: 2,
    openFlows: 4,
    openConcurrency: 4,
    engine: 'dev',
    outDir: null,
    // the suite's server outlives the run: the bench cancels what it opened
    stack: { temporalAddress: process.env.TEMPORAL_ADDRESS, databaseUrl: process.env.DATABASE_URL, workflowBundle: process.env.WORKFLOW_BUNDLE },
    log: () => {},
  });
  expect(report.valid).toBe(true);
  expect(report.levels).toEqual([]);
  const f = report.openFlows!;
  expect(f).toMatchObject({ requested: 4, bindFlows: 2, realNameFlows: 2, workflowsOpen: 4, failures: [] });
  expect(f.lifetimes.bindFlowTtlSec).toBe(Number(OPEN_FLOWS_ENV.BIND_FLOW_TTL_SEC));
  expect(f.flowsPerSec).toBeGreaterThan(0);
  expect(f.cleanup).toMatch(/^cancelled \(4 requests accepted, 0 refused\)/);
  expect(f.memory.map((m) => m.label)).toEqual(['before opening', 'after opening', 'after 2 journeys']);
  for (const m of f.memory) {
    expect(m.procs.map((p) => p.name).sort()).toEqual(['api', 'temporal', 'worker']);
    for (const p of m.procs) expect(p.rssMb).toBeGreaterThan(0);
    expect(m.cache.size).toBeGreaterThanOrEqual(0);
  }
  // the worker's cache holds the waiting workflows (finished ones leave it)
  expect(f.memory[1]!.cache.size).toBeGreaterThanOrEqual(f.workflowsOpen);
  expect(f.memory[1]!.cache.forcedEvictions).toBe(0);
  expect(f.cacheMax.value).toBeGreaterThanOrEqual(10);
  for (const set of [f.empty, f.loaded]) {
    expect(set.failures).toEqual([]);
    for (const step of STEPS) expect(set.steps[step]?.n).toBe(2);
  }
  const md = toMarkdown(report);
  expect(md).toContain('4 open flows');
  expect(md).toContain('flows/s');
  expect(md).toContain('| after opening |');
}, 60_000);
