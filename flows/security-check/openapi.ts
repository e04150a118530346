// OpenAPI entries of the security check's route (./routes.ts), from the zod schema that route
// validates with, and the shape only it answers with. Its code is submitted to the shared
// POST /v1/flows/:flowId/code (api/openapi-flows.ts), which answers { grant }: the security pass.
import { z } from 'zod';
import type { RouteDoc } from '../../http/route-doc';
import { accountId } from '../../http/schemas';
import { codeSent } from '../../http/response-schemas';
import { startSecurityCheckBody } from './routes';

const at = '2026-11-22T08:05:00.000Z';

export const securityCheckStartedBody = z.object({ flow: z.object({ flowId: z.string(), code: codeSent, cache: z.boolean() }).strict() }).strict();

export const SECURITY_CHECK_ROUTES: RouteDoc[] = [
  {
    method: 'post', path: '/v1/accounts/:id/security-check', summary: 'Security check (安全环境验证码, seed 4/30): after REAL_NAME_UNSAFE_ENVIRONMENT (jump security), a code to the bound phone; the code, submitted to POST /v1/flows/:flowId/code, answers { grant }: a single-use security pass for this account and device, which POST /v1/accounts/:id/real-name takes as securityPass', tag: 'security-check', auth: 'apiKey', scope: 'flows:write',
    params: { id: accountId }, body: startSecurityCheckBody, requestExample: { sessionId: 'app-1', deviceId: 'phone-1', client: { ip: '203.0.113.7' } },
    responses: {
      201: { description: 'the code sent', schema: securityCheckStartedBody, example: { flow: { flowId: 'security-check:u1001', code: { flowId: 'security-check:u1001', sentTo: '138****8000', codeExpiresAt: at, resendAvailableAt: at }, cache: false } } },
      200: { description: 'a repeat of the same start: the same answer (cache: true)', schema: securityCheckStartedBody },
    },
    errors: ['ACCOUNT_NOT_FOUND', 'ACCOUNT_FROZEN', 'SECURITY_CHECK_LOGIN_REQUIRED', 'SECURITY_CHECK_PHONE_REQUIRED', 'FLOW_IN_PROGRESS', 'CODE_DAILY_LIMIT', 'SMS_SEND_FAILED'],
  },
];
