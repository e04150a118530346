// OpenAPI entries of the face check's app-side routes (flows/face-check/routes.ts): device
// registration and the SDK completion. Tagged real-name as before the face check had a folder
// of its own, so the rendered reference groups them as it did.
import { z } from 'zod';
import type { RouteDoc } from '../../http/route-doc';
import { accountId } from '../../http/schemas';
import { iso } from '../../http/response-schemas';
import { FACE_PROVIDERS } from '../../lib/face-providers';
import { deviceId, faceCompletionBody, faceScene, registerDeviceBody, sceneProvidersBody } from './routes';

/** What a start that issued a face check answers (real-name, a face scene), before its own fields. */
export const faceStarted = z.object({
  flowId: z.string(),
  faceCheckId: z.string(),
  certifyId: z.string(),
  faceRecordId: z.string(),
  expiresAt: iso,
  provider: z.enum(FACE_PROVIDERS).describe("whose face SDK the app runs with certifyId: dcloud (uni face SDK), aliyun (Alibaba's), wechat (wx.requestFacialVerify with certifyId as verify_id)"),
  cache: z.boolean(),
  clientToken: z.string(),
});

export const faceCompletionAnswer = z.object({ result: z.object({ outcome: z.string().nullable() }).passthrough() }).strict();

export const deviceBody = z
  .object({
    device: z
      .object({
        accountId: z.string(),
        deviceId: z.string(),
        platform: z.string().nullable(),
        registered: z.literal(true),
        clients: z.array(z.enum(['app', 'mini-program'])).describe('app: its face SDK metaInfo (dcloud, aliyun); mini-program: an openid (wechat)'),
      })
      .strict(),
  })
  .strict();

const providerList = z.array(z.enum(FACE_PROVIDERS));
const sceneProviders = z
  .object({
    scene: faceScene,
    providers: providerList.describe('asked in this order; the first that serves the device and is not unavailable issues the check'),
    source: z.enum(['operator', 'config']),
    updatedAt: iso.nullable(),
  })
  .strict();
export const faceProvidersBody = z
  .object({
    scenes: z.array(sceneProviders),
    configured: z.object({ default: providerList, byScene: z.record(z.string(), providerList) }).strict().describe('FACE_PROVIDERS, FACE_PROVIDERS_BY_SCENE'),
    available: providerList.describe('providers this deployment has credentials for'),
  })
  .strict();
const sceneProvidersAnswer = z.object({ scene: sceneProviders }).strict();
const callbackAnswer = z.object({ code: z.literal('OK'), outcome: z.enum(['refused', 'unknown', 'closed', 'completed']) }).strict();
const tag = 'face-providers';

export const FACE_CHECK_ROUTES: RouteDoc[] = [
  {
    method: 'put', path: '/v1/accounts/:id/devices/:deviceId', summary: "Register an app device's face metaInfo (from the app launch)", tag: 'real-name', auth: 'apiKey', scope: 'accounts:write',
    params: { id: accountId, deviceId: deviceId }, body: registerDeviceBody, requestExample: { metaInfo: '{"apdidToken":"…","deviceModel":"iPhone15,2"}', platform: 'ios' },
    responses: {
      201: { description: 'registered', schema: deviceBody, example: { device: { accountId: 'u1001', deviceId: 'phone-1', platform: 'ios', registered: true, clients: ['app'] } } },
      200: { description: 'updated', schema: deviceBody },
    },
    errors: ['ACCOUNT_NOT_FOUND', 'INVALID_INPUT'],
  },
  {
    method: 'post', path: '/v1/face/completion', summary: "The app posts the face SDK's completion (X-Face-Token, no API key); the server then asks the provider", tag: 'real-name', auth: 'clientToken',
    body: faceCompletionBody, requestExample: { deviceId: 'phone-1', certifyId: 'sha1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6', errCode: 0, errMsg: 'success' },
    responses: { 200: { description: 'the outcome (刷脸成功:账户实名认证成功 / 刷脸失败:人证信息比对不一致) or, while pending, the stage', schema: faceCompletionAnswer } },
    errors: ['FACE_TOKEN_INVALID', 'FACE_DEVICE_MISMATCH', 'FACE_CERTIFY_MISMATCH', 'FACE_SDK_ERROR', 'FACE_ALREADY_COMPLETED', 'FACE_EXPIRED'],
  },
  {
    method: 'get', path: '/v1/face-providers', summary: 'The face providers each face scene asks, in order: the operator\'s choice, else the configured one', tag, auth: 'apiKey', scope: 'flows:read',
    responses: {
      200: {
        description: 'every face scene',
        schema: faceProvidersBody,
        example: {
          scenes: [{ scene: 'personal', providers: ['dcloud', 'wechat'], source: 'config', updatedAt: null }, { scene: 'recovery', providers: ['aliyun', 'dcloud'], source: 'operator', updatedAt: '2026-12-02T10:00:00.000Z' }],
          configured: { default: ['dcloud', 'wechat'], byScene: {} },
          available: ['dcloud', 'aliyun', 'wechat'],
        },
      },
    },
  },
  {
    method: 'put', path: '/v1/face-providers/:scene', summary: "Choose a face scene's providers, in order (failover goes down the list when one is unavailable, before anything is billed)", tag, auth: 'apiKey', scope: 'providers:write',
    params: { scene: faceScene }, body: sceneProvidersBody, requestExample: { providers: ['aliyun', 'dcloud'] },
    responses: { 200: { description: 'chosen', schema: sceneProvidersAnswer, example: { scene: { scene: 'recovery', providers: ['aliyun', 'dcloud'], source: 'operator', updatedAt: '2026-12-02T10:00:00.000Z' } } } },
    errors: ['INVALID_INPUT'],
  },
  {
    method: 'delete', path: '/v1/face-providers/:scene', summary: "Back to the configured providers of a face scene", tag, auth: 'apiKey', scope: 'providers:write',
    params: { scene: faceScene },
    responses: { 200: { description: 'the configured order', schema: sceneProvidersAnswer, example: { scene: { scene: 'recovery', providers: ['dcloud', 'wechat'], source: 'config', updatedAt: null } } } },
    errors: ['INVALID_INPUT'],
  },
  {
    method: 'get', path: '/v1/face/aliyun/callback', summary: "Alibaba Cloud's completion callback (CallbackUrl, when ALIYUN_FACE_CALLBACK_URL is set): our token checked, then the check is completed as the app would and DescribeFaceVerify decides", tag, auth: 'none',
    responses: {
      200: { description: 'taken (completed), or ignored (refused: not our token; unknown: no such check; closed: already decided)', schema: callbackAnswer, example: { code: 'OK', outcome: 'completed' } },
    },
    errors: ['INVALID_INPUT'],
  },
];
