// Every activity the worker registers, built over injected clients (worker/worker.ts; the
// tests build the same). Each flow's activities sit beside its workflow (flows/<flow>/
// activities.ts) and the ones several flows call in flows/shared/activities/: a folder, not
// files beside code-challenge.ts and the other workflow-side helpers of flows/shared/, so the
// line between what the workflow bundle loads and what runs in the worker's Node process is a
// folder boundary the lint (eslint.config.js) draws by path, not a naming habit to keep up.
// A workflow types its proxy by its own groups' types only (BindActivities, CodeActivities …),
// never by this whole set. Activity names are recorded in workflow histories
// (test/histories): one name, one function, across all groups.
import type { ActivityDeps } from './activity-deps';
import { createBindActivities } from './bind/activities';
import { createCodeActivities } from './shared/activities/codes';
import { createContactChangeActivities } from './shared/activities/contact-change';
import { createSessionActivities } from './shared/activities/sessions';
import { createRebindActivities } from './rebind/activities';
import { createRealNameActivities } from './real-name/activities';
import { createFaceActivities } from './face-check/activities';
import { createFaceSceneActivities } from './face-scene/activities';
import { createGrantActivities } from './shared/activities/grants';
import { createSecurityCheckActivities } from './security-check/activities';
import { createWebhookActivities } from './webhooks/activities';
import { createRetentionActivities } from './retention/activities';

export function createActivities(deps: ActivityDeps) {
  // built once: the real-name step before the face is made of two of their steps, a bind's
  // submission of the code check
  const face = createFaceActivities(deps);
  const securityCheck = createSecurityCheckActivities(deps);
  const codes = createCodeActivities(deps);
  return {
    ...codes,
    ...createBindActivities(deps, codes),
    ...createSessionActivities(deps),
    ...createContactChangeActivities(deps),
    ...createRebindActivities(deps),
    ...createRealNameActivities(deps, { ...face, ...securityCheck }),
    ...face,
    ...createFaceSceneActivities(deps),
    ...createGrantActivities(deps),
    ...securityCheck,
    ...createWebhookActivities(deps),
    ...createRetentionActivities(deps),
  };
}

export type { ActivityDeps };
