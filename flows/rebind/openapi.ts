// OpenAPI entries of the rebind routes (flows/rebind/routes.ts), from the zod schemas those
// routes validate with, and the shapes only a rebind answers with (a face proof started, the
// unbind token, the result); POST /v1/flows/:flowId/code shows the proof for a rebind flow.
import { FACE_PROVIDERS } from '../../lib/face-providers';
import { z } from 'zod';
import type { RouteDoc } from '../../http/route-doc';
import { accountId, flowId } from '../../http/schemas';
import { codeSentBody, codeSentExample as sent, flowError, iso, masked } from '../../http/response-schemas';
import { newContactBody, newContactCodeBody, rebindBody } from './routes';

const later = '2026-11-22T08:05:00.000Z';

// message: the seed's prompt 效验成功,可以绑定新手机号 / 效验成功,可以绑定新的邮箱账户
export const proofAcceptedBody = z.object({ proof: z.object({ flowId: z.string(), unbindToken: z.string(), tokenExpiresAt: iso, message: z.string() }).strict() }).strict();

export const faceProofStartedBody = z
  .object({
    flow: z.object({ flowId: z.string(), faceCheckId: z.string(), certifyId: z.string(), faceRecordId: z.string(), expiresAt: iso, provider: z.enum(FACE_PROVIDERS), clientToken: z.string() }).strict(),
  })
  .strict();

export const rebindResult = z
  .object({
    flowId: z.string(),
    outcome: z.enum(['rebound', 'rejected', 'expired', 'locked', 'cancelled']),
    accountId: z.string(),
    kind: z.enum(['phone', 'email']),
    target: masked.nullable(),
    notices: z.array(z.object({ channel: z.enum(['sms', 'mail']), to: masked, status: z.enum(['sent', 'failed', 'capped']), providerCode: z.string() }).strict()),
    sessionsEnded: z.array(z.string()),
    error: flowError,
    /** the seed's answer: 手机号换绑成功 / 邮箱换绑成功, or the error's text */
    message: z.string(),
  })
  .strict();
export const rebindResultBody = z.object({ result: rebindResult }).strict();

export const REBIND_ROUTES: RouteDoc[] = [
  {
    method: 'post', path: '/v1/accounts/:id/phone/rebind', summary: 'Start a phone rebind: a proof code to the bound phone (sms) or email (email), or a face check (face)', tag: 'rebind', auth: 'apiKey', scope: 'flows:write',
    params: { id: accountId }, body: rebindBody, requestExample: { method: 'sms', sessionId: 'web-1' },
    responses: {
      201: {
        description: 'flow started: proof code sent ({flow: code sent}), or with method face the certifyId and client token for the app',
        schema: z.union([codeSentBody, faceProofStartedBody]),
        example: { flow: { ...sent, flowId: 'rebind-phone:u1001' } },
      },
    },
    errors: ['ACCOUNT_NOT_FOUND', 'PHONE_NOT_BOUND', 'EMAIL_NOT_BOUND', 'REAL_NAME_REQUIRED', 'MISSING_PARAMETERS', 'FLOW_IN_PROGRESS', 'CODE_DAILY_LIMIT', 'SMS_SEND_FAILED', 'MAIL_SEND_FAILED', 'FACE_QUOTA_REQUIRED', 'FACE_CLIENT_UNSUPPORTED', 'FACE_PROVIDER_ERROR'],
  },
  {
    method: 'post', path: '/v1/accounts/:id/email/rebind', summary: 'Start an email rebind: a proof code to the bound email (email) or phone (sms)', tag: 'rebind', auth: 'apiKey', scope: 'flows:write',
    params: { id: accountId }, body: rebindBody, requestExample: { method: 'email' },
    responses: { 201: { description: 'flow started: proof code sent, or (face) the certifyId and client token', schema: z.union([codeSentBody, faceProofStartedBody]) } },
    errors: ['ACCOUNT_NOT_FOUND', 'PHONE_NOT_BOUND', 'EMAIL_NOT_BOUND', 'REAL_NAME_REQUIRED', 'MISSING_PARAMETERS', 'FLOW_IN_PROGRESS', 'CODE_DAILY_LIMIT'],
  },
  { method: 'delete', path: '/v1/accounts/:id/phone', summary: 'Refused: a phone can only be rebound', tag: 'rebind', auth: 'apiKey', scope: 'accounts:write', params: { id: accountId }, responses: {}, errors: ['PHONE_UNBIND_FORBIDDEN'] },
  { method: 'delete', path: '/v1/accounts/:id/email', summary: 'Refused: an email can only be rebound', tag: 'rebind', auth: 'apiKey', scope: 'accounts:write', params: { id: accountId }, responses: {}, errors: ['EMAIL_UNBIND_FORBIDDEN'] },
  {
    method: 'post', path: '/v1/flows/:flowId/proof', summary: "Rebind by face: the unbind token once the face check succeeded", tag: 'rebind', auth: 'apiKey', scope: 'flows:write',
    params: { flowId }, responses: { 200: { description: 'the unbind token', schema: proofAcceptedBody, example: { proof: { flowId: 'rebind-phone:u1001', unbindToken: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c', tokenExpiresAt: later, message: '效验成功,可以绑定新手机号' } } } },
    errors: ['PROOF_NOT_DONE', 'PROOF_METHOD_MISMATCH', 'FLOW_CLOSED'],
  },
  {
    method: 'post', path: '/v1/flows/:flowId/new-contact', summary: 'Rebind: the new phone / email with the unbind token; its code goes out', tag: 'rebind', auth: 'apiKey', scope: 'flows:write',
    params: { flowId }, body: newContactBody, requestExample: { phone: '13900139000', token: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c' },
    responses: { 200: { description: 'code sent to the new contact', schema: codeSentBody } },
    errors: ['MISSING_PARAMETERS', 'UNBIND_TOKEN_INVALID', 'PROOF_NOT_DONE', 'INVALID_PHONE', 'INVALID_EMAIL', 'PHONE_TAKEN', 'REBIND_EMAIL_TAKEN', 'SAME_CONTACT'],
  },
  {
    method: 'post', path: '/v1/flows/:flowId/new-contact/code', summary: "Rebind: the new contact's code; notices, change, sessions, callback", tag: 'rebind', auth: 'apiKey', scope: 'flows:write',
    params: { flowId }, body: newContactCodeBody, requestExample: { code: '123456', token: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c' },
    responses: {
      200: {
        description: 'rebound',
        schema: rebindResultBody,
        example: { result: { flowId: 'rebind-phone:u1001', outcome: 'rebound', accountId: 'u1001', kind: 'phone', target: '139****9000', notices: [{ channel: 'sms', to: '138****8000', status: 'sent', providerCode: 'Ok' }], sessionsEnded: ['app-2'], error: null, message: '手机号换绑成功' } },
      },
    },
    errors: ['MISSING_PARAMETERS', 'UNBIND_TOKEN_INVALID', 'CODE_WRONG', 'CODE_EXPIRED', 'CODE_ATTEMPTS_EXCEEDED', 'PHONE_TAKEN', 'REBIND_EMAIL_TAKEN', 'CONTACT_CHANGED'],
  },
];
