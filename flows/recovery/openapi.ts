// OpenAPI entries of account recovery's routes (flows/recovery/routes.ts), from the zod schemas
// those routes validate with, and the shapes only they answer with.
import { FACE_PROVIDERS } from '../../lib/face-providers';
import { z } from 'zod';
import type { RouteDoc } from '../../http/route-doc';
import { flowId } from '../../http/schemas';
import { codeSent, iso, masked } from '../../http/response-schemas';
import { LOOKUP_MESSAGE, lookupBody, startRecoveryBody } from './routes';
import { redeemBody } from '../../http/schemas';
import { RECOVERED_MESSAGE, RECOVERY_METHODS, type RecoveryMethod } from './contract';

const at = '2026-11-22T08:10:00.000Z';
const method = z.enum(RECOVERY_METHODS as [RecoveryMethod, ...RecoveryMethod[]]);

export const lookupAnswerBody = z
  .object({
    recovery: z
      .object({
        matches: z.array(
          z
            .object({
              accountId: z.string(),
              phone: masked.nullable(),
              email: masked.nullable(),
              idNumber: masked.nullable(),
              realName: z.boolean(),
              frozen: z.boolean(),
              methods: z.array(method),
              ticket: z.string(),
              ticketExpiresAt: iso,
            })
            .strict(),
        ),
        message: z.string(),
      })
      .strict(),
  })
  .strict();

export const recoveryStartedBody = z
  .object({
    flow: z
      .object({
        flowId: z.string(),
        method,
        code: codeSent.nullable(),
        face: z.object({ faceCheckId: z.string(), certifyId: z.string(), faceRecordId: z.string(), expiresAt: iso, provider: z.enum(FACE_PROVIDERS) }).strict().nullable(),
        cache: z.boolean(),
        clientToken: z.string().nullable(),
      })
      .strict(),
  })
  .strict();

export const grantBody = z.object({ grant: z.object({ flowId: z.string(), grant: z.string(), grantExpiresAt: iso }).strict() }).strict();

export const redeemedBody = z
  .object({
    result: z
      .object({
        flowId: z.string(),
        accountId: z.string(),
        sessionsEnded: z.array(z.string()),
        notices: z.array(z.object({ channel: z.enum(['sms', 'mail']), to: masked, status: z.enum(['sent', 'failed', 'capped']), providerCode: z.string() }).strict()),
        message: z.string(),
      })
      .strict(),
  })
  .strict();

const grantExample = { grant: { flowId: 'recovery:u1001', grant: 'rg1.Qm9vdHN0cmFwcGluZyBpcyBub3QgYSBncmFudCBhdCBhbGw', grantExpiresAt: at } };

export const RECOVERY_ROUTES: RouteDoc[] = [
  {
    method: 'post', path: '/v1/recovery/lookup', summary: '找回账户: the accounts a phone, an email or an ID number leads to, masked, each with a ticket to start its recovery (no login)', tag: 'recovery', auth: 'apiKey', scope: 'flows:write',
    body: lookupBody, requestExample: { phone: '13800138000', client: { ip: '203.0.113.7' } },
    responses: {
      200: {
        description: 'the matches (none: an empty list and the same message); every lookup takes a slot of the per-identifier and per-IP limits',
        schema: lookupAnswerBody,
        example: { recovery: { matches: [{ accountId: 'u1001', phone: '138****8000', email: 'a***@example.com', idNumber: null, realName: true, frozen: false, methods: ['sms', 'mail', 'face'], ticket: 'rt1.…', ticketExpiresAt: at }], message: LOOKUP_MESSAGE } },
      },
    },
    errors: ['INVALID_INPUT', 'INVALID_PHONE', 'INVALID_EMAIL', 'REAL_NAME_INVALID_ID', 'RECOVERY_LOOKUP_LIMIT'],
  },
  {
    method: 'post', path: '/v1/recovery/flows', summary: "Start a recovery with a lookup's ticket: a code to the bound phone (sms) or email (mail), or a face check against the account's real-name identity", tag: 'recovery', auth: 'apiKey', scope: 'flows:write',
    body: startRecoveryBody, requestExample: { ticket: 'rt1.…', method: 'sms', deviceId: 'phone-1', client: { ip: '203.0.113.7' } },
    responses: {
      201: {
        description: 'started: the code sent (sms, mail), or the certifyId and the client token the app posts its completion to POST /v1/face/completion with (face)',
        schema: recoveryStartedBody,
        example: { flow: { flowId: 'recovery:u1001', method: 'sms', code: { flowId: 'recovery:u1001', sentTo: '138****8000', codeExpiresAt: at, resendAvailableAt: at }, face: null, cache: false, clientToken: null } },
      },
      200: { description: 'a repeat of the same start (same method, same device): the same answer (cache: true)', schema: recoveryStartedBody },
    },
    errors: ['RECOVERY_TICKET_INVALID', 'RECOVERY_METHOD_UNAVAILABLE', 'FACE_DISABLED', 'FACE_QUOTA_REQUIRED', 'FACE_METAINFO_MISSING', 'FACE_CLIENT_UNSUPPORTED', 'FLOW_IN_PROGRESS', 'CODE_DAILY_LIMIT', 'SMS_SEND_FAILED', 'MAIL_SEND_FAILED'],
  },
  {
    method: 'post', path: '/v1/flows/:flowId/grant', summary: "Recovery by face: waits for the face check's verdict; its success answers the grant", tag: 'recovery', auth: 'apiKey', scope: 'flows:write',
    params: { flowId }, responses: { 200: { description: 'the grant (the same one each time it is collected)', schema: grantBody, example: grantExample } },
    errors: ['FLOW_NOT_FOUND', 'FLOW_CLOSED', 'PROOF_METHOD_MISMATCH', 'FACE_FAILED', 'FACE_EXPIRED'],
  },
  {
    method: 'post', path: '/v1/recovery-grants/:grant/redeem', summary: 'The platform redeems a recovery grant, once: every session of the account ends and every bound contact is told', tag: 'recovery', auth: 'apiKey', scope: 'flows:write',
    params: { grant: z.string().describe('rg1.… as the code or grant route answered it') }, body: redeemBody, requestExample: { client: { ip: '203.0.113.7' } },
    responses: {
      200: {
        description: 'redeemed',
        schema: redeemedBody,
        example: { result: { flowId: 'recovery:u1001', accountId: 'u1001', sessionsEnded: ['app-1'], notices: [{ channel: 'sms', to: '138****8000', status: 'sent', providerCode: 'Ok' }], message: RECOVERED_MESSAGE } },
      },
    },
    errors: ['RECOVERY_GRANT_INVALID', 'RECOVERY_GRANT_USED', 'RECOVERY_GRANT_EXPIRED'],
  },
];
