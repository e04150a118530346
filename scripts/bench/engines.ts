// The bench on either Temporal engine: the CLI's dev server (what `npm start` runs) or the full
// server on PostgreSQL (`npm start -- --engine=server`, the production engine), and both in one
// run with their figures side by side. The full server gets databases of its own, dropped after.
import os from 'node:os';
import path from 'node:path';
import { freePortBlock } from '../ports';
import { startFullServer, TEMPORAL_SERVER_VERSION } from '../temporal-server';
import { STEPS } from './journey';
import type { BenchReport } from './report';

export type Engine = 'dev' | 'server';
export const ENGINES: readonly Engine[] = ['dev', 'server'];

export interface EngineRun {
  /** the address the bench's stack uses; undefined: the stack starts a dev server of its own */
  temporalAddress?: string;
  engineName?: string;
  close(): Promise<void>;
}

/** The engine for one bench run: nothing to start for the dev server (the stack starts it). */
export async function startEngine(engine: Engine, log: (line: string) => void): Promise<EngineRun> {
  if (engine === 'dev') return { close: async () => undefined };
  log(`starting the full Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL (databases of its own; the first build takes minutes)…`);
  const name = `vsaga_bench_${process.pid}`;
  const server = await startFullServer({
    port: await freePortBlock(8),
    dataDir: path.join(os.tmpdir(), `${name}-server`),
    databases: { temporal: `${name}_temporal`, visibility: `${name}_visibility` },
    retentionDays: 1,
    logFile: path.join(os.tmpdir(), `${name}-server`, 'temporal-server.log'),
    dropOnStop: true,
  });
  return {
    temporalAddress: server.address,
    engineName: `full Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL (4 history shards, SQL visibility)`,
    close: () => server.stop(),
  };
}

const ms = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '–' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !a || Number.isNaN(b) ? '–' : `${(b / a).toFixed(2)}×`);

/** One table: each figure of the first level on the dev server and on the full server. */
export function engineComparison(dev: BenchReport, server: BenchReport): string {
  const d = dev.levels[0];
  const s = server.levels[0];
  if (!d || !s) return '';
  const floor = (r: BenchReport, kind: string) => r.floorUnloaded.find((f) => f.kind === kind)?.latency.p50;
  const cpu = (l: typeof d, name: string) => l.cpu.find((c) => c.name === name)?.cpuSecPerJourney;
  const rows: [string, number | undefined, number | undefined, (n: number | undefined) => string][] = [
    [`journeys/s at ${d.concurrency}`, d.api.perSec, s.api.perSec, (n) => (n === undefined ? '–' : n.toFixed(2))],
    ...STEPS.flatMap((step) => [
      [`${step} p50 ms`, d.api.steps[step]?.p50, s.api.steps[step]?.p50, ms],
      [`${step} p99 ms`, d.api.steps[step]?.p99, s.api.steps[step]?.p99, ms],
    ] as [string, number | undefined, number | undefined, (n: number | undefined) => string][]),
    ['whole journey p50 ms', d.api.journey.p50, s.api.journey.p50, ms],
    ['floor: one activity, p50 ms (unloaded)', floor(dev, 'one activity'), floor(server, 'one activity'), ms],
    ['floor: three local activities, p50 ms (unloaded)', floor(dev, 'three local activities'), floor(server, 'three local activities'), ms],
    ['CPU s / journey: temporal', cpu(d, 'temporal'), cpu(s, 'temporal'), (n) => (n === undefined ? '–' : n.toFixed(3))],
    ['CPU s / journey: worker', cpu(d, 'worker'), cpu(s, 'worker'), (n) => (n === undefined ? '–' : n.toFixed(3))],
    ['CPU s / journey: api', cpu(d, 'api'), cpu(s, 'api'), (n) => (n === undefined ? '–' : n.toFixed(3))],
    ['CPU s / journey: postgres (all)', cpu(d, 'postgres (all)'), cpu(s, 'postgres (all)'), (n) => (n === undefined ? '–' : n.toFixed(3))],
    ['CPU s / journey: all of them', d.ceiling.cpuSecPerJourney, s.ceiling.cpuSecPerJourney, (n) => (n === undefined ? '–' : n.toFixed(3))],
    ['journeys/s that CPU allows', d.ceiling.maxPerSec ?? undefined, s.ceiling.maxPerSec ?? undefined, (n) => (n === undefined ? '–' : n.toFixed(1))],
  ];
  return [
    `## The two engines side by side (${d.api.journeys} journeys at concurrency ${d.concurrency} each)`,
    '',
    `| figure | dev server | full server | full ÷ dev |`,
    `| --- | --- | --- | --- |`,
    ...rows.map(([label, a, b, fmt]) => `| ${label} | ${fmt(a)} | ${fmt(b)} | ${ratio(a, b)} |`),
    '',
    `dev server: ${dev.engine}${dev.valid ? '' : ' — INVALID (failures)'}; full server: ${server.engine}${server.valid ? '' : ' — INVALID (failures)'}.`,
    '',
  ].join('\n');
}
