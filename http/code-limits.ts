// Bind and rebind both start flows with a scene's code limits; shared here so neither
// flow's start.ts imports the other's.
import type { Config } from '../lib/config';
import { SCENES, type Scene } from '../lib/scenes';
import type { CodeLimits } from '../flows/shared/contract';

/** A scene's limits from the scene table (docs/rules.md#code-scenes), with config's test/demo overrides. */
export function codeLimits(cfg: Config, scene: Scene, flowTtlSec: number): CodeLimits {
  const p = SCENES[scene];
  return {
    codeTtlSec: cfg.flows.codeTtlOverrideSec ?? p.lifetimeSec,
    resendGapSec: cfg.flows.resendGapOverrideSec ?? p.resendGapSec,
    perDay: p.perDay,
    maxWrong: cfg.flows.maxWrongCodes,
    flowTtlSec,
  };
}
