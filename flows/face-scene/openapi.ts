// OpenAPI entries of the face scenes' routes (flows/face-scene/routes.ts), from the zod schemas
// those routes validate with, and the shapes only they answer with.
import { z } from 'zod';
import type { RouteDoc } from '../../http/route-doc';
import { accountId } from '../../http/schemas';
import { codeSent, flowError, iso } from '../../http/response-schemas';
import { freezeBody, sceneParam, securityFlagsBody, startSceneBody } from './routes';
import { faceStarted } from '../face-check/openapi';

const at = '2026-11-22T08:00:00.000Z';
const later = '2026-11-22T08:30:00.000Z';

export const securityBody = z
  .object({
    security: z
      .object({
        accountId: z.string(),
        securityFlags: z.object({ flags: z.array(z.string()), reason: z.string().nullable(), setAt: iso.nullable() }).strict(),
        frozen: z.object({ at: iso, reason: z.string().nullable() }).strict().nullable(),
        cancellation: z.object({ requestedAt: iso, effectiveAt: iso, flowId: z.string().nullable() }).strict().nullable(),
      })
      .strict(),
  })
  .strict();

export const sceneStartedBody = z
  .object({
    flow: faceStarted.extend({ scene: sceneParam }).strict(),
  })
  .strict();

export const codeSceneStartedBody = z
  .object({ flow: z.object({ flowId: z.string(), scene: sceneParam, method: z.literal('sms'), code: codeSent, cache: z.boolean() }).strict() })
  .strict();

/** A scene's result as the code route answers it (the face method's comes from POST /v1/face/completion). */
export const sceneResultBody = z
  .object({
    result: z
      .object({
        flowId: z.string(),
        accountId: z.string(),
        scene: sceneParam,
        outcome: z.string(),
        message: z.string(),
        certifyId: z.string().nullable(),
        faceRecordId: z.string().nullable(),
        effect: z.object({ flagsCleared: z.array(z.string()), sessionsEnded: z.array(z.string()), frozenAt: iso.nullable(), coolingOffUntil: iso.nullable() }).strict().nullable(),
        error: flowError,
      })
      .strict(),
  })
  .strict();

const securityExample = {
  security: { accountId: 'u1001', securityFlags: { flags: ['remote_login'], reason: '异地登录提醒', setAt: at }, frozen: null, cancellation: null },
};

export const FACE_SCENE_ROUTES: RouteDoc[] = [
  {
    method: 'get', path: '/v1/accounts/:id/security', summary: "The account's security flags, freeze and cancellation request", tag: 'face-scenes', auth: 'apiKey', scope: 'accounts:read',
    params: { id: accountId }, responses: { 200: { description: 'the state the face scenes act on', schema: securityBody, example: securityExample } }, errors: ['ACCOUNT_NOT_FOUND'],
  },
  {
    method: 'put', path: '/v1/accounts/:id/security-flags', summary: 'The platform sets the security flags (codes; an empty list clears them) that a security reset clears', tag: 'face-scenes', auth: 'apiKey', scope: 'accounts:write',
    params: { id: accountId }, body: securityFlagsBody, requestExample: { flags: ['remote_login'], reason: '异地登录提醒' },
    responses: { 200: { description: 'set', schema: securityBody, example: securityExample } }, errors: ['ACCOUNT_NOT_FOUND', 'INVALID_INPUT'],
  },
  {
    method: 'post', path: '/v1/accounts/:id/freeze', summary: 'The platform freezes the account (idempotent: the first time and reason stay); other flows then refuse it', tag: 'face-scenes', auth: 'apiKey', scope: 'accounts:write',
    params: { id: accountId }, body: freezeBody, requestExample: { reason: '风控冻结' },
    responses: { 200: { description: 'frozen', schema: securityBody } }, errors: ['ACCOUNT_NOT_FOUND'],
  },
  {
    method: 'delete', path: '/v1/accounts/:id/freeze', summary: 'The platform unfreezes the account directly (the user unfreezes by the unfreeze scene)', tag: 'face-scenes', auth: 'apiKey', scope: 'accounts:write',
    params: { id: accountId }, responses: { 200: { description: 'unfrozen', schema: securityBody } }, errors: ['ACCOUNT_NOT_FOUND', 'ACCOUNT_NOT_FROZEN'],
  },
  {
    method: 'delete', path: '/v1/accounts/:id/cancellation', summary: 'The platform withdraws a pending cancellation request', tag: 'face-scenes', auth: 'apiKey', scope: 'accounts:write',
    params: { id: accountId }, responses: { 200: { description: 'withdrawn', schema: securityBody } }, errors: ['ACCOUNT_NOT_FOUND', 'CANCELLATION_NOT_REQUESTED'],
  },
  {
    method: 'post', path: '/v1/accounts/:id/face-scenes/:scene', summary: 'Start a face scene (reset_security, unfreeze, cancellation): a face check against the account\'s real-name identity (certifyId + client token for the app), or method sms (unfreeze, cancellation): a code to the bound phone, submitted to POST /v1/flows/:flowId/code', tag: 'face-scenes', auth: 'apiKey', scope: 'flows:write',
    params: { id: accountId, scene: sceneParam }, body: startSceneBody, requestExample: { deviceId: 'phone-1', sessionId: 'app-1', client: { ip: '203.0.113.7' } },
    responses: {
      201: {
        description: 'started; face: the app starts the face SDK with certifyId and posts its completion to POST /v1/face/completion with the client token; sms: the code sent to the bound phone',
        schema: z.union([sceneStartedBody, codeSceneStartedBody]),
        example: { flow: { flowId: 'reset-security:u1001', scene: 'reset_security', faceCheckId: 'reset-security:u1001/0a1b2c3d4e5f/face', certifyId: 'sha1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6', faceRecordId: '42', expiresAt: later, provider: 'dcloud', cache: false, clientToken: 'ft1.…' } },
      },
      200: { description: 'a repeat from the same device (a double click): the live certifyId again, or the same code answer (cache: true)', schema: z.union([sceneStartedBody, codeSceneStartedBody]) },
    },
    errors: ['SCENE_METHOD_UNAVAILABLE', 'SCENE_PHONE_REQUIRED', 'CODE_DAILY_LIMIT', 'FACE_DISABLED', 'ACCOUNT_NOT_FOUND', 'ACCOUNT_FROZEN', 'ACCOUNT_NOT_FROZEN', 'SECURITY_FLAGS_NOT_SET', 'CANCELLATION_PENDING', 'REAL_NAME_REQUIRED', 'FACE_QUOTA_REQUIRED', 'FACE_METAINFO_MISSING', 'FACE_CLIENT_UNSUPPORTED', 'FLOW_IN_PROGRESS', 'FACE_PROVIDER_ERROR'],
  },
];
