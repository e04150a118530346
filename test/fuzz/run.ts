// The fuzz run: the operations from the served OpenAPI document, the fuzz's own data, then
// `runs` generated requests sent `concurrency` at a time, each judged; the report counts
// them per route and status and keeps every failure with what it takes to replay it.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { judge } from './judge';
import { fetchOperations } from './openapi-ops';
import { apiClient, setUpPools } from './pools';
import { send } from './raw-http';
import { anyRequest, type FuzzRequest } from './requests';

export interface FuzzOptions {
  baseUrl: string;
  apiKey: string;
  seed: number;
  runs: number;
  concurrency?: number;
  /** a request not answered within this counts as a failure (a hang is a finding, not a pass) */
  timeoutMs?: number;
  /** replay only request number `only` of the seed's sequence */
  only?: number;
  log?: (line: string) => void;
}

export interface Failure {
  index: number;
  op: string;
  kind: string;
  problem: string;
  request: string;
}

export interface Report {
  seed: number;
  runs: number;
  sent: number;
  perRoute: Record<string, number>;
  statuses: Record<string, number>;
  fiveXx: number;
  envelopeViolations: number;
  timeouts: number;
  noAnswer: number;
  failures: Failure[];
  durationMs: number;
}

/** Requests are drawn in chunks, each from seed + chunk number: request i can be replayed alone. */
const CHUNK = 200;

function describe(r: FuzzRequest): string {
  const head = r.rawHead ? r.rawHead.toString('latin1') : `${r.method} ${r.target} | ${r.headers.map(([n, v]) => `${n}: ${typeof v === 'string' ? v : v.toString('latin1')}`).join(' | ')}`;
  const body = r.body ? ` | body ${r.body.length} B: ${r.body.subarray(0, 160).toString('latin1')}` : '';
  return JSON.stringify(head.slice(0, 400) + body);
}

export async function runFuzz(o: FuzzOptions): Promise<Report> {
  const log = o.log ?? (() => {});
  const started = Date.now();
  const url = new URL(o.baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 80);
  const ops = await fetchOperations(o.baseUrl);
  const tag = `fz${o.seed.toString(36)}${randomBytes(3).toString('hex')}`;
  const pools = await setUpPools(apiClient(o.baseUrl, o.apiKey), tag, log);
  log(`fuzz: ${ops.length} operations, seed ${o.seed}, ${o.runs} requests, own data ${tag}-*${pools.faceToken ? '' : ' (no face token)'}`);
  const arb = anyRequest(ops, pools, o.apiKey);

  const report: Report = { seed: o.seed, runs: o.runs, sent: 0, perRoute: {}, statuses: {}, fiveXx: 0, envelopeViolations: 0, timeouts: 0, noAnswer: 0, failures: [], durationMs: 0 };
  let chunk: { n: number; reqs: FuzzRequest[] } | null = null;
  const requestAt = (i: number): FuzzRequest => {
    const n = Math.floor(i / CHUNK);
    if (chunk?.n !== n) chunk = { n, reqs: fc.sample(arb, { seed: o.seed + n, numRuns: CHUNK }) };
    return chunk.reqs[i % CHUNK]!;
  };
  const indexes = o.only !== undefined ? [o.only] : Array.from({ length: o.runs }, (_, i) => i);
  let next = 0;

  const worker = async () => {
    for (let k = next++; k < indexes.length; k = next++) {
      const index = indexes[k]!;
      const req = requestAt(index);
      const answer = await send(host, port, req, o.timeoutMs ?? 20_000).catch((err: Error) => err);
      report.sent++;
      report.perRoute[req.op] = (report.perRoute[req.op] ?? 0) + 1;
      const status = answer instanceof Error ? answer.name : String(answer.status);
      report.statuses[status] = (report.statuses[status] ?? 0) + 1;
      const v = judge(req.method, answer);
      if (v.ok) continue;
      if (v.kind === '5xx') report.fiveXx++;
      if (v.kind === 'envelope') report.envelopeViolations++;
      if (v.kind === 'timeout') report.timeouts++;
      if (v.kind === 'no-answer') report.noAnswer++;
      const failure = { index, op: req.op, kind: req.kinds.join(' '), problem: `${v.kind}: ${v.problem}`, request: describe(req) };
      report.failures.push(failure);
      log(`FAIL #${index} ${failure.op} [${failure.kind}] ${failure.problem}`);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 8 }, worker));
  report.durationMs = Date.now() - started;
  return report;
}

export function formatReport(r: Report): string {
  const lines = [`fuzz seed ${r.seed}: ${r.sent} requests in ${(r.durationMs / 1000).toFixed(1)} s`, '', 'requests per route:'];
  for (const [route, n] of Object.entries(r.perRoute).sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${String(n).padStart(6)}  ${route}`);
  lines.push('', 'status histogram:');
  for (const [s, n] of Object.entries(r.statuses).sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${s.padEnd(14)} ${n}`);
  lines.push('', `5xx: ${r.fiveXx}   envelope violations: ${r.envelopeViolations}   timeouts: ${r.timeouts}   no answer: ${r.noAnswer}   seed: ${r.seed}`);
  if (r.failures.length) {
    lines.push('', `failures (replay one with --seed ${r.seed} --only <index>):`);
    for (const f of r.failures.slice(0, 50)) lines.push(`  #${f.index} ${f.op} [${f.kind}]`, `      ${f.problem}`, `      ${f.request}`);
    if (r.failures.length > 50) lines.push(`  … and ${r.failures.length - 50} more`);
  }
  return lines.join('\n');
}
