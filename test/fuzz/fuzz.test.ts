// The CI-sized fuzz (npm run fuzz is the long one): hostile requests generated from the served
// OpenAPI document to every route, against this suite's own stack. Every answer below 500, every
// 4xx in the error envelope, nothing left unanswered. FUZZ_SEED=<n> replays a run; FUZZ_RUNS sizes it.
import { formatReport, runFuzz } from './run';
import { startFuzzStack, type FuzzStack } from './stack';

const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

let fz: FuzzStack;
beforeAll(async () => {
  fz = await startFuzzStack();
});
afterAll(async () => {
  await fz?.close();
});

test(`${RUNS} hostile requests over every documented route (seed ${SEED})`, async () => {
  const report = await runFuzz({ baseUrl: fz.baseUrl, apiKey: fz.apiKey, seed: SEED, runs: RUNS, concurrency: 6 });
  const statuses = Object.entries(report.statuses).map(([s, n]) => `${s}:${n}`).join(' ');
  console.log(`fuzz seed ${SEED}: ${report.sent} requests to ${Object.keys(report.perRoute).length} routes in ${(report.durationMs / 1000).toFixed(0)} s; ${statuses}; replay: FUZZ_SEED=${SEED} or npm run fuzz -- --seed ${SEED} --runs ${RUNS}`);
  expect(report.sent).toBe(RUNS);
  // every operation of the document was reached, and the HTTP parser besides
  expect(Object.keys(report.perRoute).length).toBeGreaterThanOrEqual(40);
  if (report.failures.length) throw new Error(formatReport(report));
}, 300_000);
