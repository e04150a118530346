// All activities, built over injected clients. Workflows import only the type.
import type { ActivityDeps } from './deps';
import { createBindActivities } from './bind';
import { createCodeActivities } from './codes';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createCodeActivities(deps),
    ...createBindActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
