// npm run fuzz: hostile requests to every route of the OpenAPI document (test/fuzz/).
//
//   npm run fuzz                                  # in-process: own Temporal dev server, database, worker, API
//   npm run fuzz -- --runs 20000                  # longer
//   npm run fuzz -- --seed 123 [--only 4711]      # replay a run (or one request of it)
//   npm run fuzz -- --running [--url U] [--key K] # against `npm start` (http://127.0.0.1:3000, the dev key)
//   --concurrency N (8), --timeout-ms N (20000)
//
// Prints requests per route, the status histogram, 5xx count, envelope violations, timeouts
// and the seed; exits 1 when any answer failed.
import { formatReport, runFuzz, type Report } from '../test/fuzz/run';

function args(argv: string[]) {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) flags.set(a.slice(2), (i++, next));
    else flags.set(a.slice(2), true);
  }
  const num = (k: string, d?: number) => {
    const v = flags.get(k);
    if (v === undefined) return d;
    if (v === true || !/^\d+$/.test(v)) throw new Error(`--${k} takes a number`);
    return Number(v);
  };
  const str = (k: string) => (typeof flags.get(k) === 'string' ? (flags.get(k) as string) : undefined);
  return {
    running: flags.has('running'),
    url: str('url') ?? 'http://127.0.0.1:3000',
    key: str('key') ?? process.env.VSAGA_API_KEY ?? 'dev-api-key-change-me',
    runs: num('runs', 2000)!,
    seed: num('seed', Date.now() % 2 ** 31)!,
    only: num('only'),
    concurrency: num('concurrency', 8),
    timeoutMs: num('timeout-ms', 20_000),
  };
}

async function main() {
  const a = args(process.argv.slice(2));
  const log = (line: string) => console.log(line);
  let report: Report;
  if (a.running) {
    report = await runFuzz({ baseUrl: a.url, apiKey: a.key, seed: a.seed, runs: a.runs, only: a.only, concurrency: a.concurrency, timeoutMs: a.timeoutMs, log });
  } else {
    // the jest global setup: a Temporal dev server, a fresh database, the workflow bundle
    process.env.VSAGA_LOG_LEVEL ??= 'silent';
    const { default: setUp } = await import('../test/support/global-setup');
    const { default: tearDown } = await import('../test/support/global-teardown');
    const { startFuzzStack } = await import('../test/fuzz/stack');
    await setUp();
    const s = await startFuzzStack();
    try {
      report = await runFuzz({ baseUrl: s.baseUrl, apiKey: s.apiKey, seed: a.seed, runs: a.runs, only: a.only, concurrency: a.concurrency, timeoutMs: a.timeoutMs, log });
    } finally {
      await s.close();
      await tearDown();
    }
  }
  console.log(`\n${formatReport(report)}`);
  process.exit(report.failures.length ? 1 : 0);
}

main().catch((err) => {
  console.error(`fuzz failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(2);
});
