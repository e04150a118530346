// The security check over HTTP (docs/flows/security-check.md). The platform's backend calls it
// with its API key on the user's behalf when real-name verification answered
// REAL_NAME_UNSAFE_ENVIRONMENT (jump security):
//   POST /v1/accounts/:id/security-check   a live session of the account and the device the
//                                          platform flagged → a code to the bound phone
//   POST /v1/flows/:flowId/code[/resend]   the code routes every code flow shares; the submit
//                                          answers { grant }: the security pass, which the
//                                          real-name start carries as securityPass
import { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../../http/deps';
import { requireScope } from '../../http/auth';
import { metaOf } from '../../http/request-meta';
import { accountId, clientMeta, sessionId } from '../../http/schemas';
import { parse } from '../../http/validation';
import type { GrantFlows } from '../../http/grant-flows';
import { sessionIsLive } from '../../db/sessions';
import { AppError } from '../../lib/errors';
import { deviceId } from '../face-check/routes';
import { refuseFrozen } from '../../http/frozen-account';
import { requestAccount } from '../../http/request-account';

export const startSecurityCheckBody = z
  .object({
    /** the session that asks (a logged-in user, as the real-name page it came from) */
    sessionId: sessionId.optional(),
    /** the device the platform flagged unsafe: the pass is good for real-name on this device only */
    deviceId,
    client: clientMeta,
  })
  .strict();

/** Mounted after the API-key middleware (a frozen account was refused before, by the guard every flow start passes). */
export function securityCheckRoutes(d: ApiDeps, flows: GrantFlows): Router {
  const r = Router();

  r.post('/v1/accounts/:id/security-check', requireScope('flows:write'), refuseFrozen(d), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const body = parse(startSecurityCheckBody, req.body ?? {});
    // real-name's own order (4/24 #13): the login, then the phone, then the code
    const account = await requestAccount(d.pool, req, id);
    if (!account) throw new AppError('ACCOUNT_NOT_FOUND');
    if (!body.sessionId || !(await sessionIsLive(d.pool, id, body.sessionId))) throw new AppError('SECURITY_CHECK_LOGIN_REQUIRED');
    if (!account.phone_enc) throw new AppError('SECURITY_CHECK_PHONE_REQUIRED');
    const flow = await flows.start({ accountId: id, method: 'sms', deviceId: body.deviceId, meta: metaOf(req, body.client), boundDeviceId: body.deviceId });
    res.status(flow.cache ? 200 : 201).json({ flow: { flowId: flow.flowId, code: flow.code, cache: flow.cache } });
  });

  return r;
}
