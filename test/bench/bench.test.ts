// The bench itself works (scripts/bench/): two journeys with a rebind at concurrency 1 on a
// stack of its own processes (worker, API, sandboxes) over the suite's Temporal server, database
// and workflow bundle, and a report with every step, no failure, the floor, the direct baseline,
// CPU per process and one journey's histories. Figures are not asserted: they are the machine's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runBench } from '../../scripts/bench/main';
import { REBIND_STEPS, STEPS } from '../../scripts/bench/journey';
import { FLOOR_KINDS } from '../../scripts/bench/floor';
import { toMarkdown } from '../../scripts/bench/report';
import { sweepSvg } from '../../scripts/bench/svg';

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
    running: false,
    rebind: true,
    floorRuns: 2,
    outDir,
    stack: { temporalAddress: process.env.TEMPORAL_ADDRESS, databaseUrl: process.env.DATABASE_URL, workflowBundle: process.env.WORKFLOW_BUNDLE },
    log: () => {},
  });

  expect(report.valid).toBe(true);
  expect(report.levels).toHaveLength(1);
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
  expect(level!.floor.map((f) => f.kind)).toEqual(FLOOR_KINDS);
  for (const f of level!.floor) expect(f.perSec).toBeGreaterThan(0);

  expect(level!.cpu.map((c) => c.name).sort()).toEqual(['api', 'sandbox', 'temporal', 'worker']);
  for (const c of level!.cpu) {
    expect(c.cpuSec).toBeGreaterThanOrEqual(0);
    expect(c.peakRssMb).toBeGreaterThan(0);
  }

  expect(report.histories!.workflows.map((w) => w.workflow)).toEqual(['bind-phone', 'real-name', 'face check', 'rebind-phone']);
  expect(report.histories!.total.events).toBeGreaterThan(0);
  expect(report.histories!.total.workflowTasks).toBeGreaterThan(0);

  const md = toMarkdown(report);
  for (const step of [...STEPS, ...REBIND_STEPS]) expect(md).toContain(`| ${step} |`);
  expect(md).toContain('direct baseline');
  expect(md).toContain('floor: workflow with one activity');
  const files = fs.readdirSync(outDir).sort();
  expect(files.map((f) => path.extname(f))).toEqual(['.json', '.md']);
  expect(JSON.parse(fs.readFileSync(path.join(outDir, files[0]!), 'utf8')).levels[0].concurrency).toBe(1);
  // the chart draws from any report (a sweep has more levels)
  expect(sweepSvg(report)).toMatch(/^<svg [^]*<\/svg>\n$/);
  fs.rmSync(outDir, { recursive: true, force: true });
}, 60_000);
