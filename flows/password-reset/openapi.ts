// OpenAPI entries of password reset's routes (flows/password-reset/routes.ts), from the zod
// schemas those routes validate with, and the shapes only they answer with.
import { z } from 'zod';
import type { RouteDoc } from '../../http/route-doc';
import { accountId, redeemBody } from '../../http/schemas';
import { codeSent } from '../../http/response-schemas';
import { redeemedBody } from '../recovery/openapi';
import { startPasswordResetBody } from './routes';
import { PASSWORD_RESET_MESSAGE, PASSWORD_RESET_METHODS, type PasswordResetMethod } from './contract';

const at = '2026-11-22T08:05:00.000Z';

export const resetStartedBody = z
  .object({ flow: z.object({ flowId: z.string(), method: z.enum(PASSWORD_RESET_METHODS as [PasswordResetMethod, ...PasswordResetMethod[]]), code: codeSent, cache: z.boolean() }).strict() })
  .strict();

export const PASSWORD_RESET_ROUTES: RouteDoc[] = [
  {
    method: 'post', path: '/v1/accounts/:id/password-reset', summary: 'Password reset (update_password): a code to the bound phone (a live session of the account asks) or the bound email (typed again; it must be this account\'s); the code, submitted to POST /v1/flows/:flowId/code, answers a reset grant', tag: 'password-reset', auth: 'apiKey', scope: 'flows:write',
    params: { id: accountId }, body: startPasswordResetBody, requestExample: { method: 'sms', sessionId: 'app-1', client: { ip: '203.0.113.7' } },
    responses: {
      201: { description: 'the code sent', schema: resetStartedBody, example: { flow: { flowId: 'password-reset:u1001', method: 'sms', code: { flowId: 'password-reset:u1001', sentTo: '138****8000', codeExpiresAt: at, resendAvailableAt: at }, cache: false } } },
      200: { description: 'a repeat of the same start: the same answer (cache: true)', schema: resetStartedBody },
    },
    errors: ['PASSWORD_RESET_PARAMS_INCOMPLETE', 'ACCOUNT_NOT_FOUND', 'ACCOUNT_FROZEN', 'PASSWORD_RESET_LOGIN_REQUIRED', 'SCENE_PHONE_REQUIRED', 'INVALID_EMAIL', 'PASSWORD_RESET_EMAIL_MISMATCH', 'FLOW_IN_PROGRESS', 'CODE_DAILY_LIMIT', 'SMS_SEND_FAILED', 'MAIL_SEND_FAILED'],
  },
  {
    method: 'post', path: '/v1/password-reset-grants/:grant/confirm', summary: 'The platform applied the new password: confirms with the reset grant, once; every session but the one that reset ends, every bound contact is told (账户密码重置成功)', tag: 'password-reset', auth: 'apiKey', scope: 'flows:write',
    params: { grant: z.string().describe('rg1.… as the code route answered it') }, body: redeemBody, requestExample: {},
    responses: { 200: { description: 'confirmed', schema: redeemedBody, example: { result: { flowId: 'password-reset:u1001', accountId: 'u1001', sessionsEnded: ['web-2'], notices: [{ channel: 'sms', to: '138****8000', status: 'sent', providerCode: 'Ok' }], message: PASSWORD_RESET_MESSAGE } } } },
    errors: ['RECOVERY_GRANT_INVALID', 'RECOVERY_GRANT_USED', 'RECOVERY_GRANT_EXPIRED'],
  },
];
