// The model-based test (test/model/run.ts) in CI size. Long mode: `npm run test:model -- --runs N`.
// A failure prints fast-check's seed and path and the shrunk sequence with its replayPath;
// replay it with `npm run test:model -- --runs 1 --seed <seed> --path <path> --replay-path <replayPath>`.
import { MODEL_ENV, runModel } from './run';
import { startModelStack, type ModelStack } from './stack';

const runs = Number(process.env.MODEL_RUNS ?? 6);
const maxCommands = Number(process.env.MODEL_MAX_COMMANDS ?? 30);
const seed = process.env.MODEL_SEED ? Number(process.env.MODEL_SEED) : Date.now() % 2 ** 31;
// each sequence takes up to ~2 minutes (flows left open are waited out); shrinking a failure more
const budgetMs = runs * 150_000 + 900_000;

let stack: ModelStack;
beforeAll(async () => {
  stack = await startModelStack(MODEL_ENV);
});
afterAll(async () => {
  await stack?.close();
});

test(
  `random sequences of every flow, retried, raced and restarted, agree with the model (${runs} sequences)`,
  async () => {
    process.stdout.write(`model: seed ${seed}, ${runs} sequences of up to ${maxCommands} commands\n`);
    const t0 = Date.now();
    const progress = runs > 10 ? (line: string) => process.stdout.write(`model: ${line}\n`) : undefined;
    const stats = await runModel(stack, { runs, maxCommands, seed, path: process.env.MODEL_PATH, replayPath: process.env.MODEL_REPLAY_PATH, timeLimitMs: budgetMs - 600_000, progress });
    const list = (o: Record<string, number>) =>
      Object.entries(o)
        .sort(([, x], [, y]) => y - x)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
    process.stdout.write(
      `model: seed ${stats.seed}: ${stats.sequences} sequences, ${stats.steps} steps in ${Math.round((Date.now() - t0) / 1000)} s\n` +
        `model: commands generated: ${list(stats.commands)}\nmodel: outcomes reached: ${list(stats.outcomes)}\n`,
    );
    expect(stats.sequences).toBeGreaterThanOrEqual(runs);
  },
  budgetMs,
);
