// Helpers for the real-name suites: accounts ready to verify, valid ID numbers that are
// not sandbox magic, the app's side of the face SDK.
import { randomInt } from 'node:crypto';
import { contactAad, contactIndex } from '../../db/accounts';
import { faceCheckHost } from '../../db/real-name';
import { faceCheckStateQueryOf } from '../../flows/face-check/contract';
import { idCheckChar } from '../../lib/idcard';
import { DEFAULT_REAL_NAME_AGREEMENT } from '../../lib/config';
import type { StartRealNameRequest } from '../../flows/real-name/request';
import { call, uniqueAccountId, uniquePhone, type Answer, type Stack } from './stack';

export const NAME = '张三';

/** What uni.getFacialRecognitionMetaInfo() gives, with the face sandbox's magic word. */
export function metaInfo(magic?: string): string {
  return JSON.stringify({ apdidToken: 'sandbox-apdid', appName: 'com.gonglun.app', appVersion: '1.0.0', bioMetaInfo: '4.1.0:2916352,0', ...(magic ? { sandbox: magic } : {}) });
}

/** A valid resident ID number no other test uses (magic numbers are all born 1990-01-01). */
export function uniqueIdNumber(): string {
  const y = 1960 + randomInt(0, 40);
  const m = String(randomInt(1, 13)).padStart(2, '0');
  const d = String(randomInt(1, 29)).padStart(2, '0');
  const first17 = `110105${y}${m}${d}${String(randomInt(0, 1000)).padStart(3, '0')}`;
  return first17 + idCheckChar(first17)!;
}

/** A client IP of its own per call, so the ID check's per-IP limit never couples tests. */
export function uniqueIp(): string {
  return `10.${randomInt(0, 256)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

/** An account with a bound phone (sealed as the bind flow would) and a registered device. */
export async function readyAccount(stack: Stack, opts: { magic?: string; phone?: boolean; device?: boolean } = {}): Promise<{ id: string; deviceId: string; phone?: string }> {
  const id = uniqueAccountId('rn');
  expect((await call(stack, 'POST', '/v1/accounts', { id })).status).toBe(201);
  const phone = opts.phone === false ? undefined : uniquePhone();
  if (phone) {
    const fc = stack.deps.fieldCrypto;
    await stack.deps.pool.query('UPDATE accounts SET phone_enc = $2, phone_idx = $3 WHERE id = $1', [
      id,
      fc.encrypt(phone, contactAad('phone', id)),
      contactIndex(fc, 'phone', phone),
    ]);
  }
  const deviceId = `dev-${id}`;
  if (opts.device !== false) {
    const r = await call(stack, 'PUT', `/v1/accounts/${id}/devices/${deviceId}`, { metaInfo: metaInfo(opts.magic), platform: 'android' });
    expect(r.status).toBe(201);
  }
  return { id, deviceId, phone };
}

/** The request's fields, each defaulted, and the relayed client IP; `agreement: null` sends none. */
export type StartBody = Partial<StartRealNameRequest> & { ip?: string; agreement?: { id: string; version: string } | null };

export function startRealName(stack: Stack, id: string, deviceId: string, b: StartBody = {}): Promise<Answer> {
  return call(stack, 'POST', `/v1/accounts/${id}/real-name`, {
    realName: b.realName ?? NAME,
    idNumber: b.idNumber ?? uniqueIdNumber(),
    deviceId: b.deviceId ?? deviceId,
    environmentSafe: b.environmentSafe ?? true,
    ...(b.securityPass !== undefined ? { securityPass: b.securityPass } : {}),
    ...(b.agreement === null ? {} : { agreement: b.agreement ?? DEFAULT_REAL_NAME_AGREEMENT }),
    client: { ip: b.ip ?? uniqueIp(), userAgent: 'GongLunApp/4.0.8 (Android 14)', fingerprint: deviceId },
  });
}

/** The app posting startFacialRecognitionVerify's completion, with its client token. */
export function complete(stack: Stack, token: string, body: Record<string, unknown>): Promise<Answer> {
  return call(stack, 'POST', '/v1/face/completion', body, { key: null, headers: { 'x-face-token': token } });
}

export function sdkOk(certifyId: string, deviceId: string) {
  return { deviceId, certifyId, errSubject: 'uni-facialRecognitionVerify', errCode: 0, errMsg: 'startFacialRecognitionVerify:ok', cause: { code: 1000 } };
}

export async function quotaOf(stack: Stack, id: string): Promise<{ free: number; purchased: number }> {
  const { rows } = await stack.deps.pool.query('SELECT face_free_used, face_number FROM accounts WHERE id = $1', [id]);
  return { free: rows[0].face_free_used, purchased: rows[0].face_number };
}

export async function counters(stack: Stack): Promise<Record<string, { total: number; today: number }>> {
  const r = await call(stack, 'GET', '/v1/counters');
  return Object.fromEntries(r.body.counters.map((c: { key: string; total: number; today: number }) => [c.key, c]));
}

/**
 * Where a started check lives, as the API and the callbacks find it (its row's host_run_id):
 * the owner run that hosts it (real-name since hosted-face), or a face-check workflow of its own.
 */
export async function faceCheckAt(stack: Stack, faceCheckId: string) {
  const { rows } = await stack.deps.pool.query<{ face_check_id: string; owner_flow_id: string | null; host_run_id: string | null }>(
    'SELECT face_check_id, owner_flow_id, host_run_id FROM face_verifications WHERE face_check_id = $1',
    [faceCheckId],
  );
  const row = rows[0];
  if (!row) throw new Error(`no face row for ${faceCheckId}`);
  const host = faceCheckHost(row);
  const handle = stack.client.workflow.getHandle(host.workflowId, host.runId);
  const hosted = host.runId !== undefined;
  return { hosted, handle, state: () => handle.query(faceCheckStateQueryOf(hosted)) };
}
