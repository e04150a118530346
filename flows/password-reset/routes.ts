// Password reset over HTTP (docs/flows/password-reset.md). The platform's backend calls these
// with its API key on the user's behalf:
//   POST /v1/accounts/:id/password-reset            method sms (a logged-in session, the bound
//                                                   phone) or mail (the bound email, typed again:
//                                                   it must be this account's) → the code's answer
//   POST /v1/flows/:flowId/code[/resend]            the code routes every code flow shares; the
//                                                   submit answers the reset grant
//   POST /v1/password-reset-grants/:grant/confirm   the platform applied the new password: every
//                                                   other session ends, the contacts are told
import { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../../http/deps';
import { requireScope } from '../../http/auth';
import { metaOf } from '../../http/request-meta';
import { accountId, clientMeta, sessionId, text } from '../../http/schemas';
import { parse } from '../../http/validation';
import { redeemGrant } from '../../http/grant-redeem';
import type { GrantFlows } from '../../http/grant-flows';
import { contactIndex, findAccount } from '../../db/accounts';
import { sessionIsLive } from '../../db/sessions';
import { CONTACT } from '../../lib/contact-kinds';
import { AppError } from '../../lib/errors';
import { deviceId } from '../face-check/routes';
import { PASSWORD_RESET_MESSAGE, PASSWORD_RESET_METHODS, type PasswordResetMethod } from './contract';
import { refuseFrozen } from '../../http/frozen-account';

export const startPasswordResetBody = z
  .object({
    method: z.enum(PASSWORD_RESET_METHODS as [PasswordResetMethod, ...PasswordResetMethod[]]).optional(),
    /** sms: the session that asks (the seed: 短信重置密码必须用户已登录); it stays logged in */
    sessionId: sessionId.optional(),
    /** mail: the address the user typed, which must be the one this account has bound */
    email: text({ max: 254 }).optional(),
    deviceId: deviceId.optional(),
    client: clientMeta,
  })
  .strict();

/** Mounted after the API-key middleware. */
export function passwordResetRoutes(d: ApiDeps, flows: GrantFlows): Router {
  const r = Router();

  r.post('/v1/accounts/:id/password-reset', requireScope('flows:write'), refuseFrozen(d), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const body = parse(startPasswordResetBody, req.body ?? {});
    // the seed's checks (4/18 #14): the parameters, the login, the contact, then the code (a
    // frozen account was refused before, by the guard every flow start passes)
    if (!body.method || (body.method === 'mail' && body.email === undefined)) throw new AppError('PASSWORD_RESET_PARAMS_INCOMPLETE');
    const account = await findAccount(d.pool, id);
    if (!account) throw new AppError('ACCOUNT_NOT_FOUND');
    const live = body.sessionId ? await sessionIsLive(d.pool, id, body.sessionId) : false;
    if ((body.method === 'sms' || body.sessionId) && !live) throw new AppError('PASSWORD_RESET_LOGIN_REQUIRED');
    if (body.method === 'sms' && !account.phone_enc) throw new AppError('SCENE_PHONE_REQUIRED');
    if (body.method === 'mail') {
      // an email-code reset checks that the email belongs to the account being reset (4/19 #14-1)
      const typed = CONTACT.email.normalize(body.email!);
      if (!typed) throw new AppError('INVALID_EMAIL');
      if (!account.email_idx || !contactIndex(d.fieldCrypto, 'email', typed).equals(account.email_idx)) throw new AppError('PASSWORD_RESET_EMAIL_MISMATCH');
    }
    const flow = await flows.start({ accountId: id, method: body.method, deviceId: body.deviceId ?? 'web', meta: metaOf(req, body.client), keepSessionId: body.sessionId ?? null });
    res.status(flow.cache ? 200 : 201).json({ flow: { flowId: flow.flowId, method: flow.method, code: flow.code, cache: flow.cache } });
  });

  r.post('/v1/password-reset-grants/:grant/confirm', requireScope('flows:write'), redeemGrant(d.pool, flows, 'password_reset', PASSWORD_RESET_MESSAGE));

  return r;
}
