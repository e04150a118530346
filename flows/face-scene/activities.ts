// The face scenes' one side effect of their own: the scene's effect on the account, with its
// session endings, audit row and callback event, in one transaction keyed by the flow run
// (db/account-security.ts). The face check, its quota and its row are the child's.
import type { ActivityDeps } from '../activity-deps';
import { applySceneEffect, committedSceneEffect, type SceneApply, type SceneEffect } from '../../db/account-security';
import { inTransaction } from '../../db/pool';
import { failure } from '../../lib/errors';
import { notifyWebhookDispatcher } from '../shared/activities/notify-dispatcher';

export function createFaceSceneActivities(deps: ActivityDeps) {
  /**
   * Applies the scene once per run: a retry (a lost workflow task, a timeout after the commit)
   * finds its own commit and answers the same effect. A refusal writes nothing.
   */
  async function applyFaceScene(input: SceneApply): Promise<SceneEffect> {
    const r = await inTransaction(deps.pool, (c) => applySceneEffect(c, input));
    if (!r.ok) throw failure(r.code);
    deps.log.info({ flowId: input.flowId, scene: input.scene, sessionsEnded: r.effect.sessionsEnded.length }, 'face scene applied');
    // best effort: the sweeper delivers what this misses
    await notifyWebhookDispatcher(deps, input.accountId, input.eventType, r.wanted);
    return r.effect;
  }

  /** What this run committed, if it did: asked before a code run ends without its effect. */
  function committedFaceScene(input: { runKey: string; eventType: string }): Promise<SceneEffect | null> {
    return committedSceneEffect(deps.pool, input.runKey, input.eventType);
  }

  return { applyFaceScene, committedFaceScene };
}

/** What the workflow types its proxy by (a type-only import: nothing of this file enters the bundle). */
export type FaceSceneActivities = ReturnType<typeof createFaceSceneActivities>;
