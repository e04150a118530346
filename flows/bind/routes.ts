// First-time bind of a phone or email over HTTP. The request bodies live beside the only
// routes that parse them; flows/bind/openapi.ts documents both.
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Pool } from 'pg';
import { normalizeEmail, normalizePhone } from '../../lib/contacts';
import { AppError } from '../../lib/errors';
import { requireScope } from '../../http/auth';
import type { AbuseLimits } from '../../http/abuse-limits';
import type { BindFlows } from './start';
import { metaOf } from '../../http/request-meta';
import { accountId, clientMeta, sessionId, text } from '../../http/schemas';
import { parse } from '../../http/validation';
import { refuseFrozen } from '../../http/frozen-account';
import { requestAccount } from '../../http/request-account';

export const bindPhoneBody = z.object({ phone: text({ max: 256 }), sessionId: sessionId.optional(), client: clientMeta }).strict();
export const bindEmailBody = z.object({ email: text({ max: 1024 }), sessionId: sessionId.optional(), client: clientMeta }).strict();

export function bindRoutes(pool: Pool, flows: BindFlows, limits: AbuseLimits): Router {
  const r = Router();

  async function existing(req: Request, id: string) {
    const row = await requestAccount(pool, req, id);
    if (!row) throw new AppError('ACCOUNT_NOT_FOUND');
    return row;
  }

  r.post('/v1/accounts/:id/phone/bind', requireScope('flows:write'), refuseFrozen({ pool }), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const body = parse(bindPhoneBody, req.body);
    const phone = normalizePhone(body.phone);
    if (!phone) throw new AppError('INVALID_PHONE');
    const account = await existing(req, id);
    if (account.phone_idx) throw new AppError('PHONE_ALREADY_BOUND');
    const meta = metaOf(req, body.client);
    await limits.contactCheck(id, body.client?.ip); // the flow answers PHONE_TAKEN: no free oracle
    res.status(201).json({ flow: await flows.start('phone', id, phone, meta, body.sessionId) });
  });

  r.post('/v1/accounts/:id/email/bind', requireScope('flows:write'), refuseFrozen({ pool }), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const body = parse(bindEmailBody, req.body);
    const email = normalizeEmail(body.email);
    if (!email) throw new AppError('INVALID_EMAIL');
    const account = await existing(req, id);
    if (account.email_idx) throw new AppError('EMAIL_ALREADY_BOUND');
    const meta = metaOf(req, body.client);
    await limits.contactCheck(id, body.client?.ip);
    res.status(201).json({ flow: await flows.start('email', id, email, meta, body.sessionId) });
  });

  return r;
}
