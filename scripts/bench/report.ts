// The run's figures as one JSON document and as markdown tables (what stdout shows and
// .data/bench/<timestamp>.md keeps).
import type { FloorUnloaded } from './floor';
import type { HistoryCount } from './histories';
import { REBIND_STEPS, STEPS } from './journey';
import { TARGET_JOURNEYS_PER_SEC } from './ceiling';
import type { LevelResult } from './level';
import type { OpenFlowsResult } from './open-flows';
import { median } from './stats';
import { MILESTONES } from './timeline';
import type { VmCallCost } from './vm-call';

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  valid: boolean;
  mode: 'own' | 'running';
  engine: string;
  machine: { cpus: number; loadAverageBefore: number[]; loadAverageAfter: number[]; node: string };
  options: { journeys: number; concurrency: number[]; rebind: boolean; floorRuns: number; floorWorkflows: number; openFlows: number | null; openConcurrency: number | null };
  floorUnloaded: FloorUnloaded[];
  /** one call into a workflow's V8 context, with and without the SDK's per-call watchdog (null in open-flows mode) */
  vmCall: VmCallCost | null;
  histories: { workflows: HistoryCount[]; total: HistoryCount } | null;
  levels: LevelResult[];
  /** --open-flows N: the waiting flows' cost and the journeys among them (levels are then empty) */
  openFlows: OpenFlowsResult | null;
}

const ms = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '–' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
const x = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !b || Number.isNaN(a) ? '–' : `${(a / b).toFixed(1)}×`);
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const table = (head: string[], rows: (string | number)[][]) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

function stepsOf(r: BenchReport): string[] {
  return [...STEPS, ...(r.options.rebind ? REBIND_STEPS : [])];
}

function levelMarkdown(r: BenchReport, l: LevelResult): string {
  const floorOne = r.floorUnloaded.find((f) => f.kind === 'one activity')?.latency.p50;
  const floorOneAtC = l.floor.find((f) => f.kind === 'one activity');
  const out: string[] = [];
  const a = l.api;
  out.push(
    `### ${a.journeys} journeys at concurrency ${l.concurrency}: ${a.perSec.toFixed(2)} journeys/s, ${a.failures.length} failures${a.failures.length ? ' — INVALID' : ''}`,
  );
  out.push('');
  const steps = stepsOf(r);
  out.push(
    table(
      ['step', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', '× floor (unloaded)', `× floor (at ${l.concurrency})`, 'direct p50 ms', '× direct'],
      [
        ...steps.map((s) => {
          const v = a.steps[s];
          const d = l.direct.steps[s];
          return [s, v?.n ?? 0, ms(v?.p50), ms(v?.p95), ms(v?.p99), ms(v?.max), x(v?.p50, floorOne), x(v?.p50, floorOneAtC?.latency.p50), ms(d?.p50), x(v?.p50, d?.p50)];
        }),
        ['whole journey (with reading codes)', a.journey.n, ms(a.journey.p50), ms(a.journey.p95), ms(a.journey.p99), ms(a.journey.max), x(a.journey.p50, floorOne), x(a.journey.p50, floorOneAtC?.latency.p50), ms(l.direct.journey.p50), x(a.journey.p50, l.direct.journey.p50)],
      ],
    ),
  );
  if (a.failures.length) {
    out.push('', `Failures (${a.failures.length}):`, '', ...a.failures.slice(0, 10).map((f) => `- ${f}`));
  }
  out.push('');
  out.push(
    table(
      ['at concurrency ' + l.concurrency, 'per s', 'p50 ms', 'p99 ms', 'journeys/s ÷', 'failures'],
      [
        ['journeys over the API (Temporal)', a.perSec.toFixed(2), ms(a.journey.p50), ms(a.journey.p99), '1', a.failures.length],
        ['direct baseline (same calls, no Temporal)', l.direct.perSec.toFixed(2), ms(l.direct.journey.p50), ms(l.direct.journey.p99), x(l.direct.perSec, a.perSec), l.direct.failures.length],
        ...l.floor.map((f) => [`floor: workflow with ${f.kind} (${f.workflows})`, f.perSec.toFixed(1), ms(f.latency.p50), ms(f.latency.p99), x(f.perSec, a.perSec), '–']),
      ],
    ),
  );
  out.push('');
  out.push(
    table(
      ['process', 'pid', 'CPU s', 'CPU s / journey', 'cores busy', 'peak RSS MB'],
      [...l.cpu, ...(l.driver ? [{ ...l.driver, name: `${l.driver.name} (not counted below)` }] : [])].map((c) => [
        c.name,
        c.pid,
        c.cpuSec.toFixed(2),
        c.cpuSecPerJourney.toFixed(3),
        c.cores.toFixed(2),
        c.peakRssMb === null ? '–' : c.peakRssMb.toFixed(0),
      ]),
    ),
  );
  const ce = l.ceiling;
  if (ce.maxPerSec !== null) {
    out.push(
      '',
      `All of them: ${ce.cpuSecPerJourney.toFixed(3)} CPU s a journey, so these ${ce.cores} CPUs allow at most ${ce.maxPerSec.toFixed(1)} journeys/s ` +
        `(the bench's driver, Redis and the kernel not counted); ${TARGET_JOURNEYS_PER_SEC} journeys/s needs ${ce.budgetForTarget.toFixed(3)} or less.`,
    );
  }
  const t = l.completionTimeline;
  if (t) {
    out.push('', `Where a completion's time went (${t.journeys} journeys' histories; the server's event times beside the POST's, p50):`, '');
    let before = 0;
    out.push(
      table(
        ['after the POST', 'ms', 'since the line before'],
        MILESTONES.map((m) => {
          const row = [m, ms(t.p50[m]), ms(t.p50[m] - before)];
          before = t.p50[m];
          return row;
        }),
      ),
    );
  }
  return out.join('\n');
}

const mb = (n: number | null | undefined) => (n === null || n === undefined ? '–' : n.toFixed(0));
const num = (n: number | null) => (n === null ? 'not readable' : String(n));

function openFlowsMarkdown(f: OpenFlowsResult): string {
  const out: string[] = [];
  out.push(
    `### ${f.requested} open flows: ${f.bindFlows} bind flows waiting for their code, ${f.realNameFlows} real-name flows waiting for the face completion (${f.workflowsOpen} workflows open)${f.failures.length ? ` — ${f.failures.length} failed to open, INVALID` : ''}`,
  );
  out.push('');
  out.push(
    `Opened over the API in ${f.openSec.toFixed(1)} s at concurrency ${f.openConcurrency}: **${f.flowsPerSec.toFixed(1)} flows/s** ` +
      `(their accounts seeded in the database first, in ${f.seedSec.toFixed(1)} s: bind accounts bare, real-name ones with a sealed phone and a device). ` +
      `Lifetimes: bind flow ${f.lifetimes.bindFlowTtlSec} s, face token ${f.lifetimes.faceTokenTtlSec} s, code ${f.lifetimes.codeTtlSec ?? 'per policy'} s. ` +
      `At the end: ${f.cleanup}.`,
  );
  if (f.failures.length) out.push('', `Failures (${f.failures.length}):`, '', ...f.failures.slice(0, 10).map((e) => `- ${e}`));
  out.push('');
  const proc = (m: OpenFlowsResult['memory'][number], name: string) => m.procs.find((p) => p.name === name);
  out.push(
    table(
      ['when', 'worker RSS MB', 'worker peak MB', 'temporal RSS MB', 'temporal peak MB', 'api RSS MB', 'api peak MB', `sticky cache (max ${f.cacheMax.value})`, 'forced evictions', 'cache hits', 'cache misses'],
      f.memory.map((m) => [
        m.label,
        mb(proc(m, 'worker')?.rssMb),
        mb(proc(m, 'worker')?.peakRssMb),
        mb(proc(m, 'temporal')?.rssMb),
        mb(proc(m, 'temporal')?.peakRssMb),
        mb(proc(m, 'api')?.rssMb),
        mb(proc(m, 'api')?.peakRssMb),
        num(m.cache.size),
        num(m.cache.forcedEvictions),
        num(m.cache.hits),
        num(m.cache.misses),
      ]),
    ),
  );
  out.push('');
  const e = f.empty;
  const l = f.loaded;
  out.push(`#### ${e.journeys} journeys at concurrency ${e.concurrency}: empty system vs ${f.requested} flows waiting`);
  out.push('');
  out.push(
    table(
      ['step', 'empty p50 ms', 'empty p95 ms', 'waiting p50 ms', 'waiting p95 ms', 'p50 ×', 'p95 ×'],
      [
        ...STEPS.map((s) => {
          const a = e.steps[s];
          const b = l.steps[s];
          return [s, ms(a?.p50), ms(a?.p95), ms(b?.p50), ms(b?.p95), x(b?.p50, a?.p50), x(b?.p95, a?.p95)];
        }),
        ['whole journey (with reading codes)', ms(e.journey.p50), ms(e.journey.p95), ms(l.journey.p50), ms(l.journey.p95), x(l.journey.p50, e.journey.p50), x(l.journey.p95, e.journey.p95)],
        ['journeys/s', e.perSec.toFixed(2), '', l.perSec.toFixed(2), '', x(l.perSec, e.perSec), ''],
        ['failures', e.failures.length, '', l.failures.length, '', '', ''],
      ],
    ),
  );
  out.push(
    '',
    `RSS: VmRSS when sampled; peak: VmHWM since the process started. Sticky cache: the worker's Temporal SDK metrics (temporal_sticky_cache_size, ` +
      `temporal_sticky_cache_total_forced_eviction, _hit, _miss; counters since the worker started); max: ${f.cacheMax.source}. ` +
      `×: the journeys while the flows wait over the same journeys on the empty system, measured first in the same run.`,
  );
  return out.join('\n');
}

export function toMarkdown(r: BenchReport): string {
  const out: string[] = [];
  out.push(`## npm run bench — ${r.startedAt}${r.valid ? '' : ' — INVALID (failures)'}`);
  out.push('');
  out.push(
    `Stack: ${r.mode === 'own' ? "the bench's own, one process per part" : 'a running npm start'}; Temporal: ${r.engine}. ` +
      `Machine: ${r.machine.cpus} CPUs, load average ${r.machine.loadAverageBefore.map((n) => n.toFixed(1)).join(' ')} before, ${r.machine.loadAverageAfter.map((n) => n.toFixed(1)).join(' ')} after; Node ${r.machine.node}. ` +
      `Everything co-located: figures are noisy when the machine does other work.`,
  );
  if (r.openFlows) out.push('', openFlowsMarkdown(r.openFlows));
  if (r.floorUnloaded.length) {
    out.push('');
    out.push('### The Temporal floor, unloaded (same server, same run)');
    out.push('');
    out.push(
      table(
        ['workflow', 'runs', 'p50 ms', 'p95 ms', 'max ms'],
        r.floorUnloaded.map((f) => [`${f.kind}`, f.latency.n, ms(f.latency.p50), ms(f.latency.p95), ms(f.latency.max)]),
      ),
    );
  }
  if (r.vmCall) {
    const v = r.vmCall;
    out.push(
      '',
      `A call into a workflow's V8 context (${v.calls} calls, this process, quiet): ${v.withWatchdogUs.toFixed(1)} µs CPU with the 5 s timeout the SDK sets on every call ` +
        `(Node starts and joins a watchdog thread for each), ${v.withoutUs.toFixed(1)} µs without; every activation of a workflow makes three (activate, unblock conditions, conclude).`,
    );
  }
  const repeats = repeatSummary(r.levels);
  if (r.levels.length > 1) {
    out.push('', repeats ? `### ${r.levels.length} runs at concurrency ${r.levels[0]!.concurrency}` : '### Sweep', '');
    const steps = stepsOf(r);
    out.push(
      table(
        ['concurrency', 'journeys/s', ...steps.map((s) => `${s} p50`), 'floor 1-act wf/s', 'direct journeys/s', 'failures'],
        r.levels.map((l) => [
          l.concurrency,
          l.api.perSec.toFixed(2),
          ...steps.map((s) => ms(l.api.steps[s]?.p50)),
          l.floor.find((f) => f.kind === 'one activity')?.perSec.toFixed(1) ?? '–',
          l.direct.perSec.toFixed(1),
          l.api.failures.length,
        ]),
      ),
    );
  }
  if (repeats) {
    out.push(
      '',
      `Journeys/s over the ${repeats.runs} runs: median ${repeats.median.toFixed(2)}, ${repeats.min.toFixed(2)}–${repeats.max.toFixed(2)}; ` +
        `${TARGET_JOURNEYS_PER_SEC} or more in ${repeats.atTarget} of ${repeats.runs}. CPU s a journey, all measured parts: median ${repeats.medianCpuSecPerJourney.toFixed(3)}.`,
    );
  }
  for (const l of r.levels) out.push('', levelMarkdown(r, l));
  if (r.histories) {
    out.push('', '### History of one journey', '');
    out.push(
      table(
        ['workflow', 'events', 'workflow tasks', 'activities', 'local activities', 'search-attribute upserts', 'timers', 'signals', 'updates', 'children'],
        [...r.histories.workflows, r.histories.total].map((h) => [h.workflow, h.events, h.workflowTasks, h.activities, h.localActivities, h.searchAttributeUpserts, h.timers, h.signals, h.updates, h.children]),
      ),
    );
  }
  if (r.levels.length) out.push(
    '',
    '× floor: a step’s p50 over the p50 of a workflow with one activity (unloaded, and at the same concurrency). × direct: over the same calls made without Temporal. ' +
      'CPU s / journey: the process’s CPU time during the journeys over the successful journeys; peak RSS: VmHWM since the process started.',
  );
  return out.join('\n') + '\n';
}

export interface RepeatSummary {
  runs: number;
  median: number;
  min: number;
  max: number;
  /** runs at TARGET_JOURNEYS_PER_SEC or more */
  atTarget: number;
  medianCpuSecPerJourney: number;
}

/** --repeat: the same concurrency run more than once; null for one run or a sweep. */
export function repeatSummary(levels: readonly LevelResult[]): RepeatSummary | null {
  if (levels.length < 2 || levels.some((l) => l.concurrency !== levels[0]!.concurrency)) return null;
  const perSec = levels.map((l) => l.api.perSec);
  return {
    runs: levels.length,
    median: median(perSec),
    min: Math.min(...perSec),
    max: Math.max(...perSec),
    atTarget: perSec.filter((x) => x >= TARGET_JOURNEYS_PER_SEC).length,
    medianCpuSecPerJourney: median(levels.map((l) => l.ceiling.cpuSecPerJourney)),
  };
}
