// All activities, built over injected clients. Workflows import only the type.
import type { ActivityDeps } from './activity-deps';
import { createBindActivities } from './bind/activities';
import { createCodeActivities } from './shared/activities/codes';
import { createSessionActivities } from './shared/activities/sessions';
import { createRebindActivities } from './rebind/activities';
import { createRealNameActivities } from './real-name/activities';
import { createFaceActivities } from './face-check/activities';
import { createWebhookActivities } from './webhooks/activities';

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
