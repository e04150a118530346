// All activities, built over injected clients. Workflows import only the type.
import type { ActivityDeps } from './deps';
import { createBindActivities } from './bind';
import { createCodeActivities } from './codes';
import { createSessionActivities } from './sessions';
import { createRebindActivities } from './rebind';
import { createRealNameActivities } from './real-name';
import { createFaceActivities } from './face';
import { createWebhookActivities } from './webhooks';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createCodeActivities(deps),
    ...createBindActivities(deps),
    ...createSessionActivities(deps),
    ...createRebindActivities(deps),
    ...createRealNameActivities(deps),
    ...createFaceActivities(deps),
    ...createWebhookActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
