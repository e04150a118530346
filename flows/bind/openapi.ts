// OpenAPI entries of the bind routes (flows/bind/routes.ts), from the zod schemas those
// routes validate with, and the shape of a bind's result, which only a bind answers with
// (POST /v1/flows/:flowId/code shows it for a bind flow).
import { z } from 'zod';
import type { RouteDoc } from '../../http/route-doc';
import { accountId } from '../../http/schemas';
import { codeSentBody, codeSentExample as sent, flowError, masked } from '../../http/response-schemas';
import { bindEmailBody, bindPhoneBody } from './routes';

export const bindResult = z
  .object({
    flowId: z.string(),
    outcome: z.enum(['bound', 'rejected', 'expired', 'locked', 'cancelled']),
    accountId: z.string(),
    target: masked,
    sessionsEnded: z.array(z.string()),
    error: flowError,
    /** the seed's answer: 绑定手机号成功 / 邮件绑定成功, or the error's text */
    message: z.string(),
  })
  .strict();
export const bindResultBody = z.object({ result: bindResult }).strict();

export const BIND_ROUTES: RouteDoc[] = [
  {
    method: 'post', path: '/v1/accounts/:id/phone/bind', summary: 'Start binding a first phone: a code goes out by SMS (scene bind_phone)', tag: 'bind', auth: 'apiKey', scope: 'flows:write',
    params: { id: accountId }, body: bindPhoneBody, requestExample: { phone: '13800138000', sessionId: 'web-1', client: { ip: '203.0.113.7' } },
    responses: { 201: { description: 'flow started, code sent', schema: codeSentBody, example: { flow: sent } } },
    errors: ['INVALID_PHONE', 'ACCOUNT_NOT_FOUND', 'PHONE_ALREADY_BOUND', 'PHONE_TAKEN', 'FLOW_IN_PROGRESS', 'CODE_TOO_SOON', 'CODE_DAILY_LIMIT', 'SMS_SEND_FAILED'],
  },
  {
    method: 'post', path: '/v1/accounts/:id/email/bind', summary: 'Start binding a first email: a code goes out by mail (scene bind_email)', tag: 'bind', auth: 'apiKey', scope: 'flows:write',
    params: { id: accountId }, body: bindEmailBody, requestExample: { email: 'example@test.com' },
    responses: { 201: { description: 'flow started, code sent', schema: codeSentBody, example: { flow: { ...sent, flowId: 'bind-email:u1001', sentTo: 'examp*****@test.com' } } } },
    errors: ['INVALID_EMAIL', 'ACCOUNT_NOT_FOUND', 'EMAIL_ALREADY_BOUND', 'EMAIL_TAKEN', 'FLOW_IN_PROGRESS', 'CODE_DAILY_LIMIT', 'MAIL_SEND_FAILED'],
  },
];
