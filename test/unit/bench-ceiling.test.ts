// The bench's CPU ceiling: the journeys per second a stack's CPU per journey leaves room for.
import { cpuCeiling, TARGET_JOURNEYS_PER_SEC } from '../../scripts/bench/ceiling';

test('sums every process and divides the cores by it', () => {
  const c = cpuCeiling([{ cpuSecPerJourney: 0.1 }, { cpuSecPerJourney: 0.13 }, { cpuSecPerJourney: 0.02 }], 2);
  expect(c.cpuSecPerJourney).toBeCloseTo(0.25, 10);
  expect(c.maxPerSec).toBeCloseTo(8, 10);
  expect(c.cores).toBe(2);
});

test("the target's budget is the cores over the target", () => {
  expect(TARGET_JOURNEYS_PER_SEC).toBe(10);
  expect(cpuCeiling([{ cpuSecPerJourney: 0.3 }], 2).budgetForTarget).toBeCloseTo(0.2, 10);
  expect(cpuCeiling([{ cpuSecPerJourney: 0.3 }], 8).budgetForTarget).toBeCloseTo(0.8, 10);
});

test('nothing measured: no ceiling rather than an infinite one', () => {
  expect(cpuCeiling([], 2).maxPerSec).toBeNull();
  expect(cpuCeiling([{ cpuSecPerJourney: 0 }], 2).maxPerSec).toBeNull();
});
