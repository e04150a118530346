-- Up Migration

-- The face check speaks to one of several providers (DCloud's function, Alibaba Cloud ID
-- Verification, WeChat mini-program face verification), chosen per scene. The row says which
-- one issued its certifyId (WeChat's verify_id), and which were tried before it and found
-- unavailable (failover happens before anything is billed). Rows of before were DCloud's.
ALTER TABLE face_verifications ADD COLUMN provider text NOT NULL DEFAULT 'dcloud' CHECK (provider IN ('dcloud', 'aliyun', 'wechat'));
ALTER TABLE face_verifications ADD COLUMN failover jsonb;
-- WeChat binds a result to the user's openid: sealed (AAD: column + face_check_id), wiped by redaction
ALTER TABLE face_verifications ADD COLUMN openid_enc text;
CREATE INDEX face_verifications_provider_created ON face_verifications (provider, created_at);
-- reports break a face scene down by provider: the scene's index covers it
DROP INDEX face_verifications_scene_created;
CREATE INDEX face_verifications_scene_created ON face_verifications (scene, created_at) INCLUDE (status, provider);
-- a provider's callback names its certifyId
CREATE INDEX face_verifications_provider_certify ON face_verifications (provider, certify_id);

-- A mini-program "device" has an openid and no face SDK metaInfo; an app device the reverse.
ALTER TABLE face_devices ADD COLUMN openid_enc text;
ALTER TABLE face_devices ALTER COLUMN meta_info DROP NOT NULL;
ALTER TABLE face_devices ADD CONSTRAINT face_devices_has_client CHECK (meta_info IS NOT NULL OR openid_enc IS NOT NULL);

-- api:face per provider
ALTER TABLE provider_calls ADD COLUMN provider text;
UPDATE provider_calls SET provider = 'dcloud' WHERE api = 'api:face';
CREATE INDEX provider_calls_provider_created ON provider_calls (provider, created_at) WHERE provider IS NOT NULL;

-- The operator's choice of providers per scene, over the configured default (FACE_PROVIDERS*),
-- for the deployment that serves one Temporal task queue (its workers and API processes).
CREATE TABLE face_provider_settings (
  task_queue text NOT NULL,
  scene      text NOT NULL,
  providers  text[] NOT NULL CHECK (cardinality(providers) BETWEEN 1 AND 3),
  updated_by text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_queue, scene)
);

-- Down Migration
DROP TABLE face_provider_settings;
DROP INDEX provider_calls_provider_created;
ALTER TABLE provider_calls DROP COLUMN provider;
DELETE FROM face_devices WHERE meta_info IS NULL;
ALTER TABLE face_devices DROP CONSTRAINT face_devices_has_client;
ALTER TABLE face_devices ALTER COLUMN meta_info SET NOT NULL;
ALTER TABLE face_devices DROP COLUMN openid_enc;
DROP INDEX face_verifications_scene_created;
CREATE INDEX face_verifications_scene_created ON face_verifications (scene, created_at) INCLUDE (status);
DROP INDEX face_verifications_provider_certify;
DROP INDEX face_verifications_provider_created;
ALTER TABLE face_verifications DROP COLUMN openid_enc;
ALTER TABLE face_verifications DROP COLUMN failover;
ALTER TABLE face_verifications DROP COLUMN provider;
