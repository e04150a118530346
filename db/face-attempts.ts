// An account's face attempts for operators (the seed keeps the certifyId "为了方便溯源", 4/30):
// every face check it ran, by any scene, with its provider's credential, its outcome, the
// device, and the unit of quota it held or consumed (free, purchased with which order and
// payment reference, refunded). Nothing personal: no name, ID number, picture or metaInfo.
import type { Pool } from 'pg';
import type { FaceProviderName } from '../lib/face-providers';

export interface FaceAttempt {
  id: string;
  scene: string;
  /** who issued its certifyId */
  provider: FaceProviderName;
  /** the providers asked before it that were unavailable (null: it was the first asked) */
  failover: { provider: string; code: string }[] | null;
  faceCheckId: string;
  ownerFlowId: string | null;
  certifyId: string;
  status: string;
  deviceId: string;
  startedAt: string;
  completedAt: string | null;
  /** when its personal data was redacted (db/redaction.ts), by an operator or the retention sweep */
  redactedAt: string | null;
  unit: { source: string; state: string; orderId: string | null; paymentRef: string | null } | null;
}

const LIMIT = 200;

export async function faceAttempts(pool: Pool, accountId: string): Promise<FaceAttempt[]> {
  const { rows } = await pool.query<{
    id: string;
    scene: string;
    provider: FaceProviderName;
    failover: { provider: string; code: string }[] | null;
    face_check_id: string;
    owner_flow_id: string | null;
    certify_id: string;
    status: string;
    device_id: string;
    created_at: Date;
    completed_at: Date | null;
    redacted_at: Date | null;
    pay_ref: string | null;
    source: string | null;
    state: string | null;
    order_id: string | null;
  }>(
    `SELECT f.id::text AS id, f.scene, f.provider, f.failover, f.face_check_id, f.owner_flow_id, f.certify_id, f.status, f.device_id, f.created_at, f.completed_at, f.redacted_at, f.pay_ref,
            l.source, l.state, l.order_id
     FROM face_verifications f LEFT JOIN face_quota_ledger l ON l.key = f.face_check_id
     WHERE f.account_id = $1 ORDER BY f.created_at DESC, f.id DESC LIMIT ${LIMIT}`,
    [accountId],
  );
  return rows.map((r) => ({
    id: r.id,
    scene: r.scene,
    provider: r.provider,
    failover: r.failover?.length ? r.failover : null,
    faceCheckId: r.face_check_id,
    ownerFlowId: r.owner_flow_id,
    certifyId: r.certify_id,
    status: r.status,
    deviceId: r.device_id,
    startedAt: r.created_at.toISOString(),
    completedAt: r.completed_at?.toISOString() ?? null,
    redactedAt: r.redacted_at?.toISOString() ?? null,
    unit: r.source ? { source: r.source, state: r.state!, orderId: r.order_id, paymentRef: r.pay_ref } : null,
  }));
}
