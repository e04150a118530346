// OpenAPI entries of the routes flows share (api/routes/flows.ts): the state of any kind a
// caller starts and cancelling it; the code of bind and rebind, answered with their shapes,
// so this imports both flows' documents; no flow imports these.
import { z } from 'zod';
import type { RouteDoc } from '../http/route-doc';
import * as req from '../http/schemas';
import { codeSentBody, flowStateBody } from '../http/response-schemas';
import { bindResultBody } from '../flows/bind/openapi';
import { proofAcceptedBody } from '../flows/rebind/openapi';
import { grantBody } from '../flows/recovery/openapi';
import { sceneResultBody } from '../flows/face-scene/openapi';

export const FLOW_ROUTES: RouteDoc[] = [
  {
    method: 'get', path: '/v1/flows/:flowId', summary: "A flow's state (any kind)", tag: 'flows', auth: 'apiKey', scope: 'flows:read',
    params: { flowId: req.flowId }, responses: { 200: { description: 'state', schema: flowStateBody } }, errors: ['FLOW_NOT_FOUND'],
  },
  {
    method: 'delete', path: '/v1/flows/:flowId', summary: 'Cancel a live flow (any kind; a real-name flow gives its face hold back)', tag: 'flows', auth: 'apiKey', scope: 'flows:write',
    params: { flowId: req.flowId }, responses: { 200: { description: 'cancelled; its state', schema: flowStateBody } }, errors: ['FLOW_NOT_FOUND', 'FLOW_CLOSED', 'FLOW_IN_PROGRESS'],
  },
  {
    method: 'post', path: '/v1/flows/:flowId/code/resend', summary: 'Another code (bind: to the new address; rebind: the proof code; recovery: to the bound contact)', tag: 'flows', auth: 'apiKey', scope: 'flows:write',
    params: { flowId: req.flowId }, responses: { 200: { description: 'code sent', schema: codeSentBody } }, errors: ['CODE_TOO_SOON', 'CODE_DAILY_LIMIT', 'FLOW_CLOSED'],
  },
  {
    method: 'post', path: '/v1/flows/:flowId/code', summary: 'Submit the code (bind: completes it; rebind: the proof, answered with the unbind token; recovery / password reset: answered with the grant; security check: answered with the security pass as { grant }; unfreeze / cancellation by code: the scene\'s result)', tag: 'flows', auth: 'apiKey', scope: 'flows:write',
    params: { flowId: req.flowId }, body: req.submitCodeBody, requestExample: { code: '123456' },
    responses: {
      200: { description: 'bind: { result } · rebind: { proof } · recovery: { grant } · a face scene by code: { result }', schema: z.union([bindResultBody, proofAcceptedBody, grantBody, sceneResultBody]), example: { result: { flowId: 'bind-phone:u1001', outcome: 'bound', accountId: 'u1001', target: '138****8000', sessionsEnded: [], error: null, message: '绑定手机号成功' } } },
    },
    errors: ['CODE_INVALID_FORMAT', 'CODE_WRONG', 'CODE_EXPIRED', 'CODE_ATTEMPTS_EXCEEDED', 'PHONE_TAKEN', 'FLOW_CLOSED'],
  },
];
