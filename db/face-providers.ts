// The operator's choice of face providers per scene (face_provider_settings), over the
// configured order (FACE_PROVIDERS, FACE_PROVIDERS_BY_SCENE), for one deployment: the
// processes serving one Temporal task queue. (A start reads it with its device, in one
// round trip: db/real-name.ts deviceAndSceneProviders.)
import type { Pool, PoolClient } from 'pg';
import { isFaceProviderName, type FaceProviderName } from '../lib/face-providers';

type Db = Pool | PoolClient;

export async function operatorProviders(db: Db, taskQueue: string): Promise<Map<string, { providers: FaceProviderName[]; updatedAt: Date }>> {
  const { rows } = await db.query<{ scene: string; providers: string[]; updated_at: Date }>('SELECT scene, providers, updated_at FROM face_provider_settings WHERE task_queue = $1', [taskQueue]);
  return new Map(rows.map((r) => [r.scene, { providers: r.providers.filter(isFaceProviderName), updatedAt: r.updated_at }]));
}

/** null providers: back to the configured order. */
export async function setSceneProviders(db: Db, taskQueue: string, scene: string, providers: FaceProviderName[] | null, by: string): Promise<void> {
  if (providers === null) {
    await db.query('DELETE FROM face_provider_settings WHERE task_queue = $1 AND scene = $2', [taskQueue, scene]);
    return;
  }
  await db.query(
    `INSERT INTO face_provider_settings (task_queue, scene, providers, updated_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (task_queue, scene) DO UPDATE SET providers = EXCLUDED.providers, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [taskQueue, scene, providers, by],
  );
}
