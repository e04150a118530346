// OpenAPI entries of the demo console (api/routes/console.ts): the page, its assets, its config,
// the sandbox-inbox proxy and the face providers' app sides (development / test only).
import type { RouteDoc } from '../http/route-doc';
import { aliyunFinishAnswer, aliyunFinishBody, consoleConfigBody, inboxCodeBody, inboxMailQuery, inboxSmsQuery, wechatVerifyAnswer, wechatVerifyBody } from './routes/console';

const tag = 'console';
const code = { code: '482913', receivedAt: '2026-11-22T08:00:00.000Z', text: '【验证】您的验证码为482913,5分钟内有效。' };

export const CONSOLE_ROUTES: RouteDoc[] = [
  { method: 'get', path: '/console', summary: 'The demo console (HTML): plays the app and the platform against this API', tag, auth: 'none', responses: { 200: { description: 'text/html' } } },
  { method: 'get', path: '/console/console.js', summary: "The console's script", tag, auth: 'none', responses: { 200: { description: 'text/javascript' } } },
  { method: 'get', path: '/console/console.css', summary: "The console's style sheet", tag, auth: 'none', responses: { 200: { description: 'text/css' } } },
  {
    method: 'get', path: '/console/config.json', summary: 'What the console needs: Temporal Web UI, namespace, the inbox and (development / test only) the dev API key', tag, auth: 'none',
    responses: { 200: { description: 'config', schema: consoleConfigBody, example: { env: 'development', inboxUrl: 'http://127.0.0.1:8025', temporalUiUrl: 'http://127.0.0.1:8233', namespace: 'default', realNameAgreement: { id: 'real', version: '1' }, apiKey: 'dev-api-key-change-me' } } },
  },
  {
    method: 'get', path: '/console/inbox/sms/latest-code', summary: 'The newest code the sandbox SMS gateway received for a phone (proxy to the inbox; development / test only, 404 in production)', tag, auth: 'apiKey', scope: 'flows:read',
    query: inboxSmsQuery,
    responses: { 200: { description: 'the code', schema: inboxCodeBody, example: code } },
    errors: ['INVALID_INPUT', 'NOT_FOUND', 'ROUTE_NOT_FOUND', 'SERVICE_UNAVAILABLE'],
  },
  {
    method: 'get', path: '/console/inbox/mail/latest-code', summary: 'The newest code the sandbox SMTP sink received for an address (proxy to the inbox; development / test only, 404 in production)', tag, auth: 'apiKey', scope: 'flows:read',
    query: inboxMailQuery,
    responses: { 200: { description: 'the code', schema: inboxCodeBody, example: code } },
    errors: ['INVALID_INPUT', 'NOT_FOUND', 'ROUTE_NOT_FOUND', 'SERVICE_UNAVAILABLE'],
  },
  {
    method: 'post', path: '/console/sandbox/aliyun/finish', summary: "The user's scan on Alibaba's side: finishes a certifyId with a SubCode on the Alibaba Cloud ID Verification sandbox (ALIYUN_FACE_ENDPOINT); development / test only, 404 in production", tag, auth: 'apiKey', scope: 'flows:read',
    body: aliyunFinishBody, requestExample: { certifyId: 'sha1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6', subCode: '204' },
    responses: { 200: { description: 'finished: DescribeFaceVerify now answers this SubCode', schema: aliyunFinishAnswer, example: { provider: 'aliyun', certifyId: 'sha1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6', subCode: '204' } } },
    errors: ['INVALID_INPUT', 'NOT_FOUND', 'ROUTE_NOT_FOUND', 'SERVICE_UNAVAILABLE'],
  },
  {
    method: 'post', path: '/console/sandbox/wechat/requestFacialVerify', summary: "The mini-program's wx.requestFacialVerify: plays a verify_ret for a verify_id on the WeChat sandbox (WECHAT_API_BASE_URL); development / test only, 404 in production", tag, auth: 'apiKey', scope: 'flows:read',
    body: wechatVerifyBody, requestExample: { verifyId: 'vfy_2a1b3c4d5e6f', verifyRet: 10000 },
    responses: { 200: { description: 'played: queryverifyinfo now answers this verify_ret', schema: wechatVerifyAnswer, example: { provider: 'wechat', verifyId: 'vfy_2a1b3c4d5e6f', verifyRet: 10000 } } },
    errors: ['INVALID_INPUT', 'ROUTE_NOT_FOUND', 'SERVICE_UNAVAILABLE'],
  },
];
