// The CPU a journey costs over the whole co-located stack, and the throughput that leaves room
// for: on one machine the journeys are CPU-bound, so this says whether a throughput target is
// within reach at all before any latency is looked at.
/** Issue 10's throughput target on the development machine (2 CPUs, everything co-located). */
export const TARGET_JOURNEYS_PER_SEC = 10;

/**
 * The journeys per second these cores could serve if they did nothing else. The bench's own
 * driver, Redis and the kernel are not counted, so the real ceiling is lower.
 */
export interface CpuCeiling {
  /** CPU seconds a journey over every measured process */
  cpuSecPerJourney: number;
  cores: number;
  /** cores over cpuSecPerJourney; null when nothing was measured */
  maxPerSec: number | null;
  /** the CPU seconds a journey may cost for TARGET_JOURNEYS_PER_SEC on these cores */
  budgetForTarget: number;
}

export function cpuCeiling(cpu: readonly { cpuSecPerJourney: number }[], cores: number): CpuCeiling {
  const perJourney = cpu.reduce((sum, c) => sum + c.cpuSecPerJourney, 0);
  return { cpuSecPerJourney: perJourney, cores, maxPerSec: perJourney > 0 ? cores / perJourney : null, budgetForTarget: cores / TARGET_JOURNEYS_PER_SEC };
}
