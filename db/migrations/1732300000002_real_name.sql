-- Up Migration

-- The face SDK's metaInfo per app device, relayed by the platform at every app launch
-- (uni.getFacialRecognitionMetaInfo()). Device information, not personal data.
CREATE TABLE face_devices (
  account_id  text NOT NULL REFERENCES accounts(id),
  device_id   text NOT NULL CHECK (device_id ~ '^[A-Za-z0-9_.:-]{1,128}$'),
  meta_info   text NOT NULL,
  platform    text,
  ip          text,
  user_agent  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, device_id)
);

-- One row per face check (the seed's xc_face): written 'wait' when the certifyId is issued,
-- closed as success / fail / expired / error. Name, ID number and picture path are sealed
-- (AAD: column + face_check_id); id_idx is the ID number's blind index.
CREATE TABLE face_verifications (
  id             bigserial PRIMARY KEY,
  face_check_id  text NOT NULL UNIQUE,          -- the face-check workflow id
  owner_flow_id  text,                          -- the flow that asked (real-name:…, rebind-phone:…)
  account_id     text NOT NULL REFERENCES accounts(id),
  scene          text NOT NULL,
  device_id      text NOT NULL,
  request_digest text NOT NULL,                 -- keyed hash of (name, ID, scene): same request → same certifyId
  certify_id     text NOT NULL,                 -- the provider's credential (the seed's "remake")
  name_enc       text NOT NULL,
  id_enc         text NOT NULL,
  id_idx         bytea NOT NULL,
  picture_enc    text,
  picture_error  text,
  meta_info      text,
  provider_data  jsonb NOT NULL DEFAULT '{}'::jsonb,
  status         text NOT NULL CHECK (status IN ('wait', 'success', 'fail', 'expired', 'error')),
  ip             text,
  user_agent     text,
  fingerprint    text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  completed_at   timestamptz
);
CREATE INDEX face_verifications_account ON face_verifications (account_id, created_at DESC);
CREATE INDEX face_verifications_wait ON face_verifications (created_at) WHERE status = 'wait';

-- The account's real-name record (the seed's xc_real_personal): one per account, never
-- replaced (a verified account can never change its real name).
CREATE TABLE real_name_records (
  id             bigserial PRIMARY KEY,
  account_id     text NOT NULL UNIQUE REFERENCES accounts(id),
  flow_id        text NOT NULL UNIQUE,
  face_record_id bigint NOT NULL REFERENCES face_verifications(id),
  certify_id     text NOT NULL,
  name_enc       text NOT NULL,
  id_enc         text NOT NULL,
  id_idx         bytea NOT NULL,
  picture_enc    text,
  provider_data  jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip             text,
  user_agent     text,
  fingerprint    text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX real_name_records_subject ON real_name_records (id_idx);

-- One row per ID subject, locked (SELECT … FOR UPDATE) while an account is verified with it,
-- so the subject limit holds when two accounts race with the same ID number.
CREATE TABLE real_name_subjects (
  id_idx      bytea PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Face quota consumed by a face check: one row per check (its workflow id), so a retried
-- activity consumes once; refunded_at marks a compensation.
CREATE TABLE face_quota_ledger (
  key          text PRIMARY KEY,
  account_id   text NOT NULL REFERENCES accounts(id),
  source       text NOT NULL CHECK (source IN ('free', 'purchased', 'none')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  refunded_at  timestamptz
);
CREATE INDEX face_quota_ledger_account ON face_quota_ledger (account_id);

-- Answered provider calls: the source of truth of the multi-period counters (api:face,
-- api:idcard_verification). call_key makes a retried activity count once.
CREATE TABLE provider_calls (
  id          bigserial PRIMARY KEY,
  call_key    text NOT NULL UNIQUE,
  api         text NOT NULL,
  account_id  text,
  flow_id     text,
  outcome     text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX provider_calls_api_created ON provider_calls (api, created_at);

-- Down Migration
DROP TABLE provider_calls;
DROP TABLE face_quota_ledger;
DROP TABLE real_name_subjects;
DROP TABLE real_name_records;
DROP TABLE face_verifications;
DROP TABLE face_devices;
