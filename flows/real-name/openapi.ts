// OpenAPI entries of the real-name routes (flows/real-name/routes.ts), from the zod schemas
// those routes validate with, and the shapes only they answer with.
import { z } from 'zod';
import type { RouteDoc } from '../../http/route-doc';
import { accountId } from '../../http/schemas';
import { flowStateBody, iso } from '../../http/response-schemas';
import { startRealNameBody } from './request';
import { faceStarted } from '../face-check/openapi';

const at = '2026-11-22T08:00:00.000Z';
const later = '2026-11-22T08:05:00.000Z';
const idExample = '110101199001010015';

export const realNameStartedBody = z
  .object({
    flow: faceStarted
      .extend({
        /** the seed's answer to a matching ID check: 身份证核验成功 */
        message: z.string(),
      })
      .strict(),
  })
  .strict();

export const identityBody = z
  .object({
    identity: z
      .object({ status: z.enum(['none', 'verified']), realName: z.string().nullable(), idNumber: z.string().nullable(), verifiedAt: iso.nullable(), masked: z.boolean() })
      .strict(),
  })
  .strict();

export const REAL_NAME_ROUTES: RouteDoc[] = [
  {
    method: 'post', path: '/v1/accounts/:id/real-name', summary: 'Start real-name verification: ID two-factor check, then a face check (certifyId + client token for the app)', tag: 'real-name', auth: 'apiKey', scope: 'flows:write',
    params: { id: accountId }, body: startRealNameBody,
    requestExample: { realName: '张三', idNumber: idExample, deviceId: 'phone-1', environmentSafe: true, agreement: { id: 'real', version: '1' }, client: { ip: '203.0.113.7' } },
    responses: {
      201: { description: 'started; the app starts the face SDK with certifyId', schema: realNameStartedBody, example: { flow: { flowId: 'real-name:u1001', faceCheckId: 'real-name:u1001/face', certifyId: 'sha1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6', faceRecordId: '42', expiresAt: later, provider: 'dcloud', cache: false, clientToken: 'eyJ…', message: '身份证核验成功' } } },
      200: { description: 'a repeat from the same device and request: the live certifyId again (cache: true)', schema: realNameStartedBody },
    },
    errors: ['REAL_NAME_AGREEMENT_REQUIRED', 'ACCOUNT_NOT_FOUND', 'REAL_NAME_PHONE_REQUIRED', 'REAL_NAME_ALREADY_VERIFIED', 'REAL_NAME_UNSAFE_ENVIRONMENT', 'SECURITY_PASS_INVALID', 'SECURITY_PASS_ACCOUNT_MISMATCH', 'SECURITY_PASS_DEVICE_MISMATCH', 'SECURITY_PASS_USED', 'SECURITY_PASS_EXPIRED', 'FACE_METAINFO_MISSING', 'FACE_CLIENT_UNSUPPORTED', 'REAL_NAME_INVALID_NAME', 'REAL_NAME_INVALID_ID', 'REAL_NAME_SUBJECT_LIMIT', 'FACE_QUOTA_REQUIRED', 'ID_CHECK_TOO_SOON', 'ID_CHECK_DAILY_LIMIT', 'ID_MISMATCH', 'ID_NO_RECORD', 'ID_CHECK_UNAVAILABLE', 'FACE_PROVIDER_ERROR'],
  },
  {
    method: 'get', path: '/v1/accounts/:id/real-name/flow', summary: "The account's real-name flow state", tag: 'real-name', auth: 'apiKey', scope: 'flows:read',
    params: { id: accountId }, responses: { 200: { description: 'state', schema: flowStateBody } }, errors: ['FLOW_NOT_FOUND'],
  },
  {
    method: 'get', path: '/v1/accounts/:id/real-name', summary: 'The verified identity, masked (张*, 1101**********0015); whole with pii:read and ?unmasked=true', tag: 'real-name', auth: 'apiKey', scope: 'accounts:read',
    params: { id: accountId }, query: { unmasked: z.enum(['true', 'false']).optional() },
    responses: { 200: { description: 'identity', schema: identityBody, example: { identity: { status: 'verified', realName: '张*', idNumber: '1101**********0015', verifiedAt: at, masked: true } } } },
    errors: ['ACCOUNT_NOT_FOUND', 'FORBIDDEN'],
  },
];
